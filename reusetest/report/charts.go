package report

import (
	"fmt"
	"image/color"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Chart size: wide enough for a 16-hour timeline, legible on GitHub.
const (
	chartWidth  = 10 * vg.Inch
	chartHeight = 5 * vg.Inch
)

// The charts every report has, without extension; each is written as .svg
// and .png. A kind's own charts are in its file (burst.go, idle.go, trace.go, ramp.go).
const (
	ChartTimeline    = "timeline"
	ChartReuse       = "calls-per-environment"
	ChartConcurrency = "busy-and-alive"
	ChartSurvival    = "survival"
)

// The charts' two main colours: blue for what is served or measured, red
// for what failed, was throttled or peaked.
var (
	chartBlue color.Color = color.RGBA{R: 40, G: 90, B: 180, A: 255}
	chartRed  color.Color = color.RGBA{R: 200, G: 60, B: 40, A: 255}
)

// chartData is what the charts draw from.
type chartData struct {
	c     *Collector
	sum   summary.Summary
	spans []span
	end   time.Duration
}

// chart is one chart of the report: its file name, its caption in
// report.md, and how it is drawn.
type chart struct {
	name, caption string
	build         func(chartData) (*plot.Plot, error)
}

// charts is every report's charts, in report order; a kind's follow.
var charts = []chart{
	{ChartTimeline, "Environments over time: one bar per environment, first to last call, shaded by calls served.",
		func(d chartData) (*plot.Plot, error) { return timelineChart(d.spans), nil }},
	{ChartReuse, "Calls served per environment.", func(d chartData) (*plot.Plot, error) { return reuseChart(d.spans, d.sum.Reuse) }},
	{ChartConcurrency, "Environments busy and alive over time.",
		func(d chartData) (*plot.Plot, error) { return concurrencyChart(d.c, d.spans, d.end) }},
	{ChartSurvival, "Lifetime survival (Kaplan-Meier), censored at the end of the run.",
		func(d chartData) (*plot.Plot, error) { return survivalChart(d.spans) }},
}

// kindReport is what a schedule kind adds to a report: text after its
// tables, its charts, the common charts it leaves out, and how a sweep of
// its what-ifs is drawn side by side (nil: a sweep is its table alone).
type kindReport struct {
	note   string
	charts []chart
	omit   []string
	sweep  *sweepKind
}

// sweepKind is a kind's chart of what-ifs side by side: its caption in
// sweep.md, and how it is drawn.
type sweepKind struct {
	caption string
	build   func(names []string, sums []summary.Summary) (*plot.Plot, error)
}

// kindReports holds each kind's part of a report, by kind name; each kind
// with a summary section registers its own, from its file.
var kindReports = map[string]kindReport{}

// registerKind records kind's part of a report.
func registerKind(kind string, r kindReport) {
	if _, dup := kindReports[kind]; dup {
		panic("report: kind " + kind + " registered twice")
	}
	kindReports[kind] = r
}

// kindsOf lists the report parts of the sections sum has, in schedule.Kinds
// order.
func kindsOf(sum summary.Summary) []kindReport {
	var out []kindReport
	for _, k := range schedule.Kinds {
		if _, ok := sum.Sections[k.Name]; ok {
			out = append(out, kindReports[k.Name])
		}
	}
	return out
}

// chartsFor lists the charts a run's report has.
func chartsFor(sum summary.Summary) []chart {
	kinds := kindsOf(sum)
	var out []chart
	for _, c := range charts {
		if !slices.ContainsFunc(kinds, func(k kindReport) bool { return slices.Contains(k.omit, c.name) }) {
			out = append(out, c)
		}
	}
	for _, k := range kinds {
		out = append(out, k.charts...)
	}
	if sum.Memory != nil {
		out = append(out, memoryChart)
	}
	if sum.Multi != nil {
		out = append(out, callsAtOnceChart)
	}
	if sum.Tenants != nil && len(sum.Tenants.Bands) > 0 {
		out = append(out, tenantsChart)
	}
	return out
}

// ChartNames lists the charts a run's report has, in report order.
func ChartNames(sum summary.Summary) []string {
	var names []string
	for _, c := range chartsFor(sum) {
		names = append(names, c.name)
	}
	return names
}

func save(p *plot.Plot, dir, name string) error {
	for _, ext := range []string{".svg", ".png"} {
		if err := p.Save(chartWidth, chartHeight, filepath.Join(dir, name+ext)); err != nil {
			return fmt.Errorf("chart %s%s: %w", name, ext, err)
		}
	}
	return nil
}

// timelineBars draws one horizontal bar per environment, from its first to
// its last call, shaded by calls served. One plotter draws them all, so
// 5,000 environments cost 5,000 rectangles and no more.
type timelineBars struct {
	spans  []span
	colors []color.Color
}

func (t *timelineBars) Plot(c draw.Canvas, plt *plot.Plot) {
	trX, trY := plt.Transforms(&c)
	// Bars fill 80% of their row, at least a hair, at most 12 points.
	row := math.Abs(float64(trY(1) - trY(0)))
	h := vg.Length(math.Max(0.3, math.Min(12, row*0.8)))
	for i, s := range t.spans {
		y := trY(float64(i))
		x0, x1 := trX(s.first.Minutes()), trX(s.last.Minutes())
		// A spare's life of seconds still shows: 3 points at least.
		if x1-x0 < 3 {
			x1 = x0 + 3
		}
		c.FillPolygon(t.colors[i], []vg.Point{{X: x0, Y: y - h/2}, {X: x1, Y: y - h/2}, {X: x1, Y: y + h/2}, {X: x0, Y: y + h/2}})
	}
}

func (t *timelineBars) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmax = 1
	for _, s := range t.spans {
		xmax = math.Max(xmax, s.last.Minutes())
	}
	// Headroom above the last row holds the legend clear of the bars.
	n := float64(len(t.spans))
	return 0, xmax, -1, n + math.Max(3, 0.15*n)
}

