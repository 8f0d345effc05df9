package report

import (
	"slices"
	"strconv"

	"encoding/xml"
	"fmt"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/fit"
	"github.com/lambda-reuse/lambda-reuse/reusetest/metric"
	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"

	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdasim"
	"github.com/lambda-reuse/lambda-reuse/reusetest/recordlog"
	"gonum.org/v1/plot"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
	"gotest.tools/v3/golden"
)

// simRun simulates schedule and returns its summary and chart data.
func simRun(t *testing.T, schedule schedule.Schedule, seed uint64) (summary.Summary, *Collector) {
	t.Helper()
	sim, err := lambdasim.New(schedule, lambdasim.Options{Seed: seed})
	assert.NilError(t, err)
	col := NewCollector(summary.NewSummarizer(schedule, "simulator", sim.Describe()), schedule)
	_, err = sim.Run(t.Context(), col.Add)
	assert.NilError(t, err)
	return col.Summary(), col
}

func TestMarkdownGolden(t *testing.T) {
	idle, err := schedule.NewIdle(10, []time.Duration{time.Minute, 5 * time.Minute, 6 * time.Minute, 8 * time.Minute}, 5, 500, 1, 0)
	assert.NilError(t, err)
	for _, tc := range []struct {
		golden   string
		schedule schedule.Schedule
	}{
		{"report.golden.md", schedule.Steady{Calls: 72_000, RatePerSec: 10, HandlerMS: 500}}, // two hours
		{"report-burst.golden.md", schedule.Burst{Size: 100, Rounds: 3, Pause: time.Minute, HandlerMS: 500}},
		{"report-idle.golden.md", idle},
	} {
		sum, _ := simRun(t, tc.schedule, 1)
		md, err := Markdown(sum)
		assert.NilError(t, err)
		golden.Assert(t, md, tc.golden)
	}
}

func TestExperimentReports(t *testing.T) {
	idle, err := schedule.NewIdle(10, []time.Duration{time.Minute, 6 * time.Minute, 10 * time.Minute}, 5, 500, 1, 0)
	assert.NilError(t, err)
	for _, schedule := range []schedule.Schedule{schedule.Burst{Size: 1000, Rounds: 2, Pause: time.Minute, HandlerMS: 500}, idle} {
		_, col := simRun(t, schedule, 2)
		dir := t.TempDir()
		paths, err := Write(dir, col)
		assert.NilError(t, err)
		sum := col.Summary()
		checkCharts(t, dir, sum, paths)
		want := chartBurstLatency
		if sum.Idle() != nil {
			want = chartIdleCurve
		}
		assert.Check(t, is.Contains(ChartNames(sum), want))
		_, text := svgElements(t, filepath.Join(dir, want+".svg"))
		if want == chartIdleCurve {
			assert.Check(t, is.Contains(text, "SeBS 2020"), "the published points are drawn")
		}
	}
}

// svgElements parses an SVG file and counts its elements by name, and
// gathers its text.
func svgElements(t *testing.T, path string) (map[string]int, string) {
	t.Helper()
	f, err := os.Open(path)
	assert.NilError(t, err)
	defer f.Close()
	dec := xml.NewDecoder(f)
	counts := map[string]int{}
	var text strings.Builder
	root := ""
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		assert.NilError(t, err, "%s is not well-formed XML", path)
		switch el := tok.(type) {
		case xml.StartElement:
			if root == "" {
				root = el.Name.Local
			}
			counts[el.Name.Local]++
		case xml.CharData:
			text.Write(el)
		}
	}
	assert.Check(t, is.Equal(root, "svg"), path)
	return counts, text.String()
}

