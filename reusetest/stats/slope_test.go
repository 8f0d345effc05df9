package stats

import (
	"math"
	"testing"

	"gotest.tools/v3/assert"
)

func TestTheilSen(t *testing.T) {
	// A line is itself, wild points or not (fewer than 29% of them).
	var xs, ys []float64
	for i := range 20 {
		xs, ys = append(xs, float64(i+1)), append(ys, 80+0.1*float64(i+1))
	}
	ys[3], ys[11], ys[17] = 500, -40, 1e6
	slope, icept, ok := TheilSen(xs, ys)
	assert.Check(t, ok)
	assert.Check(t, math.Abs(slope-0.1) < 1e-12 && math.Abs(icept-80) < 1e-9, "slope %v, intercept %v", slope, icept)
	// By hand: slopes 1, 2 and 3 between (0,0), (1,1), (2,4): median 2;
	// intercepts 0, -1, 0: median 0.
	slope, icept, ok = TheilSen([]float64{0, 1, 2}, []float64{0, 1, 4})
	assert.Check(t, ok && slope == 2 && icept == 0, "%v %v", slope, icept)
	_, _, ok = TheilSen([]float64{3, 3}, []float64{1, 2})
	assert.Check(t, !ok, "no two xs differ: no slope")
}
