// Command reusereport writes a report folder from a run's record log, or
// compares two summaries side by side.
//
//	go run ./reusetest/report/cmd/reusereport -log out/live/TARGET.jsonl -out report/
//	go run ./reusetest/report/cmd/reusereport -cloudwatch export.json -out report/ [-trace-out calls.csv] [-version V]
//	go run ./reusetest/report/cmd/reusereport -cloudwatch-group /aws/lambda/NAME -since 48h [-until T] [-region R] -out report/
//	go run ./reusetest/report/cmd/reusereport -compare baseline.json today.json
//	go run ./reusetest/report/cmd/reusereport -agree out/live/TARGET.jsonl -cloudwatch export.json
//	go run ./reusetest/report/cmd/reusereport -fit out/live/TARGET.jsonl -out profile.json
//	go run ./reusetest/report/cmd/reusereport -trend HISTORY -out trend/
//	go run ./reusetest/report/cmd/reusereport -drift TONIGHT.json -config C -date D [-history HISTORY] [-baseline B.json]
//	go run ./reusetest/report/cmd/reusereport -matrix CELLS
//
// With -compare it prints a Markdown table of every metric (both values,
// the ratio, the tolerance and the verdict) and exits 1 if any judged
// metric drifted. With -agree it sets a run's record log beside the
// function's own logs of the same calls (-cloudwatch EXPORT), environment
// by environment, prints it as Markdown and exits 1 if they disagree. With -fit it estimates a profile from the log (package
// fit) and writes it as a profile file that -reuse.profile, simlambda and
// lambdahost take; what the log could not tell keeps -base's values (a
// run on Managed Instances needs a base with a managed part). With
// -cloudwatch it reads a function's own Lambda logs (an export of its log
// group, package lambdalogs) instead of a run's record log: the same
// summary, report and charts, and its calls' start times as a trace; -fit
// takes such an export too. With -cloudwatch-group it first fetches the
// group's events of the window with the AWS SDK (package fetch) into
// OUT/logs.jsonl, a page at a time, then reports them as -cloudwatch does;
// stopped, the same command again continues the fetch (docs/your-function.md).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/lambda-reuse/lambda-reuse/internal/atomicfile"
	"github.com/lambda-reuse/lambda-reuse/reusetest/fit"
	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdalogs"
	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdalogs/fetch"
	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdasim"
	"github.com/lambda-reuse/lambda-reuse/reusetest/metric"
	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"github.com/lambda-reuse/lambda-reuse/reusetest/recordlog"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"

	"github.com/lambda-reuse/lambda-reuse/reusetest/report"
)

