package reusetest

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/experiment"
	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdasim"
	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// experimentOut is where an experiment's summary and report go:
// -reuse.out and -reuse.report, or files under out/ named for the run when
// the user picked the experiment (-run), else under the test's temporary
// folder.
func experimentOut(t *testing.T, name string) experiment.Outputs {
	out := flags.Out
	switch {
	case out != "":
	case asked():
		out = experiment.DefaultOut(root, name, flags)
	default:
		// Run as part of the whole suite (go test ./...): nothing is
		// written outside the test's temporary folder.
		out = filepath.Join(t.TempDir(), filepath.Base(experiment.DefaultOut("", name, flags)))
	}
	reportDir := flags.Report
	if reportDir == "" {
		reportDir = experiment.ReportDir(out)
	}
	return experiment.Outputs{Summary: out, Report: reportDir, Log: flags.Log}
}

// asked reports whether the user picked tests to run (-run), as the
// README's experiment commands do: then an experiment writes under out/.
func asked() bool {
	f := flag.Lookup("test.run")
	return f != nil && f.Value.String() != ""
}

// TestBurstExperiment asks how many environments a burst creates, and how
// slow their first calls are: -reuse.burst.size calls due at the same
// instant, -reuse.burst.rounds times, -reuse.burst.pause apart, against the
// simulated pool. It prints the tables and the chart paths and writes the
// summary.
func TestBurstExperiment(t *testing.T) {
	sum, ran := experimentSummary(t, "burst")
	if !ran {
		return
	}
	b := sum.Burst()
	assert.Assert(t, b != nil)
	var newEnvs, throttled int64
	for i, r := range b.Bursts {
		assert.Check(t, is.Equal(r.Calls, b.Size), "burst %d", i+1)
		assert.Check(t, is.Equal(r.Served+r.Throttled+r.Failed, r.Calls), "burst %d", i+1)
		newEnvs += r.NewEnvironments
		throttled += r.Throttled
	}
	assert.Check(t, is.Equal(newEnvs, int64(sum.Instances.Count)), "every environment is new in exactly one burst")
	assert.Check(t, is.Equal(throttled, sum.Requests.ByStatus[record.StatusThrottled]))
	assert.Check(t, is.Equal(b.ColdLatencyMS.Count+b.WarmLatencyMS.Count, sum.Requests.OK))
}

// TestIdleExperiment asks how long an environment stays warm when nobody
// calls it: for each gap of -reuse.idle.gaps, -reuse.idle.rounds trials
// warm -reuse.idle.size environments, leave them idle for the gap, and call
// again. It prints the curve and the chart paths and writes the summary.
func TestIdleExperiment(t *testing.T) {
	sum, ran := experimentSummary(t, "idle")
	if !ran {
		return
	}
	idle := sum.Idle()
	assert.Assert(t, idle != nil)
	schedule := sum.Schedule.Params.(*schedule.IdleParams)
	assert.Check(t, is.Len(idle.Points, len(schedule.GapsMS)))
	for _, p := range idle.Points {
		assert.Check(t, p.Warm <= p.Samples && p.Low <= p.P && p.P <= p.High, "gap %v: %+v", p.GapMinutes, p)
		if idle.ExcludedTrials == 0 {
			assert.Check(t, is.Equal(p.Samples, schedule.Size*schedule.Rounds), "gap %v: every warmed environment is a sample", p.GapMinutes)
		}
	}
}

// experimentSummary runs experiment name simulated (see simulate), its
// outputs where experimentOut says, and returns its summary as its file
// reads back; false when a sweep ran instead.
func experimentSummary(t *testing.T, name string) (summary.Summary, bool) {
	t.Helper()
	res, ran := simulate(t, name, experimentOut(t, name))
	if !ran {
		return summary.Summary{}, false
	}
	return readBack(t, res), true
}

// readBack is the summary as its file gives it back: what other tools read.
func readBack(t *testing.T, res experiment.Simulated) summary.Summary {
	t.Helper()
	sum, err := summary.ParseSummary(res.JSON)
	assert.NilError(t, err)
	again, err := summary.MarshalSummary(sum)
	assert.NilError(t, err)
	assert.Check(t, is.Equal(string(again), string(res.JSON)), "the summary reads back as it was written")
	return sum
}

// TestRampExperiment asks how the platform keeps up with traffic that
// grows: the rate rising from -reuse.ramp.start to -reuse.ramp.end over
// -reuse.ramp.duration. It prints the steps and the chart paths and writes
// the summary.
func TestRampExperiment(t *testing.T) {
	sum, ran := experimentSummary(t, "ramp")
	if !ran {
		return
	}
	r := sum.Ramp()
	assert.Assert(t, r != nil)
	var calls, throttled, newEnvs int64
	for _, st := range r.Steps {
		assert.Check(t, is.Equal(st.Served+st.Throttled, st.Calls), "a simulated call is served or throttled")
		calls, throttled, newEnvs = calls+st.Calls, throttled+st.Throttled, newEnvs+st.NewEnvironments
	}
	assert.Check(t, is.Equal(calls, sum.Requests.Total), "every call in one step")
	assert.Check(t, is.Equal(throttled, sum.Requests.ByStatus[record.StatusThrottled]))
	assert.Check(t, is.Equal(newEnvs, int64(sum.Instances.Count)), "every environment is new in exactly one step")
}

