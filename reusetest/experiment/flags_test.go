package experiment

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdasim"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"

	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

func parseFlags(t *testing.T, args ...string) *Flags {
	t.Helper()
	f, err := parseFlagsErr(t, args...)
	assert.NilError(t, err)
	return f
}

func parseFlagsErr(t *testing.T, args ...string) (*Flags, error) {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f := RegisterFlags(fs)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	f.NoteSet(fs)
	return f, nil
}

// TestProfileScheduleRunsWhenNoScheduleFlagIsGiven: a profile that carries
// the schedule it was fitted on runs it when the flags name none, and a
// schedule flag overrides it.
func TestProfileScheduleRunsWhenNoScheduleFlagIsGiven(t *testing.T) {
	p, err := lambdasim.LookupProfile(lambdasim.ProfileSeed2021)
	assert.NilError(t, err)
	var pf lambdasim.ProfileFile
	assert.NilError(t, json.Unmarshal(p.File, &pf))
	spec := schedule.Steady{Calls: 1234, RatePerSec: 3, HandlerMS: 300}.Spec()
	pf.Name, pf.Schedule = "carries", &spec
	raw, err := json.Marshal(pf)
	assert.NilError(t, err)
	path := filepath.Join(t.TempDir(), "carries.json")
	assert.NilError(t, os.WriteFile(path, raw, 0o644))

	s, err := parseFlags(t, "-reuse.profile="+path).Schedule("seed", "")
	assert.NilError(t, err)
	assert.Check(t, is.Equal(s.Plan(), schedule.Plan{Calls: 1234, RatePerSec: 3, HandlerMS: 300}))
	assert.Check(t, is.Equal(DefaultOut("/r", "seed", parseFlags(t, "-reuse.profile="+path)), "/r/out/sim-carries-mru-seed0-its-steady-1234calls.json"))
	assert.Check(t, is.Equal(DefaultOut("/r", "seed", parseFlags(t, "-reuse.profile="+path, "-reuse.calls=99")), "/r/out/sim-carries-mru-fixed-seed0-99calls-10rps-500ms.json"))
	s, err = parseFlags(t, "-reuse.profile="+path, "-reuse.calls=99").Schedule("seed", "")
	assert.NilError(t, err)
	assert.Check(t, is.Equal(s.Plan(), schedule.Plan{Calls: 99, RatePerSec: schedule.SeedRatePerSec, HandlerMS: schedule.SeedHandler.Milliseconds()}))

	// A bad schedule in a profile is refused when the profile is read,
	// naming the field.
	spec.RatePerSec = -1
	raw, err = json.Marshal(pf)
	assert.NilError(t, err)
	assert.NilError(t, os.WriteFile(path, raw, 0o644))
	_, err = lambdasim.ReadProfile(path)
	assert.Check(t, is.ErrorContains(err, "schedule"))
}

func TestFlagsRejectBadValues(t *testing.T) {
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"-reuse.rate=0"}, []string{"bad -reuse flags", "rate must be a positive number of calls per second, got 0"}},
		{[]string{"-reuse.rate=-3", "-reuse.calls=0"}, []string{"rate must be a positive", "calls must be positive, got 0"}},
		{[]string{"-reuse.handler=1500us"}, []string{"-reuse.handler 1.5ms is not a whole number of milliseconds"}},
		{[]string{"-reuse.handler=2m"}, []string{"handler must be between 0 and 1m0s, got 2m0s"}},
		{[]string{"-reuse.profile=aws-1999", "-reuse.placement=fastest"}, []string{
			`unknown profile "aws-1999" (known: seed-2021, go-2026, managed-2026, or a profile file's path)`,
			`unknown placement "fastest" (known: mru, lru, random, newest)`}},
		{[]string{"-reuse.arrivals=bursty"}, []string{`unknown arrivals "bursty" (known: fixed, poisson)`}},
		{[]string{"-reuse.rate=0", "-reuse.handler=1500us", "-reuse.profile=aws-1999", "-reuse.arrivals=bursty"}, []string{
			"rate must be a positive", "-reuse.handler 1.5ms", `unknown profile "aws-1999"`, `unknown arrivals "bursty"`}},
	}
	for _, tc := range tests {
		_, err := parseFlags(t, tc.args...).Simulation("seed", "")
		for _, want := range tc.want {
			assert.Check(t, is.ErrorContains(err, want), "args %v", tc.args)
		}
	}
}

