package fit

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/lambda-reuse/lambda-reuse/internal/testenv"
	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdasim"
	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// heavy skips a test of full-length runs under -race: they check
// estimates, not concurrency (a fit runs in one goroutine), and take
// minutes with the race detector.
func heavy(t *testing.T) {
	t.Helper()
	if testenv.Race {
		t.Skip("full-length fits are single-goroutine arithmetic: skipped under -race")
	}
}

// fitRecords fits a run given as a function that emits its records.
func fitRecords(t *testing.T, schedule schedule.Schedule, run func(emit func(*record.Record)), base string) Result {
	t.Helper()
	_, res := fitted(t, schedule, run, base)
	return res
}

// fitted is fitRecords with the fitter that read the records.
func fitted(t *testing.T, schedule schedule.Schedule, run func(emit func(*record.Record)), base string) (*Fitter, Result) {
	t.Helper()
	f := NewFitter(summary.NewSummarizer(schedule, "test", nil), schedule, nil)
	run(f.Add)
	res, err := f.Fit(t.Context(), Options{Base: base, From: "test"})
	assert.NilError(t, err)
	return f, res
}

// simulated emits the run of schedule in a known lambdasim world.
func simulated(t *testing.T, schedule schedule.Schedule, truth lambdasim.Profile, placement lambdasim.Placement, seed uint64) func(func(*record.Record)) {
	return func(emit func(*record.Record)) {
		sim, err := lambdasim.NewOf(schedule, truth, placement, seed)
		assert.NilError(t, err)
		_, err = sim.Run(t.Context(), emit)
		assert.NilError(t, err)
	}
}

func within(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	assert.Check(t, math.Abs(got/want-1) <= tol, "%s: fitted %v, true %v (tolerance %.0f%%)", what, got, want, tol*100)
}

func median(d lambdasim.Dist) float64 { return d.Quantile(0.5).Seconds() }

// builtins are the two built-in profiles, seed-2021 and go-2026.
func builtins(t *testing.T) (seed, gov lambdasim.Profile) {
	t.Helper()
	seed, err := lambdasim.LookupProfile(lambdasim.ProfileSeed2021)
	assert.NilError(t, err)
	gov, err = lambdasim.LookupProfile(lambdasim.ProfileGo2026)
	assert.NilError(t, err)
	return seed, gov
}

// otherWorld is a world unlike the built-in profiles: short lognormal
// lifetimes, a slow lognormal init, a normal front door, random placement.
func otherWorld(t *testing.T) lambdasim.Profile {
	p, err := lambdasim.LookupProfile(lambdasim.ProfileSeed2021)
	assert.NilError(t, err)
	p.Name, p.File = "other", nil
	p.MaxLifetime = lambdasim.LogNormal(50*time.Minute, 0.1)
	p.IdleTimeout = lambdasim.Fixed(8 * time.Minute)
	p.InitLatency = lambdasim.LogNormal(400*time.Millisecond, 0.3)
	p.FrontDoorLatency = lambdasim.Normal(30*time.Millisecond, 5*time.Millisecond)
	return p
}

// TestFitRecoversKnownWorlds (validation a): runs simulated from each
// built-in profile and from another known world give back their maximum
// lifetime, init and front-door latency (medians within 10%), their
// placement rule and their proactive share (within 10%).
func TestFitRecoversKnownWorlds(t *testing.T) {
	heavy(t)
	seed, gov := builtins(t)
	for _, tc := range []struct {
		name      string
		truth     lambdasim.Profile
		placement lambdasim.Placement
		plan      schedule.Plan
	}{
		{"seed-2021", seed, lambdasim.MostRecentlyUsed, schedule.SeedSchedule().Plan()},
		{"seed-2021 newest", seed, lambdasim.NewestCreated, schedule.SeedSchedule().Plan()},
		// Proactive starts replace age retirements: 400 busy environments
		// over 4.2 hours give about 800 retirements, so the share's
		// binomial noise is about 2.6%, well inside 10% (the seed plan's
		// 70 give 8.5%).
		{"go-2026", gov, lambdasim.MostRecentlyUsed, schedule.Plan{Calls: 1_200_000, RatePerSec: 80, HandlerMS: 5000}},
		{"other", otherWorld(t), lambdasim.Random, schedule.SeedSchedule().Plan()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := fitRecords(t, schedule.Steady(tc.plan), simulated(t, schedule.Steady(tc.plan), tc.truth, tc.placement, 7), "")
			p := res.Profile
			within(t, "max lifetime median", median(p.MaxLifetime), median(tc.truth.MaxLifetime), 0.10)
			within(t, "init latency median", median(p.InitLatency), median(tc.truth.InitLatency), 0.10)
			within(t, "front door median", median(p.FrontDoorLatency), median(tc.truth.FrontDoorLatency), 0.10)
			// Named right, or undecided: in steady traffic where every call
			// works alike, the newest environment is also the one freed
			// last, so no log tells newest from mru.
			assert.Check(t, res.Placement.Rule == "" || p.Placement == tc.placement, "placement: %+v", res.Placement)
			if tc.placement != lambdasim.NewestCreated {
				assert.Check(t, is.Equal(p.Placement, tc.placement), "placement: %+v", res.Placement)
			}
			if tc.truth.ProactiveShare > 0 {
				within(t, "proactive share", p.ProactiveShare, tc.truth.ProactiveShare, 0.10)
			} else {
				assert.Check(t, is.Equal(p.ProactiveShare, 0.0))
			}
			assert.Check(t, res.Kept["idle_timeout"] != "", "a steady run cannot tell the idle timeout")
		})
	}
}

