package lambdasim

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// managedWorld is Managed Instances with round figures: 8 calls at once
// per environment, the scaler aiming at half of that, looking every 30 s,
// an environment ready 30 s after it decides, at most doubling in 5
// minutes, 3 to 100 environments, no latency.
func managedWorld() Profile {
	return Profile{Name: "managed-world", IdleTimeout: Fixed(time.Hour), MaxLifetime: Fixed(1000 * time.Hour),
		ConcurrencyLimit: 1000, ScalingRate: defaultScalingRate, Placement: Random,
		Managed: &Managed{MaxConcurrency: 8, MinEnvironments: 3, MaxEnvironments: 100, TargetUtilisation: 0.5,
			ScaleInterval: 30 * time.Second, StartDelay: Fixed(30 * time.Second), GrowthWindow: managedGrowthWindow}}
}

// runManaged simulates s under p, passing each record to each, and
// returns the pool's counts.
func runManaged(t *testing.T, s schedule.Schedule, p Profile, each func(*record.Record)) Stats {
	t.Helper()
	sim, err := NewOf(s, p, p.Placement, 1)
	assert.NilError(t, err)
	stats, err := sim.Run(t.Context(), each)
	assert.NilError(t, err)
	return stats
}

// TestManagedInstancesServeManyCallsAtOnce: on Managed Instances the seed
// plan meets no start on the request path (every environment was started
// by the scaler), calls overlap in one environment up to its capacity and
// never past it, each environment's calls say one instance id and the
// capacity, and the summary counts it so.
func TestManagedInstancesServeManyCallsAtOnce(t *testing.T) {
	p, err := LookupProfile(ProfileManaged2026)
	assert.NilError(t, err)
	assert.Check(t, is.Equal(p.Capacity(), 64))
	sim, err := New(schedule.Steady{Calls: 200_000, RatePerSec: 200, HandlerMS: 500}, Options{Profile: ProfileManaged2026})
	assert.NilError(t, err)
	most := 0
	_, err = sim.Run(t.Context(), func(r *record.Record) {
		if r.Served() {
			assert.Assert(t, r.InFlight >= 1 && r.InFlight <= 64, "seq %d: %d in flight", r.Seq, r.InFlight)
			assert.Assert(t, is.Equal(r.MaxConcurrency, 64))
			most = max(most, r.InFlight)
		}
	})
	assert.NilError(t, err)
	assert.Check(t, most > 1, "calls overlapped in an environment")
	sum, err := sim.Summarize(t.Context())
	assert.NilError(t, err)
	st := sum.Instances.Starts
	assert.Check(t, is.Equal(st.RequestPath, 0), "%+v", *st)
	assert.Check(t, is.Equal(st.Managed, sum.Instances.ColdStarts), "%+v", *st)
	m := sum.Multi
	assert.Assert(t, m != nil)
	assert.Check(t, is.Equal(m.MaxConcurrency, 64))
	assert.Check(t, is.Equal(m.InFlight.Max, most))
	assert.Check(t, m.PerEnvironment.Max[2] <= 64)
	assert.Check(t, is.Equal(m.Started, sum.Instances.ColdStarts))
	// 200 calls a second of half a second each: about 100 at once, spread
	// over environments of 64 aimed at half full: at least 4 of them.
	assert.Check(t, sum.Instances.Count >= 4, "%d environments", sum.Instances.Count)
}

// TestManagedThrottlesTrafficThatMoreThanDoubles: traffic that more than
// doubles within 5 minutes meets throttles while the scaler, which may
// only double the environments per 5 minutes, catches up; traffic that
// grows slower meets none. Both start from 3 environments of 8 calls.
func TestManagedThrottlesTrafficThatMoreThanDoubles(t *testing.T) {
	fast := schedule.Ramp{StartRate: 50, EndRate: 800, Duration: 2 * time.Minute, HandlerMS: 100}
	slow := schedule.Ramp{StartRate: 50, EndRate: 90, Duration: 10 * time.Minute, HandlerMS: 100}
	var throttled int
	stats := runManaged(t, fast, managedWorld(), func(r *record.Record) {
		if r.Status == record.StatusThrottled {
			throttled++
		}
	})
	assert.Check(t, throttled > 0, "more than double within 5 minutes: throttled")
	assert.Check(t, is.Equal(int64(throttled), stats.Throttled))
	assert.Check(t, stats.ScaledUp <= 3+3, "at most double the 3 in the first window: %d started", stats.ScaledUp)

	stats = runManaged(t, slow, managedWorld(), func(r *record.Record) {
		assert.Assert(t, r.Status == record.StatusOK, "seq %d: %s (traffic 1.8 times in 10 minutes)", r.Seq, r.Status)
	})
	assert.Check(t, is.Equal(stats.Throttled, int64(0)))
}

