package lambdasim

import (
	"math"
	"testing"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/reuse"
	"gotest.tools/v3/assert"
)

// TestIdleExperimentRecoversTheIdleTimeout is the idle experiment's check of
// method: in a world whose idle-timeout distribution is known, the measured
// curve must agree with it at every gap, within the 99.9% Wilson interval,
// for every placement rule. A biased method (a survivor left unseen, a call
// counted warm on an environment the warm phase did not use) fails it.
func TestIdleExperimentRecoversTheIdleTimeout(t *testing.T) {
	worlds := []struct {
		name     string
		timeout  Dist
		survival func(time.Duration) float64
		gaps     []time.Duration
	}{
		{"uniform 5m18s-7m (seed-2021)", Uniform(5*time.Minute+18*time.Second, 7*time.Minute), func(d time.Duration) float64 {
			lo, hi := 5*time.Minute+18*time.Second, 7*time.Minute
			return math.Min(1, math.Max(0, float64(hi-d)/float64(hi-lo)))
		}, []time.Duration{4 * time.Minute, 5*time.Minute + 30*time.Second, 6 * time.Minute, 6*time.Minute + 30*time.Second, 8 * time.Minute}},
		{"exponential, mean 5m", Exponential(5 * time.Minute), func(d time.Duration) float64 {
			return math.Exp(-d.Minutes() / 5)
		}, []time.Duration{time.Minute, 3 * time.Minute, 5 * time.Minute, 10 * time.Minute}},
	}
	for _, w := range worlds {
		prof, err := LookupProfile(ProfileSeed2021)
		assert.NilError(t, err)
		prof.IdleTimeout = w.timeout
		prof.MaxLifetime = Fixed(10_000 * time.Hour) // only idleness ends an environment
		for _, placement := range placements {
			schedule, err := reuse.NewIdle(20, w.gaps, 50, 500, 3, 0)
			assert.NilError(t, err)
			sim := &Simulation{schedule: schedule, plan: schedule.Plan(), profile: prof, placement: placement, seed: 11}
			sum := reuse.NewSummarizer(schedule, "simulator", sim.Describe())
			_, err = sim.Run(t.Context(), sum.Add)
			assert.NilError(t, err)
			idle := sum.Summary().Idle
			for _, pt := range idle.Points {
				// The environment idles from the end of its warm call to the
				// probe's arrival: the gap, less the cold start (215 ms).
				want := w.survival(time.Duration(pt.GapMinutes*float64(time.Minute)) - 215*time.Millisecond)
				low, high := reuse.Wilson(pt.Warm, pt.Samples, 3.29)
				assert.Check(t, pt.Samples == 20*50, "%s, %s, gap %v: %d samples", w.name, placement, pt.GapMinutes, pt.Samples)
				assert.Check(t, low <= want && want <= high, "%s, %s, gap %v min: measured %v [%.3f, %.3f], true %.3f",
					w.name, placement, pt.GapMinutes, pt.P, low, high, want)
			}
			assert.Check(t, idle.ExcludedTrials == 0 && idle.Throttled == 0)
		}
	}
}
