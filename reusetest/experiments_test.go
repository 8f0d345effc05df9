package reusetest

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdasim"
	"github.com/lambda-reuse/lambda-reuse/reusetest/reuse"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// experimentOut is where an experiment's summary and report go: -reuse.out
// and -reuse.report, or files under out/ named for the run.
func experimentOut(t *testing.T, experiment string) (out, reportDir string) {
	out = flags.Out
	if out == "" {
		out = DefaultExperimentOut(moduleRoot(t), experiment, *flags)
	}
	reportDir = flags.Report
	if reportDir == "" {
		reportDir = strings.TrimSuffix(out, ".json") + ".report"
	}
	return out, reportDir
}

// TestBurstExperiment asks how many environments a burst creates, and how
// slow their first calls are: -reuse.n calls due at the same instant,
// -reuse.rounds times, -reuse.pause apart, against the simulated pool. It
// prints the tables and the chart paths and writes the summary.
func TestBurstExperiment(t *testing.T) {
	schedule, err := flags.BurstSchedule()
	if err != nil {
		t.Fatal(err)
	}
	out, reportDir := experimentOut(t, "burst")
	var sum reuse.Summary
	assert.NilError(t, json.Unmarshal(runSimulated(t, schedule, out, reportDir), &sum))
	b := sum.Burst
	assert.Assert(t, b != nil)
	assert.Check(t, is.Equal(sum.Requests.Total, schedule.Size*schedule.Rounds), "one record per scheduled call")
	var newEnvs, throttled int64
	for i, r := range b.Bursts {
		assert.Check(t, is.Equal(r.Calls, schedule.Size), "burst %d", i+1)
		assert.Check(t, is.Equal(r.Served+r.Throttled+r.Failed, r.Calls), "burst %d", i+1)
		newEnvs += r.NewEnvironments
		throttled += r.Throttled
	}
	assert.Check(t, is.Equal(newEnvs, int64(sum.Instances.Count)), "every environment is new in exactly one burst")
	assert.Check(t, is.Equal(throttled, sum.Requests.ByStatus[reuse.StatusThrottled]))
	assert.Check(t, is.Equal(b.ColdLatencyMS.Count+b.WarmLatencyMS.Count, sum.Requests.OK))
}

// TestIdleExperiment asks how long an environment stays warm when nobody
// calls it: for each gap of -reuse.gaps, -reuse.rounds trials warm -reuse.n
// environments, leave them idle for the gap, and call again. It prints the
// curve and the chart paths and writes the summary.
func TestIdleExperiment(t *testing.T) {
	schedule, err := flags.IdleSchedule()
	if err != nil {
		t.Fatal(err)
	}
	out, reportDir := experimentOut(t, "idle")
	var sum reuse.Summary
	assert.NilError(t, json.Unmarshal(runSimulated(t, schedule, out, reportDir), &sum))
	idle := sum.Idle
	assert.Assert(t, idle != nil)
	assert.Check(t, is.Len(idle.Points, len(schedule.Gaps)))
	for _, p := range idle.Points {
		assert.Check(t, p.Warm <= p.Samples && p.Low <= p.P && p.P <= p.High, "gap %v: %+v", p.GapMinutes, p)
		if idle.ExcludedTrials == 0 {
			assert.Check(t, is.Equal(p.Samples, schedule.Size*schedule.Rounds), "gap %v: every warmed environment is a sample", p.GapMinutes)
		}
	}
	assert.Check(t, is.Equal(sum.Requests.Total, schedule.Plan().Calls), "one record per scheduled call")
}

// BenchmarkIdleExperiment simulates the idle curve of 11 gaps, 20 calls per
// phase, 50 rounds per gap (22,000 calls over 107 virtual hours) and
// summarizes it (target: under 1 s).
func BenchmarkIdleExperiment(b *testing.B) {
	schedule, err := reuse.NewIdle(DefaultIdleSize, defaultGaps(b), DefaultIdleRounds, 500, 0, 0)
	assert.NilError(b, err)
	benchmarkSimulation(b, schedule)
}

// BenchmarkBurstExperiment simulates one burst of 1,000 calls and
// summarizes it (target: under 10 ms).
func BenchmarkBurstExperiment(b *testing.B) {
	benchmarkSimulation(b, reuse.Burst{Size: 1000, Rounds: 1, Pause: time.Minute, HandlerMS: 500})
}

func benchmarkSimulation(b *testing.B, schedule reuse.Schedule) {
	sim, err := lambdasim.New(schedule, lambdasim.Options{})
	assert.NilError(b, err)
	var sum reuse.Summary
	b.ReportAllocs()
	for b.Loop() {
		s := reuse.NewSummarizer(schedule, "simulator", sim.Describe())
		if _, err := sim.Run(b.Context(), s.Add); err != nil {
			b.Fatal(err)
		}
		sum = s.Summary()
	}
	b.ReportMetric(float64(sum.Requests.Total), "calls")
	b.ReportMetric(float64(sum.Instances.Count), "envs")
}

func defaultGaps(tb testing.TB) []time.Duration {
	var gaps []time.Duration
	for _, g := range strings.Split(DefaultIdleGaps, ",") {
		d, err := time.ParseDuration(g)
		assert.NilError(tb, err)
		gaps = append(gaps, d)
	}
	return gaps
}
