package fit

import (
	"math"
	"testing"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdasim"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// TestFitKeysEnvironmentsNotGenerations: in the independent world
// (world_test.go) where 1% of calls fail and reset their environment (a
// new instance id in the same log stream, as Lambda's logs and the
// probe's records show it), the fit sees the world's environments, not
// its runtime generations: as many as the world made, its maximum
// lifetime (80 minutes plus an exponential of mean 25: median 97.3)
// within 10%, its init latency (150 ms plus an exponential of mean 60:
// median 191.6 ms; a reset runs the same init) within 10%, the
// newest rule named or undecided, never another (keyed by instance id, a
// reset would look like a new environment, and no rule would explain
// the choices), and the calls per environment it reads (median) the world's.
func TestFitKeysEnvironmentsNotGenerations(t *testing.T) {
	heavy(t)
	plan := schedule.Steady{Calls: schedule.SeedCalls, RatePerSec: schedule.SeedRatePerSec, HandlerMS: 300}
	w := newWorld(21)
	w.rule, w.work, w.failShare = "youngest", 200*time.Millisecond, 0.01
	f := NewFitter(summary.NewSummarizer(plan, "test", nil), plan, nil)
	w.run(plan, f.Add)
	res, err := f.Fit(t.Context(), Options{From: "test"})
	assert.NilError(t, err)
	got := f.Summary()
	resets := 0
	for _, e := range w.all {
		resets += e.gen
	}
	t.Logf("world: %d environments, %d resets; summary: %d environments, %d resets; fitter: %d environments", len(w.all), resets, got.Instances.Count, got.Instances.Resets, len(f.envs))
	assert.Assert(t, resets > 1000, "the world resets its environments often")
	assert.Check(t, is.Equal(got.Instances.Count, len(w.all)))
	assert.Check(t, is.Equal(len(f.envs), len(w.all)), "the fitter's environments are the world's")
	assert.Check(t, is.Equal(len(f.place.envs), len(w.all)), "the placement evidence's environments are the world's")
	truth := (80 + 25*math.Ln2) * 60
	within(t, "max lifetime median", median(res.Profile.MaxLifetime), truth, 0.10)
	within(t, "init latency median", median(res.Profile.InitLatency), 0.150+0.060*math.Ln2, 0.10)
	assert.Check(t, is.Len(f.cold, len(w.all)+resets), "one init's time per environment and per reset")
	assert.Check(t, is.Equal(f.resetInits, int64(resets)))
	d := res.Placement
	t.Logf("placement %q: %s", d.Rule, d.Why)
	assert.Check(t, d.Rule == "" || d.Rule == string(lambdasim.NewestCreated), "named %s in a newest world: %s", d.Rule, d.Why)
	var calls []float64
	for _, e := range w.all {
		calls = append(calls, float64(e.calls))
	}
	assert.Check(t, is.Equal(got.Reuse.Median, mwMedian(calls)), "calls per environment")
	t.Logf("max lifetime median %v; median calls per environment %v (world %v)", res.Profile.MaxLifetime.Quantile(0.5), got.Reuse.Median, mwMedian(calls))
}