func checkCharts(t *testing.T, dir string, sum summary.Summary, paths []string) {
	t.Helper()
	envs := sum.Instances.Count
	names := ChartNames(sum)
	assert.Check(t, is.Len(paths, 2*len(names)), "an SVG and a PNG per chart: %v", paths)
	for _, name := range names {
		counts, text := svgElements(t, filepath.Join(dir, name+".svg"))
		assert.Check(t, counts["path"] > 0, "%s has no drawing", name)
		assert.Check(t, strings.Contains(text, "minute") || strings.Contains(text, "calls") || strings.Contains(text, "latency"), "%s axis labels", name)
		if name == ChartTimeline {
			every := max(1, (envs+timelineRows-1)/timelineRows)
			assert.Check(t, counts["path"] >= (envs+every-1)/every, "%s: %d paths for %d environments", name, counts["path"], envs)
			assert.Check(t, is.Contains(text, fmt.Sprintf("Environments over time: %d,", envs)))
		}
		f, err := os.Open(filepath.Join(dir, name+".png"))
		assert.NilError(t, err)
		img, err := png.Decode(f)
		f.Close()
		assert.NilError(t, err, "%s.png", name)
		assert.Check(t, is.Equal(img.Bounds().Dx(), 960), "%s.png width", name)
	}
	md, err := os.ReadFile(filepath.Join(dir, ReportFile))
	assert.NilError(t, err)
	for _, name := range names {
		assert.Check(t, is.Contains(string(md), "("+name+".svg)"))
	}
}

func TestWriteReportOfASeedSizedRun(t *testing.T) {
	sum, col := simRun(t, schedule.Steady{Calls: 72_000, RatePerSec: 10, HandlerMS: 500}, 1)
	dir := t.TempDir()
	paths, err := Write(dir, col)
	assert.NilError(t, err)
	checkCharts(t, dir, sum, paths)
}

func TestChartsStayLegibleWith5000Environments(t *testing.T) {
	// 5,000 environments, each serving a few calls over 16 hours.
	plan := schedule.Steady{Calls: 20_000, RatePerSec: 1 / 3.0, HandlerMS: 500}
	col := NewCollector(summary.NewSummarizer(plan, "synthetic", nil), plan)
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for seq := int64(0); seq < plan.Calls; seq++ {
		at := t0.Add(plan.Due(seq))
		r := record.Record{Seq: seq, Scheduled: at, Sent: at, Done: at.Add(500 * time.Millisecond), Status: record.StatusOK,
			InstanceID: fmt.Sprintf("env-%04d", seq/4)}
		col.Add(&r)
	}
	dir := t.TempDir()
	paths, err := Write(dir, col)
	assert.NilError(t, err)
	checkCharts(t, dir, col.Summary(), paths)
}

func TestKaplanMeier(t *testing.T) {
	plan := schedule.Steady{Calls: 10, RatePerSec: 1}
	c := NewCollector(summary.NewSummarizer(plan, "synthetic", nil), plan)
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	add := func(seq int64, id string, from, to time.Duration) {
		r := record.Record{Seq: seq, Scheduled: t0.Add(plan.Due(seq)), Sent: t0.Add(from), Done: t0.Add(to), Status: record.StatusOK, InstanceID: id}
		c.Add(&r)
	}
	// Lifetimes 1, 2 and 3 minutes ending long before the end, and one of
	// 4 minutes still serving at the end (censored).
	add(0, "a", 0, time.Minute)
	add(1, "b", 0, 2*time.Minute)
	add(2, "c", 0, 3*time.Minute)
	add(3, "d", 6*time.Minute, 10*time.Minute)
	spans, end := c.spans()
	assert.Check(t, is.Equal(end, 10*time.Minute))
	ts, ss := survival(spans)
	assert.Check(t, is.DeepEqual(ts, []float64{0, 1, 2, 3}))
	// At risk 4, 3, 2: S = 3/4, then x 2/3 = 1/2, then x 1/2 = 1/4; d is censored.
	assert.Check(t, is.DeepEqual(ss, []float64{1, 0.75, 0.5, 0.25}))
}

