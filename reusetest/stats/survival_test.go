package stats

import (
	"math"
	"slices"
	"testing"

	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// TestKaplanMeier against a case worked by hand: seven lives, ends at 3,
// 5, 5 and 10, censored at 5, 8 and 12, given out of order. At 3, 1 of 7
// at risk ends: S = 6/7. At 5, 2 of 6 end (the life censored at 5 was at
// risk then): S = 6/7 x 4/6 = 4/7. 8 is censored only: no step. At 10, 1
// of 2 ends: S = 4/7 x 1/2 = 2/7. 12 is censored: no step.
func TestKaplanMeier(t *testing.T) {
	obs := []Observation{{12, false}, {5, true}, {3, true}, {8, false}, {5, false}, {10, true}, {5, true}}
	given := slices.Clone(obs)
	times, surv := KaplanMeier(obs)
	assert.Check(t, is.DeepEqual(times, []float64{0, 3, 5, 10}))
	want := []float64{1, 6.0 / 7, 4.0 / 7, 2.0 / 7}
	assert.Assert(t, is.Len(surv, len(want)))
	for i := range want {
		assert.Check(t, math.Abs(surv[i]-want[i]) < 1e-12, "S(%v) = %v, want %v", times[i], surv[i], want[i])
	}
	assert.Check(t, is.DeepEqual(obs, given), "the lives given are left as they were")

	// Every life ended: the empirical survival, down to 0.
	times, surv = KaplanMeier([]Observation{{2, true}, {1, true}, {2, true}, {4, true}})
	assert.Check(t, is.DeepEqual(times, []float64{0, 1, 2, 4}))
	assert.Check(t, is.DeepEqual(surv, []float64{1, 0.75, 0.25, 0}))

	// None ended, or none at all: no step from 1.
	for _, obs := range [][]Observation{nil, {{7, false}, {9, false}}} {
		times, surv = KaplanMeier(obs)
		assert.Check(t, is.DeepEqual(times, []float64{0}))
		assert.Check(t, is.DeepEqual(surv, []float64{1}))
	}
}

func TestReaching(t *testing.T) {
	times, surv := KaplanMeier([]Observation{{T: 10, Ended: true}, {T: 20, Ended: true}, {T: 30, Ended: false}, {T: 40, Ended: true}})
	for _, tc := range []struct{ t, want float64 }{{0, 1}, {10, 1}, {10.5, 0.75}, {20, 0.75}, {25, 0.5}, {40, 0.5}, {41, 0}} {
		assert.Check(t, is.Equal(Reaching(times, surv, tc.t), tc.want), "t %v", tc.t)
	}
}
