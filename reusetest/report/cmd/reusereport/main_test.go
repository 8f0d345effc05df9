package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lambda-reuse/lambda-reuse/internal/testenv"
	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdalogs"
	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdasim"
	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"github.com/lambda-reuse/lambda-reuse/reusetest/recordlog"
	"github.com/lambda-reuse/lambda-reuse/reusetest/report"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

func TestCompareExitsOneOnDrift(t *testing.T) {
	sim, err := lambdasim.New(schedule.Steady{Calls: 36_000, RatePerSec: 10, HandlerMS: 500}, lambdasim.Options{})
	assert.NilError(t, err)
	sum, err := sim.Summarize(t.Context())
	assert.NilError(t, err)
	write := func(name string, s summary.Summary) string {
		b, err := summary.MarshalSummary(s)
		assert.NilError(t, err)
		path := filepath.Join(t.TempDir(), name)
		assert.NilError(t, os.WriteFile(path, b, 0o644))
		return path
	}
	base := write("base.json", sum)
	drifted := sum // environments serving twice the calls each: a possible world
	r := &drifted.Reuse
	r.Mean, r.P10, r.Median, r.P90, r.Min, r.Max = 2*r.Mean, 2*r.P10, 2*r.Median, 2*r.P90, 2*r.Min, 2*r.Max
	var out strings.Builder
	assert.Equal(t, compareSummaries(&out, base, write("same.json", sum)), 0)
	assert.Assert(t, !strings.Contains(out.String(), "DRIFT"))
	out.Reset()
	assert.Equal(t, compareSummaries(&out, base, write("drifted.json", drifted)), 1)
	assert.Assert(t, strings.Contains(out.String(), "| reuse median |"))
	assert.Assert(t, strings.Contains(out.String(), "**DRIFT**"))
}

// simulatedLog writes the record log of plan simulated under opts to
// dir/name and returns its path.
func simulatedLog(t *testing.T, dir, name string, plan schedule.Plan, opts lambdasim.Options) string {
	t.Helper()
	sim, err := lambdasim.New(schedule.Steady(plan), opts)
	assert.NilError(t, err)
	logPath := filepath.Join(dir, name)
	w, _, err := recordlog.Open(logPath, schedule.Steady(plan), "simulator", lambdasim.Epoch, nil)
	assert.NilError(t, err)
	_, err = sim.Run(t.Context(), func(r *record.Record) { assert.NilError(t, w.Append(r)) })
	assert.NilError(t, err)
	assert.NilError(t, w.Close())
	return logPath
}

// TestFitWritesAProfileFile fits a simulated run's log: the file it writes
// reads back as a profile, says where it came from, and runs.
func TestFitWritesAProfileFile(t *testing.T) {
	plan := schedule.Steady{Calls: 144_000, RatePerSec: 10, HandlerMS: 500}
	dir := t.TempDir()
	logPath := simulatedLog(t, dir, "run.jsonl", plan.Plan(), lambdasim.Options{Profile: lambdasim.ProfileSeed2021, Seed: 2})

	out := filepath.Join(dir, "fitted.json")
	var sb strings.Builder
	assert.NilError(t, fitToFile(&sb, logPath, out, lambdasim.ProfileGo2026, lambdalogs.Options{}, ""))
	// One table: a row per parameter with its status, then the rule.
	rows := map[string][]string{}
	for _, line := range strings.Split(sb.String(), "\n") {
		if f := strings.Fields(line); len(f) > 2 {
			rows[f[0]] = f
		}
	}
	assert.Check(t, is.Equal(rows["max_lifetime"][1], "fitted"))
	assert.Check(t, is.Equal(rows["idle_timeout"][1], "kept"))
	assert.Check(t, is.Contains(strings.Join(rows["idle_timeout"], " "), "not an idle experiment"))
	assert.Check(t, is.Equal(rows["handler_time"][1], "fitted"))
	assert.Check(t, is.Contains(strings.Join(rows["handler_time"], " "), "500ms"))
	assert.Check(t, is.Contains(sb.String(), "\nplacement: "))
	// Its prediction of the run: a band over the kept idle timeout (from
	// the base's least, above the gap this run's environments survived, to
	// the sources' 27 minutes) and whatever else the run left open, named.
	assert.Check(t, is.Regexp(`the fitted profile's prediction of the run's own calls \(a band over what the run could not pin down: .*idle_timeout`, sb.String()))
	assert.Check(t, is.Regexp(`\| instances \| \d+ \| \d+ \(\d+ to \d+\) \|`, sb.String()))
	assert.Check(t, is.Regexp(`(?m)^- idle_timeout 5m18s, 27m0s \(kept: the run gives a lower bound only, .*no upper bound`, sb.String()))
	p, err := lambdasim.ReadProfile(out)
	assert.NilError(t, err)
	assert.Check(t, is.Equal(p.Name, "fitted"))
	raw, err := os.ReadFile(out)
	assert.NilError(t, err)
	for _, want := range []string{`"provenance"`, `"from": "run.jsonl"`, `"placement"`, `"parameters"`, `"base": "go-2026"`} {
		assert.Check(t, is.Contains(string(raw), want))
	}
	again, err := lambdasim.New(plan, lambdasim.Options{Profile: out})
	assert.NilError(t, err)
	_, err = again.Summarize(t.Context())
	assert.NilError(t, err)

	// A log that is not there: an error, and no file written.
	none := filepath.Join(dir, "none.json")
	assert.Check(t, fitToFile(&sb, filepath.Join(dir, "absent.jsonl"), none, "", lambdalogs.Options{}, "") != nil)
	_, err = os.Stat(none)
	assert.Check(t, os.IsNotExist(err))
}