func main() {
	logPath := flag.String("log", "", "a run's record log (JSON Lines)")
	out := flag.String("out", "", "the report folder to write (with -log)")
	compare := flag.Bool("compare", false, "compare two summary files: BASE GOT")
	fitLog := flag.String("fit", "", "fit a profile to a run's record log; -out names the profile file to write")
	base := flag.String("base", "", "with -fit: the profile whose values the log cannot tell are kept (default: "+lambdasim.ProfileGo2026+", or "+lambdasim.ProfileManaged2026+" for a run on Managed Instances)")
	trend := flag.String("trend", "", "a history folder (CONFIG/YYYY-MM-DD.summary.json): write its trend report to -out, print its job-summary form")
	drift := flag.String("drift", "", "tonight's summary: judge it against -baseline, else -history's recent nights of -config, else its own prediction")
	history := flag.String("history", "", "with -drift: the history folder")
	config := flag.String("config", "", "with -drift: tonight's configuration (its folder in the history)")
	date := flag.String("date", "", "with -drift: tonight's date, YYYY-MM-DD")
	baseline := flag.String("baseline", "", "with -drift: the accepted baseline summary, if there is one (a missing file is no baseline)")
	matrix := flag.String("matrix", "", "a folder of the matrix cells' summaries: print the comparison across cells")
	cloudwatch := flag.String("cloudwatch", "", "a function's Lambda logs: the JSON `aws logs filter-log-events` prints, or JSON Lines of its events; -out names the report folder")
	traceOut := flag.String("trace-out", "", "with -cloudwatch or -fit of logs: where to write the calls' start times as a timestamps trace (default: OUT/trace.csv, or beside the profile)")
	names := flag.Bool("names", false, "with logs: name log streams in full in records and outputs (default: a short hash of each)")
	function := flag.String("function", "", "with logs: read the calls of this function only (an export of several is refused without a choice)")
	version := flag.String("version", "", "with logs: read the calls of this version only (an export of several is refused without a choice)")
	agree := flag.String("agree", "", "a run's record log: set it beside the function's own logs of the same calls (-cloudwatch EXPORT), environment by environment; exits 1 if they disagree")
	var fl fetchFlags
	flag.StringVar(&fl.group, "cloudwatch-group", "", "a function's log group (/aws/lambda/NAME): fetch its events of the window with the AWS SDK into OUT/logs.jsonl, then report them as -cloudwatch does")
	flag.StringVar(&fl.since, "since", "", "with -cloudwatch-group: the window's start, a duration ago (48h) or an RFC 3339 time")
	flag.StringVar(&fl.until, "until", "", "with -cloudwatch-group: the window's end, a duration ago or an RFC 3339 time (default: a minute ago)")
	flag.StringVar(&fl.region, "region", "", "with -cloudwatch-group: the AWS region (default: as the AWS CLI finds it)")
	flag.StringVar(&fl.profile, "profile", "", "with -cloudwatch-group: the AWS profile (default: AWS_PROFILE, else the default)")
	flag.StringVar(&fl.filter, "filter", "", "with -cloudwatch-group: a CloudWatch Logs filter pattern (default: every event)")
	flag.Int64Var(&fl.maxEvents, "max-events", fetch.DefaultMaxEvents, "with -cloudwatch-group: the most events one run fetches; the same command again fetches the next")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: reusereport -log LOG -out DIR\n       reusereport -cloudwatch EXPORT -out DIR [-trace-out FILE] [-version V] [-function F] [-names]\n       reusereport -agree LOG -cloudwatch EXPORT [-version V] [-function F] [-names]\n       reusereport -cloudwatch-group /aws/lambda/NAME -since 48h [-until T] [-region R] [-profile P] [-filter PATTERN] [-max-events N] -out DIR\n       reusereport -compare BASE.json GOT.json\n       reusereport -fit LOG -out PROFILE.json [-base PROFILE]\n"+
			"       reusereport -trend HISTORY -out DIR\n       reusereport -drift TONIGHT.json -config C -date YYYY-MM-DD [-history HISTORY] [-baseline B.json]\n       reusereport -matrix CELLS\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	switch {
	case *compare && flag.NArg() == 2:
		os.Exit(compareSummaries(os.Stdout, flag.Arg(0), flag.Arg(1)))
	case *trend != "" && *out != "" && flag.NArg() == 0:
		nights, skipped, err := report.ReadHistory(*trend)
		warn(skipped)
		if err == nil {
			err = report.WriteSkipped(os.Stdout, skipped)
		}
		if err == nil {
			_, err = report.WriteTrend(*out, nights)
		}
		if err == nil {
			err = report.WriteTrendSummary(os.Stdout, nights)
		}
		if err != nil {
			fail(err)
		}
	case *drift != "" && *config != "" && *date != "" && flag.NArg() == 0:
		if err := checkDate(*date); err != nil {
			fmt.Fprintln(os.Stderr, "reusereport:", err)
			os.Exit(2) // not 1, which says drift
		}
		os.Exit(judge(os.Stdout, *drift, *config, *date, *history, *baseline))
	case *matrix != "" && flag.NArg() == 0:
		cells, skipped, err := report.ReadCells(*matrix)
		warn(skipped)
		if err == nil {
			err = report.WriteSkipped(os.Stdout, skipped)
		}
		if err == nil {
			err = report.WriteMatrix(os.Stdout, cells)
		}
		if err != nil {
			fail(err)
		}
	case *fitLog != "" && *out != "" && *logPath == "" && *cloudwatch == "" && flag.NArg() == 0:
		opts := lambdalogs.Options{Names: *names, Function: *function, Version: *version, Progress: os.Stderr}
		if err := fitToFile(os.Stdout, *fitLog, *out, *base, opts, *traceOut); err != nil {
			fail(err)
		}
	case *agree != "" && *cloudwatch != "" && *out == "" && *logPath == "" && flag.NArg() == 0:
		opts := lambdalogs.Options{Function: *function, Version: *version, Progress: os.Stderr}
		os.Exit(agreeRun(os.Stdout, *agree, *cloudwatch, opts, *names))
	case fl.group != "" && *out != "" && *logPath == "" && *cloudwatch == "" && flag.NArg() == 0:
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		opts := lambdalogs.Options{Names: *names, Function: *function, Version: *version, Progress: os.Stderr}
		if err := fetchAndReport(ctx, os.Stdout, os.Stderr, fl, *out, opts, *traceOut); err != nil {
			fail(err)
		}
	case *cloudwatch != "" && *out != "" && *logPath == "" && flag.NArg() == 0:
		opts := lambdalogs.Options{Names: *names, Function: *function, Version: *version, Progress: os.Stderr}
		if err := reportLogs(os.Stdout, *cloudwatch, *out, opts, *traceOut); err != nil {
			fail(err)
		}
	case *logPath != "" && *out != "" && flag.NArg() == 0:
		charts, err := report.FromLog(*logPath)
		if err != nil {
			fail(err)
		}
		if _, err := report.Write(*out, charts); err != nil {
			fail(err)
		}
		fmt.Printf("report written to %s\n", filepath.Join(*out, report.ReportFile))
	default:
		flag.Usage()
		os.Exit(2)
	}
}