// BenchmarkIdleExperiment simulates the idle curve of 11 gaps, 20 calls per
// phase, 50 rounds per gap (22,000 calls over 107 virtual hours) and
// summarizes it (target: under 1 s).
func BenchmarkIdleExperiment(b *testing.B) {
	gaps, err := experiment.ParseGaps(experiment.DefaultIdleGaps)
	assert.NilError(b, err)
	schedule, err := schedule.NewIdle(experiment.DefaultIdleSize, gaps, experiment.DefaultIdleRounds, 500, 0, 0)
	assert.NilError(b, err)
	benchmarkSimulation(b, schedule)
}

// BenchmarkBurstExperiment simulates one burst of 1,000 calls and
// summarizes it (target: under 10 ms).
func BenchmarkBurstExperiment(b *testing.B) {
	benchmarkSimulation(b, schedule.Burst{Size: 1000, Rounds: 1, Pause: time.Minute, HandlerMS: 500})
}

func benchmarkSimulation(b *testing.B, schedule schedule.Schedule) {
	sim, err := lambdasim.New(schedule, lambdasim.Options{})
	assert.NilError(b, err)
	var sum summary.Summary
	b.ReportAllocs()
	for b.Loop() {
		s := summary.NewSummarizer(schedule, "simulator", sim.Describe())
		if _, err := sim.SummarizeInto(b.Context(), s); err != nil {
			b.Fatal(err)
		}
		sum = s.Summary()
	}
	b.ReportMetric(float64(sum.Requests.Total), "calls")
	b.ReportMetric(float64(sum.Instances.Count), "envs")
}

// TestTraceExperiment replays a trace of the user's traffic (-reuse.trace,
// by default a synthetic day of calls per minute under testdata/traces)
// against the simulated pool: cold starts and their share, by hour of the
// day, environments, reuse and lifetimes, with the report's charts. With
// -reuse.sweep (as every experiment) it runs what-ifs over the same trace
// in parallel instead and writes one comparison table and chart.
func TestTraceExperiment(t *testing.T) {
	sum, ran := experimentSummary(t, "trace")
	if !ran {
		return
	}
	tr := sum.Trace()
	assert.Assert(t, tr != nil)
	var calls, cold int64
	for h := range 24 {
		calls, cold = calls+tr.CallsByHour[h], cold+tr.ColdByHour[h]
	}
	assert.Check(t, is.Equal(calls, sum.Requests.Total), "every call in one hour")
	assert.Check(t, is.Equal(cold, tr.ColdCalls))
	assert.Check(t, tr.ColdCalls <= int64(sum.Instances.Count), "a cold call starts an environment")
}

// BenchmarkTraceExperiment simulates a trace and summarizes it, streamed:
// a day of counts per minute (10 million calls, about 115 a second) and a
// file of 2 million timestamps (a day at about 23 a second, with
// durations). It reports calls simulated per second (the targets: 5
// million a second from counts, 2 million from timestamps), reading the
// file included, and allocations, which follow environments, not calls.
func BenchmarkTraceExperiment(b *testing.B) {
	dir := b.TempDir()
	counts, err := os.Create(filepath.Join(dir, "counts.csv"))
	assert.NilError(b, err)
	fmt.Fprintln(counts, "minute,count")
	for m := range 1440 {
		fmt.Fprintf(counts, "%d,%d\n", m, 10_000_000/1440+boolInt(m < 10_000_000%1440))
	}
	assert.NilError(b, counts.Close())
	stamps, err := os.Create(filepath.Join(dir, "timestamps.csv"))
	assert.NilError(b, err)
	fmt.Fprintln(stamps, "time,duration_ms")
	const n = 2_000_000
	for i := range n {
		us := int64(i) * 86_400_000_000 / n
		fmt.Fprintf(stamps, "%d.%06d,%d\n", us/1_000_000, us%1_000_000, 20+i%300)
	}
	assert.NilError(b, stamps.Close())
	for _, c := range []struct{ name, path string }{{"counts", counts.Name()}, {"timestamps", stamps.Name()}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			var calls int64
			for b.Loop() {
				own, err := schedule.OpenTrace(c.path, schedule.TraceOptions{HandlerMS: 100})
				assert.NilError(b, err)
				sim, err := lambdasim.New(own, lambdasim.Options{})
				assert.NilError(b, err)
				s := summary.NewSummarizer(own, "simulator", sim.Describe())
				if _, err := sim.SummarizeInto(b.Context(), s); err != nil {
					b.Fatal(err)
				}
				calls += s.Summary().Requests.Total
			}
			b.ReportMetric(float64(calls)/b.Elapsed().Seconds(), "calls/s")
		})
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
