package report

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lambda-reuse/lambda-reuse/internal/testenv"
	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdasim"
	"github.com/lambda-reuse/lambda-reuse/reusetest/metric"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// writeNights writes n nights of config into a history under dir, each a
// copy of base with its instance count set by instances(i).
func writeNights(t *testing.T, dir, config string, base summary.Summary, n int, instances func(i int) int) {
	t.Helper()
	assert.NilError(t, os.MkdirAll(filepath.Join(dir, config), 0o755))
	day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		s := base
		s.Instances.Count = instances(i)
		b, err := summary.MarshalSummary(s)
		assert.NilError(t, err)
		name := day.AddDate(0, 0, i).Format(time.DateOnly) + summarySuffix
		assert.NilError(t, os.WriteFile(filepath.Join(dir, config, name), b, 0o644))
	}
}

// TestTrendFlagsChangePoints: a jump in instances is flagged on the night
// it comes, against the median of the nights before; steady nights are not.
func TestTrendFlagsChangePoints(t *testing.T) {
	base, _ := simRun(t, schedule.Steady{Calls: 36_000, RatePerSec: 10, HandlerMS: 500}, 1)
	dir := t.TempDir()
	hist := filepath.Join(dir, "history")
	writeNights(t, hist, "eu-west-1/arm64-128mb", base, 14, func(i int) int {
		if i >= 8 {
			return 20 // from the ninth night on, twice the environments
		}
		return 10
	})
	writeNights(t, hist, "us-east-1/x86_64-1024mb", base, 3, func(int) int { return 12 })
	nights, skipped, err := ReadHistory(hist)
	assert.Check(t, is.Len(skipped, 0))
	assert.NilError(t, err)
	assert.Check(t, is.Len(nights, 17))
	groups := byConfig(nights)
	assert.Check(t, is.Len(groups, 2))
	for i := range 8 {
		assert.Check(t, is.Len(changed(groups[0], i), 0), "night %d", i)
	}
	assert.Check(t, is.Contains(strings.Join(changed(groups[0], 8), ";"), "instances 20 (median of 7 before: 10)"))
	// The new level stays flagged until it is the median of the nights
	// before (four nights of 20 among seven), then it is the norm.
	for i := 9; i < 12; i++ {
		assert.Check(t, is.Len(changed(groups[0], i), 1), "night %d", i)
	}
	assert.Check(t, is.Len(changed(groups[0], 12), 0))
	assert.Check(t, is.Len(changed(groups[0], 13), 0))

	out := filepath.Join(dir, "trend")
	paths, err := WriteTrend(out, nights)
	assert.NilError(t, err)
	md, err := os.ReadFile(filepath.Join(out, trendFile))
	assert.NilError(t, err)
	assert.Check(t, is.Contains(string(md), "## eu-west-1/arm64-128mb"))
	assert.Check(t, is.Contains(string(md), "| 2026-01-09 | 20 |"))
	assert.Check(t, is.Contains(string(md), "![instances](trend-instances.svg)"))
	for _, p := range paths {
		_, err := os.Stat(p)
		assert.Check(t, err, p)
	}
	var sb strings.Builder
	assert.NilError(t, WriteTrendSummary(&sb, nights))
	assert.Check(t, is.Contains(sb.String(), "```mermaid\nxychart-beta"))
	assert.Check(t, is.Contains(sb.String(), `x-axis ["2026-01-01", "2026-01-02"`))
}

// TestTrendOfOneAndOfAThousandNights: a trend works from the first night
// (no change points: nothing before it) to a thousand.
func TestTrendOfOneAndOfAThousandNights(t *testing.T) {
	base, _ := simRun(t, schedule.Steady{Calls: 3_600, RatePerSec: 10, HandlerMS: 500}, 1)
	for _, n := range []int{1, 1000} {
		hist := filepath.Join(t.TempDir(), "history")
		writeNights(t, hist, "nightly", base, n, func(i int) int { return 10 + i%3 })
		nights, skipped, err := ReadHistory(hist)
		assert.Check(t, is.Len(skipped, 0))
		assert.NilError(t, err)
		assert.Check(t, is.Len(nights, n))
		start := time.Now()
		paths, err := WriteTrend(filepath.Join(t.TempDir(), "trend"), nights)
		assert.NilError(t, err)
		t.Logf("%d nights: %d files in %v", n, len(paths), time.Since(start).Round(time.Millisecond))
		md, err := os.ReadFile(paths[0])
		assert.NilError(t, err)
		assert.Check(t, is.Equal(strings.Count(string(md), "\n| 20"), n), "a row per night")
		var sb strings.Builder
		assert.NilError(t, WriteTrendSummary(&sb, nights))
		assert.Check(t, strings.Count(sb.String(), `", "`) < 2*mermaidNights*len(trendMetrics), "the job summary shows the latest nights only")
	}
	_, _, err := ReadHistory(filepath.Join(t.TempDir(), "none"))
	assert.Check(t, err != nil)
}

