package stats

import (
	"testing"

	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

func TestPercentile(t *testing.T) {
	tests := []struct {
		xs   []float64
		p    float64
		want float64
	}{
		{nil, 50, 0},
		{[]float64{7}, 90, 7},
		{[]float64{1, 2, 3, 4}, 50, 2.5}, // even count: mean of the middle two
		{[]float64{1, 2, 3, 4, 5}, 50, 3},
		{[]float64{0, 10}, 10, 1},
		{[]float64{1, 2, 3}, 0, 1},
		{[]float64{1, 2, 3}, 100, 3},
	}
	for _, tc := range tests {
		assert.Check(t, is.Equal(Percentile(tc.xs, tc.p), tc.want), "%v at p%v", tc.xs, tc.p)
	}
}