func TestExperimentFlagsRejectBadValues(t *testing.T) {
	_, err := parseFlags(t, "-reuse.burst.size=-3", "-reuse.burst.rounds=-1", "-reuse.burst.pause=10ms", "-reuse.handler=1500us").Schedule("burst", "")
	for _, want := range []string{"-reuse.burst.size must be from 1 to 10000, got -3", "-reuse.burst.rounds must be from 1 to 100000, got -1",
		"-reuse.burst.pause must be whole milliseconds, from 1s to 168h0m0s, got 10ms", "-reuse.handler 1.5ms is not a whole number"} {
		assert.Check(t, is.ErrorContains(err, want))
	}
	_, err = parseFlags(t, "-reuse.idle.gaps=1m,soon,-5s", "-reuse.idle.size=20000", "-reuse.handler=50ms").Schedule("idle", "")
	for _, want := range []string{`-reuse.idle.gaps: "soon" is not a duration`, "-reuse.idle.gaps: -5s must be a positive",
		"-reuse.idle.size must be from 1 to 10000, got 20000", "-reuse.handler must be at least 100ms"} {
		assert.Check(t, is.ErrorContains(err, want))
	}
	_, err = parseFlags(t).Schedule("spike", "")
	assert.Check(t, is.ErrorContains(err, `unknown experiment "spike" (known: seed, burst, idle, trace`), "in the kinds' order")
	for _, e := range Experiments() {
		assert.Check(t, is.Contains(err.Error(), e.Name))
	}
	// Defaults that just work, each experiment its own.
	b, err := parseFlags(t).Schedule("burst", "")
	assert.NilError(t, err)
	assert.Check(t, is.Equal(b.(schedule.Burst).Size, int64(defaultBurstSize)))
	s, err := parseFlags(t, "-reuse.idle.size=5").Schedule("idle", "")
	assert.NilError(t, err)
	idle := s.(*schedule.Idle)
	assert.Check(t, is.Equal(idle.Size, int64(5)))
	assert.Check(t, is.Equal(idle.Rounds, int64(DefaultIdleRounds)))
	assert.Check(t, is.Len(idle.Gaps, 11))
	assert.Check(t, parseFlags(t, "-reuse.idle.size=5", "-reuse.idle.gaps=1m").IsDefaultSimulation(), "experiment flags do not touch the seed experiment")
}

// TestSharedFlagsSetEveryExperiment: -reuse.n and -reuse.rounds set the
// burst's and the idle experiment's own, each keeping its own default
// otherwise; -reuse.gaps and -reuse.pause set theirs.
func TestSharedFlagsSetEveryExperiment(t *testing.T) {
	f := parseFlags(t, "-reuse.n=7", "-reuse.rounds=3", "-reuse.gaps=2m,9m", "-reuse.pause=90s")
	s, err := f.Schedule("burst", "")
	assert.NilError(t, err)
	assert.Check(t, is.DeepEqual(s, schedule.Schedule(schedule.Burst{Size: 7, Rounds: 3, Pause: 90 * time.Second, HandlerMS: 500})))
	s, err = f.Schedule("idle", "")
	assert.NilError(t, err)
	idle := s.(*schedule.Idle)
	assert.Check(t, is.Equal(idle.Size, int64(7)))
	assert.Check(t, is.Equal(idle.Rounds, int64(3)))
	assert.Check(t, is.DeepEqual(idle.Gaps, []time.Duration{2 * time.Minute, 9 * time.Minute}))
	fs := flag.NewFlagSet("usage", flag.ContinueOnError)
	RegisterFlags(fs)
	assert.Check(t, is.Contains(fs.Lookup("reuse.n").Usage, "sets -reuse.burst.size and -reuse.idle.size"))
	_, err = parseFlagsErr(t, "-reuse.n=many")
	assert.Check(t, is.ErrorContains(err, "reuse.n"))
}