func TestFromLog(t *testing.T) {
	plan := schedule.Steady{Calls: 3_600, RatePerSec: 10, HandlerMS: 500}
	sim, err := lambdasim.New(plan, lambdasim.Options{Seed: 3})
	assert.NilError(t, err)
	path := filepath.Join(t.TempDir(), "run.jsonl")
	w, _, err := recordlog.Open(path, plan, "simulator", lambdasim.Epoch, nil)
	assert.NilError(t, err)
	direct := summary.NewSummarizer(plan, "simulator", nil)
	_, err = sim.Run(t.Context(), func(r *record.Record) {
		assert.NilError(t, w.Append(r))
		direct.Add(r)
	})
	assert.NilError(t, err)
	assert.NilError(t, w.Close())

	col, err := FromLog(path)
	assert.NilError(t, err)
	sum := col.Summary()
	assert.Check(t, is.DeepEqual(sum, direct.Summary()), "both segments, same summary as the records")
	spans, _ := col.spans()
	assert.Check(t, is.Len(spans, sum.Instances.Count))
	_, err = FromLog(filepath.Join(t.TempDir(), "none.jsonl"))
	assert.Check(t, err != nil)
}

func TestCompareMarkdown(t *testing.T) {
	a, _ := simRun(t, schedule.Steady{Calls: 36_000, RatePerSec: 10, HandlerMS: 500}, 1)
	b := a
	b.Instances.Count *= 2
	var sb strings.Builder
	assert.NilError(t, metric.WriteComparisonMarkdown(&sb, "simulated", "live", metric.Compare(a, b, metric.Metrics)))
	out := sb.String()
	assert.Check(t, is.Contains(out, "| metric | simulated | live | ratio | tolerance | verdict |"))
	assert.Check(t, is.Contains(out, "| instances |"))
	assert.Check(t, is.Contains(out, "**DRIFT**"))
	assert.Check(t, is.Contains(out, "| reuse p10 |"), "every metric, judged or not")
}

// TestReportShowsPredictions: a live-style run (records through a Fitter)
// gets the named profile's prediction and the fitted one's, each beside
// the measured figures, and the report shows both.
func TestReportShowsPredictions(t *testing.T) {
	plan := schedule.Steady{Calls: 72_000, RatePerSec: 10, HandlerMS: 500}
	sim, err := lambdasim.New(plan, lambdasim.Options{Profile: lambdasim.ProfileSeed2021, Seed: 4})
	assert.NilError(t, err)
	sum := summary.NewSummarizer(plan, "https://example.test/", nil)
	col := NewCollector(sum, plan)
	f := fit.NewFitter(sum, plan, col)
	_, err = sim.Run(t.Context(), f.Add)
	assert.NilError(t, err)
	preds, res, err := f.Predictions(t.Context(), "", fit.Options{From: "run.jsonl"})
	assert.NilError(t, err)
	assert.Assert(t, res != nil && is.Len(preds, 2)().Success())
	assert.Check(t, is.Equal(preds[0].Profile, lambdasim.ProfileGo2026))
	assert.Check(t, preds[1].Fitted && !preds[0].Fitted)
	measured := col.Summary()
	assert.Check(t, is.Equal(preds[0].Metrics[0].Metric, metric.MetricInstances.Name))
	assert.Check(t, is.Equal(preds[0].Metrics[0].Measured, float64(measured.Instances.Count)))
	col.Predictions = preds
	md, err := Markdown(col.Summary())
	assert.NilError(t, err)
	assert.Check(t, is.Contains(md, "## Prediction beside measurement"))
	assert.Check(t, is.Contains(md, "| metric | measured | go-2026, mru | verdict | fitted (fitted to this run), "))
	assert.Check(t, is.Contains(md, "| instances | "+strconv.Itoa(measured.Instances.Count)+" |"))
}