// TestFitRecoversTheIdleTimeout (validation a, idle timeout): the idle
// experiment's curve gives back the idle timeout's median within 10%.
func TestFitRecoversTheIdleTimeout(t *testing.T) {
	seed, _ := builtins(t)
	gaps := []time.Duration{time.Minute, 2 * time.Minute, 3 * time.Minute, 4 * time.Minute, 5 * time.Minute, 6 * time.Minute,
		7 * time.Minute, 8 * time.Minute, 10 * time.Minute, 20 * time.Minute, time.Hour}
	exp := seed
	exp.IdleTimeout = lambdasim.Exponential(5 * time.Minute)
	for _, truth := range []lambdasim.Profile{seed, exp} {
		idle, err := schedule.NewIdle(20, gaps, 50, 500, 3, 0)
		assert.NilError(t, err)
		res := fitRecords(t, idle, simulated(t, idle, truth, lambdasim.MostRecentlyUsed, 3), "")
		assert.Check(t, res.Fitted["idle_timeout"] != "", "kept: %s", res.Kept["idle_timeout"])
		within(t, "idle timeout median "+truth.IdleTimeout.String(), median(res.Profile.IdleTimeout), median(truth.IdleTimeout), 0.10)
	}
}

// TestFitSeparatesTheIdleTimeoutFromAge: where environments also reach
// their maximum age during the gaps (lifetimes uniform 100-120 min against
// an idle timeout spanning 5-65 min), the fitted idle timeout is the idle
// timeout's own, not "gone for any reason": its median within 5%.
func TestFitSeparatesTheIdleTimeoutFromAge(t *testing.T) {
	if testenv.Race {
		t.Skip("single-goroutine arithmetic; minutes under -race")
	}
	seed, _ := builtins(t)
	truth := seed
	truth.IdleTimeout = lambdasim.Empirical([]lambdasim.CDFPoint{{At: 5 * time.Minute}, {At: 26 * time.Minute, P: 0.15},
		{At: 40 * time.Minute, P: 0.4}, {At: 50 * time.Minute, P: 0.7}, {At: 65 * time.Minute, P: 1}})
	var gaps []time.Duration
	for _, m := range []int{5, 10, 15, 20, 25, 26, 30, 35, 40, 45, 50, 55, 60, 63, 65} {
		gaps = append(gaps, time.Duration(m)*time.Minute)
	}
	for _, placement := range []lambdasim.Placement{lambdasim.MostRecentlyUsed, lambdasim.Random} {
		idle, err := schedule.NewIdle(20, gaps, 100, 500, 5, 0)
		assert.NilError(t, err)
		res := fitRecords(t, idle, simulated(t, idle, truth, placement, 7), "")
		assert.Check(t, strings.Contains(res.Fitted["idle_timeout"], "age retirement separated out"), "fitted: %q kept: %q", res.Fitted["idle_timeout"], res.Kept["idle_timeout"])
		within(t, "idle timeout median, "+string(placement), median(res.Profile.IdleTimeout), median(truth.IdleTimeout), 0.05)
	}
}

