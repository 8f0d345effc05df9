package report

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/metric"
	"github.com/lambda-reuse/lambda-reuse/reusetest/stats"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// A history is a folder of nights' summaries, one file per night and
// configuration: CONFIG/YYYY-MM-DD.summary.json (CONFIG may have folders of
// its own, e.g. eu-west-1/arm64-128mb). The nightly job keeps one on a data
// branch; any folder in that shape makes a trend.

// SummarySuffix ends a night's summary file name.
const SummarySuffix = ".summary.json"

// Night is one night's summary in a history.
type Night struct {
	// Config names the configuration (the folder under the history).
	Config string
	// Date is the night, YYYY-MM-DD.
	Date    string
	Summary summary.Summary
}

// ReadHistory reads every night under dir, by configuration then date. A
// night that cannot be read (not a summary, or a name that is not a date)
// is skipped: skipped names each such file and why, so one bad night
// never stops the judgement of every other night and cell. The error is
// for a history that cannot be read at all.
func ReadHistory(dir string) (nights []Night, skipped []error, err error) {
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(d.Name(), SummarySuffix) {
			return err
		}
		date := strings.TrimSuffix(d.Name(), SummarySuffix)
		if _, err := time.Parse(time.DateOnly, date); err != nil {
			skipped = append(skipped, fmt.Errorf("history %s: skipped: the file name must be YYYY-MM-DD%s", path, SummarySuffix))
			return nil
		}
		rel, err := filepath.Rel(dir, filepath.Dir(path))
		if err != nil {
			return err
		}
		s, err := summary.ReadSummary(path)
		if err != nil {
			skipped = append(skipped, fmt.Errorf("history: skipped: %w", err))
			return nil
		}
		nights = append(nights, Night{Config: filepath.ToSlash(rel), Date: date, Summary: s})
		return nil
	})
	if err != nil {
		return nil, skipped, err
	}
	sortNights(nights)
	return nights, skipped, nil
}

// WriteSkipped writes a warning line per skipped file, as the job
// summary shows them.
func WriteSkipped(w io.Writer, skipped []error) error {
	for _, e := range skipped {
		if _, err := fmt.Fprintf(w, "> **warning**: %v\n\n", e); err != nil {
			return err
		}
	}
	return nil
}

// trendMetrics are the figures followed night by night: the metric
// registry's (metric.TrendMetrics).
var trendMetrics = metric.TrendMetrics()

// RecentNights is how many earlier nights a night is compared with: their
// median is what a change is measured from.
const RecentNights = 7

// changed reports the metrics of night i (of one configuration's nights, by
// date) that moved beyond their tolerance from the median of the
// RecentNights before it of the same plan and mode (alike): a night of
// another plan, or on Managed Instances, or with tenants, is no measure
// of it.
func changed(nights []Night, i int) []string {
	var before []Night
	for j := range i {
		if alike(nights[j].Summary, nights[i].Summary) {
			before = append(before, nights[j])
		}
	}
	before = before[max(0, len(before)-RecentNights):]
	var out []string
	for _, m := range trendMetrics {
		v, ok := m.Of(nights[i].Summary)
		if !ok {
			continue
		}
		var prev []float64
		for _, n := range before {
			if p, ok := m.Of(n.Summary); ok {
				prev = append(prev, p)
			}
		}
		if len(prev) == 0 {
			continue
		}
		slices.Sort(prev)
		med := stats.Percentile(prev, 50)
		if med != 0 && math.Abs(v/med-1) > m.ChangePoint() {
			out = append(out, fmt.Sprintf("%s %s (median of %d before: %s)", m.Name, m.Format(v), len(prev), m.Format(med)))
		}
	}
	return out
}

// sortNights puts nights in the order trends read them: by configuration,
// then date.
func sortNights(nights []Night) {
	slices.SortStableFunc(nights, func(a, b Night) int { return cmp.Or(cmp.Compare(a.Config, b.Config), cmp.Compare(a.Date, b.Date)) })
}

// byConfig splits nights by configuration, each night by night (in any
// order given; ReadHistory's is already so).
func byConfig(nights []Night) [][]Night {
	nights = slices.Clone(nights)
	sortNights(nights)
	var out [][]Night
	for i := 0; i < len(nights); {
		j := i
		for j < len(nights) && nights[j].Config == nights[i].Config {
			j++
		}
		out = append(out, nights[i:j])
		i = j
	}
	return out
}

