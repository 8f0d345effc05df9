package lambdasim

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdaapi"
	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// TestTenantEnvironmentsServeOneTenant: under a Zipf population, every
// environment's records carry one tenant, the summary finds no mixed
// environment, and each tenant's environments add up to the run's.
func TestTenantEnvironmentsServeOneTenant(t *testing.T) {
	s, err := schedule.WithTenants(schedule.Steady{Calls: 100_000, RatePerSec: 10, HandlerMS: 500}, schedule.Population{Count: 50, Popularity: schedule.PopularityZipf})
	assert.NilError(t, err)
	sim, err := New(s, Options{Seed: 4})
	assert.NilError(t, err)
	tenantOf := map[string]string{}
	mixed := 0
	_, err = sim.Run(t.Context(), func(r *record.Record) {
		if !r.Served() {
			return
		}
		if prev, ok := tenantOf[r.InstanceID]; ok && prev != r.Tenant {
			mixed++
		}
		tenantOf[r.InstanceID] = r.Tenant
	})
	assert.NilError(t, err)
	assert.Check(t, is.Equal(mixed, 0))
	sum, err := sim.Summarize(t.Context())
	assert.NilError(t, err)
	tn := sum.Tenants
	assert.Assert(t, tn != nil)
	assert.Check(t, is.Equal(tn.MixedEnvironments, 0))
	assert.Check(t, is.Equal(tn.Environments, len(tenantOf)))
	assert.Check(t, is.Equal(tn.Environments, sum.Instances.Count))
	assert.Check(t, is.Equal(tn.Count, 50))
	var bandCalls int64
	var bandEnvs int
	for _, b := range tn.Bands {
		bandCalls += b.Calls
		bandEnvs += b.Environments
	}
	assert.Check(t, is.Equal(bandCalls, int64(100_000)))
	assert.Check(t, is.Equal(bandEnvs, tn.Environments))
	assert.Check(t, is.DeepEqual([][2]int{tn.Bands[0].Ranks, tn.Bands[1].Ranks, tn.Bands[2].Ranks}, [][2]int{{1, 1}, {2, 10}, {11, 50}}))
	// The long tail pays more cold starts per call than the busiest tenant.
	assert.Check(t, tn.Bands[2].ColdShare > tn.Bands[0].ColdShare, "%+v", tn.Bands)
}

// TestOneTenantIsThePlainRun: a population of one tenant changes nothing
// but the tenants part: same environments, reuse and lifetimes as the run
// without tenants.
func TestOneTenantIsThePlainRun(t *testing.T) {
	plain, err := New(schedule.SeedSchedule(), Options{Seed: 2})
	assert.NilError(t, err)
	want, err := plain.Summarize(t.Context())
	assert.NilError(t, err)
	s, err := schedule.WithTenants(schedule.SeedSchedule(), schedule.Population{Count: 1, Popularity: schedule.PopularityUniform})
	assert.NilError(t, err)
	one, err := New(s, Options{Seed: 2})
	assert.NilError(t, err)
	got, err := one.Summarize(t.Context())
	assert.NilError(t, err)
	assert.Check(t, is.DeepEqual(got.Instances, want.Instances))
	assert.Check(t, is.DeepEqual(got.Reuse, want.Reuse))
	assert.Check(t, is.DeepEqual(got.LifetimeMinutes, want.LifetimeMinutes))
	assert.Check(t, got.Tenants != nil && want.Tenants == nil)
	assert.Check(t, is.Equal(got.Tenants.Environments, want.Instances.Count))
}

// TestTenantColdStartsAgainstGroundTruth: in a world where calls never
// overlap (0.5 s apart, 10 ms each), nothing but the idle timeout ends an
// environment and there is no latency, a tenant's call needs a new
// environment exactly when it is the tenant's first or comes at least the
// idle timeout after the tenant's last call ended. That count, made here
// from the schedule alone, is what the model must give, tenant by tenant.
func TestTenantColdStartsAgainstGroundTruth(t *testing.T) {
	const idle = 30 * time.Second
	plan := schedule.Steady{Calls: 20_000, RatePerSec: 2, HandlerMS: 10}
	for _, pop := range []schedule.Population{
		{Count: 20, Popularity: schedule.PopularityUniform},
		{Count: 200, Popularity: schedule.PopularityZipf, ZipfS: 1.2},
	} {
		s, err := schedule.WithTenants(plan, pop)
		assert.NilError(t, err)
		tenant := schedule.TenantOf(s)

		// The ground truth.
		type truth struct {
			calls, starts int64
			lastEnd       time.Duration
		}
		want := map[string]*truth{}
		for seq := range plan.Calls {
			due := plan.Due(seq)
			tr := want[tenant(seq)]
			if tr == nil {
				tr = &truth{}
				want[tenant(seq)] = tr
				tr.starts++
			} else if due-tr.lastEnd >= idle {
				tr.starts++
			}
			tr.calls++
			tr.lastEnd = due + plan.Handler()
		}
		names := make([]string, 0, len(want))
		var starts int64
		for name, tr := range want {
			names = append(names, name)
			starts += tr.starts
		}
		slices.SortFunc(names, func(a, b string) int { return cmp.Or(cmp.Compare(want[b].calls, want[a].calls), cmp.Compare(a, b)) })

		p := Profile{Name: "world", IdleTimeout: Fixed(idle), MaxLifetime: Fixed(1000 * time.Hour), ConcurrencyLimit: 1000, ScalingRate: defaultScalingRate}
		sim, err := NewOf(s, p, MostRecentlyUsed, 1)
		assert.NilError(t, err)
		sum, err := sim.Summarize(t.Context())
		assert.NilError(t, err)
		tn := sum.Tenants
		assert.Assert(t, tn != nil)
		assert.Check(t, is.Equal(int64(tn.StartedInRun), starts), pop.String())
		assert.Check(t, is.Equal(tn.Count, len(want)))
		for i, f := range tn.Busiest {
			tr := want[names[i]]
			assert.Check(t, is.Equal(f.Calls, tr.calls), "%s rank %d", pop, i+1)
			assert.Check(t, is.Equal(int64(f.StartedInRun), tr.starts), "%s rank %d", pop, i+1)
			assert.Check(t, is.Equal(int64(f.Environments), tr.starts), "%s rank %d: one environment per start", pop, i+1)
		}
		t.Logf("%s: %d starts over %d calls", pop, starts, plan.Calls)
	}
}