// TestABadNightIsSkipped: a corrupt night and a misnamed file are skipped,
// each named; every other night of that cell and of the others is read.
func TestABadNightIsSkipped(t *testing.T) {
	hist := t.TempDir()
	good, err := os.ReadFile(testenv.Testdata(t, "sim-seed.golden.json"))
	assert.NilError(t, err)
	for _, f := range []struct{ path, body string }{
		{"cellA/2026-11-01" + summarySuffix, string(good)},
		{"cellA/2026-11-02" + summarySuffix, `{"schema": `},
		{"cellA/yesterday" + summarySuffix, string(good)},
		{"cellB/2026-11-02" + summarySuffix, string(good)},
	} {
		path := filepath.Join(hist, filepath.FromSlash(f.path))
		assert.NilError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		assert.NilError(t, os.WriteFile(path, []byte(f.body), 0o644))
	}
	nights, skipped, err := ReadHistory(hist)
	assert.NilError(t, err)
	assert.Check(t, is.Len(nights, 2))
	assert.Assert(t, is.Len(skipped, 2))
	all := fmt.Sprint(skipped)
	assert.Check(t, is.Contains(all, "2026-11-02"+summarySuffix))
	assert.Check(t, is.Contains(all, "must be YYYY-MM-DD"))
	var sb strings.Builder
	assert.NilError(t, WriteSkipped(&sb, skipped))
	assert.Check(t, is.Equal(strings.Count(sb.String(), "**warning**"), 2))
	cells, skippedCells, err := ReadCells(filepath.Join(hist, "cellA"))
	assert.NilError(t, err)
	assert.Check(t, is.Len(cells, 2))
	assert.Check(t, is.Len(skippedCells, 1))
}

// TestDriftFromNightOne: with a baseline, tonight is judged against it;
// without one, against the recent history; without that either, against
// the prediction the summary carries; and it says which.
func TestDriftFromNightOne(t *testing.T) {
	tonight, _ := simRun(t, schedule.Steady{Calls: 36_000, RatePerSec: 10, HandlerMS: 500}, 1)
	base := tonight
	base.Instances.Count *= 2
	d := JudgeDrift(tonight, "nightly", "2026-02-01", &base, "nightly.baseline.json", nil)
	assert.Check(t, is.Contains(d.Against, "the accepted baseline nightly.baseline.json"))
	assert.Check(t, d.Drifted())

	hist := t.TempDir()
	writeNights(t, hist, "nightly", tonight, 9, func(int) int { return tonight.Instances.Count })
	nights, skipped, err := ReadHistory(hist)
	assert.Check(t, is.Len(skipped, 0))
	assert.NilError(t, err)
	d = JudgeDrift(tonight, "nightly", "2026-02-01", nil, "", nights)
	assert.Check(t, is.Contains(d.Against, "the median of 7 nights of nightly (2026-01-03 to 2026-01-09)"))
	assert.Check(t, !d.Drifted(), "%+v", d.Comparisons)
	for _, c := range d.Comparisons {
		assert.Check(t, is.Equal(c.Ratio, 1.0), "%s: the median of identical nights is tonight", c.Metric)
	}
	d = JudgeDrift(tonight, "other", "2026-02-01", nil, "", nights)
	assert.Check(t, is.Contains(d.Against, "nothing"), "another configuration's history does not count")
	other := tonight
	other.Plan.Calls *= 2
	d = JudgeDrift(other, "nightly", "2026-02-01", nil, "", nights)
	assert.Check(t, is.Contains(d.Against, "nothing"), "nights of another plan are no baseline")
	// Every judged metric of the registry, a sixth one included, takes
	// its median from the nights themselves: identical nights never drift.
	sixth := metric.MetricBusyMax
	sixth.Tolerance = 0.1
	cs, _ := metric.JudgeWith(tonight.Plan, medianOf(nights), tonight, append(metric.JudgedMetrics(), sixth))
	assert.Check(t, !metric.Drifted(cs), "%+v", cs)

	predicted := tonight
	predicted.Instances.Count = tonight.Instances.Count * 3
	tonight.Predictions = []summary.Prediction{metric.PredictionOf("go-2026", false, predicted, tonight)}
	d = JudgeDrift(tonight, "nightly", "2026-01-01", nil, "", nights)
	assert.Check(t, is.Contains(d.Against, "the simulator's prediction"))
	assert.Check(t, d.Drifted())
	var sb strings.Builder
	assert.NilError(t, WriteDrift(&sb, d))
	assert.Check(t, is.Contains(sb.String(), "| metric | predicted | tonight |"))
	assert.Check(t, is.Contains(sb.String(), "DRIFT"))
}

