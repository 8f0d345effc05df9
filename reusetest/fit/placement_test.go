package fit

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdasim"
	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// placementWorld is the independent world of the placement tests: a
// 7-minute idle timeout, lifetimes uniform 90-130 minutes, calls working
// the handler plus up to 200 ms more, under rule. (With every call working
// alike, the newest environment is always the one freed last, and mru and
// newest make the same choices: no log can tell them apart.)
func placementWorld(rule string, seed uint64) *world {
	w := newWorld(seed)
	w.rule, w.idleTimeout, w.lifeLo, w.life, w.work = rule, 7*time.Minute, 90*time.Minute, 130*time.Minute, 200*time.Millisecond
	return w
}

// TestPlacementDecidedInIndependentWorlds: in worlds of each placement
// rule written apart from lambdasim (world_test.go), five seeds each, on
// 150,000-call steady logs (about four hours, two lifetimes) with a 300 ms
// handler, the fit never names a wrong rule, and names the right one in
// most of them. (Its lead over the runner-up is hundreds of times the
// threshold at this length: longer logs add time, not a test.)
func TestPlacementDecidedInIndependentWorlds(t *testing.T) {
	heavy(t)
	plan := schedule.Steady{Calls: schedule.SeedCalls / 4, RatePerSec: schedule.SeedRatePerSec, HandlerMS: 300}
	for _, tc := range []struct {
		rule  string
		truth lambdasim.Placement
	}{
		{"stack", lambdasim.MostRecentlyUsed}, {"queue", lambdasim.LeastRecentlyUsed},
		{"any", lambdasim.Random}, {"youngest", lambdasim.NewestCreated},
	} {
		t.Run(string(tc.truth), func(t *testing.T) {
			t.Parallel()
			named := 0
			for seed := uint64(1); seed <= 5; seed++ {
				res := fitRecords(t, plan, func(emit func(*record.Record)) { placementWorld(tc.rule, seed).run(plan, emit) }, "")
				d := res.Placement
				t.Logf("seed %d: named %q from %d choices, lead %.1f over threshold %.1f; scores %v", seed, d.Rule, d.Choices, d.Separation, d.Threshold, d.Scores)
				assert.Check(t, d.Rule == "" || d.Rule == string(tc.truth), "seed %d: named %s in a %s world: %s", seed, d.Rule, tc.truth, d.Why)
				if d.Rule == string(tc.truth) {
					named++
				}
			}
			assert.Check(t, named >= 3, "the right rule named in %d of 5 worlds", named)
		})
	}
}

// TestRecordsDecideNotTheHeader: the same 600,000 records fit alike, and
// summarise alike, whether the log's header plans 600,000 calls or
// 1,200,000: a half log is a whole log of its length.
func TestRecordsDecideNotTheHeader(t *testing.T) {
	heavy(t)
	whole := schedule.Steady{Calls: schedule.SeedCalls, RatePerSec: schedule.SeedRatePerSec, HandlerMS: 300}
	planned := whole
	planned.Calls *= 2
	var results []Result
	var sums []summary.Summary
	for _, header := range []schedule.Plan{whole.Plan(), planned.Plan()} {
		f := NewFitter(summary.NewSummarizer(schedule.Steady(header), "test", nil), schedule.Steady(header), nil)
		placementWorld("queue", 3).run(whole, f.Add)
		res, err := f.Fit(t.Context(), Options{From: "test"})
		assert.NilError(t, err)
		results, sums = append(results, res), append(sums, f.Summary())
	}
	assert.Check(t, is.DeepEqual(results[0].Placement, results[1].Placement))
	assert.Check(t, is.DeepEqual(sums[0].SeedMethod, sums[1].SeedMethod))
	assert.Check(t, is.Equal(sums[1].Plan, whole.Plan()))
	assert.Check(t, is.Equal(sums[1].PlannedCalls, planned.Calls))
	assert.Check(t, is.Contains(sums[1].PlanText(), fmt.Sprintf("the first of %d planned", planned.Calls)))
	assert.Check(t, is.Equal(results[0].Profile.MaxLifetime.String(), results[1].Profile.MaxLifetime.String()))
}