// TestFitOfAManagedRunIsManaged: the log of a run on Managed Instances
// (managed-2026's 3 environments, up to a dozen calls at once) fits a
// profile with its managed part by default, and run it predicts no start
// on the request path; with a classic -base the fit is refused, naming
// why, and no profile is written in its place.
func TestFitOfAManagedRunIsManaged(t *testing.T) {
	plan := schedule.Steady{Calls: 12_000, RatePerSec: 20, HandlerMS: 500}
	dir := t.TempDir()
	logPath := simulatedLog(t, dir, "managed.jsonl", plan.Plan(), lambdasim.Options{Profile: lambdasim.ProfileManaged2026})

	out := filepath.Join(dir, "fitted.json")
	var sb strings.Builder
	assert.NilError(t, fitToFile(&sb, logPath, out, "", lambdalogs.Options{}, ""))
	assert.Check(t, is.Contains(sb.String(), "managed.max_concurrency"))
	assert.Check(t, is.Contains(sb.String(), "(a point: the fit kept nothing that moves a predicted figure)"))
	p, err := lambdasim.ReadProfile(out)
	assert.NilError(t, err)
	assert.Assert(t, p.Managed != nil)
	again, err := lambdasim.New(plan, lambdasim.Options{Profile: out})
	assert.NilError(t, err)
	pred, err := again.Summarize(t.Context())
	assert.NilError(t, err)
	assert.Check(t, is.Equal(pred.Instances.Starts.RequestPath, 0))

	classic := filepath.Join(dir, "classic.json")
	err = fitToFile(&sb, logPath, classic, lambdasim.ProfileGo2026, lambdalogs.Options{}, "")
	assert.Check(t, is.ErrorContains(err, "the run is on Managed Instances"))
	_, err = os.Stat(classic)
	assert.Check(t, os.IsNotExist(err), "no classic profile written in its place")
}

// TestHostileLogsAreRefusedBeforeAnythingIsWritten: a log whose header
// claims a plan that would outlast the bound on durations, or whose
// records declare a scale no served pool declares or more calls at once
// than their environment takes, is refused by -log and -fit as it is read,
// naming the line and the field; no report and no profile is written.
func TestHostileLogsAreRefusedBeforeAnythingIsWritten(t *testing.T) {
	header := func(calls int64, rate float64) string {
		return fmt.Sprintf(`{"header":{"schema":"lambda-reuse/log/v2","segment":0,"schedule":{"kind":"steady","calls":%d,"rate_per_sec":%g,"handler_ms":500},"plan":{"calls":%d,"rate_per_sec":%g,"handler_ms":500},"target":"t","started":"2026-01-01T00:00:00Z","first_seq":0}}`+"\n", calls, rate, calls, rate)
	}
	rec := `{"seq":0,"scheduled":"2026-01-01T00:00:00Z","sent":"2026-01-01T00:00:00Z","done":"2026-01-01T00:00:01Z","status":"ok","instance_id":"a","invocation":1%s}` + "\n"
	dir := t.TempDir()
	for _, tc := range []struct{ name, log, want string }{
		{"claims", header(1_000_000_000_000, 10), "would last 3.17e+03 years"},
		{"scale", header(100, 10) + fmt.Sprintf(rec, `,"scale":1e308`), "line 2: seq 0: scale 1e+308"},
		{"in-flight", header(100, 10) + fmt.Sprintf(rec, `,"in_flight":1000,"max_concurrency":64`), "in_flight 1000: above the max_concurrency 64"},
		{"capacity", header(100, 10) + fmt.Sprintf(rec, `,"in_flight":17,"max_concurrency":-64`), "max_concurrency -64"},
	} {
		logPath := filepath.Join(dir, tc.name+".jsonl")
		assert.NilError(t, os.WriteFile(logPath, []byte(tc.log), 0o644))
		_, err := report.FromLog(logPath)
		assert.Check(t, is.ErrorContains(err, tc.want), tc.name)
		profile := filepath.Join(dir, tc.name+".profile.json")
		var sb strings.Builder
		err = fitToFile(&sb, logPath, profile, "", lambdalogs.Options{}, "")
		assert.Check(t, is.ErrorContains(err, tc.want), tc.name)
		_, err = os.Stat(profile)
		assert.Check(t, os.IsNotExist(err), "%s: no profile written", tc.name)
	}
}