// TrendFile is a trend report's Markdown file, report.md like any report.
const TrendFile = ReportFile

// WriteTrend writes a trend report of nights into dir: report.md (a table
// per configuration, night by night, change points flagged; the charts)
// and a chart per figure as SVG and PNG. It returns the files' paths.
func WriteTrend(dir string, nights []Night) ([]string, error) {
	if len(nights) == 0 {
		return nil, errors.New("trend: no nights (want CONFIG/YYYY-MM-DD" + SummarySuffix + " files)")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("trend: %w", err)
	}
	var b strings.Builder
	if err := writeTrendMarkdown(&b, nights, true); err != nil {
		return nil, err
	}
	paths := []string{filepath.Join(dir, TrendFile)}
	if err := os.WriteFile(paths[0], []byte(b.String()), 0o644); err != nil {
		return nil, fmt.Errorf("trend: %w", err)
	}
	groups := byConfig(nights)
	for _, m := range trendMetrics {
		p, ok, err := trendChart(m, groups)
		if err != nil {
			return paths, err
		}
		if !ok {
			continue
		}
		if err := save(p, dir, "trend-"+m.Trend); err != nil {
			return paths, err
		}
		paths = append(paths, filepath.Join(dir, "trend-"+m.Trend+".svg"), filepath.Join(dir, "trend-"+m.Trend+".png"))
	}
	return paths, nil
}

// writeTrendMarkdown writes the tables, and the charts' links when charts
// is set.
func writeTrendMarkdown(w io.Writer, nights []Night, charts bool) error {
	groups := byConfig(nights)
	var err error
	line := func(format string, args ...any) {
		if err == nil {
			_, err = fmt.Fprintf(w, format, args...)
		}
	}
	line("# Reuse night by night\n\n%d nights, %d configurations, %s to %s. A change point is a figure more than its tolerance (±30%%) away from the median of the %d nights before it.\n\n",
		len(nights), len(groups), firstDate(nights), lastDate(nights), RecentNights)
	for _, g := range groups {
		line("## %s\n\n%s", g[0].Config, tableHeading("night", trendMetrics, "change points"))
		for i, n := range g {
			line("| %s |%s %s |\n", n.Date, metricCells(trendMetrics, n.Summary), strings.Join(changed(g, i), "; "))
		}
		line("\n")
	}
	if charts {
		for _, m := range trendMetrics {
			if hasAny(m, nights) {
				line("![%s](trend-%s.svg)\n\n", m.Name, m.Trend)
			}
		}
	}
	return err
}

// tableHeading is a Markdown table's heading and alignment row: first (a
// name, left), a column per metric named by the registry (right), and
// last (left) when given. Every row of the table gives the same cells.
func tableHeading(first string, ms []metric.Metric, last string) string {
	var head, align strings.Builder
	head.WriteString("| " + first + " |")
	align.WriteString("|---|")
	for _, m := range ms {
		head.WriteString(" " + m.Name + " |")
		align.WriteString("---:|")
	}
	if last != "" {
		head.WriteString(" " + last + " |")
		align.WriteString("---|")
	}
	return head.String() + "\n" + align.String() + "\n"
}

// metricCells are s's cells of ms, each " value |" ("-" for a figure s
// does not hold).
func metricCells(ms []metric.Metric, s summary.Summary) string {
	var b strings.Builder
	for _, m := range ms {
		if v, ok := m.Of(s); ok {
			b.WriteString(" " + m.Format(v) + " |")
		} else {
			b.WriteString(" - |")
		}
	}
	return b.String()
}

func firstDate(nights []Night) string {
	return slices.MinFunc(nights, func(a, b Night) int { return cmp.Compare(a.Date, b.Date) }).Date
}

func lastDate(nights []Night) string {
	return slices.MaxFunc(nights, func(a, b Night) int { return cmp.Compare(a.Date, b.Date) }).Date
}

func hasAny(m metric.Metric, nights []Night) bool {
	return slices.ContainsFunc(nights, func(n Night) bool { _, ok := m.Of(n.Summary); return ok })
}