func TestFlagsDefaultIsTheGoldenRun(t *testing.T) {
	assert.Check(t, parseFlags(t).IsDefaultSimulation())
	assert.Check(t, parseFlags(t, "-reuse.out=/tmp/x.json").IsDefaultSimulation(), "where the summary goes does not change it")
	assert.Check(t, !parseFlags(t, "-reuse.seed=3").IsDefaultSimulation())
	assert.Check(t, !parseFlags(t, "-reuse.placement=lru").IsDefaultSimulation())
	sim, err := parseFlags(t).Simulation("seed", "")
	assert.NilError(t, err)
	assert.Check(t, is.Equal(sim.Describe().Profile, "seed-2021"))
}

func TestDefaultSimOutNamesTheRun(t *testing.T) {
	f := parseFlags(t, "-reuse.rate=2.5", "-reuse.placement=lru", "-reuse.seed=9")
	got := DefaultOut("/repo", "seed", f)
	assert.Check(t, is.Equal(got, "/repo/out/sim-seed-2021-lru-fixed-seed9-600000calls-2.5rps-500ms.json"))
}

// TestTraceReplaysDoNotOverwriteEachOther: each trace's default output is
// named for its file.
func TestTraceReplaysDoNotOverwriteEachOther(t *testing.T) {
	a := DefaultOut("/repo", "trace", parseFlags(t, "-reuse.trace=mine/day1.csv"))
	b := DefaultOut("/repo", "trace", parseFlags(t, "-reuse.trace=mine/day2.jsonl"))
	assert.Check(t, is.Equal(a, "/repo/out/sim-trace-day1-seed-2021-mru-seed0.json"))
	assert.Check(t, a != b)
	assert.Check(t, is.Equal(DefaultOut("/repo", "idle", parseFlags(t)), "/repo/out/sim-idle-seed-2021-mru-seed0.json"))
}

// TestSweepOfProvisionedConcurrency: provisioned=N what-ifs, each the base
// model with N environments kept ready; a bad count is named with the limit.
func TestSweepOfProvisionedConcurrency(t *testing.T) {
	plan := schedule.Steady{Calls: 100, RatePerSec: 10, HandlerMS: 100}
	vs, err := parseFlags(t, "-reuse.sweep=provisioned=0,8").SweepVariants("seed", plan)
	assert.NilError(t, err)
	assert.Check(t, is.Len(vs, 2))
	assert.Check(t, is.Equal(vs[1].Name, "provisioned 8"))
	assert.Check(t, is.Equal(vs[1].Profile.Provisioned, 8))
	_, err = parseFlags(t, "-reuse.sweep=provisioned=5,lots,5000").SweepVariants("seed", plan)
	assert.Check(t, is.ErrorContains(err, `provisioned "lots": want a count from 0 to the profile's concurrency limit (1000)`))
	assert.Check(t, is.ErrorContains(err, `provisioned "5000"`))
}