// TestFitOfAnIdleExperimentInAnIndependentWorld: an idle experiment's log
// from the independent world (a 7-minute idle timeout, lifetimes uniform
// 90-130 minutes, a stack) gives the idle timeout, keeps the maximum
// lifetime (an idle experiment's ends cannot tell age), names no wrong
// placement, and gives each fitted value its sample size.
func TestFitOfAnIdleExperimentInAnIndependentWorld(t *testing.T) {
	heavy(t)
	var gaps []time.Duration
	for _, m := range []int{1, 2, 3, 4, 5, 6, 7, 8, 10, 20, 60} {
		gaps = append(gaps, time.Duration(m)*time.Minute)
	}
	idle, err := schedule.NewIdle(20, gaps, 30, 500, 4, 0)
	assert.NilError(t, err)
	res := fitRecords(t, idle, func(emit func(*record.Record)) { placementWorld("stack", 11).run(idle, emit) }, "")
	assert.Check(t, res.Fitted["idle_timeout"] != "", "kept: %s", res.Kept["idle_timeout"])
	// The idle timeout is fixed at 7 minutes: gaps of 7 minutes or less
	// survive, 8 minutes or more do not.
	med := res.Profile.IdleTimeout.Quantile(0.5)
	assert.Check(t, med >= 6*time.Minute && med <= 8*time.Minute, "idle timeout median %v, true 7m", med)
	assert.Check(t, res.Kept["max_lifetime"] != "", "fitted: %s", res.Fitted["max_lifetime"])
	d := res.Placement
	t.Logf("idle timeout median %v; placement %q: %s", med, d.Rule, d.Why)
	assert.Check(t, d.Rule == "" || d.Rule == string(lambdasim.MostRecentlyUsed), "named %s: %s", d.Rule, d.Why)
	for _, p := range res.Params {
		if p.Status == StatusFitted {
			assert.Check(t, p.N > 0, "%s fitted on no observations", p.Name)
		}
	}
}

// TestFittedProfileReproducesItsRunAlone: the profile fitted to the
// issue's random world (a 300 ms handler, which no default carries), read
// back from its file and run on the schedule it carries, with nothing
// else given, gives back the run's instances, median reuse and median
// lifetime within 15%.
func TestFittedProfileReproducesItsRunAlone(t *testing.T) {
	heavy(t)
	plan := schedule.Steady{Calls: schedule.SeedCalls, RatePerSec: schedule.SeedRatePerSec, HandlerMS: 300}
	f := NewFitter(summary.NewSummarizer(plan, "test", nil), plan, nil)
	// Work beyond the handler is not told from the network by a caller:
	// this world's calls work the handler alone.
	w := placementWorld("any", 8)
	w.work = 0
	w.run(plan, f.Add)
	res, err := f.Fit(t.Context(), Options{From: "test"})
	assert.NilError(t, err)
	path := filepath.Join(t.TempDir(), "fitted.json")
	assert.NilError(t, os.WriteFile(path, res.File, 0o644))
	p, err := lambdasim.LookupProfile(path)
	assert.NilError(t, err)
	assert.Assert(t, p.Schedule != nil, "the fitted profile carries no schedule")
	assert.Assert(t, p.HandlerTime != nil, "the fitted profile carries no handler time")
	sched, err := schedule.FromSpec(*p.Schedule)
	assert.NilError(t, err)
	got, err := Predict(t.Context(), sched, p, predictionSeed)
	assert.NilError(t, err)
	want := f.Summary()
	t.Logf("instances %d (run %d), median reuse %v (%v), median lifetime %v (%v) min; placement %s",
		got.Instances.Count, want.Instances.Count, got.Reuse.Median, want.Reuse.Median, got.LifetimeMinutes.Median, want.LifetimeMinutes.Median, p.Placement)
	within(t, "instances", float64(got.Instances.Count), float64(want.Instances.Count), 0.15)
	within(t, "median reuse", got.Reuse.Median, want.Reuse.Median, 0.15)
	within(t, "median lifetime", got.LifetimeMinutes.Median, want.LifetimeMinutes.Median, 0.15)
	assert.Check(t, is.Equal(got.Instances.Proactive, 0), "the world has no proactive starts")
}