// trendChart draws one figure night by night, a line per configuration;
// false when no night has the figure.
// trendSegments is one configuration's line of m in pieces (X in days
// since 1970): a night without the figure, or a date with no night, is a
// gap, never a 0 or a line drawn across it.
func trendSegments(m metric.Metric, g []Night) []plotter.XYs {
	var segments []plotter.XYs
	var cur plotter.XYs
	prev := math.Inf(-1)
	for _, n := range g {
		d, _ := time.Parse(time.DateOnly, n.Date)
		day := float64(d.Unix()) / 86400
		v, ok := m.Of(n.Summary)
		if !ok || day-prev > 1.5 {
			if len(cur) > 0 {
				segments = append(segments, cur)
			}
			cur = nil
		}
		if ok {
			cur = append(cur, plotter.XY{X: day, Y: v})
		}
		prev = day
	}
	if len(cur) > 0 {
		segments = append(segments, cur)
	}
	return segments
}

func trendChart(m metric.Metric, groups [][]Night) (*plot.Plot, bool, error) {
	p := plot.New()
	p.Title.Text = m.Name + ", night by night"
	p.X.Label.Text = "night (UTC date)"
	p.Y.Label.Text = m.Name
	p.X.Tick.Marker = dateTicks{}
	if m.Integer {
		p.Y.Tick.Marker = countTicks{}
	}
	p.Add(plotter.NewGrid())
	any := false
	first, last := math.Inf(1), math.Inf(-1)
	for i, g := range groups {
		segments := trendSegments(m, g)
		for _, seg := range segments {
			first, last = min(first, seg[0].X), max(last, seg[len(seg)-1].X)
		}
		c := sweepColor(i)
		for k, xys := range segments {
			any = true
			l, pts, err := plotter.NewLinePoints(xys)
			if err != nil {
				return nil, false, err
			}
			l.Color, pts.Color, pts.Shape = c, c, draw.CircleGlyph{}
			if len(xys) > 60 {
				pts.Radius = 0 // a thousand nights: the line alone
			}
			p.Add(l, pts)
			if k == 0 {
				p.Legend.Add(g[0].Config, l)
			}
		}
	}
	if any {
		p.X.Min, p.X.Max = first-0.5, last+0.5 // the nights with data, no further
	}
	// Headroom above the lines for the legend, inside the right edge.
	p.Legend.Top, p.Legend.XOffs = true, -vg.Points(10)
	p.Y.Min = 0
	if p.Y.Max > 0 {
		p.Y.Max *= 1.15 + 0.07*float64(len(groups))
	}
	return p, any, nil
}

// dateTicks labels day numbers (days since 1970) as dates.
type dateTicks struct{}

func (dateTicks) Ticks(lo, hi float64) []plot.Tick {
	// Labelled ticks on whole days (a night's point), about eight of them;
	// an unlabelled one on every day when that is not too many.
	first, last := math.Ceil(lo), math.Floor(hi)
	step := max(1, math.Ceil((last-first+1)/8))
	var out []plot.Tick
	for d := first; d <= last; d++ {
		t := plot.Tick{Value: d}
		if math.Mod(d-first, step) == 0 {
			t.Label = time.Unix(int64(d*86400), 0).UTC().Format("2006-01-02")
		} else if last-first > 120 {
			continue
		}
		out = append(out, t)
	}
	return out
}

// MermaidNights is how many of the latest nights a Mermaid chart shows.
const MermaidNights = 60

