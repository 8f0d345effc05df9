package live

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/lambda-reuse/lambda-reuse/internal/atomicfile"
	"github.com/lambda-reuse/lambda-reuse/reusetest/experiment"
	"github.com/lambda-reuse/lambda-reuse/reusetest/fit"
	"github.com/lambda-reuse/lambda-reuse/reusetest/metric"
	"github.com/lambda-reuse/lambda-reuse/reusetest/report"
	"github.com/lambda-reuse/lambda-reuse/reusetest/runner"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
)

// ExperimentOptions say how a live run of an experiment is wired: where
// the target is named, the module root its default files go under, and
// when it must stop.
type ExperimentOptions struct {
	// Experiment is the experiment's name ("" or "seed" for the seed
	// experiment), in the run's file names.
	Experiment string
	// Root is the module root: out/live/ and testdata/live/ are under it.
	Root string
	// Getenv reads LAMBDA_REUSE_URL, LAMBDA_REUSE_FUNCTION and the AWS
	// settings (os.Getenv).
	Getenv func(string) string
	// StopBy, when set, stops the run in time to drain and write its files.
	StopBy time.Time
	// Update accepts the run as the target's baseline.
	Update bool
}

// ExperimentResult is what a live run of an experiment gave.
type ExperimentResult struct {
	Summary summary.Summary
	// Stopped says the run was stopped before its end (Ctrl-C, StopBy):
	// rerun with the same flags to resume from Next.
	Stopped bool
	Next    int64
	// LogPath is the record log; SummaryPath the summary written.
	LogPath, SummaryPath string
	// Drift is the comparison with the baseline; Drifted says a judged
	// metric moved beyond its tolerance.
	Drift   []metric.Comparison
	Drifted bool
}