// TestIdleCurveFitsItsData: the idle curve's share axis runs 0 to 1 (not
// past it), its gap axis is logarithmic and ticked at exactly the run's
// gaps, and its legend sits at the lower left, where short gaps are warm.
func TestIdleCurveFitsItsData(t *testing.T) {
	gaps := []time.Duration{time.Minute, 6 * time.Minute, 10 * time.Minute, time.Hour}
	idle, err := schedule.NewIdle(10, gaps, 5, 500, 1, 0)
	assert.NilError(t, err)
	_, col := simRun(t, idle, 2)
	sum := col.Summary()
	p, err := idleChart(sum.Idle())
	assert.NilError(t, err)
	assert.Check(t, p.Y.Min == 0 && p.Y.Max <= 1.05, "share axis %v to %v", p.Y.Min, p.Y.Max)
	_, log := p.X.Scale.(plot.LogScale)
	assert.Check(t, log, "the gap axis is logarithmic")
	var ticks []float64
	for _, tk := range p.X.Tick.Marker.Ticks(p.X.Min, p.X.Max) {
		ticks = append(ticks, tk.Value)
	}
	var want []float64
	for _, pt := range sum.Idle().Points {
		want = append(want, pt.GapMinutes)
	}
	assert.Check(t, is.DeepEqual(ticks, want))
	assert.Check(t, !p.Legend.Top && p.Legend.Left)
}

// TestBurstLatencyFitsItsData: the burst chart's four percentiles sit side
// by side, labelled as the table labels them, its latency ticks are plain
// numbers, and its legend sits below the lines.
func TestBurstLatencyFitsItsData(t *testing.T) {
	_, col := simRun(t, schedule.Burst{Size: 200, Rounds: 2, Pause: time.Minute, HandlerMS: 500}, 2)
	sum := col.Summary()
	p, err := burstChart(sum.Burst())
	assert.NilError(t, err)
	var labels []string
	for _, tk := range p.X.Tick.Marker.Ticks(p.X.Min, p.X.Max) {
		labels = append(labels, tk.Label)
	}
	assert.Check(t, is.DeepEqual(labels, []string{"p50", "p90", "p99", "max"}))
	for _, tk := range p.Y.Tick.Marker.Ticks(0, 800) {
		assert.Check(t, !strings.Contains(tk.Label, ".00"), "tick %q", tk.Label)
	}
	assert.Check(t, !p.Legend.Top && !p.Legend.Left)
	assert.Check(t, p.Y.Max >= sum.Burst().ColdLatencyMS.Max, "the cold max (%v ms) is on the chart", sum.Burst().ColdLatencyMS.Max)
}

// TestBusyChartShowsTheTablesMaximum: the busy series' highest point is
// the summary's busy maximum, for a steady run and for bursts, whose last
// burst ends the run and is drawn too.
func TestBusyChartShowsTheTablesMaximum(t *testing.T) {
	for _, sched := range []schedule.Schedule{schedule.Steady{Calls: 36_000, RatePerSec: 10, HandlerMS: 500},
		schedule.Burst{Size: 300, Rounds: 3, Pause: time.Minute, HandlerMS: 500}} {
		_, col := simRun(t, sched, 2)
		sum := col.Summary()
		spans, end := col.spans()
		busy, _ := busySeries(col, spans, end)
		var top float64
		var peaks int
		for _, pt := range busy {
			top = max(top, pt.Y)
			if pt.Y == float64(sum.Concurrency.Max) {
				peaks++
			}
		}
		assert.Check(t, is.Equal(top, float64(sum.Concurrency.Max)), "%s", sched.Spec())
		if b, ok := sched.(schedule.Burst); ok {
			assert.Check(t, peaks >= int(b.Rounds), "every burst reaches its peak: %d of %d", peaks, b.Rounds)
		}
	}
}

// TestColdStartsChartFitsItsHours: a trace of two hours is drawn over its
// two hours, ticked by their hour, with whole-number ticks.
func TestColdStartsChartFitsItsHours(t *testing.T) {
	var ts summary.TraceSummary
	ts.CallsByHour[9], ts.CallsByHour[10] = 100, 50
	ts.ColdByHour[9], ts.ColdByHour[10] = 7, 2
	p, err := coldStartsChart(&ts)
	assert.NilError(t, err)
	assert.Check(t, is.Equal(p.X.Max-p.X.Min, 2.0), "two hours wide")
	var labels []string
	for _, tk := range p.X.Tick.Marker.Ticks(p.X.Min, p.X.Max) {
		labels = append(labels, tk.Label)
	}
	assert.Check(t, is.DeepEqual(labels, []string{"9", "10"}))
	for _, tk := range p.Y.Tick.Marker.Ticks(0, 7) {
		assert.Check(t, !strings.Contains(tk.Label, "."), "tick %q", tk.Label)
	}
}