// TestTenantFlags: -reuse.tenants gives any experiment's calls a
// population, named in the spec and the default file name; a count of 0
// or past the cap is refused as the flags are parsed, a popularity without
// a count and a population over a trace's own tenants when the schedule
// is built; a tenants= sweep builds one variant per count with the given
// popularity, and refuses 0.
func TestTenantFlags(t *testing.T) {
	f := parseFlags(t, "-reuse.tenants=25", "-reuse.tenants.popularity=zipf", "-reuse.tenants.zipf=1.5")
	for _, name := range []string{"seed", "burst", "idle", "ramp"} {
		s, err := f.Schedule(name, "")
		assert.NilError(t, err, name)
		spec := s.Spec()
		assert.Check(t, is.DeepEqual(spec.Tenants, &schedule.Population{Count: 25, Popularity: schedule.PopularityZipf, ZipfS: 1.5}), name)
		assert.Check(t, schedule.TenantOf(s) != nil, name)
	}
	assert.Check(t, is.Contains(DefaultOut("/r", "seed", f), "-tenants25-zipf1.5.json"))
	assert.Check(t, !f.IsDefaultSimulation())

	for _, tc := range []struct{ arg, want string }{
		{"-reuse.tenants=0", `invalid value "0" for flag -reuse.tenants: want a number of tenants from 1 to 100000`},
		{"-reuse.tenants=100001", "from 1 to 100000"},
		{"-reuse.tenants=many", "from 1 to 100000"},
	} {
		_, err := parseFlagsErr(t, tc.arg)
		assert.Check(t, is.ErrorContains(err, tc.want), tc.arg)
	}
	_, err := parseFlags(t, "-reuse.tenants.popularity=zipf").Schedule("seed", "")
	assert.Check(t, is.ErrorContains(err, "-reuse.tenants.popularity and -reuse.tenants.zipf need -reuse.tenants or -reuse.sweep=tenants="))
	_, err = parseFlags(t, "-reuse.tenants.popularity=zipf", "-reuse.sweep=tenants=5").Schedule("seed", "")
	assert.Check(t, err, "a tenants sweep takes the popularity")
	_, err = parseFlags(t, "-reuse.tenants=3", "-reuse.tenants.popularity=pareto").Schedule("seed", "")
	assert.Check(t, is.ErrorContains(err, `-reuse.tenants: tenants: popularity "pareto": want uniform or zipf`))

	trace := filepath.Join(t.TempDir(), "t.csv")
	assert.NilError(t, os.WriteFile(trace, []byte("time,tenant\n0,a\n1,b\n"), 0o644))
	_, err = parseFlags(t, "-reuse.trace="+trace, "-reuse.tenants=3").Schedule("trace", "")
	assert.Check(t, is.ErrorContains(err, "carry tenants of their own"))

	plan := schedule.Steady{Calls: 100, RatePerSec: 10, HandlerMS: 100}
	vs, err := parseFlags(t, "-reuse.sweep=tenants=1,10", "-reuse.tenants.popularity=zipf").SweepVariants("seed", plan)
	assert.NilError(t, err)
	assert.Check(t, is.Len(vs, 2))
	assert.Check(t, is.Equal(vs[1].Name, "tenants 10"))
	assert.Check(t, is.DeepEqual(vs[1].Tenants, &schedule.Population{Count: 10, Popularity: schedule.PopularityZipf, ZipfS: 1}))
	_, err = parseFlags(t, "-reuse.sweep=tenants=0,x,1.5").SweepVariants("seed", plan)
	assert.Check(t, is.ErrorContains(err, `tenants "0": want a whole number of tenants from 1 to 100000`))
	assert.Check(t, is.ErrorContains(err, `tenants "x": want a whole number`))
	assert.Check(t, is.ErrorContains(err, `tenants "1.5": want a whole number`), "the value as given, not a 0")
}

// TestLeakFlag: -reuse.leak takes a size in KB or MB (1,024 bytes to the
// KB, as Lambda counts memory), from 0 to 100 MB a call; both kinds of run
// take it.
func TestLeakFlag(t *testing.T) {
	for in, kb := range map[string]float64{"100KB": 100, "0.1MB": 102.4, "0": 0, " 1.5 MB": 1536, "512kb": 512, "100MB": 102400, "0KB": 0} {
		l, err := parseLeak(in)
		assert.Check(t, err, in)
		assert.Check(t, is.Equal(l.KB, kb), in)
	}
	for in, want := range map[string]string{
		"100":     "want a size in KB or MB (100KB, 0.1MB) or 0",
		"fast":    "want a size in KB or MB",
		"KB":      "want a size in KB or MB",
		"-1KB":    "must be from 0 to 100MB a call",
		"100.5MB": "must be from 0 to 100MB a call",
		"NaNMB":   "must be from 0 to 100MB a call",
		"1GB":     "want a size in KB or MB",
	} {
		_, err := parseLeak(in)
		assert.Check(t, is.ErrorContains(err, want), in)
		_, err = parseFlagsErr(t, "-reuse.leak="+in)
		assert.Check(t, is.ErrorContains(err, want), "as a flag: %s", in)
	}
	f := parseFlags(t, "-reuse.leak=0.1MB")
	assert.Check(t, is.Equal(f.Leak.KB, 102.4))
	assert.Check(t, is.Equal(f.Leak.String(), "0.1MB"))
	assert.NilError(t, f.Unused(false))
	assert.NilError(t, f.Unused(true))
	assert.Check(t, is.Equal(parseFlags(t).Leak.KB, 0.0), "no leak by default")
}