// timelineRows is the most environments a timeline draws: more rows than
// this are thinner than a point in a 5-inch chart, and read as specks.
const timelineRows = 300

// timelineSample is every k-th of spans (in first-call order, from the
// first) when there are more than timelineRows, and k; else spans and 1.
func timelineSample(spans []span) ([]span, int) {
	if len(spans) <= timelineRows {
		return spans, 1
	}
	k := (len(spans) + timelineRows - 1) / timelineRows
	var out []span
	for i := 0; i < len(spans); i += k {
		out = append(out, spans[i])
	}
	return out, k
}

func timelineChart(all []span) *plot.Plot {
	spans, every := timelineSample(all)
	cm := moreland.SmoothBlueRed()
	var most int64 = 1
	for _, s := range spans {
		most = max(most, s.calls)
	}
	cm.SetMin(0)
	cm.SetMax(math.Log10(float64(most)) + 1e-9)
	bars := &timelineBars{spans: spans}
	for _, s := range spans {
		col, err := cm.At(math.Log10(float64(s.calls)))
		if err != nil {
			col = color.Black
		}
		bars.colors = append(bars.colors, col)
	}
	p := plot.New()
	p.Title.Text = fmt.Sprintf("Environments over time: %d, one bar each from first to last call", len(all))
	p.Y.Label.Text = "environment, by first call"
	if every > 1 {
		p.Title.Text = fmt.Sprintf("Environments over time: %d, every %s drawn (%d), each from first to last call", len(all), ordinal(every), len(spans))
		p.Y.Label.Text = fmt.Sprintf("every %s environment, by first call", ordinal(every))
	}
	p.X.Label.Text = "minutes since the run started"
	p.Y.Tick.Marker = countTicks{}
	p.Add(bars, plotter.NewGrid())
	// The key: the colour of a bar is its calls, on a log scale.
	for _, n := range []int64{1, int64(math.Round(math.Sqrt(float64(most)))), most} {
		col, err := cm.At(math.Log10(float64(n)))
		if err != nil {
			continue
		}
		label := fmt.Sprintf("%d calls", n)
		if n == 1 {
			label = "1 call"
		}
		p.Legend.Add(label, swatch{col})
		if most == 1 {
			break
		}
	}
	p.Legend.Top, p.Legend.Left = true, true
	return p
}