// RunExperiment runs schedule, as an experiment's flags f describe it,
// against the endpoint opts.Getenv names, with every guarantee of a live
// run (one record per call, a crash-safe log, resume, Ctrl-C, redaction,
// the cost first), and writes the summary with the simulator's predictions
// beside it, the fitted profile, the report (-reuse.report, else beside
// the summary) and the comparison with a baseline. Files are named for the
// target, and for the experiment. A flag of the simulator's given to it is
// refused before any call. ErrNoEndpoint says no endpoint is named; a run that
// failed fast still writes its files and returns ErrFailFast.
func RunExperiment(ctx context.Context, w io.Writer, f *experiment.Flags, schedule schedule.Schedule, opts ExperimentOptions) (ExperimentResult, error) {
	if err := f.Unused(true); err != nil {
		return ExperimentResult{}, err
	}
	plan := schedule.Plan()
	caller, door, err := NewCaller(ctx, opts.Getenv, plan.HandlerMS)
	if err != nil {
		return ExperimentResult{}, err
	}
	if PerCallHandler(caller, schedule) {
		fmt.Fprintln(w, "each call asks for its own handler time (the trace's durations)")
	}
	if f.Leak.KB > 0 {
		if !AskLeak(caller, f.Leak.KB) {
			return ExperimentResult{}, fmt.Errorf("-reuse.leak=%s: the endpoint %s cannot ask for a leak", f.Leak.String(), caller.Describe())
		}
		fmt.Fprintf(w, "each call asks the function to leak %s (%g KB: the probe's leak_kb grows a global it never frees)\n", f.Leak.String(), f.Leak.KB)
	}
	key := experiment.LiveName(targetKey(caller.Describe()), opts.Experiment)
	res := ExperimentResult{LogPath: f.Log, SummaryPath: f.Out}
	if res.LogPath == "" {
		res.LogPath = filepath.Join(opts.Root, "out", "live", key+".jsonl")
	}
	if res.SummaryPath == "" {
		res.SummaryPath = filepath.Join(opts.Root, "testdata", "live", key+".summary.json")
	}
	WriteCostEstimate(w, plan, door)

	ctx, stop, release := handleSignals(ctx, w)
	defer release()
	// One pass over the records feeds the summary and the charts, those of
	// a resumed log's earlier segments included.
	summarizer := summary.NewSummarizer(schedule, caller.Describe(), nil)
	charts := report.NewCollector(summarizer, schedule)
	fitter := fit.NewFitter(summarizer, schedule, charts)
	run := &Live{Schedule: schedule, Caller: caller, LogPath: res.LogPath, Out: w,
		Options: runner.Options{Timeout: f.CallTimeout}, Analysis: fitter, NoFailFast: !f.FailFast}
	if !opts.StopBy.IsZero() {
		run.StopBy = opts.StopBy
	}
	sum, ran, err := run.Run(ctx, stop)
	// A run that failed fast still writes its records, summary and report.
	failed := errors.Is(err, ErrFailFast) || errors.Is(err, runner.ErrScheduleFailed)
	if err != nil && !failed {
		return res, err
	}
	runErr := err
	fmt.Fprintln(w)
	if err := errors.Join(metric.WriteTable(w, sum), summary.WriteExperimentTables(w, sum)); err != nil {
		return res, err
	}
	// The simulator's predictions for this schedule stand beside the
	// measurement: under the named profile, and under the profile fitted
	// to this run (written beside the summary).
	preds, fitted, err := fitter.Predictions(ctx, f.Predict, fit.Options{From: filepath.Base(res.LogPath)})
	if err != nil {
		// The run's records come first: say why there is no prediction and go on.
		fmt.Fprintf(w, "no prediction beside this run: %v\n", err)
	}
	sum.Predictions, charts.Predictions = preds, preds
	if len(preds) > 0 {
		fmt.Fprintln(w)
		if err := metric.WritePredictionsMarkdown(w, preds); err != nil {
			return res, err
		}
	}
	if fitted != nil {
		profilePath := strings.TrimSuffix(strings.TrimSuffix(res.SummaryPath, ".json"), ".summary") + ".profile.json"
		if err := atomicfile.Write(profilePath, fitted.File); err != nil {
			return res, err
		}
		fmt.Fprintf(w, "fitted profile written to %s\n", profilePath)
	}
	b, err := summary.MarshalSummary(sum)
	if err != nil {
		return res, err
	}
	if err := atomicfile.Write(res.SummaryPath, b); err != nil {
		return res, err
	}
	fmt.Fprintf(w, "summary written to %s\nrecord log: %s\n", res.SummaryPath, res.LogPath)
	reportDir := f.Report
	if reportDir == "" {
		reportDir = experiment.ReportDir(res.SummaryPath)
	}
	if _, err := report.Write(reportDir, charts); err != nil {
		return res, err
	}
	fmt.Fprintf(w, "report written to %s\n", filepath.Join(reportDir, report.ReportFile))
	res.Summary, res.Stopped, res.Next = sum, ran.Stopped, ran.Next
	if failed {
		return res, runErr
	}
	if res.Stopped {
		return res, nil
	}

	baseline := f.Baseline
	if baseline == "" {
		baseline = filepath.Join(opts.Root, "testdata", "live", key+".baseline.json")
	}
	if opts.Update {
		if err := atomicfile.Write(baseline, b); err != nil {
			return res, err
		}
		fmt.Fprintf(w, "baseline accepted: %s\n", baseline)
		return res, nil
	}
	base, err := summary.ReadSummary(baseline)
	if errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(w, "no baseline for this endpoint yet (%s): -update accepts this run as one\n", baseline)
		return res, nil
	}
	if err != nil {
		return res, err
	}
	cs, note := metric.Judge(base, sum, metric.JudgedMetrics())
	fmt.Fprintln(w)
	if note != "" {
		fmt.Fprintf(w, "the baseline %s: %s\n", baseline, note)
	}
	if err := metric.WriteComparison(w, cs); err != nil {
		return res, err
	}
	res.Drift, res.Drifted = cs, metric.Drifted(cs)
	if res.Drifted {
		fmt.Fprintf(w, "reuse behaviour drifted from the baseline %s beyond tolerance (table above); -update accepts this run\n", baseline)
	}
	return res, nil
}
