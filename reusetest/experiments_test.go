package reusetest

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdasim"
	"github.com/lambda-reuse/lambda-reuse/reusetest/report"
	"github.com/lambda-reuse/lambda-reuse/reusetest/reuse"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// experimentOut is where an experiment's summary and report go: -reuse.out
// and -reuse.report, or files under out/ named for the run when the
// user picked the experiment (-run), else under the test's temporary folder.
func experimentOut(t *testing.T, experiment string) (out, reportDir string) {
	out = flags.Out
	switch {
	case out != "":
	case asked():
		out = DefaultExperimentOut(moduleRoot(t), experiment, *flags)
	default:
		// Run as part of the whole suite (go test ./...): nothing is
		// written outside the test's temporary folder.
		out = filepath.Join(t.TempDir(), filepath.Base(DefaultExperimentOut("", experiment, *flags)))
	}
	reportDir = flags.Report
	if reportDir == "" {
		reportDir = strings.TrimSuffix(out, ".json") + ".report"
	}
	return out, reportDir
}

// asked reports whether the user picked tests to run (-run), as the
// README's experiment commands do: then an experiment writes under out/.
func asked() bool {
	f := flag.Lookup("test.run")
	return f != nil && f.Value.String() != ""
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
	b := sum.Burst()
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
	idle := sum.Idle()
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

// TestTraceExperiment replays a trace of the user's traffic (-reuse.trace,
// by default a synthetic day of calls per minute under testdata/traces)
// against the simulated pool: cold starts and their share, by hour of the
// day, environments, reuse and lifetimes, with the report's charts. With
// -reuse.sweep it runs what-ifs over the same trace in parallel instead and
// writes one comparison table and chart.
func TestTraceExperiment(t *testing.T) {
	root := moduleRoot(t)
	schedule, err := flags.TraceSchedule(root)
	if err != nil {
		t.Fatal(err)
	}
	if flags.Sweep != "" {
		variants, err := flags.SweepVariants()
		if err != nil {
			t.Fatal(err)
		}
		out, _ := experimentOut(t, "trace-sweep")
		dir := strings.TrimSuffix(out, ".json") + ".report"
		if flags.Report != "" {
			dir = flags.Report
		}
		runSweep(t, schedule, variants, dir)
		return
	}
	out, reportDir := experimentOut(t, "trace")
	var sum reuse.Summary
	assert.NilError(t, json.Unmarshal(runSimulated(t, schedule, out, reportDir), &sum))
	tr := sum.Trace()
	assert.Assert(t, tr != nil)
	assert.Check(t, is.Equal(sum.Requests.Total, schedule.Plan().Calls), "one record per call of the trace")
	var calls, cold int64
	for h := range 24 {
		calls, cold = calls+tr.CallsByHour[h], cold+tr.ColdByHour[h]
	}
	assert.Check(t, is.Equal(calls, sum.Requests.Total), "every call in one hour")
	assert.Check(t, is.Equal(cold, tr.ColdCalls))
	assert.Check(t, tr.ColdCalls <= int64(sum.Instances.Count), "a cold call starts an environment")
}

// runSweep simulates schedule under each variant, in parallel on the
// machine's cores (each with a reader of its own), and prints and writes
// one comparison table and chart.
func runSweep(t *testing.T, schedule *reuse.Trace, variants []Variant, dir string) {
	sums := make([]reuse.Summary, len(variants))
	names := make([]string, len(variants))
	errs := make([]error, len(variants))
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i, v := range variants {
		names[i] = v.Name
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			own := schedule.Clone()
			sim, err := lambdasim.NewOf(own, v.Profile, v.Placement, flags.Seed)
			if err != nil {
				errs[i] = err
				return
			}
			s := reuse.NewSummarizer(own, "simulator", sim.Describe())
			if _, errs[i] = sim.Run(t.Context(), s.Add); errs[i] == nil {
				sums[i] = s.Summary()
			}
		}()
	}
	wg.Wait()
	for i, err := range errs {
		assert.NilError(t, err, variants[i].Name)
	}
	fmt.Printf("\nwhat-ifs over %s (%d in parallel)\n\n", schedule.Spec(), min(len(variants), runtime.GOMAXPROCS(0)))
	assert.NilError(t, report.WriteSweepTable(os.Stdout, names, sums))
	paths, err := report.WriteSweep(dir, names, sums)
	assert.NilError(t, err)
	for _, p := range paths {
		fmt.Printf("  %s\n", p)
	}
	for i := range sums {
		assert.Check(t, is.Equal(sums[i].Requests.Total, schedule.Plan().Calls), names[i])
	}
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
				own, err := reuse.OpenTrace(c.path, reuse.TraceOptions{HandlerMS: 100})
				assert.NilError(b, err)
				sim, err := lambdasim.New(own, lambdasim.Options{})
				assert.NilError(b, err)
				s := reuse.NewSummarizer(own, "simulator", sim.Describe())
				if _, err := sim.Run(b.Context(), s.Add); err != nil {
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
