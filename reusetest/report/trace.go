package report

import (
	"fmt"
	"image/color"
	"strconv"

	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// ChartColdStarts is a trace replay's chart.
const ChartColdStarts = "cold-starts"

func init() {
	registerKind(schedule.KindTrace, kindReport{
		charts: []chart{{ChartColdStarts, "Cold starts by hour of the trace's day, over the hours with calls; the title gives their count and share of the calls served.",
			func(d chartData) (*plot.Plot, error) { return coldStartsChart(d.sum.Trace()) }}},
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
	b.Color = color.RGBA{R: 200, G: 60, B: 40, A: 255}
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