// fitToFile fits a profile to the log, a run's record log or a function's
// Lambda logs, and writes it to out (whole, or not at all), saying what was
// fitted and what kept. The calls of Lambda logs become a trace beside the
// profile (or at traceOut), the schedule the profile reruns.
func fitToFile(w io.Writer, logPath, out, base string, opts lambdalogs.Options, traceOut string) error {
	start := time.Now()
	logs, err := lambdalogs.IsExport(logPath)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return fmt.Errorf("-out %s: %w", out, err)
	}
	var f *fit.Fitter
	if logs {
		if traceOut == "" {
			traceOut = strings.TrimSuffix(out, filepath.Ext(out)) + ".trace.csv"
		} else if err := os.MkdirAll(filepath.Dir(traceOut), 0o755); err != nil {
			return fmt.Errorf("-trace-out %s: %w", traceOut, err)
		}
		var col *report.Collector
		if col, f, err = readLogs(w, logPath, opts, traceOut, true); err != nil {
			return err
		}
		if err := writeSummaryTable(w, col.Summary()); err != nil {
			return err
		}
	} else if f, err = fit.FromLog(logPath); err != nil {
		return err
	}
	fmt.Fprintf(w, "read %s in %v; fitting (a few simulations of its schedule)\n", logPath, time.Since(start).Round(time.Millisecond))
	fo := fit.Options{Base: base, From: filepath.Base(logPath), NoCallerTime: logs}
	res, err := f.Fit(context.Background(), fo)
	if err != nil {
		return err
	}
	if err := atomicfile.Write(out, res.File); err != nil {
		return err
	}
	if err := fit.WriteParams(w, res); err != nil {
		return err
	}
	// The profile's prediction of the very calls it was fitted to: a band
	// over what it kept, beside what the run measured.
	what := "a point: the fit kept nothing that moves a predicted figure"
	if len(res.Ranges) > 0 {
		what = "a band over what the run could not pin down: " + keptNames(res.Ranges)
	}
	fmt.Fprintf(w, "\nthe fitted profile's prediction of the run's own calls (%s):\n\n", what)
	pred, err := f.PredictFitted(context.Background(), res, fo)
	if err != nil {
		return err
	}
	if err := metric.WritePredictionsMarkdown(w, []summary.Prediction{pred}); err != nil {
		return err
	}
	for _, note := range fit.Notes(f.Summary(), pred) {
		fmt.Fprintf(w, "\nNote: %s.\n", note)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "profile written to %s in %v (run it on the schedule it was fitted on: go test ./reusetest -run TestSeedExperiment -v -reuse.profile=%s)\n",
		out, time.Since(start).Round(time.Millisecond), out)
	return nil
}