func TestDriftDateMustBeACalendarDate(t *testing.T) {
	assert.NilError(t, checkDate("2026-11-06"))
	for _, bad := range []string{"11/06/2026", "2026-13-01", "2026-11-6", "tonight", ""} {
		err := checkDate(bad)
		assert.Check(t, err != nil && strings.Contains(err.Error(), "YYYY-MM-DD"), "%q: %v", bad, err)
	}
}

// TestCloudWatchWritesAReportFolder reads the example export of a
// function's own logs: the folder holds a summary that reads back (with its
// logs part and the resets the example's world made), report.md, the
// charts and the calls' trace; -fit of the same export writes a profile
// whose schedule is that trace.
func TestCloudWatchWritesAReportFolder(t *testing.T) {
	export := testenv.Testdata(t, "logs", "example-export.json")
	dir := t.TempDir()
	var out strings.Builder
	assert.NilError(t, reportLogs(&out, export, dir, lambdalogs.Options{}, ""))
	sum, err := summary.ReadSummary(filepath.Join(dir, "summary.json"))
	assert.NilError(t, err)
	assert.Assert(t, sum.Logs != nil)
	assert.Check(t, is.Equal(sum.Logs.Calls, int64(2067)))
	assert.Check(t, is.Equal(sum.Requests.Total, int64(2067)))
	assert.Check(t, is.Equal(sum.Instances.Count, 4))
	assert.Check(t, is.Equal(sum.Instances.Resets, 18))
	assert.Check(t, is.Equal(sum.Instances.LeftCensored, 2))
	assert.Check(t, sum.Trace() != nil && sum.Generations != nil)
	md, err := os.ReadFile(filepath.Join(dir, "report.md"))
	assert.NilError(t, err)
	assert.Check(t, is.Contains(string(md), "the function's own Lambda logs"))
	assert.Check(t, is.Contains(string(md), "resets (same environment, re-init)"))
	trace, err := schedule.OpenTrace(filepath.Join(dir, "trace.csv"), schedule.TraceOptions{})
	assert.NilError(t, err)
	assert.Check(t, is.Equal(trace.Plan().Calls, int64(2067)))
	assert.Check(t, is.Contains(out.String(), "summary written to"))

	profile := filepath.Join(dir, "out", "my-function.json") // a folder not made yet, as the README's command has it
	out.Reset()
	assert.NilError(t, fitToFile(&out, export, profile, lambdasim.ProfileGo2026, lambdalogs.Options{}, ""))
	p, err := lambdasim.LookupProfile(profile)
	assert.NilError(t, err)
	assert.Assert(t, p.Schedule != nil)
	assert.Check(t, is.Equal(p.Schedule.Kind, schedule.KindTrace))
	assert.Check(t, is.Equal(p.Schedule.Calls, int64(2067)))
	_, err = os.Stat(filepath.Join(dir, "out", "my-function.trace.csv"))
	assert.NilError(t, err, "the trace beside the profile")
	assert.Check(t, is.Regexp(`(?m)^front_door_latency +kept `, out.String()))
	// The export's readings give the profile its memory part.
	assert.Assert(t, p.Memory != nil)
	assert.Check(t, is.Equal(p.Memory.SizeMB, 512))
	assert.Check(t, is.Regexp(`(?m)^memory\.growth_mb_per_call +fitted `, out.String()))
}
