package experiment

import (
	"io"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// TestEveryBadFlagIsNamedInOneError: a bad rate, placement and profile
// given together are named in one error, the plan's, the model's and the
// profile's, as the README promises (the plan's problems used to stop the
// check before the others were looked at).
func TestEveryBadFlagIsNamedInOneError(t *testing.T) {
	_, err := parseFlags(t, "-reuse.rate=0", "-reuse.placement=mr", "-reuse.profile=go2026").Schedule("seed", "")
	for _, want := range []string{"bad -reuse flags", "rate must be a positive number of calls per second, got 0",
		`unknown profile "go2026" (known: seed-2021, go-2026, managed-2026, or a profile file's path)`, `unknown placement "mr" (known: mru, lru, random, newest)`} {
		assert.Check(t, is.ErrorContains(err, want))
	}
	_, err = parseFlags(t, "-reuse.rate=1e-9", "-reuse.calls=100").Schedule("seed", "")
	assert.Check(t, is.ErrorContains(err, "100 calls at 1e-09/s would last 3.17e+03 years: a schedule lasts at most 87600h0m0s (10 years)"))
}

// TestZipfExponentsThatDoNothingAreRefused: an exponent of 0 is refused as
// the flag is read (it ran s = 1 in a file named -zipf0), and one given
// with uniform popularity is refused as having no effect (it was ignored
// without a word), for a run and for a tenants sweep alike.
func TestZipfExponentsThatDoNothingAreRefused(t *testing.T) {
	for _, v := range []string{"0", "-1", "11", "NaN", "many"} {
		_, err := parseFlagsErr(t, "-reuse.tenants=5", "-reuse.tenants.popularity=zipf", "-reuse.tenants.zipf="+v)
		assert.Check(t, is.ErrorContains(err, `want a Zipf exponent above 0 and at most 10, got "`+v+`"`), v)
	}
	for _, args := range [][]string{{"-reuse.tenants=5", "-reuse.tenants.zipf=2"}, {"-reuse.sweep=tenants=5,50", "-reuse.tenants.zipf=2"}} {
		_, err := parseFlags(t, args...).Schedule("seed", "")
		assert.Check(t, is.ErrorContains(err, "-reuse.tenants.zipf=2 has no effect with -reuse.tenants.popularity=uniform"), "%v", args)
	}
	f := parseFlags(t, "-reuse.tenants=5", "-reuse.tenants.popularity=zipf", "-reuse.tenants.zipf=2")
	s, err := f.Schedule("seed", "")
	assert.NilError(t, err)
	assert.Check(t, is.Equal(s.Spec().Tenants.ZipfS, 2.0))
	assert.Check(t, is.Contains(DefaultOut("/r", "seed", f), "-tenants5-zipf2.json"))
}

// TestASweepIsBoundedAndCheckedBeforeItRuns: a sweep of more than 1,000
// values is refused before any value is read (60,000 values took 778 MB
// and one goroutine and whole summary each); conflicts (tenants with
// provisioned concurrency, tenants on Managed Instances, the idle
// experiment on Managed Instances) are bad flags named before any what-if
// runs, not an assertion failure after the valid ones ran.
func TestASweepIsBoundedAndCheckedBeforeItRuns(t *testing.T) {
	plan := schedule.Steady{Calls: 10, RatePerSec: 10, HandlerMS: 100}
	for _, n := range []int{1001, 60_000} {
		f := parseFlags(t, "-reuse.sweep=tenants="+strings.TrimSuffix(strings.Repeat("5,", n), ","))
		_, err := f.SweepVariants("seed", plan)
		assert.Check(t, is.ErrorContains(err, "values, more than the 1000 a sweep takes"), "%d values", n)
	}
	tenants, err := parseFlags(t, "-reuse.tenants=100000").Schedule("seed", "")
	assert.NilError(t, err)
	_, err = parseFlags(t, "-reuse.sweep=provisioned=0,4", "-reuse.tenants=100000").SweepVariants("seed", tenants)
	assert.Check(t, is.ErrorContains(err, "bad -reuse flags: -reuse.sweep: provisioned 4: simulation: the calls carry tenants: profile seed-2021 has 4 provisioned environments"))
	assert.Check(t, !strings.Contains(err.Error(), "provisioned 0:"), "the valid what-if is not named")
	_, err = parseFlags(t, "-reuse.sweep=tenants=1,10", "-reuse.profile=managed-2026").SweepVariants("seed", plan)
	assert.Check(t, is.ErrorContains(err, "tenants 1: simulation: the calls carry tenants: profile managed-2026 runs on Managed Instances"))
	assert.Check(t, is.ErrorContains(err, "tenants 10:"))
	idle, err := parseFlags(t).Schedule("idle", "")
	assert.NilError(t, err)
	_, err = parseFlags(t, "-reuse.sweep=profile=seed-2021,managed-2026").SweepVariants("idle", idle)
	assert.Check(t, is.ErrorContains(err, "profile managed-2026: -reuse.profile managed-2026 runs on Managed Instances"))
	assert.Check(t, is.ErrorContains(err, "does not apply"))
}

// TestAThousandWhatIfsRunInBoundedMemory: a sweep of 1,000 tenants values
// runs at most GOMAXPROCS what-ifs at once (never a goroutine each), and
// keeps of each only what its table and chart read: no tenants part, no
// simulator with its profile file.
func TestAThousandWhatIfsRunInBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("a thousand simulations")
	}
	values := strings.TrimSuffix(strings.Repeat("5,", maxSweepValues), ",")
	f := parseFlags(t, "-reuse.sweep=tenants="+values, "-reuse.calls=10", "-reuse.rate=10", "-reuse.handler=100ms")
	sched, err := f.Schedule("seed", "")
	assert.NilError(t, err)
	variants, err := f.SweepVariants("seed", sched)
	assert.NilError(t, err)
	assert.Assert(t, is.Len(variants, maxSweepValues))

	before := runtime.NumGoroutine()
	var most atomic.Int64
	done := make(chan struct{})
	go func() {
		for {
			most.Store(max(most.Load(), int64(runtime.NumGoroutine())))
			select {
			case <-done:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	sums, err := Sweep(t.Context(), io.Discard, f, "seed", "", variants, t.TempDir())
	close(done)
	assert.NilError(t, err)
	assert.Assert(t, is.Len(sums, maxSweepValues))
	// The sampler, the workers, and each running simulation's model
	// goroutine: a few per core, not one per what-if.
	bound := int64(before + 1 + 3*runtime.GOMAXPROCS(0))
	assert.Check(t, most.Load() <= bound, "%d goroutines at most, against %d", most.Load(), bound)
	for _, s := range sums {
		assert.Check(t, is.Equal(s.Requests.Total, int64(10)))
		assert.Check(t, s.Tenants == nil && s.Simulator == nil, "a row of figures, not the whole summary")
	}
}

// TestIdleOnManagedInstancesDoesNotApply: the idle experiment under a
// profile whose environments never idle out is refused before any call,
// saying why (it printed gaps of P(warm) 0.000 and more proactive starts
// than environments).
func TestIdleOnManagedInstancesDoesNotApply(t *testing.T) {
	_, err := parseFlags(t, "-reuse.profile=managed-2026", "-reuse.idle.size=200", "-reuse.idle.rounds=3").Schedule("idle", "")
	assert.Check(t, is.ErrorContains(err, "-reuse.profile managed-2026 runs on Managed Instances, whose environments are not frozen and never idle out"))
	assert.Check(t, is.ErrorContains(err, "does not apply"))
	_, err = parseFlags(t, "-reuse.profile=managed-2026").Schedule("ramp", "")
	assert.NilError(t, err, "other experiments run on Managed Instances")
}

// TestFlagsWithoutEffectAreRefused: a live run's own flags given to a
// simulated run, the simulator's named as having no effect on a live one
// (live.RunExperiment refuses them before any call), and a record log given
// to a sweep are refused before anything runs, each named.
func TestFlagsWithoutEffectAreRefused(t *testing.T) {
	plan := schedule.Steady{Calls: 10, RatePerSec: 10, HandlerMS: 100}
	f := parseFlags(t, "-reuse.call-timeout=5s", "-reuse.predict=go-2026")
	_, err := Simulate(t.Context(), io.Discard, f, plan, Outputs{})
	assert.Check(t, is.ErrorContains(err, "-reuse.call-timeout has no effect on a simulated run"))
	assert.Check(t, is.ErrorContains(err, "-reuse.predict has no effect on a simulated run"))

	dir := t.TempDir()
	f = parseFlags(t, "-reuse.sweep=placement=mru,lru", "-reuse.placement=lru", "-reuse.log="+filepath.Join(dir, "run.jsonl"))
	err = f.Unused(true)
	assert.Check(t, is.ErrorContains(err, "-reuse.sweep has no effect on a live run"))
	assert.Check(t, is.ErrorContains(err, "-reuse.placement has no effect on a live run"))
	variants, err := f.SweepVariants("seed", plan)
	assert.NilError(t, err)
	_, err = Sweep(t.Context(), io.Discard, f, "seed", "", variants, dir)
	assert.Check(t, is.ErrorContains(err, "-reuse.log has no effect on a sweep"))
}
