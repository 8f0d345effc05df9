package fit

import (
	"testing"

	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdasim"
	"github.com/lambda-reuse/lambda-reuse/reusetest/metric"
	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// halves splits a run of plan into its first half's records (as a run of
// their own) and a summary of its second half's (renumbered from 0).
type halves struct {
	plan, half schedule.Plan
	first      func(*record.Record)
	second     *summary.Summarizer
}

func newHalves(plan schedule.Plan, first func(*record.Record)) *halves {
	half := plan
	half.Calls = plan.Calls / 2
	return &halves{plan: plan, half: half, first: first, second: summary.NewSummarizer(schedule.Steady(half), "second half", nil)}
}

func (h *halves) Add(r *record.Record) {
	if r.Seq < h.half.Calls {
		if h.first != nil {
			h.first(r)
		}
		return
	}
	c := *r
	c.Seq -= h.half.Calls
	h.second.Add(&c)
}

// predictSecondHalf fits the first half of a run and predicts its second:
// the fitted profile simulates the whole plan (other seeds), and the second
// half of each simulation is compared with the measured second half on
// instances, median reuse and median lifetime (the mean of three seeds'
// predictions).
func predictSecondHalf(t *testing.T, plan schedule.Plan, run func(func(*record.Record)), tol float64) {
	t.Helper()
	f := NewFitter(summary.NewSummarizer(schedule.Steady(plan), "test", nil), schedule.Steady{Calls: plan.Calls / 2, RatePerSec: plan.RatePerSec, HandlerMS: plan.HandlerMS}, nil)
	measured := newHalves(plan, f.Add)
	run(measured.Add)
	res, err := f.Fit(t.Context(), Options{From: "the first half"})
	assert.NilError(t, err)
	var inst, reuseMed, life float64
	const seeds = 3
	for seed := range uint64(seeds) {
		sim, err := lambdasim.NewOf(schedule.Steady(plan), res.Profile, res.Profile.Placement, 100+seed)
		assert.NilError(t, err)
		h := newHalves(plan, nil)
		_, err = sim.Run(t.Context(), h.Add)
		assert.NilError(t, err)
		s := h.second.Summary()
		inst += float64(s.Instances.Count) / seeds
		reuseMed += s.Reuse.Median / seeds
		life += s.LifetimeMinutes.Median / seeds
	}
	got := measured.second.Summary()
	t.Logf("second half: instances %d predicted %.1f; median reuse %v predicted %.1f; median lifetime %v predicted %.1f min (placement %s)",
		got.Instances.Count, inst, got.Reuse.Median, reuseMed, got.LifetimeMinutes.Median, life, res.Profile.Placement)
	within(t, "instances", inst, float64(got.Instances.Count), tol)
	within(t, "median reuse", reuseMed, got.Reuse.Median, tol)
	within(t, "median lifetime", life, got.LifetimeMinutes.Median, tol)
}

// TestFitFirstHalfPredictsSecond (validation b): fitted on the first half
// of a run, the profile predicts the second half's instances, median reuse
// and median measured lifetime within 10%. Runs are twice the seed plan's
// length (33 hours), so each half holds about 70 environments.
func TestFitFirstHalfPredictsSecond(t *testing.T) {
	heavy(t)
	plan := schedule.Steady{Calls: 2 * schedule.SeedCalls, RatePerSec: schedule.SeedRatePerSec, HandlerMS: schedule.SeedHandler.Milliseconds()}
	seed, gov := builtins(t)
	for _, tc := range []struct {
		name      string
		truth     lambdasim.Profile
		placement lambdasim.Placement
	}{
		{"seed-2021", seed, lambdasim.MostRecentlyUsed},
		{"go-2026", gov, lambdasim.MostRecentlyUsed},
		{"other", otherWorld(t), lambdasim.Random},
	} {
		t.Run(tc.name, func(t *testing.T) {
			predictSecondHalf(t, plan.Plan(), simulated(t, plan, tc.truth, tc.placement, 9), 0.10)
		})
	}
}

// TestFitIndependentWorld (validation c): a world written for this test
// alone, sharing no code with lambdasim (world_test.go), is fitted on the
// first half of its run and its second half predicted within 15%.
func TestFitIndependentWorld(t *testing.T) {
	heavy(t)
	plan := schedule.Steady{Calls: 2 * schedule.SeedCalls, RatePerSec: schedule.SeedRatePerSec, HandlerMS: schedule.SeedHandler.Milliseconds()}
	predictSecondHalf(t, plan.Plan(), func(emit func(*record.Record)) { newWorld(5).run(plan, emit) }, 0.15)
}

// TestAStoppedRunIsPredictedOverTheCallsItMade: a run stopped at half its
// plan is predicted over the half it ran, not the whole plan.
func TestAStoppedRunIsPredictedOverTheCallsItMade(t *testing.T) {
	heavy(t)
	plan := schedule.Steady{Calls: 4 * 36_000, RatePerSec: 10, HandlerMS: 500}
	seed, _ := builtins(t)
	f := NewFitter(summary.NewSummarizer(plan, "test", nil), plan, nil)
	sim, err := lambdasim.NewOf(plan, seed, lambdasim.MostRecentlyUsed, 4)
	assert.NilError(t, err)
	sim.FirstCalls(plan.Calls / 4)
	_, err = sim.Run(t.Context(), f.Add)
	assert.NilError(t, err)
	preds, _, err := f.Predictions(t.Context(), lambdasim.ProfileSeed2021, Options{})
	assert.NilError(t, err)
	found := false
	starts := map[string]summary.PredictedMetric{}
	for _, m := range preds[0].Metrics {
		if m.Metric == metric.MetricInstances.Name {
			found = true
			assert.Check(t, m.Predicted <= 1.3*m.Measured && m.Predicted >= 0.7*m.Measured, "predicted %v instances, measured %v", m.Predicted, m.Measured)
		}
		starts[m.Metric] = m
	}
	assert.Check(t, found, "the prediction judges instances")
	// The starts by type stand beside the measurement too, shown (not judged).
	for _, m := range metric.StartMetrics() {
		p, ok := starts[m.Name]
		assert.Check(t, ok, "no %s in the prediction", m.Name)
		assert.Check(t, p.OK && p.Tolerance == 0, "%+v", p)
	}
	assert.Check(t, starts[metric.MetricRequestPath.Name].Measured > 0, "a run of on-demand starts: %+v", starts[metric.MetricRequestPath.Name])
}

// The notes of a prediction say what no kept parameter explains: the
// environments warm before the run, and failures past the band's high,
// by error type; nothing when the band holds the run's failed share.
func TestNotesSayWhatNoKeptParameterExplains(t *testing.T) {
	var measured summary.Summary
	measured.Requests.Total, measured.Requests.Failed = 1000, 10
	measured.Requests.ByError = map[string]int64{"Runtime.ExitError": 7, "Runtime.OutOfMemory": 3}
	share := metric.MetricFailedShare.Value(measured)
	low, high := 1.0, 1.004
	pred := summary.Prediction{Metrics: []summary.PredictedMetric{{Metric: metric.MetricFailedShare.Name, Predicted: 1.002, Measured: share, Low: &low, High: &high}}}
	notes := Notes(measured, pred)
	assert.Assert(t, is.Len(notes, 1))
	assert.Check(t, is.Contains(notes[0], "the run failed 10 calls (Runtime.ExitError 7, Runtime.OutOfMemory 3), more than the prediction"))

	high = 1.01
	assert.Check(t, is.Len(Notes(measured, pred), 0), "a band that holds the failed share needs no note")
	measured.Instances.LeftCensored = 2
	notes = Notes(measured, pred)
	assert.Assert(t, is.Len(notes, 1))
	assert.Check(t, is.Contains(notes[0], "the run had 2 warm from before its first call"))

	point := summary.Prediction{Metrics: []summary.PredictedMetric{{Metric: metric.MetricFailedShare.Name, Predicted: 1, Measured: share}}}
	assert.Check(t, is.Len(Notes(measured, point), 2), "a point below the run's failed share")
}