// TestSurvivalMarksTheCensored: the survival chart marks as many censored
// lifetimes as the table counts still serving at the end, each on the curve.
func TestSurvivalMarksTheCensored(t *testing.T) {
	_, col := simRun(t, schedule.Steady{Calls: 36_000, RatePerSec: 10, HandlerMS: 500}, 3)
	sum := col.Summary()
	spans, _ := col.spans()
	ts, ss := survival(spans)
	marks := censorMarks(spans, ts, ss)
	assert.Check(t, sum.LifetimeMinutes.Censored > 0)
	assert.Check(t, is.Len(marks, sum.LifetimeMinutes.Censored))
	for _, m := range marks {
		assert.Check(t, m.Y > 0 && m.Y <= 1, "%+v", m)
	}
}

// TestTimelineHasItsKey: the timeline's colours are keyed in a legend (a
// call, the geometric middle, the most calls), not only in its title.
func TestTimelineHasItsKey(t *testing.T) {
	_, col := simRun(t, schedule.Steady{Calls: 36_000, RatePerSec: 10, HandlerMS: 500}, 3)
	spans, _ := col.spans()
	p := timelineChart(spans)
	var most int64
	for _, s := range spans {
		most = max(most, s.calls)
	}
	var sb strings.Builder
	w, err := p.WriterTo(400, 300, "svg")
	assert.NilError(t, err)
	_, err = w.WriteTo(&sb)
	assert.NilError(t, err)
	assert.Check(t, is.Contains(sb.String(), "1 call"))
	assert.Check(t, is.Contains(sb.String(), fmt.Sprintf("%d calls", most)))
}

// TestTimelineOfThousandsOfEnvironments: an idle experiment's thousands of
// environments are drawn as every k-th, in first-call order, no more than
// timelineRows, with the whole count and k in the title.
func TestTimelineOfThousandsOfEnvironments(t *testing.T) {
	var spans []span
	for i := range 5431 {
		first := time.Duration(i) * time.Second
		spans = append(spans, span{id: fmt.Sprint(i), first: first, last: first + time.Minute, calls: int64(1 + i%7)})
	}
	drawn, every := timelineSample(spans)
	assert.Check(t, is.Equal(every, 19))
	assert.Check(t, len(drawn) <= timelineRows && len(drawn) >= timelineRows*9/10, "%d drawn", len(drawn))
	for i, s := range drawn {
		assert.Check(t, is.Equal(s.id, spans[i*every].id))
	}
	p := timelineChart(spans)
	assert.Check(t, is.Equal(p.Title.Text, fmt.Sprintf("Environments over time: 5431, every 19th drawn (%d), each from first to last call", len(drawn))))
	few, every := timelineSample(spans[:timelineRows])
	assert.Check(t, is.Equal(every, 1))
	assert.Check(t, is.Len(few, timelineRows))
	for n, want := range map[int]string{1: "1st", 2: "2nd", 3: "3rd", 4: "4th", 11: "11th", 12: "12th", 13: "13th", 21: "21st", 22: "22nd", 111: "111th", 123: "123rd"} {
		assert.Check(t, is.Equal(ordinal(n), want))
	}
}