// TestMatrixTable: one row per cell, and a Mermaid chart per figure.
func TestMatrixTable(t *testing.T) {
	s, _ := simRun(t, schedule.Steady{Calls: 3_600, RatePerSec: 10, HandlerMS: 500}, 1)
	dir := t.TempDir()
	for _, cell := range []string{"eu-west-1-arm64-128", "eu-west-1-x86_64-128"} {
		assert.NilError(t, os.MkdirAll(filepath.Join(dir, cell), 0o755))
		b, err := summary.MarshalSummary(s)
		assert.NilError(t, err)
		assert.NilError(t, os.WriteFile(filepath.Join(dir, cell, "nightly"+summarySuffix), b, 0o644))
	}
	cells, _, err := ReadCells(dir)
	assert.NilError(t, err)
	var sb strings.Builder
	assert.NilError(t, WriteMatrix(&sb, cells))
	assert.Check(t, is.Contains(sb.String(), "| eu-west-1-arm64-128 | 3600 |"))
	assert.Check(t, is.Contains(sb.String(), `x-axis ["eu-west-1-arm64-128", "eu-west-1-x86_64-128"]`))
}

// FuzzReadHistory: any bytes as one night of a history beside a good one:
// the history reads (the bad night skipped, named), and the trend summary
// and tonight's judgement are written, never a panic.
func FuzzReadHistory(f *testing.F) {
	good, err := os.ReadFile(testenv.Testdata(f, "sim-seed.golden.json"))
	assert.NilError(f, err)
	f.Add(good)
	f.Add([]byte(`{"schema": `))
	f.Add([]byte(`{"schema": "lambda-reuse/summary/v1"}`))
	f.Add([]byte(`{"schema": "lambda-reuse/summary/v1", "instances": {"count": -1}, "reuse": {"median": 1e308}}`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		hist := t.TempDir()
		for path, body := range map[string][]byte{"cellA/2026-11-01" + summarySuffix: doc, "cellA/2026-11-02" + summarySuffix: good, "cellB/2026-11-01" + summarySuffix: good} {
			p := filepath.Join(hist, filepath.FromSlash(path))
			assert.NilError(t, os.MkdirAll(filepath.Dir(p), 0o755))
			assert.NilError(t, os.WriteFile(p, body, 0o644))
		}
		nights, skipped, err := ReadHistory(hist)
		assert.NilError(t, err)
		assert.Assert(t, len(nights)+len(skipped) == 3)
		for _, n := range nights {
			assert.NilError(t, n.Summary.Check(), "a night read passes the guard")
		}
		var out strings.Builder
		assert.NilError(t, WriteTrendSummary(&out, nights))
		tonight, err := summary.ParseSummary(good)
		assert.NilError(t, err)
		for _, cell := range []string{"cellA", "cellB"} {
			assert.NilError(t, WriteDrift(&out, JudgeDrift(tonight, cell, "2026-11-03", nil, "", nights)))
		}
		assert.Assert(t, !strings.Contains(out.String(), "Inf") && !strings.Contains(out.String(), "NaN"), "%s", out.String())
	})
}

