package reusetest

import (
	"encoding/json"
	"flag"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdasim"
	"github.com/lambda-reuse/lambda-reuse/reusetest/reuse"

	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

func parseFlags(t *testing.T, args ...string) *Flags {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f := RegisterFlags(fs)
	assert.NilError(t, fs.Parse(args))
	f.NoteSet(fs)
	return f
}

// TestProfileScheduleRunsWhenNoScheduleFlagIsGiven: a profile that carries
// the schedule it was fitted on runs it when the flags name none, and a
// schedule flag overrides it.
func TestProfileScheduleRunsWhenNoScheduleFlagIsGiven(t *testing.T) {
	p, err := lambdasim.LookupProfile(lambdasim.ProfileSeed2021)
	assert.NilError(t, err)
	var pf lambdasim.ProfileFile
	assert.NilError(t, json.Unmarshal(p.File, &pf))
	spec := reuse.Plan{Calls: 1234, RatePerSec: 3, HandlerMS: 300}.Spec()
	pf.Name, pf.Schedule = "carries", &spec
	raw, err := json.Marshal(pf)
	assert.NilError(t, err)
	path := filepath.Join(t.TempDir(), "carries.json")
	assert.NilError(t, os.WriteFile(path, raw, 0o644))

	s, err := parseFlags(t, "-reuse.profile="+path).Schedule()
	assert.NilError(t, err)
	assert.Check(t, is.Equal(s.Plan(), reuse.Plan{Calls: 1234, RatePerSec: 3, HandlerMS: 300}))
	s, err = parseFlags(t, "-reuse.profile="+path, "-reuse.calls=99").Schedule()
	assert.NilError(t, err)
	assert.Check(t, is.Equal(s.Plan(), reuse.Plan{Calls: 99, RatePerSec: reuse.SeedRatePerSec, HandlerMS: reuse.SeedHandler.Milliseconds()}))

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
			`unknown profile "aws-1999" (known: seed-2021, go-2026, or a profile file's path)`,
			`unknown placement "fastest" (known: mru, lru, random, newest)`}},
		{[]string{"-reuse.arrivals=bursty"}, []string{`unknown arrivals "bursty" (known: fixed, poisson)`}},
		{[]string{"-reuse.rate=0", "-reuse.handler=1500us", "-reuse.profile=aws-1999", "-reuse.arrivals=bursty"}, []string{
			"rate must be a positive", "-reuse.handler 1.5ms", `unknown profile "aws-1999"`, `unknown arrivals "bursty"`}},
	}
	for _, tc := range tests {
		_, err := parseFlags(t, tc.args...).Simulation()
		for _, want := range tc.want {
			assert.Check(t, is.ErrorContains(err, want), "args %v", tc.args)
		}
	}
}

func TestExperimentFlagsRejectBadValues(t *testing.T) {
	_, err := parseFlags(t, "-reuse.n=-3", "-reuse.rounds=-1", "-reuse.pause=10ms", "-reuse.handler=1500us").BurstSchedule()
	for _, want := range []string{"-reuse.n must be from 1 to 10000, got -3", "-reuse.rounds must be from 1 to 100000, got -1",
		"-reuse.pause must be whole milliseconds, at least 1s, got 10ms", "-reuse.handler 1.5ms is not a whole number"} {
		assert.Check(t, is.ErrorContains(err, want))
	}
	_, err = parseFlags(t, "-reuse.gaps=1m,soon,-5s", "-reuse.n=20000", "-reuse.handler=50ms").IdleSchedule()
	for _, want := range []string{`-reuse.gaps: "soon" is not a duration`, "-reuse.gaps: -5s must be a positive",
		"-reuse.n must be from 1 to 10000, got 20000", "-reuse.handler must be at least 100ms"} {
		assert.Check(t, is.ErrorContains(err, want))
	}
	// Defaults that just work, each experiment its own.
	b, err := parseFlags(t).BurstSchedule()
	assert.NilError(t, err)
	assert.Check(t, is.Equal(b.Size, int64(DefaultBurstSize)))
	idle, err := parseFlags(t, "-reuse.n=5").IdleSchedule()
	assert.NilError(t, err)
	assert.Check(t, is.Equal(idle.Size, int64(5)))
	assert.Check(t, is.Equal(idle.Rounds, int64(DefaultIdleRounds)))
	assert.Check(t, is.Len(idle.Gaps, 11))
	assert.Check(t, parseFlags(t, "-reuse.n=5", "-reuse.gaps=1m").IsDefaultSimulation(), "experiment flags do not touch the seed experiment")
}

func TestFlagsDefaultIsTheGoldenRun(t *testing.T) {
	assert.Check(t, parseFlags(t).IsDefaultSimulation())
	assert.Check(t, parseFlags(t, "-reuse.out=/tmp/x.json").IsDefaultSimulation(), "where the summary goes does not change it")
	assert.Check(t, !parseFlags(t, "-reuse.seed=3").IsDefaultSimulation())
	assert.Check(t, !parseFlags(t, "-reuse.placement=lru").IsDefaultSimulation())
	sim, err := parseFlags(t).Simulation()
	assert.NilError(t, err)
	assert.Check(t, is.Equal(sim.Describe().Profile, "seed-2021"))
}

func TestDefaultSimOutNamesTheRun(t *testing.T) {
	f := parseFlags(t, "-reuse.rate=2.5", "-reuse.placement=lru", "-reuse.seed=9")
	got := DefaultSimOut("/repo", *f)
	assert.Check(t, is.Equal(got, "/repo/out/sim-seed-2021-lru-fixed-seed9-600000calls-2.5rps-500ms.json"))
}

// TestTraceReplaysDoNotOverwriteEachOther: each trace's default output is
// named for its file.
func TestTraceReplaysDoNotOverwriteEachOther(t *testing.T) {
	a := DefaultExperimentOut("/repo", "trace", *parseFlags(t, "-reuse.trace=mine/day1.csv"))
	b := DefaultExperimentOut("/repo", "trace", *parseFlags(t, "-reuse.trace=mine/day2.jsonl"))
	assert.Check(t, is.Equal(a, "/repo/out/sim-trace-day1-seed-2021-mru-seed0.json"))
	assert.Check(t, a != b)
	assert.Check(t, is.Equal(DefaultExperimentOut("/repo", "idle", *parseFlags(t)), "/repo/out/sim-idle-seed-2021-mru-seed0.json"))
}