// TestReuseChartMatchesTheTable: the calls-per-environment histogram holds
// every environment once, each in the bin of its calls, over an axis that
// reaches the most calls any served, and marks the table's median.
func TestReuseChartMatchesTheTable(t *testing.T) {
	_, col := simRun(t, schedule.Steady{Calls: 72_000, RatePerSec: 10, HandlerMS: 500}, 2)
	sum := col.Summary()
	spans, _ := col.spans()
	bins := reuseBins(spans)
	var total float64
	for _, b := range bins {
		total += b.Weight
	}
	assert.Check(t, is.Equal(int(total), sum.Instances.Count))
	for _, s := range spans {
		x := math.Log10(float64(s.calls))
		k := int(math.Floor(x*10 + 1e-9))
		assert.Check(t, bins[k].Min <= x+1e-9 && x < bins[k].Max, "%d calls in bin %v-%v", s.calls, bins[k].Min, bins[k].Max)
	}
	p, err := reuseChart(spans, sum.Reuse)
	assert.NilError(t, err)
	assert.Check(t, p.X.Max >= math.Log10(float64(sum.Reuse.Max)), "axis to %v, most calls %d", p.X.Max, sum.Reuse.Max)
	var sb strings.Builder
	w, err := p.WriterTo(400, 300, "svg")
	assert.NilError(t, err)
	_, err = w.WriteTo(&sb)
	assert.NilError(t, err)
	assert.Check(t, is.Contains(sb.String(), fmt.Sprintf("median %s calls", strconv.FormatFloat(sum.Reuse.Median, 'f', -1, 64))))
	assert.Check(t, is.Contains(sb.String(), fmt.Sprintf("%d environments", sum.Instances.Count)))
	for _, tk := range p.Y.Tick.Marker.Ticks(p.Y.Min, p.Y.Max) {
		assert.Check(t, !strings.Contains(tk.Label, "."), "tick %q", tk.Label)
	}
}

// TestSweepChartMatchesTheTable: a sweep of a two-hour trace is drawn over
// its two hours, a line per what-if with the cold starts of each hour, the
// legend's names in the table's order, whole-number ticks.
func TestSweepChartMatchesTheTable(t *testing.T) {
	var sums []summary.Summary
	names := []string{"mru", "lru", "random"}
	for i := range names {
		ts := &summary.TraceSummary{}
		ts.CallsByHour[14], ts.CallsByHour[15] = 100, 80
		ts.ColdByHour[14], ts.ColdByHour[15] = int64(5+i), int64(2*i)
		sums = append(sums, summary.Summary{Sections: map[string]summary.Section{schedule.KindTrace: ts}})
	}
	p, err := sweepChart(names, sums)
	assert.NilError(t, err)
	assert.Check(t, is.Equal(p.X.Max-p.X.Min, 2.0), "two hours wide")
	var labels []string
	for _, tk := range p.X.Tick.Marker.Ticks(p.X.Min, p.X.Max) {
		labels = append(labels, tk.Label)
	}
	assert.Check(t, is.DeepEqual(labels, []string{"14", "15"}))
	assert.Check(t, p.Y.Max > 7, "headroom above the highest point")
	for _, tk := range p.Y.Tick.Marker.Ticks(p.Y.Min, p.Y.Max) {
		assert.Check(t, !strings.Contains(tk.Label, "."), "tick %q", tk.Label)
	}
	var sb strings.Builder
	w, err := p.WriterTo(400, 300, "svg")
	assert.NilError(t, err)
	_, err = w.WriteTo(&sb)
	assert.NilError(t, err)
	at := -1
	for _, n := range names {
		i := strings.Index(sb.String(), ">"+n+"<")
		assert.Check(t, i > at, "legend %q in order", n)
		at = i
	}
	_, err = sweepChart([]string{"x"}, []summary.Summary{{}})
	assert.Check(t, is.ErrorContains(err, "what-if x has no trace figures"))
}

// TestRampChartsMatchTheTable: the ramp's charts draw each step's counts at
// its rate, the environments on an axis of their own.
func TestRampChartsMatchTheTable(t *testing.T) {
	r := schedule.Ramp{StartRate: 10, EndRate: 3000, Duration: 2 * time.Minute, HandlerMS: 500}
	sum, _ := simRun(t, r, 1)
	rs := sum.Ramp()
	assert.Assert(t, rs != nil)
	assert.Check(t, is.Contains(ChartNames(sum), chartRamp))
	assert.Check(t, is.Contains(ChartNames(sum), chartRampEnvironments))
	var most int64
	for _, st := range rs.Steps {
		most = max(most, st.NewEnvironments)
	}
	for _, c := range kindReports[schedule.KindRamp].charts {
		p, err := c.build(chartData{sum: sum})
		assert.NilError(t, err, c.name)
		if c.name == chartRampEnvironments {
			assert.Check(t, p.Y.Max >= float64(most) && p.Y.Max <= 2*float64(most), "%s: axis to %v for a most of %d", c.name, p.Y.Max, most)
		}
		assert.Check(t, p.X.Max >= rs.Steps[len(rs.Steps)-1].Rate, "%s reaches the last step's rate", c.name)
	}
}