// ordinal spells n as "2nd", "11th", "23rd".
func ordinal(n int) string {
	suffix := "th"
	if n%100 < 11 || n%100 > 13 {
		switch n % 10 {
		case 1:
			suffix = "st"
		case 2:
			suffix = "nd"
		case 3:
			suffix = "rd"
		}
	}
	return strconv.Itoa(n) + suffix
}

// swatch is a legend's square of one colour.
type swatch struct{ c color.Color }

// Thumbnail fills the legend's square.
func (s swatch) Thumbnail(c *draw.Canvas) {
	c.FillPolygon(s.c, []vg.Point{{X: c.Min.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Max.Y}, {X: c.Min.X, Y: c.Max.Y}})
}

// reuseBins bins calls per environment on a log scale, in powers of
// 10^0.1 from 1 call: bin k holds 10^(k/10) <= calls < 10^((k+1)/10).
func reuseBins(spans []span) []plotter.HistogramBin {
	var bins []plotter.HistogramBin
	for _, s := range spans {
		k := int(math.Floor(math.Log10(float64(max(1, s.calls)))*10 + 1e-9))
		for len(bins) <= k {
			lo := float64(len(bins)) / 10
			bins = append(bins, plotter.HistogramBin{Min: lo, Max: lo + 0.1})
		}
		bins[k].Weight++
	}
	return bins
}

func reuseChart(spans []span, r summary.Reuse) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("Calls served per environment: %d environments", len(spans))
	p.X.Label.Text = "calls per environment (log scale)"
	p.Y.Label.Text = "environments"
	p.Y.Tick.Marker = countTicks{}
	p.X.Tick.Marker = powerTicks{}
	bins := reuseBins(spans)
	if len(bins) == 0 {
		return p, nil
	}
	h := &plotter.Histogram{Bins: bins, FillColor: color.RGBA{R: 70, G: 110, B: 180, A: 255}, LineStyle: plotter.DefaultLineStyle}
	p.Add(h)
	p.X.Min, p.X.Max = 0, math.Max(1, bins[len(bins)-1].Max)
	var most float64
	for _, b := range bins {
		most = math.Max(most, b.Weight)
	}
	// The table's median, as a line, with headroom above the bars for its
	// legend.
	p.Y.Min, p.Y.Max = 0, most*1.2
	if r.Median >= 1 {
		x := math.Log10(r.Median)
		med, err := plotter.NewLine(plotter.XYs{{X: x, Y: 0}, {X: x, Y: most * 1.2}})
		if err != nil {
			return nil, err
		}
		med.Color, med.Dashes, med.Width = chartRed, []vg.Length{vg.Points(5), vg.Points(3)}, vg.Points(1.5)
		p.Add(med)
		p.Legend.Add(fmt.Sprintf("median %s calls", strconv.FormatFloat(r.Median, 'f', -1, 64)), med)
		p.Legend.Top, p.Legend.Left = true, true
	}
	return p, nil
}

// countTicks labels an axis of counts without decimals.
type countTicks struct{}

func (countTicks) Ticks(min, max float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(min, max)
	for i := range ticks {
		if ticks[i].Label != "" {
			ticks[i].Label = strconv.FormatFloat(ticks[i].Value, 'f', -1, 64)
		}
	}
	return ticks
}

// powerTicks labels a log10 axis with 1, 10, 100, ...
type powerTicks struct{}

func (powerTicks) Ticks(min, max float64) []plot.Tick {
	var ticks []plot.Tick
	for e := math.Floor(min); e <= math.Ceil(max); e++ {
		ticks = append(ticks, plot.Tick{Value: e, Label: fmt.Sprintf("%g", math.Pow(10, e))})
	}
	return ticks
}

