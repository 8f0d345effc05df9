package reusetest

import (
	"flag"
	"fmt"
	"github.com/lambda-reuse/lambda-reuse/internal/atomicfile"
	"os"
	"path/filepath"
	"testing"

	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdasim"
	"github.com/lambda-reuse/lambda-reuse/reusetest/report"
	"github.com/lambda-reuse/lambda-reuse/reusetest/reuse"
	"gotest.tools/v3/assert"
	"gotest.tools/v3/golden"
)

var flags = RegisterFlags(flag.CommandLine)

// TestMain reads relative paths in the -reuse.* flags from the module root,
// where the README's commands run go test.
func TestMain(m *testing.M) {
	flag.Parse()
	flags.NoteSet(flag.CommandLine)
	root, err := ModuleRoot(".")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	flags.FromRoot(root)
	os.Exit(m.Run())
}

// seedGolden is the golden summary of the default simulated seed
// experiment, at the module root's testdata/.
const seedGolden = "sim-seed.golden.json"

func moduleRoot(t testing.TB) string {
	t.Helper()
	root, err := ModuleRoot(".")
	assert.NilError(t, err)
	return root
}

// TestSeedExperiment re-runs the 2021 experiment against the simulated pool
// and prints one results table beside the published figures. With default
// flags it compares the summary with the golden file (go test ./reusetest
// -update rewrites it); with what-if flags it writes the summary to
// -reuse.out instead.
func TestSeedExperiment(t *testing.T) {
	schedule, err := flags.Schedule()
	if err != nil {
		t.Fatal(err)
	}
	root := moduleRoot(t)
	out := flags.Out
	if out == "" && !flags.IsDefaultSimulation() {
		out = DefaultSimOut(root, *flags)
	}
	got := runSimulated(t, schedule, out, flags.Report)
	if !flags.IsDefaultSimulation() {
		t.Log("what-if flags given: golden comparison skipped")
		return
	}
	golden.Assert(t, string(got), filepath.Join(root, "testdata", seedGolden))
}

// runSimulated simulates schedule under the flags' model, in one pass over
// its records feeding the summary (and the report's charts when reportDir is
// set), prints the results table and any experiment's table, writes the
// summary to out (when set) and the report, and returns the summary's JSON.
func runSimulated(t *testing.T, schedule reuse.Schedule, out, reportDir string) []byte {
	t.Helper()
	sim, err := flags.SimulationOf(schedule)
	if err != nil {
		t.Fatal(err)
	}
	summarizer := reuse.NewSummarizer(schedule, "simulator", sim.Describe())
	emit := summarizer.Add
	var charts *report.Collector
	if reportDir != "" {
		charts = report.NewCollector(summarizer, schedule)
		emit = charts.Add
	}
	if flags.Log != "" {
		log, err := CreateSimLog(flags.Log, schedule)
		assert.NilError(t, err)
		analyse := emit
		emit = func(r *reuse.Record) { log.Add(r); analyse(r) }
		ok := false
		defer func() {
			assert.Check(t, log.Close(ok))
			if ok {
				fmt.Printf("record log written to %s (fit it: go run ./reusetest/report/cmd/reusereport -fit %s -out fitted.json)\n", flags.Log, flags.Log)
			}
		}()
		defer func() { ok = !t.Failed() }()
	}
	stats, err := sim.Run(t.Context(), emit)
	assert.NilError(t, err)
	sum := summarizer.Summary()
	got, err := reuse.MarshalSummary(sum)
	assert.NilError(t, err)

	fmt.Println()
	assert.NilError(t, reuse.WriteTable(os.Stdout, sum))
	assert.NilError(t, reuse.WriteExperimentTables(os.Stdout, sum))
	// What the model did that records cannot show (an environment that
	// stopped serving may have idled out or reached its maximum lifetime).
	fmt.Printf("simulated pool: %d environments started (%d proactively); retired for idleness %d, for age %d; %d calls throttled\n",
		stats.Started, stats.Proactive, stats.Retired[lambdasim.CauseIdle], stats.Retired[lambdasim.CauseLifetime], stats.Throttled)
	if charts != nil {
		paths, err := report.Write(reportDir, charts)
		assert.NilError(t, err)
		fmt.Printf("report written to %s\n", filepath.Join(reportDir, report.ReportFile))
		for _, p := range paths {
			fmt.Printf("  chart %s\n", p)
		}
	}
	if out != "" {
		assert.NilError(t, atomicfile.Write(out, got))
		fmt.Printf("summary written to %s\n", out)
	}
	return got
}

// BenchmarkSeedExperiment times the whole simulated seed experiment plus
// its summary, the model on one core and the summary on another (the
// target: 50 ms on a 2-core machine, whose speed varies about twofold:
// compare runs A/B in one sitting). The other cases
// show that allocations follow environments, not calls:
//   - 10x-calls-same-envs: 6,000,000 calls at 100/s with a 50 ms handler keep
//     5 environments busy for the same 16.7 hours, so about as many
//     environments as the seed: allocations stay about the same;
//   - 10x-duration: 6,000,000 calls at 10/s run ten times longer, so about
//     ten times the environments (and allocations), and no more.
func BenchmarkSeedExperiment(b *testing.B) {
	cases := []struct {
		name string
		plan reuse.Plan
	}{
		{"seed", reuse.SeedPlan()},
		{"10x-calls-same-envs", reuse.Plan{Calls: 10 * reuse.SeedCalls, RatePerSec: 100, HandlerMS: 50}},
		{"10x-duration", reuse.Plan{Calls: 10 * reuse.SeedCalls, RatePerSec: reuse.SeedRatePerSec, HandlerMS: reuse.SeedHandler.Milliseconds()}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			sim, err := lambdasim.New(c.plan, lambdasim.Options{})
			assert.NilError(b, err)
			var sum reuse.Summary
			b.ReportAllocs()
			for b.Loop() {
				if sum, err = sim.Summarize(b.Context()); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(sum.Instances.Count), "envs")
		})
	}
}