// TestManagedScalerCatchesUp: a step from 50 to 400 calls a second is
// throttled in the minutes after it and not at all once the scaler has
// doubled the environments enough times; after the step back down, it
// scales down to what the traffic needs, never below the minimum.
func TestManagedScalerCatchesUp(t *testing.T) {
	var b strings.Builder
	b.WriteString("minute,count\n")
	perMinute := func(m int) int {
		switch {
		case m < 10:
			return 3000 // 50/s
		case m < 50:
			return 24000 // 400/s
		}
		return 600 // 10/s
	}
	for m := range 70 {
		fmt.Fprintf(&b, "%d,%d\n", m, perMinute(m))
	}
	path := filepath.Join(t.TempDir(), "step.csv")
	assert.NilError(t, os.WriteFile(path, []byte(b.String()), 0o644))
	tr, err := schedule.OpenTrace(path, schedule.TraceOptions{Spread: schedule.SpreadEven, HandlerMS: 100})
	assert.NilError(t, err)
	throttledIn := map[int]int{}
	stats := runManaged(t, tr, managedWorld(), func(r *record.Record) {
		if r.Status == record.StatusThrottled {
			throttledIn[int(r.Scheduled.Sub(Epoch)/time.Minute)]++
		}
	})
	early, late := 0, 0
	for m, n := range throttledIn {
		switch {
		case m >= 10 && m < 20:
			early += n
		case m >= 35:
			late += n
		}
	}
	assert.Check(t, early > 0, "the step is throttled at first: %v", throttledIn)
	assert.Check(t, is.Equal(late, 0), "the scaler caught up: %v", throttledIn)
	assert.Check(t, stats.ScaledDown > 0, "it scales down after the step back")
	assert.Check(t, is.Equal(stats.Busy+stats.Idle, 3), "down to the minimum for 10/s: %+v", stats)
}

// TestManagedProfileFileIsChecked: the managed part's figures are held to
// their documented bounds and need their sources, each named.
func TestManagedProfileFileIsChecked(t *testing.T) {
	part := func(maxConc, minEnv, maxEnv int, target float64, extra string) string {
		return strings.Replace(validProfile, `"concurrency_limit": {"value": 50, "source": "what if"},`,
			fmt.Sprintf(`"concurrency_limit": {"value": 50, "source": "what if"}, "managed": {"max_concurrency": {"value": %d, "source": "s"},
			"min_environments": {"value": %d, "source": "s"}, "max_environments": {"value": %d, "source": "s"},
			"target_utilisation": {"value": %g, "source": "s"}, "scale_interval": {"dist": "fixed", "value": "30s", "source": "s"},
			"start_delay": {"dist": "uniform", "min": "20s", "max": "40s", "source": "s"}, "growth_window": {"dist": "fixed", "value": "5m", "source": "s"%s}},`,
				maxConc, minEnv, maxEnv, target, extra), 1)
	}
	p, err := LookupProfile(writeProfile(t, part(16, 3, 50, 0.6, "")))
	assert.NilError(t, err)
	assert.Check(t, is.Equal(p.Capacity(), 16))
	assert.Check(t, is.Equal(p.Managed.GrowthWindow, 5*time.Minute))
	for _, tc := range []struct{ file, want string }{
		{part(0, 3, 50, 0.5, ""), "max concurrency must be 1 to 2048, got 0"},
		{part(16, 3, 20000, 0.5, ""), "max environments 1 to 15000, got 3 and 20000"},
		{part(16, 9, 5, 0.5, ""), "min environments (9) above max environments (5)"},
		{part(16, 3, 50, 1.5, ""), "target utilisation must be from 0.01 to 1, got 1.5"},
		{part(16, 3, 50, 1e-20, ""), "target utilisation must be from 0.01 to 1, got 1e-20"},
		{part(16, 3, 50, 0, ""), "target utilisation must be from 0.01 to 1, got 0"},
		{part(16, 3, 50, 0.5, `, "extra": 1`), `unknown field "extra"`},
	} {
		_, err := LookupProfile(writeProfile(t, tc.file))
		assert.Check(t, is.ErrorContains(err, tc.want))
	}
	noSource := strings.Replace(part(16, 3, 50, 0.5, ""), `"max_concurrency": {"value": 16, "source": "s"}`, `"max_concurrency": {"value": 16}`, 1)
	_, err = LookupProfile(writeProfile(t, noSource))
	assert.Check(t, is.ErrorContains(err, "managed.max_concurrency.source: missing"))
}

