package report

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
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

// trendMetrics are the figures followed night by night: the metric
// registry's (metric.TrendMetrics).
var trendMetrics = metric.TrendMetrics()

// recentNights is how many earlier nights a night is compared with: their
// median is what a change is measured from.
const recentNights = 7

// changed reports the metrics of night i (of one configuration's nights, by
// date) that moved beyond their tolerance from the median of the
// recentNights before it of the same plan and mode (alike): a night of
// another plan, or on Managed Instances, or with tenants, is no measure
// of it.
func changed(nights []Night, i int) []string {
	var before []Night
	for j := range i {
		if alike(nights[j].Summary, nights[i].Summary) {
			before = append(before, nights[j])
		}
	}
	before = before[max(0, len(before)-recentNights):]
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

// trendFile is a trend report's Markdown file, report.md like any report.
const trendFile = ReportFile

// WriteTrend writes a trend report of nights into dir: report.md (a table
// per configuration, night by night, change points flagged; the charts)
// and a chart per figure as SVG and PNG. It returns the files' paths.
func WriteTrend(dir string, nights []Night) ([]string, error) {
	if len(nights) == 0 {
		return nil, errors.New("trend: no nights (want CONFIG/YYYY-MM-DD" + summarySuffix + " files)")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("trend: %w", err)
	}
	var b strings.Builder
	if err := writeTrendMarkdown(&b, nights, true); err != nil {
		return nil, err
	}
	paths := []string{filepath.Join(dir, trendFile)}
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
		len(nights), len(groups), firstDate(nights), lastDate(nights), recentNights)
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

// trendChart draws one figure night by night, a line per configuration;
// false when no night has the figure.
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
