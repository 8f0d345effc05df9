package report

import (
	"fmt"
	"strconv"

	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// chartColdStarts is a trace replay's chart.
const chartColdStarts = "cold-starts"

func init() {
	registerKind(schedule.KindTrace, kindReport{
		charts: []chart{{chartColdStarts, "Cold starts by hour of the trace's day, over the hours with calls; the title gives their count and share of the calls served.",
			func(d chartData) (*plot.Plot, error) { return coldStartsChart(d.sum.Trace()) }}},
		sweep: &sweepKind{"cold starts by hour, per what-if", sweepChart},
	})
}

// coldStartsChart draws a trace's cold starts by hour of its day, with the
// calls of each hour scaled onto the same axis as a line.
func coldStartsChart(t *summary.TraceSummary) (*plot.Plot, error) {
	p := plot.New()
	first, last, ticks := traceHours(t)
	p.Title.Text = fmt.Sprintf("Cold starts by hour: %d in all, %.2f%% of the calls served", t.ColdCalls, t.ColdShare*100)
	p.X.Label.Text = traceClock(t)
	p.Y.Label.Text = "cold starts"
	p.Y.Tick.Marker = countTicks{}
	p.Add(plotter.NewGrid())
	p.Y.Min = 0
	if first < 0 {
		return p, nil
	}
	bars := make(plotter.Values, last-first+1)
	for h := first; h <= last; h++ {
		bars[h-first] = float64(t.ColdByHour[h])
	}
	b, err := plotter.NewBarChart(bars, vg.Points(max(4, 300/float64(len(bars)))))
	if err != nil {
		return nil, err
	}
	b.Color = chartRed
	p.Add(b)
	p.X.Tick.Marker = plot.ConstantTicks(ticks)
	p.X.Min, p.X.Max = -0.5, float64(last-first)+0.5
	return p, nil
}

// traceClock names a trace chart's hour axis.
func traceClock(t *summary.TraceSummary) string {
	if t.Start != nil {
		return "UTC hour of the day"
	}
	return "hour from the trace's start (mod 24)"
}

// traceHours is the first and last hour of the day any of ts has calls in
// (-1, -1 for none), and a tick per hour between, at x = hour - first: a
// two-hour trace is not drawn over 22 empty hours.
func traceHours(ts ...*summary.TraceSummary) (first, last int, ticks []plot.Tick) {
	first, last = -1, -1
	for h := range 24 {
		for _, t := range ts {
			if t.CallsByHour[h] > 0 {
				if first < 0 {
					first = h
				}
				last = h
				break
			}
		}
	}
	for h := first; first >= 0 && h <= last; h++ {
		ticks = append(ticks, plot.Tick{Value: float64(h - first), Label: strconv.Itoa(h)})
	}
	return first, last, ticks
}

// sweepChart draws a trace sweep's cold starts by hour, a line per what-if,
// over the hours the trace has calls in.
func sweepChart(names []string, sums []summary.Summary) (*plot.Plot, error) {
	var ts []*summary.TraceSummary
	for i, s := range sums {
		if s.Trace() == nil {
			return nil, fmt.Errorf("sweep chart: what-if %s has no trace figures", names[i])
		}
		ts = append(ts, s.Trace())
	}
	first, last, ticks := traceHours(ts...)
	p := plot.New()
	p.Title.Text = "Cold starts by hour, per what-if"
	p.X.Label.Text = traceClock(ts[0])
	p.Y.Label.Text = "cold starts"
	p.Add(plotter.NewGrid())
	p.Y.Tick.Marker = countTicks{}
	p.Y.Min = 0
	if first < 0 {
		return p, nil
	}
	top := 1.0
	for i, t := range ts {
		var xys plotter.XYs
		for h := first; h <= last; h++ {
			xys = append(xys, plotter.XY{X: float64(h - first), Y: float64(t.ColdByHour[h])})
			top = max(top, float64(t.ColdByHour[h]))
		}
		l, pts, err := plotter.NewLinePoints(xys)
		if err != nil {
			return nil, err
		}
		c := sweepColor(i)
		l.Color, pts.Color, pts.Shape = c, c, draw.CircleGlyph{}
		p.Add(l, pts)
		p.Legend.Add(names[i], l, pts)
	}
	// The legend in headroom above every line, inside the right edge.
	p.Legend.Top = true
	p.Legend.XOffs = -vg.Points(10)
	p.Y.Max = top * (1.15 + 0.1*float64(len(sums)))
	p.X.Tick.Marker = plot.ConstantTicks(ticks)
	p.X.Min, p.X.Max = -0.5, float64(last-first)+0.5
	return p, nil
}