// TestAProfileWithMemoryFailsAndResets: a simulated run under a profile
// with a memory part and a timeout runs them: generations that grow 5 MB a
// call from 80 MB at 512 MB fail on their 87th call, out of memory, and
// are reset; the table counts them and says nothing is left unmodelled.
func TestAProfileWithMemoryFailsAndResets(t *testing.T) {
	p, err := lambdasim.LookupProfile(lambdasim.ProfileSeed2021)
	assert.NilError(t, err)
	var pf lambdasim.ProfileFile
	assert.NilError(t, json.Unmarshal(p.File, &pf))
	pf.Name = "leaky"
	pf.Memory = &lambdasim.MemoryFile{SizeMB: &lambdasim.CountFile{Value: 512, Source: "test"},
		StartMB: lambdasim.FixedAmount(80).File("test"), GrowthMBPerCall: lambdasim.FixedAmount(5).File("test")}
	pf.Timeout = &lambdasim.TimeoutFile{Value: "3s", Source: "test"}
	raw, err := json.Marshal(pf)
	assert.NilError(t, err)
	path := filepath.Join(t.TempDir(), "leaky.json")
	assert.NilError(t, os.WriteFile(path, raw, 0o644))

	f := parseFlags(t, "-reuse.profile="+path, "-reuse.calls=2000")
	sched, err := f.Schedule("seed", "")
	assert.NilError(t, err)
	var out strings.Builder
	res, err := Simulate(t.Context(), &out, f, sched, Outputs{})
	assert.NilError(t, err)
	sum := res.Summary
	assert.Check(t, !strings.Contains(out.String(), "not modelled"), out.String())
	assert.Check(t, is.Len(sum.Simulator.NotModelled, 0))
	assert.Assert(t, sum.Memory != nil)
	oom := sum.Requests.ByError["Runtime.OutOfMemory"]
	assert.Check(t, oom > 0 && sum.Memory.OutOfMemory == oom, "%d out of memory", oom)
	assert.Check(t, sum.Instances.Resets > 0 && int64(sum.Instances.Resets) <= oom, "%d resets of %d failures", sum.Instances.Resets, oom)
	assert.Check(t, is.Regexp(fmt.Sprintf(`out-of-memory failures +%d +-\n`, oom), out.String()))
}