func concurrencyChart(c *Collector, spans []span, end time.Duration) (*plot.Plot, error) {
	busy, alive := busySeries(c, spans, end)
	top := 1.0
	for i := range busy {
		top = max(top, busy[i].Y, alive[i].Y)
	}
	p := plot.New()
	p.Title.Text = "Environments busy (most calls in flight at once) and alive (between first and last call)"
	if c.sum.TimeFactor() != 1 {
		p.Title.Text += "; busy as the caller sees it, the served pool's hold included"
	}
	p.X.Label.Text = "minutes since the run started"
	p.Y.Label.Text = "environments"
	lb, err := plotter.NewLine(busy)
	if err != nil {
		return nil, err
	}
	la, err := plotter.NewLine(alive)
	if err != nil {
		return nil, err
	}
	lb.Color = chartRed
	la.Color = chartBlue
	p.Add(lb, la, plotter.NewGrid())
	p.Legend.Add("busy", lb)
	p.Legend.Add("alive", la)
	// The legend in the headroom above the highest line, off the axis.
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.XOffs = vg.Points(6)
	p.Y.Min, p.Y.Max = 0, top*1.25
	return p, nil
}

// busySeries is the busy-and-alive chart's data, per bucket: the most
// calls in flight at once, and the environments alive in it.
func busySeries(c *Collector, spans []span, end time.Duration) (busy, alive plotter.XYs) {
	// The buckets are real time; spans and end are model time.
	f := c.sum.TimeFactor()
	width := time.Duration(float64(c.width) * f)
	n := int(end/width) + 1 // the last bucket too: a burst may end the run
	for b := 0; b < n && b < len(c.peak); b++ {
		mid := (time.Duration(b) * width) + width/2
		busy = append(busy, plotter.XY{X: mid.Minutes(), Y: float64(c.peak[b])})
		count := 0
		for _, s := range spans {
			if s.first <= mid+width/2 && mid-width/2 <= s.last {
				count++
			}
		}
		alive = append(alive, plotter.XY{X: mid.Minutes(), Y: float64(count)})
	}
	return busy, alive
}

func survivalChart(spans []span) (*plot.Plot, error) {
	ts, ss := survival(spans)
	xys := make(plotter.XYs, len(ts))
	for i := range ts {
		xys[i] = plotter.XY{X: ts[i], Y: ss[i]}
	}
	p := plot.New()
	p.Title.Text = "Lifetime survival (Kaplan-Meier; environments still serving at the end are censored)"
	p.X.Label.Text = "lifetime, minutes (first to last call)"
	p.Y.Label.Text = "share of environments still alive"
	p.Y.Min, p.Y.Max = 0, 1.02
	l, err := plotter.NewLine(xys)
	if err != nil {
		return nil, err
	}
	l.StepStyle = plotter.PostStep
	l.Color = color.RGBA{R: 30, G: 120, B: 60, A: 255}
	p.Add(l, plotter.NewGrid())
	if marks := censorMarks(spans, ts, ss); len(marks) > 0 {
		sc, err := plotter.NewScatter(marks)
		if err != nil {
			return nil, err
		}
		sc.GlyphStyle.Shape, sc.GlyphStyle.Color, sc.GlyphStyle.Radius = draw.PlusGlyph{}, l.Color, vg.Points(4)
		p.Add(sc)
		p.Legend.Add(fmt.Sprintf("censored (%d still serving at the end)", len(marks)), sc)
		p.Legend.Top = true
	}
	return p, nil
}

// censorMarks are the censored lifetimes on the curve: each at its
// lifetime, at the survival then (the steps' value just before it).
func censorMarks(spans []span, ts, ss []float64) plotter.XYs {
	var out plotter.XYs
	for _, s := range spans {
		if !s.censored {
			continue
		}
		x := (s.last - s.first).Minutes()
		y := 1.0
		for i := range ts {
			if ts[i] <= x {
				y = ss[i]
			}
		}
		out = append(out, plotter.XY{X: x, Y: y})
	}
	return out
}