// TestTrendLinesBreakAtMissingNights: a night without the figure, and a
// date with no night, break the trend's line; nothing is drawn as 0.
func TestTrendLinesBreakAtMissingNights(t *testing.T) {
	s, _ := simRun(t, schedule.Steady{Calls: 36_000, RatePerSec: 10, HandlerMS: 500}, 1)
	noIdle := s
	half := 7.0
	withIdle := s
	withIdle.Sections = map[string]summary.Section{schedule.KindIdle: &summary.IdleSummary{HalfSurvivalMinutes: &half}}
	g := []Night{{Config: "c", Date: "2026-11-01", Summary: withIdle}, {Config: "c", Date: "2026-11-02", Summary: withIdle},
		{Config: "c", Date: "2026-11-03", Summary: noIdle}, {Config: "c", Date: "2026-11-04", Summary: withIdle},
		{Config: "c", Date: "2026-11-07", Summary: withIdle}}
	segs := trendSegments(metric.MetricIdleHalfSurvival, g)
	assert.Assert(t, is.Len(segs, 3), "%v", segs)
	assert.Check(t, is.Len(segs[0], 2))
	for _, seg := range segs {
		for _, pt := range seg {
			assert.Check(t, is.Equal(pt.Y, half))
		}
	}
	assert.Check(t, is.Len(trendSegments(metric.MetricInstances, g), 2), "only the date gap breaks a figure every night has")
}

// TestTrendTablesHaveACellPerHeading: the trend's and the matrix's tables
// take their columns from the metric registry, so every row, a night with
// each figure and one without, has exactly as many cells as the heading
// names, and the headings are the metrics' names in the registry's order.
func TestTrendTablesHaveACellPerHeading(t *testing.T) {
	s, _ := simRun(t, schedule.Steady{Calls: 3_600, RatePerSec: 10, HandlerMS: 500}, 1)
	half := 7.0
	withIdle := s
	withIdle.Sections = map[string]summary.Section{schedule.KindIdle: &summary.IdleSummary{HalfSurvivalMinutes: &half}}
	var nights []Night
	for i, sum := range []summary.Summary{s, withIdle, s, withIdle} {
		nights = append(nights, Night{Config: []string{"a", "b/c"}[i%2], Date: fmt.Sprintf("2026-11-0%d", i+1), Summary: sum})
	}
	var trend, matrix strings.Builder
	assert.NilError(t, writeTrendMarkdown(&trend, nights, false))
	assert.NilError(t, WriteMatrix(&matrix, nights))
	for _, tc := range []struct {
		name, md string
		want     []string
	}{
		{"trend", trend.String(), append(append([]string{"night"}, names(trendMetrics)...), "change points")},
		{"matrix", matrix.String(), append([]string{"configuration"}, names(append([]metric.Metric{metric.MetricRequests}, trendMetrics...))...)},
	} {
		rows := 0
		var heading []string
		for _, line := range strings.Split(tc.md, "\n") {
			if !strings.HasPrefix(line, "|") {
				heading = nil // a table ends
				continue
			}
			cells := strings.Split(line, "|")
			cells = cells[1 : len(cells)-1]
			if heading == nil {
				heading = cells
				got := make([]string, len(cells))
				for i, c := range cells {
					got[i] = strings.TrimSpace(c)
				}
				assert.Check(t, is.DeepEqual(got, tc.want), tc.name)
				continue
			}
			rows++
			assert.Check(t, is.Len(cells, len(heading)), "%s: %q under %d headings", tc.name, line, len(heading))
		}
		assert.Check(t, rows >= len(nights)+1, "%s: %d rows (the alignment rows and one per night or cell)", tc.name, rows)
	}
	assert.Check(t, is.Contains(trend.String(), "| request-path start share, % |"), "the request-path share has its heading")
}

func names(ms []metric.Metric) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Name)
	}
	return out
}