// TestMemoryAndTimeoutFlags: -reuse.memory, -reuse.leak and -reuse.timeout
// set the function's memory size, growth per call and timeout on the
// simulated run's profile (one without a memory part gets an assumed
// start, sourced so), reach the summary's profile file, and refuse values
// Lambda does not allow, naming the flag and the limit, before any call;
// a live run given the function's timeout or memory is told why not, and
// which flag is the caller's timeout.
func TestMemoryAndTimeoutFlags(t *testing.T) {
	f := parseFlags(t, "-reuse.memory=256", "-reuse.leak=1MB", "-reuse.timeout=5s")
	p, _, err := f.Model()
	assert.NilError(t, err)
	assert.Assert(t, p.Memory != nil)
	assert.Check(t, is.Equal(p.Memory.SizeMB, 256))
	assert.Check(t, is.Equal(p.Memory.StartMB.Quantile(0.5), float64(lambdasim.AssumedStartMB)))
	assert.Check(t, is.Equal(p.Memory.GrowthMBPerCall.Quantile(0.5), 1.0))
	assert.Check(t, is.Equal(p.Timeout, 5*time.Second))
	back, err := lambdasim.ParseProfile(bytes.NewReader(p.File))
	assert.NilError(t, err, "the profile file the summary carries reads back")
	assert.Check(t, is.Equal(back.Memory.SizeMB, 256))
	assert.Check(t, is.Equal(back.Timeout, 5*time.Second))
	assert.Check(t, is.Contains(string(p.File), "set by -reuse.memory"))
	assert.Check(t, is.Contains(string(p.File), "assumed: a small runtime"))

	f = parseFlags(t, "-reuse.memory=128", "-reuse.leak=1MB", "-reuse.calls=3000")
	sched, err := f.Schedule("seed", "")
	assert.NilError(t, err)
	sum, err := Simulate(t.Context(), io.Discard, f, sched, Outputs{})
	assert.NilError(t, err)
	// (128 - 64) / 1 = 64 calls reach 128 MB exactly: the 65th fails.
	assert.Check(t, sum.Summary.Memory != nil && sum.Summary.Memory.OutOfMemory > 0)
	assert.Check(t, sum.Summary.Requests.ByError["Runtime.OutOfMemory"] == sum.Summary.Memory.OutOfMemory)

	for args, want := range map[string]string{
		"-reuse.memory=64":     "flag -reuse.memory: 64 MB: a function's memory size is from 128 to 10240 MB",
		"-reuse.memory=20000":  "a function's memory size is from 128 to 10240 MB",
		"-reuse.memory=big":    `"big": want a memory size in whole MB`,
		"-reuse.timeout=500ms": "flag -reuse.timeout: 500ms: a function's timeout is from 1s to 15m0s",
		"-reuse.timeout=16m":   "a function's timeout is from 1s to 15m0s",
	} {
		_, err := parseFlagsErr(t, args)
		assert.Check(t, is.ErrorContains(err, want), args)
	}
	for args, want := range map[string]string{
		"-reuse.sweep=memory=512,64": `memory "64": 64 MB: a function's memory size is from 128 to 10240 MB`,
		"-reuse.sweep=timeout=3s,0s": `timeout "0s": 0s: a function's timeout is from 1s to 15m0s`,
		"-reuse.sweep=leak=0,fast":   `leak "fast"`,
		"-reuse.sweep=weather=sunny": "sweeps profile, placement, idle, provisioned, tenants, memory, leak, timeout",
	} {
		_, err := parseFlags(t, args).SweepVariants("seed", schedule.Steady{Calls: 10, RatePerSec: 10, HandlerMS: 100})
		assert.Check(t, is.ErrorContains(err, want), args)
	}
	vs, err := parseFlags(t, "-reuse.sweep=memory=512,1024", "-reuse.leak=0.5MB").SweepVariants("seed", schedule.Steady{Calls: 10, RatePerSec: 10, HandlerMS: 100})
	assert.NilError(t, err)
	assert.Assert(t, is.Len(vs, 2))
	assert.Check(t, is.Equal(vs[1].Name, "memory 1024 MB"))
	assert.Check(t, is.Equal(vs[1].Profile.Memory.SizeMB, 1024))
	assert.Check(t, is.Equal(vs[1].Profile.Memory.GrowthMBPerCall.Quantile(0.5), 0.5), "the leak flag stands under the sweep")

	live := parseFlags(t, "-reuse.timeout=3s", "-reuse.memory=512", "-reuse.leak=100KB")
	err = live.Unused(true)
	assert.Check(t, is.ErrorContains(err, "-reuse.timeout is the function's timeout, which a live run cannot set on the deployed function"))
	assert.Check(t, is.ErrorContains(err, "the caller's timeout of each call is -reuse.call-timeout"))
	assert.Check(t, is.ErrorContains(err, "-reuse.memory is the function's memory size, which a live run cannot set"))
	assert.Check(t, !strings.Contains(err.Error(), "reuse.leak"), "a live run takes the leak")
	assert.Check(t, !parseFlags(t, "-reuse.memory=512").IsDefaultSimulation(), "a what-if is not the golden's run")
}