// TestTenantCapThrottles: past 2,500 tenant environments per 1,000 of
// concurrency (here a limit of 2: 5 environments) a new tenant's call is
// throttled, even with every environment idle; once one idles out, the
// new tenant gets one. A tenant whose environments are gone leaves nothing
// behind in the pool.
func TestTenantCapThrottles(t *testing.T) {
	p := testProfile()
	p.ConcurrencyLimit = 2
	assert.Check(t, is.Equal(p.TenantCap(), 5))
	pool := newTestPool(t, p, MostRecentlyUsed)
	for i, name := range []string{"a", "b", "c", "d", "e"} {
		at := time.Duration(i) * time.Second
		e, cold, err := pool.Acquire(at, name)
		assert.NilError(t, err)
		assert.Check(t, cold && e.Tenant == name)
		pool.Release(e, at+time.Millisecond)
	}
	_, _, err := pool.Acquire(10*time.Second, "f")
	assert.Check(t, errors.Is(err, lambdaapi.ErrThrottled))
	assert.Check(t, is.Equal(pool.Stats().TenantCapped, int64(1)))
	e, cold, err := pool.Acquire(11*time.Second, "c")
	assert.NilError(t, err)
	assert.Check(t, !cold && e.Tenant == "c", "a tenant at the cap still reuses its own")
	pool.Release(e, 12*time.Second)
	// a's environment idles out 5 minutes after its release.
	e, cold, err = pool.Acquire(5*time.Minute+time.Second, "f")
	assert.NilError(t, err)
	assert.Check(t, cold && e.Tenant == "f")
	_, ok := pool.byTenant["a"]
	assert.Check(t, !ok, "a's empty heap is gone")
	assert.Check(t, is.Equal(pool.Stats().Idle, 4), "b, c, d and e still idle: %+v", pool.Stats())
}

// TestTenantsWithProvisionedConcurrencyAreRefused: a function in tenant
// isolation mode cannot have provisioned concurrency.
func TestTenantsWithProvisionedConcurrencyAreRefused(t *testing.T) {
	p, err := LookupProfile(ProfileSeed2021)
	assert.NilError(t, err)
	p.Provisioned = 3
	s, err := schedule.WithTenants(schedule.SeedSchedule(), schedule.Population{Count: 2, Popularity: schedule.PopularityUniform})
	assert.NilError(t, err)
	_, err = NewOf(s, p, MostRecentlyUsed, 1)
	assert.Check(t, is.ErrorContains(err, "the calls carry tenants: profile seed-2021 has 3 provisioned environments: a function in tenant isolation mode cannot have provisioned concurrency"))
	_, err = NewServer(ServerOptions{Options: Options{Profile: ProfileSeed2021}, TenantIsolation: true})
	assert.NilError(t, err)
}

// TestTraceTenantsReachThePool: a trace's tenant column, read ahead as the
// model runs, gives every record its line's tenant, and environments never
// mix tenants, over more calls than the trace's read-ahead holds.
func TestTraceTenantsReachThePool(t *testing.T) {
	var b strings.Builder
	b.WriteString("time,tenant\n")
	const n = 50_000
	name := func(i int) string { return fmt.Sprintf("t%d", i*7%13) }
	for i := range n {
		fmt.Fprintf(&b, "%d.%03d,%s\n", i/20, i%20*50, name(i))
	}
	path := filepath.Join(t.TempDir(), "tenants.csv")
	assert.NilError(t, os.WriteFile(path, []byte(b.String()), 0o644))
	tr, err := schedule.OpenTrace(path, schedule.TraceOptions{HandlerMS: 100})
	assert.NilError(t, err)
	sim, err := New(tr, Options{})
	assert.NilError(t, err)
	tenantOf := map[string]string{}
	count := 0
	_, err = sim.Run(t.Context(), func(r *record.Record) {
		count++
		assert.Assert(t, is.Equal(r.Tenant, name(int(r.Seq))), "seq %d", r.Seq)
		if r.Served() {
			if prev, ok := tenantOf[r.InstanceID]; ok {
				assert.Assert(t, is.Equal(prev, r.Tenant), "environment %s", r.InstanceID)
			}
			tenantOf[r.InstanceID] = r.Tenant
		}
	})
	assert.NilError(t, err)
	assert.Check(t, is.Equal(count, n))
}