// TestANightOfAnotherModeIsNoMeasure: nights on Managed Instances and
// nights with tenants, of the same plan and cell, are kept out of the
// median tonight is judged against, and out of a change point's, as
// nights of another plan are; the judgement says how many it left out.
func TestANightOfAnotherModeIsNoMeasure(t *testing.T) {
	plan := schedule.Steady{Calls: 3_600, RatePerSec: 10, HandlerMS: 500}
	plain, _ := simRun(t, plan, 1)
	sim, err := lambdasim.New(plan, lambdasim.Options{Profile: lambdasim.ProfileManaged2026})
	assert.NilError(t, err)
	managed, err := sim.Summarize(t.Context())
	assert.NilError(t, err)
	withTenants, err := schedule.WithTenants(plan, schedule.Population{Count: 100, Popularity: schedule.PopularityUniform})
	assert.NilError(t, err)
	tenants, _ := simRun(t, withTenants, 1)
	assert.Assert(t, managed.Multi != nil && tenants.Tenants != nil && managed.Plan == plain.Plan && tenants.Plan == plain.Plan)
	assert.Assert(t, managed.Instances.Count != plain.Instances.Count && tenants.Instances.Count > 2*plain.Instances.Count,
		"the modes differ: %d, %d, %d environments", plain.Instances.Count, managed.Instances.Count, tenants.Instances.Count)

	var g []Night
	for i, s := range []summary.Summary{managed, tenants, managed, tenants, managed, tenants, plain, plain, tenants} {
		g = append(g, Night{Config: "c", Date: fmt.Sprintf("2026-11-%02d", i+1), Summary: s})
	}
	assert.Check(t, is.Len(changed(g, 6), 0), "the first plain night has no plain night before it")
	assert.Check(t, is.Len(changed(g, 7), 0), "nor is a steady plain night a change")
	assert.Check(t, is.Len(changed(g, 8), 0), "the tenants night is measured against the tenants nights")

	d := JudgeDrift(plain, "c", "2026-11-20", nil, "", g)
	assert.Check(t, is.Contains(d.Against, "the median of 2 nights of c (2026-11-07 to 2026-11-08); 7 earlier night(s) of another plan or mode than tonight's (on-demand environments) left out"))
	assert.Check(t, !d.Drifted(), "%+v", d.Comparisons)
	d = JudgeDrift(managed, "c", "2026-11-20", nil, "", g)
	assert.Check(t, is.Contains(d.Against, "the median of 3 nights of c (2026-11-01 to 2026-11-05); 6 earlier night(s) of another plan or mode than tonight's (Managed Instances) left out"))
	assert.Check(t, !d.Drifted(), "%+v", d.Comparisons)
}

// TestImpossibleNightsAreSkipped: nights crafted with impossible figures
// (instances -37, a lifetime median of -50, 10^18 starts on the request
// path, a median reuse of 1e308) are skipped, each named with its file
// and the field that fails, as a corrupt night is; the trend and the
// job summary hold only the good night's figures, never an infinity.
func TestImpossibleNightsAreSkipped(t *testing.T) {
	good, err := os.ReadFile(testenv.Testdata(t, "sim-seed.golden.json"))
	assert.NilError(t, err)
	hist := t.TempDir()
	write := func(name string, doc []byte) {
		p := filepath.Join(hist, "cell", name+summarySuffix)
		assert.NilError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		assert.NilError(t, os.WriteFile(p, doc, 0o644))
	}
	write("2026-11-01", good)
	for i, edit := range []struct{ from, to, field string }{
		{`"count": 71`, `"count": -37`, "instances.count -37"},
		{`"median": 103.931`, `"median": -50`, "lifetime_minutes.median -50"},
		{`"request_path": 71`, `"request_path": 1000000000000000000`, "instances.starts.request_path, "},
		{`"median": 10359`, `"median": 1e308`, "reuse.median 1e+308"},
	} {
		doc := strings.Replace(string(good), edit.from, edit.to, 1)
		assert.Assert(t, doc != string(good), "the golden has %s", edit.from)
		write(fmt.Sprintf("2026-11-0%d", i+2), []byte(doc))
	}
	nights, skipped, err := ReadHistory(hist)
	assert.NilError(t, err)
	assert.Check(t, is.Len(nights, 1))
	assert.Assert(t, is.Len(skipped, 4))
	all := fmt.Sprint(skipped)
	for i, field := range []string{"instances.count -37", "lifetime_minutes.median -50", "instances.starts.request_path, ", "reuse.median 1e+308"} {
		assert.Check(t, is.Contains(all, fmt.Sprintf("2026-11-0%d%s", i+2, summarySuffix)))
		assert.Check(t, is.Contains(all, field))
	}
	var sb strings.Builder
	assert.NilError(t, WriteTrendSummary(&sb, nights))
	assert.Check(t, !strings.Contains(sb.String(), "Inf"), sb.String())
}