// keptNames names the kept parameters of ranges, "a, b and c".
func keptNames(ranges []fit.KeptRange) string {
	names := make([]string, len(ranges))
	for i, r := range ranges {
		names[i] = r.Name
	}
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// readLogs reads a function's Lambda logs at path into one pass of the
// analysis: the summary, the report's collector and, when fitting, a
// fitter. The calls' start times go to tracePath as a timestamps trace,
// their schedule.
func readLogs(w io.Writer, path string, opts lambdalogs.Options, tracePath string, fitting bool) (*report.Collector, *fit.Fitter, error) {
	// The schedule names its trace by an absolute path, so a profile
	// fitted to it reruns it from any folder.
	tracePath, err := filepath.Abs(tracePath)
	if err != nil {
		return nil, nil, err
	}
	opts.TracePath = tracePath
	calls, err := lambdalogs.Read(path, opts)
	if err != nil {
		return nil, nil, err
	}
	defer calls.Close()
	sched, err := calls.Schedule(tracePath)
	if err != nil {
		return nil, nil, err
	}
	col := report.NewCollector(summary.NewSummarizer(sched, calls.Target(), nil), sched)
	logs := calls.Logs()
	col.Logs = &logs
	var f *fit.Fitter
	add := col.Add
	if fitting {
		f = fit.NewFitter(col.Sum(), sched, col)
		add = f.Add
	}
	if err := calls.Replay(add); err != nil {
		return nil, nil, err
	}
	tenants := ""
	if calls.HasTenants() {
		tenants = ", with their tenants"
	}
	fmt.Fprintf(w, "trace of the %d calls' start times%s written to %s", calls.Len(), tenants, tracePath)
	if n := calls.Capped(); n > 0 {
		fmt.Fprintf(w, " (%d calls longer than the probe may sleep written as %v)", n, schedule.MaxHandler)
	}
	fmt.Fprintln(w)
	return col, f, nil
}

// writeSummaryTable prints the results table and the experiment's tables.
func writeSummaryTable(w io.Writer, s summary.Summary) error {
	if err := metric.WriteTable(w, s); err != nil {
		return err
	}
	return summary.WriteExperimentTables(w, s)
}

// reportLogs writes the report folder of a function's Lambda logs:
// summary.json, report.md and the charts, and the calls' trace.
func reportLogs(w io.Writer, path, dir string, opts lambdalogs.Options, tracePath string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if tracePath == "" {
		tracePath = filepath.Join(dir, "trace.csv")
	}
	col, _, err := readLogs(w, path, opts, tracePath, false)
	if err != nil {
		return err
	}
	sum := col.Summary()
	b, err := summary.MarshalSummary(sum)
	if err != nil {
		return err
	}
	if err := atomicfile.Write(filepath.Join(dir, "summary.json"), b); err != nil {
		return err
	}
	if _, err := report.Write(dir, col); err != nil {
		return err
	}
	if err := writeSummaryTable(w, sum); err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "summary written to %s, report to %s\n", filepath.Join(dir, "summary.json"), filepath.Join(dir, report.ReportFile))
	return err
}

// fetchFlags are -cloudwatch-group's flags.
type fetchFlags struct {
	group, since, until, region, profile, filter string
	maxEvents                                    int64
}

// fetchedFile is the export -cloudwatch-group fetches into, in the report
// folder (its fetch's state beside it).
const fetchedFile = "logs.jsonl"

// fetchAndReport fetches a log group's events of the window into
// OUT/logs.jsonl (continuing what it holds) and reports them as
// -cloudwatch does; a stop or -max-events leaves the file to continue.
func fetchAndReport(ctx context.Context, w, progress io.Writer, fl fetchFlags, out string, opts lambdalogs.Options, traceOut string) error {
	now := time.Now()
	if fl.since == "" {
		return errors.New("-cloudwatch-group needs -since: the window's start, a duration ago (48h) or an RFC 3339 time")
	}
	since, err := parseWhen("-since", fl.since, now)
	if err != nil {
		return err
	}
	var until time.Time
	if fl.until != "" {
		if until, err = parseWhen("-until", fl.until, now); err != nil {
			return err
		}
	}
	if fl.maxEvents <= 0 {
		return fmt.Errorf("-max-events %d: want at least 1", fl.maxEvents)
	}
	client, err := fetch.NewClient(ctx, fetch.ClientOptions{Region: fl.region, Profile: fl.profile})
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	path := filepath.Join(out, fetchedFile)
	where := "in " + client.Region
	if client.Where != "" {
		where = "at " + client.Where
	}
	fmt.Fprintf(progress, "fetching log group %s %s into %s\n", fl.group, where, path)
	res, err := fetch.Fetch(ctx, client, path, fetch.Options{Group: fl.group, Since: since, Until: until, Filter: fl.filter,
		MaxEvents: fl.maxEvents, Progress: progress})
	if err != nil {
		return err
	}
	switch {
	case res.Capped:
		return fmt.Errorf("fetch stopped at -max-events %d (events of %s to %s, of the window %s to %s): %s holds %d events; run the same command again to fetch the next %d, or raise -max-events",
			fl.maxEvents, stamp(res.First), stamp(res.Last), stamp(res.From), stamp(res.To), path, res.Held, fl.maxEvents)
	case res.Held == 0:
		return fmt.Errorf("log group %s holds no event from %s to %s%s", fl.group, stamp(res.From), stamp(res.To), filterNote(fl.filter))
	case res.UpToDate:
		fmt.Fprintf(w, "%s holds the window to %s already: %d events\n", path, stamp(res.To), res.Held)
	default:
		fmt.Fprintf(w, "fetched %d events of log group %s (%d pages, %d throttled) into %s, which holds %d\n", res.Events, fl.group, res.Pages, res.Throttles, path, res.Held)
	}
	return reportLogs(w, path, out, opts, traceOut)
}

