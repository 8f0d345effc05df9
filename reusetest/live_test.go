//go:build integration

package reusetest

import (
	"errors"
	"flag"
	"fmt"
	"github.com/lambda-reuse/lambda-reuse/internal/atomicfile"
	"github.com/lambda-reuse/lambda-reuse/reusetest/fit"
	"github.com/lambda-reuse/lambda-reuse/reusetest/live"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/report"
	"github.com/lambda-reuse/lambda-reuse/reusetest/reuse"
	"github.com/lambda-reuse/lambda-reuse/reusetest/runner"
	"gotest.tools/v3/assert"
)

// TestLiveExperiment runs the seed experiment (or the -reuse.* plan)
// against the endpoint named by LAMBDA_REUSE_URL or LAMBDA_REUSE_FUNCTION.
// All logic is in untagged code that the short tests exercise; this only
// wires configuration to it.
func TestLiveExperiment(t *testing.T) {
	schedule, err := flags.Schedule()
	if err != nil {
		t.Fatal(err)
	}
	liveExperiment(t, schedule, "")
}

// TestLiveIdleExperiment runs the idle-timeout experiment (-reuse.n,
// -reuse.gaps, -reuse.rounds) against the endpoint.
func TestLiveIdleExperiment(t *testing.T) {
	schedule, err := flags.IdleSchedule()
	if err != nil {
		t.Fatal(err)
	}
	liveExperiment(t, schedule, "idle")
}

// TestLiveBurstExperiment runs the burst experiment (-reuse.n,
// -reuse.rounds, -reuse.pause) against the endpoint.
func TestLiveBurstExperiment(t *testing.T) {
	schedule, err := flags.BurstSchedule()
	if err != nil {
		t.Fatal(err)
	}
	liveExperiment(t, schedule, "burst")
}

// TestLiveTraceExperiment replays a trace (-reuse.trace and -reuse.trace.*)
// against the endpoint: the prediction for your own traffic, checked on
// your own function. Each call asks for its line's duration when the trace
// has them.
func TestLiveTraceExperiment(t *testing.T) {
	schedule, err := flags.TraceSchedule(moduleRoot(t))
	if err != nil {
		t.Fatal(err)
	}
	liveExperiment(t, schedule, "trace")
}

// liveExperiment runs schedule against the endpoint the environment names,
// with every guarantee of a live run (one record per call, a crash-safe
// log, resume, Ctrl-C, redaction, the cost first), and writes the summary,
// the report and the comparison with a baseline. Files are named for the
// target, and for the experiment when there is one.
func liveExperiment(t *testing.T, schedule reuse.Schedule, experiment string) {
	plan := schedule.Plan()
	caller, door, err := live.NewCaller(t.Context(), os.Getenv, plan.HandlerMS)
	if errors.Is(err, live.ErrNoTarget) {
		t.Skip(err.Error())
	}
	if err != nil {
		t.Fatal(err)
	}
	if live.PerCallHandler(caller, schedule) {
		fmt.Println("each call asks for its own handler time (the trace's durations)")
	}
	root := moduleRoot(t)
	key := live.TargetKey(caller.Describe())
	if experiment != "" {
		key += "." + experiment
	}
	logPath := flags.Log
	if logPath == "" {
		logPath = filepath.Join(root, "out", "live", key+".jsonl")
	}
	live.WriteCostEstimate(os.Stdout, plan, door)

	ctx, stop, release := live.HandleSignals(t.Context(), os.Stdout)
	defer release()
	// One pass over the records feeds the summary and the charts, those of
	// a resumed log's earlier segments included.
	summarizer := reuse.NewSummarizer(schedule, caller.Describe(), nil)
	charts := report.NewCollector(summarizer, schedule)
	fitter := fit.NewFitter(summarizer, schedule, charts)
	run := &live.Live{Schedule: schedule, Caller: caller, LogPath: logPath, Out: os.Stdout,
		Options: runner.Options{Timeout: flags.Timeout}, Analysis: fitter, NoFailFast: !flags.FailFast}
	if deadline, ok := t.Deadline(); ok {
		// Leave time to drain (one call timeout) and to write the summary.
		run.StopBy = deadline.Add(-flags.Timeout - 30*time.Second)
	}
	sum, res, err := run.Run(ctx, stop)
	// Its records, summary and report are still written.
	failedFast := errors.Is(err, live.ErrFailFast) || errors.Is(err, runner.ErrScheduleFailed)
	if err != nil && !failedFast {
		t.Fatal(err)
	}
	fmt.Println()
	assert.NilError(t, reuse.WriteTable(os.Stdout, sum))
	assert.NilError(t, reuse.WriteExperimentTables(os.Stdout, sum))

	out := flags.Out
	if out == "" {
		out = filepath.Join(root, "testdata", "live", key+".summary.json")
	}
	// The simulator's predictions for this schedule stand beside the
	// measurement: under the named profile, and under the profile fitted
	// to this run (written beside the summary).
	preds, fitted, err := fitter.Predictions(t.Context(), flags.Predict, fit.Options{From: filepath.Base(logPath)})
	if err != nil {
		// The run's records come first: say why there is no prediction and go on.
		fmt.Printf("no prediction beside this run: %v\n", err)
	}
	sum.Predictions, charts.Predictions = preds, preds
	if len(preds) > 0 {
		fmt.Println()
		assert.NilError(t, reuse.WritePredictionsMarkdown(os.Stdout, preds))
	}
	if fitted != nil {
		profilePath := strings.TrimSuffix(strings.TrimSuffix(out, ".json"), ".summary") + ".profile.json"
		assert.NilError(t, atomicfile.Write(profilePath, fitted.File))
		fmt.Printf("fitted profile written to %s\n", profilePath)
	}
	b, err := reuse.MarshalSummary(sum)
	assert.NilError(t, err)
	assert.NilError(t, atomicfile.Write(out, b))
	fmt.Printf("summary written to %s\nrecord log: %s\n", out, logPath)
	reportDir := strings.TrimSuffix(out, ".json") + ".report"
	_, err = report.Write(reportDir, charts)
	assert.NilError(t, err)
	fmt.Printf("report written to %s\n", filepath.Join(reportDir, report.ReportFile))
	if failedFast {
		t.Fatal(err)
	}
	if res.Stopped {
		t.Skipf("stopped at seq %d of %d: rerun with the same flags and -reuse.log %s to resume", res.Next, plan.Calls, logPath)
	}

	baseline := flags.Baseline
	if baseline == "" {
		baseline = filepath.Join(root, "testdata", "live", key+".baseline.json")
	}
	if f := flag.Lookup("update"); f != nil && f.Value.String() == "true" {
		assert.NilError(t, atomicfile.Write(baseline, b))
		fmt.Printf("baseline accepted: %s\n", baseline)
		return
	}
	base, err := reuse.ReadSummary(baseline)
	if errors.Is(err, os.ErrNotExist) {
		fmt.Printf("no baseline for this target yet (%s): -update accepts this run as one\n", baseline)
		return
	}
	assert.NilError(t, err)
	cs, note := reuse.Judge(base, sum, reuse.JudgedMetrics())
	fmt.Println()
	if note != "" {
		fmt.Printf("the baseline %s: %s\n", baseline, note)
	}
	assert.NilError(t, reuse.WriteComparison(os.Stdout, cs))
	if reuse.Drifted(cs) {
		t.Errorf("reuse behaviour drifted from the baseline %s beyond tolerance (table above); -update accepts this run", baseline)
	}
}