// TestCapacityUnderEveryPlacement: under each placement rule, an
// environment of capacity 8 never holds more than 8 calls, calls do
// overlap in one, and steady traffic the environments have room for meets
// no throttle.
func TestCapacityUnderEveryPlacement(t *testing.T) {
	for _, pl := range PlacementNames() {
		t.Run(pl, func(t *testing.T) {
			p := managedWorld()
			p.Placement = Placement(pl)
			most := 0
			stats := runManaged(t, schedule.Steady{Calls: 30_000, RatePerSec: 100, HandlerMS: 100}, p, func(r *record.Record) {
				assert.Assert(t, r.Status == record.StatusOK, "seq %d: %s", r.Seq, r.Status)
				assert.Assert(t, r.InFlight >= 1 && r.InFlight <= 8, "seq %d: %d in flight", r.Seq, r.InFlight)
				most = max(most, r.InFlight)
			})
			assert.Check(t, most > 1, "calls overlapped")
			assert.Check(t, is.Equal(stats.Throttled, int64(0)))
		})
	}
}

// TestRecycledEnvironmentsAreFloored: a profile whose lifetimes are 0
// still runs, provisioned or managed, each replacement living at least
// minRecycledLifetime; tenants on Managed Instances are refused.
func TestRecycledEnvironmentsAreFloored(t *testing.T) {
	for _, p := range []Profile{managedWorld(), testProfile()} {
		p.MaxLifetime = Fixed(0)
		if p.Managed == nil {
			p.Provisioned, p.Placement = 2, MostRecentlyUsed
		}
		stats := runManaged(t, schedule.Steady{Calls: 600, RatePerSec: 1, HandlerMS: 10}, p, func(*record.Record) {})
		assert.Check(t, stats.Retired[CauseLifetime] <= 600/60*3+6, "about one recycling a minute each: %+v", stats)
	}
	s, err := schedule.WithTenants(schedule.SeedSchedule(), schedule.Population{Count: 2, Popularity: schedule.PopularityUniform})
	assert.NilError(t, err)
	_, err = NewOf(s, managedWorld(), Random, 1)
	assert.Check(t, is.ErrorContains(err, "the model has no tenant isolation there"))
}

// TestManagedQuietYearsCostNothing: calls a year apart on Managed
// Instances run at once (the scaler's idle ticks are skipped), and find
// the pool at its minimum.
func TestManagedQuietYearsCostNothing(t *testing.T) {
	p := managedWorld()
	p.Managed.ScaleInterval = time.Second
	p.Managed.GrowthWindow = time.Minute
	stats := runManaged(t, schedule.Steady{Calls: 5, RatePerSec: 1.0 / (365 * 24 * 3600), HandlerMS: 10}, p, func(r *record.Record) {
		assert.Check(t, r.Status == record.StatusOK, "seq %d: %s", r.Seq, r.Status)
	})
	assert.Check(t, is.Equal(stats.Busy+stats.Idle, 3), "%+v", stats)
}

// TestManagedScalerAtTheLowestUtilisation: at the lowest target the model
// takes (1%), the scaler sizes the pool past what the calls need, doubling
// per growth window up to the maximum, never wrapping; a room so small
// that the count of environments it asks would overflow is counted at the
// maximum (a target of 1e-20 scaled nothing: 3 environments; 1e-12, 192).
func TestManagedScalerAtTheLowestUtilisation(t *testing.T) {
	p := managedWorld()
	p.Managed.TargetUtilisation = minTargetUtilisation
	// 20 calls a second of half a second: about 10 at once, for which 1%
	// of 8 calls each asks 125 environments, capped at 100.
	stats := runManaged(t, schedule.Steady{Calls: 60_000, RatePerSec: 20, HandlerMS: 500}, p, func(*record.Record) {})
	assert.Check(t, is.Equal(stats.Busy+stats.Idle, 100), "%+v", stats)
	assert.Check(t, is.Equal(envsFor(17, 64*1e-20, 15_000), 15_000))
	assert.Check(t, is.Equal(envsFor(17, 64*1e-300, 15_000), 15_000))
	assert.Check(t, is.Equal(envsFor(17, 32, 15_000), 1))
	assert.Check(t, is.Equal(envsFor(0, 32, 15_000), 0))
}