// TestFitOfAManagedRun: a run on Managed Instances (managed-2026: 3
// environments of 64 calls, none started for a call, up to a dozen calls
// at once) is fitted on a managed base: the profile keeps a managed part
// with the max concurrency the environments said, and run on the same
// plan it predicts the run's environments, none cold on the request path
// (a classic profile in its place predicted 29, every one cold). Given a
// classic base, the fit is refused, saying why; and a classic run is not
// fitted on a managed base.
func TestFitOfAManagedRun(t *testing.T) {
	plan := schedule.Steady{Calls: 36_000, RatePerSec: 20, HandlerMS: 500}
	truth, err := lambdasim.LookupProfile(lambdasim.ProfileManaged2026)
	assert.NilError(t, err)
	var records []record.Record
	simulated(t, plan, truth, truth.Placement, 1)(func(r *record.Record) { records = append(records, *r) })
	replay := func(emit func(*record.Record)) {
		for i := range records {
			emit(&records[i])
		}
	}
	res := fitRecords(t, plan, replay, "")
	assert.Assert(t, res.Profile.Managed != nil, "a managed part")
	assert.Check(t, is.Equal(res.Profile.Managed.MaxConcurrency, 64))
	assert.Check(t, is.Equal(res.Fitted["managed.max_concurrency"] != "", true), "%v", res.Fitted)
	assert.Check(t, is.Contains(res.Kept["managed.scaler"], "not the figures it works by"))
	assert.Check(t, is.Contains(string(res.File), `"managed": {`))

	measured := summary.NewSummarizer(plan, "test", nil)
	replay(measured.Add)
	got := measured.Summary()
	pred, err := Predict(t.Context(), plan, res.Profile, 2)
	assert.NilError(t, err)
	assert.Check(t, is.Equal(pred.Instances.Starts.RequestPath, 0), "no start on the request path: %+v", *pred.Instances.Starts)
	assert.Check(t, pred.Multi != nil)
	assert.Check(t, math.Abs(float64(pred.Instances.Count-got.Instances.Count)) <= 2, "predicted %d environments, the run had %d", pred.Instances.Count, got.Instances.Count)

	f := NewFitter(summary.NewSummarizer(plan, "test", nil), plan, nil)
	replay(f.Add)
	_, err = f.Fit(t.Context(), Options{Base: lambdasim.ProfileGo2026})
	assert.Check(t, is.ErrorContains(err, "the run is on Managed Instances (its environments said they take 64 calls at once"))
	assert.Check(t, is.ErrorContains(err, "the base profile go-2026 has no managed part"))
	assert.Check(t, is.ErrorContains(err, "-base managed-2026"))

	seed, _ := builtins(t)
	classic := NewFitter(summary.NewSummarizer(plan, "test", nil), plan, nil)
	simulated(t, plan, seed, lambdasim.MostRecentlyUsed, 1)(classic.Add)
	_, err = classic.Fit(t.Context(), Options{Base: lambdasim.ProfileManaged2026})
	assert.Check(t, is.ErrorContains(err, "the base profile managed-2026 runs on Managed Instances, but no environment of the run said it takes calls at once"))
}

// TestFitSimulatesInParallelAsInSequence: a fit's seeded simulations (the
// placement decision's runs of each rule, the proactive share's
// calibration) run side by side give, to the byte, the fit they give one
// after another.
func TestFitSimulatesInParallelAsInSequence(t *testing.T) {
	_, gov := builtins(t)
	plan := schedule.Steady{Calls: 200_000, RatePerSec: 20, HandlerMS: 2000} // 2.8 hours: environments end of age
	records := simulated(t, plan, gov, lambdasim.MostRecentlyUsed, 5)
	fit := func(at int) Result {
		defer func(p func() int) { parallelism = p }(parallelism)
		parallelism = func() int { return at }
		return fitRecords(t, plan, records, "")
	}
	one, four := fit(1), fit(4)
	assert.Check(t, len(one.Placement.BestRuns) == 2 && len(one.Placement.RunnerUpRuns) == 2, "the placement decision simulated each rule twice: %+v", one.Placement)
	assert.Check(t, one.Fitted["proactive"] != "", "the proactive share calibrated by simulation: %q", one.Kept["proactive"])
	assert.Check(t, is.DeepEqual(four.Placement, one.Placement))
	assert.Check(t, is.DeepEqual(four.Params, one.Params))
	assert.Check(t, is.Equal(string(four.File), string(one.File)))
}