// WriteTrendSummary writes what a CI job summary shows of a trend: the
// tables of the latest nights and each figure as a Mermaid chart (job
// summaries render Mermaid, not images linked by relative paths).
func WriteTrendSummary(w io.Writer, nights []Night) error {
	if len(nights) == 0 {
		return errors.New("trend: no nights")
	}
	groups := byConfig(nights)
	var dates []string
	for _, n := range nights {
		dates = append(dates, n.Date)
	}
	slices.Sort(dates)
	dates = slices.Compact(dates)
	dates = dates[max(0, len(dates)-MermaidNights):]
	var err error
	line := func(format string, args ...any) {
		if err == nil {
			_, err = fmt.Fprintf(w, format, args...)
		}
	}
	for _, m := range trendMetrics {
		if !hasAny(m, nights) {
			continue
		}
		// Mermaid draws every point of a line, so a night without a figure
		// cannot be left blank. Cells with a figure every night share one
		// chart; a cell with gaps gets its own, whose axis holds only its
		// nights with a figure, and the title counts the nights left out.
		var whole [][]string
		var wholeGroups [][]Night
		for _, g := range groups {
			byDate := map[string]string{}
			for _, n := range g {
				if v, ok := m.Of(n.Summary); ok {
					byDate[n.Date] = m.Format(v)
				}
			}
			var have, vals []string
			for _, d := range dates {
				if v, ok := byDate[d]; ok {
					have, vals = append(have, d), append(vals, v)
				}
			}
			switch {
			case len(have) == len(dates):
				whole, wholeGroups = append(whole, vals), append(wholeGroups, g)
			case len(have) > 0:
				line("\n```mermaid\nxychart-beta\n  title \"%s, night by night (%s; %d of %d nights without a figure left out)\"\n  x-axis [%s]\n  y-axis \"%s\"\n  line [%s]\n```\n",
					m.Name, g[0].Config, len(dates)-len(have), len(dates), quoteAll(have), m.Name, strings.Join(vals, ", "))
			}
		}
		if len(whole) == 0 {
			continue
		}
		line("\n```mermaid\nxychart-beta\n  title \"%s, night by night (%s)\"\n  x-axis [%s]\n  y-axis \"%s\"\n", m.Name, configsTitle(wholeGroups), quoteAll(dates), m.Name)
		for _, vals := range whole {
			line("  line [%s]\n", strings.Join(vals, ", "))
		}
		line("```\n")
	}
	return err
}

func configsTitle(groups [][]Night) string {
	var names []string
	for _, g := range groups {
		names = append(names, g[0].Config)
	}
	if len(names) > 4 {
		return fmt.Sprintf("%d configurations, one line each", len(names))
	}
	return "lines: " + strings.Join(names, ", ")
}

func quoteAll(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}

// WriteMatrix writes a comparison across configurations (one summary per
// cell, as cells: CELL -> summary): a Markdown table and each figure as a
// Mermaid bar chart, for a job summary.
func WriteMatrix(w io.Writer, cells []Night) error {
	if len(cells) == 0 {
		return errors.New("matrix: no cells")
	}
	var err error
	line := func(format string, args ...any) {
		if err == nil {
			_, err = fmt.Fprintf(w, format, args...)
		}
	}
	cols := append([]metric.Metric{metric.MetricRequests}, trendMetrics...)
	line("%s", tableHeading("configuration", cols, ""))
	var names []string
	for _, c := range cells {
		names = append(names, c.Config)
		line("| %s |%s\n", c.Config, metricCells(cols, c.Summary))
	}
	for _, m := range []metric.Metric{metric.MetricInstances, metric.MetricReuseMedian, metric.MetricLifetimeMedian, metric.MetricColdShare} {
		vals := make([]string, len(cells))
		for i, c := range cells {
			v, _ := m.Of(c.Summary)
			vals[i] = m.Format(v)
		}
		line("\n```mermaid\nxychart-beta\n  title \"%s by configuration\"\n  x-axis [%s]\n  y-axis \"%s\"\n  bar [%s]\n```\n", m.Name, quoteAll(names), m.Name, strings.Join(vals, ", "))
	}
	return err
}

// ReadCells reads every summary under dir as a matrix cell, named by its
// folder under dir (the file's own name when it sits in dir itself); a
// cell that cannot be read is skipped and named in skipped.
func ReadCells(dir string) (out []Night, skipped []error, err error) {
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(d.Name(), SummarySuffix) {
			return err
		}
		s, err := summary.ReadSummary(path)
		if err != nil {
			skipped = append(skipped, fmt.Errorf("matrix: skipped: %w", err))
			return nil
		}
		name, err := filepath.Rel(dir, filepath.Dir(path))
		if err != nil {
			return err
		}
		if name == "." {
			name = strings.TrimSuffix(d.Name(), SummarySuffix)
		}
		out = append(out, Night{Config: filepath.ToSlash(name), Summary: s})
		return nil
	})
	slices.SortFunc(out, func(a, b Night) int { return cmp.Compare(a.Config, b.Config) })
	return out, skipped, err
}