// TestTenantsChartMatchesTheTable: a run with tenants has the tenants
// chart, one bar a band, its axis over the largest band's share and each
// bar's label the table's share; a run without tenants has none.
func TestTenantsChartMatchesTheTable(t *testing.T) {
	s, err := schedule.WithTenants(schedule.Steady{Calls: 30_000, RatePerSec: 10, HandlerMS: 500}, schedule.Population{Count: 300, Popularity: schedule.PopularityZipf})
	assert.NilError(t, err)
	sum, col := simRun(t, s, 1)
	assert.Assert(t, sum.Tenants != nil)
	assert.Check(t, is.Contains(ChartNames(sum), chartTenants))
	dir := t.TempDir()
	paths, err := Write(dir, col)
	assert.NilError(t, err)
	checkCharts(t, dir, sum, paths)
	_, text := svgElements(t, filepath.Join(dir, chartTenants+".svg"))
	top := 0.0
	for _, b := range sum.Tenants.Bands {
		top = max(top, 100*b.ColdShare)
		assert.Check(t, is.Contains(text, fmt.Sprintf("%.3g%%", 100*b.ColdShare)), "band %v", b.Ranks)
		assert.Check(t, is.Contains(text, fmt.Sprintf("(%d)", b.Calls)), "band %v", b.Ranks)
	}
	p, err := tenantChart(sum.Tenants)
	assert.NilError(t, err)
	assert.Check(t, p.Y.Max >= top && p.Y.Max <= 1.2*top, "axis to %v for a top of %v", p.Y.Max, top)

	plain, _ := simRun(t, schedule.Steady{Calls: 100, RatePerSec: 10, HandlerMS: 500}, 1)
	assert.Check(t, !slices.Contains(ChartNames(plain), chartTenants))
}

// TestCallsAtOnceChartMatchesTheTable: a run on Managed Instances has the
// calls-at-once chart, titled with the table's figures, its axis over the
// capacity, its lines never above the most the table gives; a run of
// environments taking one call at a time has none.
func TestCallsAtOnceChartMatchesTheTable(t *testing.T) {
	r := schedule.Ramp{StartRate: 50, EndRate: 1500, Duration: 3 * time.Minute, HandlerMS: 500}
	sim, err := lambdasim.New(r, lambdasim.Options{Profile: lambdasim.ProfileManaged2026})
	assert.NilError(t, err)
	col := NewCollector(summary.NewSummarizer(r, "simulator", sim.Describe()), r)
	_, err = sim.Run(t.Context(), col.Add)
	assert.NilError(t, err)
	sum := col.Summary()
	m := sum.Multi
	assert.Assert(t, m != nil)
	assert.Check(t, is.Contains(ChartNames(sum), chartCallsAtOnce))
	p, err := callsAtOnce(chartData{c: col, sum: sum})
	assert.NilError(t, err)
	assert.Check(t, is.Contains(p.Title.Text, fmt.Sprintf("%.3g on average as a call starts, at most %d, capacity %d", m.InFlight.Mean, m.InFlight.Max, m.MaxConcurrency)))
	assert.Check(t, p.Y.Max >= float64(m.MaxConcurrency))
	var n int64
	for b, v := range col.envMax {
		assert.Check(t, v <= m.InFlight.Max, "bucket %d", b)
		n += col.envN[b]
	}
	assert.Check(t, is.Equal(n, sum.Requests.OK), "every served call in a bucket")
	dir := t.TempDir()
	paths, err := Write(dir, col)
	assert.NilError(t, err)
	checkCharts(t, dir, sum, paths)

	plain, _ := simRun(t, schedule.Steady{Calls: 100, RatePerSec: 10, HandlerMS: 500}, 1)
	assert.Check(t, !slices.Contains(ChartNames(plain), chartCallsAtOnce))
}