func filterNote(filter string) string {
	if filter == "" {
		return ""
	}
	return fmt.Sprintf(" matching %q", filter)
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// parseWhen reads a time flag: a duration ago (48h, 90m) or an RFC 3339
// time.
func parseWhen(flagName, v string, now time.Time) (time.Time, error) {
	if d, err := time.ParseDuration(v); err == nil {
		if d < 0 {
			return time.Time{}, fmt.Errorf("%s %s: want a duration ago, not ahead", flagName, v)
		}
		return now.Add(-d), nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s %q: want a duration ago (48h) or an RFC 3339 time (2026-05-01T00:00:00Z)", flagName, v)
	}
	return t, nil
}

// agreeRun writes the agreement of a run's record log and the function's
// own logs of the same calls, and returns the exit status: 1 if they
// disagree, 2 if either cannot be read.
func agreeRun(w io.Writer, logPath, export string, opts lambdalogs.Options, fullNames bool) int {
	probe, logs, err := tallies(logPath, export, opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "reusereport:", err)
		return 2
	}
	ag := report.Compare(probe, logs, [2]string{"the probe's records", "the function's logs"}, fullNames)
	if err := report.WriteAgreement(w, ag); err != nil {
		fmt.Fprintln(os.Stderr, "reusereport:", err)
		return 2
	}
	if !ag.Agree() {
		return 1
	}
	return 0
}

// tallies reads a run's record log and the function's logs into a tally
// each, environments keyed by their streams' full names.
func tallies(logPath, export string, opts lambdalogs.Options) (probe, logs *report.Tally, err error) {
	probe, logs = report.NewTally(), report.NewTally()
	if err := recordlog.Replay(logPath, func(*recordlog.Header, schedule.Schedule) func(*record.Record) { return probe.Add }); err != nil {
		return nil, nil, err
	}
	opts.Names = true
	calls, err := lambdalogs.Read(export, opts)
	if err != nil {
		return nil, nil, err
	}
	defer calls.Close()
	if err := calls.Replay(logs.Add); err != nil {
		return nil, nil, err
	}
	return probe, logs, nil
}

// checkDate refuses a -date that is not a calendar date written
// YYYY-MM-DD: the history's nights are named and ordered that way, so any
// other form would silently match no night.
func checkDate(date string) error {
	if _, err := time.Parse(time.DateOnly, date); err != nil {
		return fmt.Errorf("-date %q: want a date written YYYY-MM-DD, as the history's nights are named", date)
	}
	return nil
}

// judge prints tonight's drift judgement and returns the exit status: 1
// on drift.
func judge(w io.Writer, tonightPath, config, date, historyDir, baselinePath string) int {
	tonight, err := summary.ReadSummary(tonightPath)
	if err != nil {
		fail(err)
	}
	var base *summary.Summary
	if baselinePath != "" {
		b, err := summary.ReadSummary(baselinePath)
		switch {
		case err == nil:
			base = &b
		case !errors.Is(err, os.ErrNotExist):
			fail(err)
		}
	}
	var nights []report.Night
	if historyDir != "" {
		if _, err := os.Stat(historyDir); err == nil {
			var skipped []error
			if nights, skipped, err = report.ReadHistory(historyDir); err != nil {
				fail(err)
			}
			warn(skipped)
			if err := report.WriteSkipped(w, skipped); err != nil {
				fail(err)
			}
		}
	}
	d := report.JudgeDrift(tonight, config, date, base, filepath.Base(baselinePath), nights)
	if err := report.WriteDrift(w, d); err != nil {
		fail(err)
	}
	if d.Drifted() {
		return 1
	}
	return 0
}

func compareSummaries(w io.Writer, basePath, gotPath string) int {
	base, err := summary.ReadSummary(basePath)
	if err != nil {
		fail(err)
	}
	got, err := summary.ReadSummary(gotPath)
	if err != nil {
		fail(err)
	}
	cs, note := metric.Judge(base, got, metric.Metrics)
	if note != "" {
		fmt.Fprintf(w, "note: %s\n\n", note)
	}
	if err := metric.WriteComparisonMarkdown(w, filepath.Base(basePath), filepath.Base(gotPath), cs); err != nil {
		fail(err)
	}
	if err := metric.WriteVerdict(w, cs); err != nil {
		fail(err)
	}
	if metric.Drifted(cs) {
		return 1
	}
	return 0
}

// warn names each skipped file on stderr too, for a person at a terminal.
func warn(skipped []error) {
	for _, e := range skipped {
		fmt.Fprintln(os.Stderr, "reusereport: warning:", e)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "reusereport:", err)
	os.Exit(1)
}
