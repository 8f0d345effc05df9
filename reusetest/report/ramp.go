package report

import (
	"fmt"
	"image/color"

	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// The ramp experiment's charts: the calls, and the environments (a few
// hundred per step beside tens of thousands of calls: an axis of their own).
const (
	chartRamp             = "ramp"
	chartRampEnvironments = "ramp-environments"
)

func init() {
	registerKind(schedule.KindRamp, kindReport{
		charts: []chart{
			{chartRamp, "The ramp, step by step against its rate: calls served and calls throttled.",
				func(d chartData) (*plot.Plot, error) {
					r := d.sum.Ramp()
					return rampChart(r, fmt.Sprintf("Ramp from %g/s to %g/s over %g min: %d calls throttled", r.StartRate, r.EndRate, r.Minutes, r.Throttled),
						rampSeries{"served", func(s summary.RampStep) int64 { return s.Served }, chartBlue},
						rampSeries{"throttled", func(s summary.RampStep) int64 { return s.Throttled }, chartRed})
				}},
			{chartRampEnvironments, "The ramp, step by step against its rate: environments started.",
				func(d chartData) (*plot.Plot, error) {
					r := d.sum.Ramp()
					return rampChart(r, fmt.Sprintf("Ramp from %g/s to %g/s: environments started per step", r.StartRate, r.EndRate),
						rampSeries{"new environments", func(s summary.RampStep) int64 { return s.NewEnvironments }, color.RGBA{R: 30, G: 130, B: 60, A: 255}})
				}},
		},
	})
}

// rampSeries is one count of a ramp's steps, as a chart draws it.
type rampSeries struct {
	name  string
	of    func(summary.RampStep) int64
	color color.Color
}

// rampChart draws counts of each step against the step's rate.
func rampChart(r *summary.RampSummary, title string, series ...rampSeries) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "rate, calls per second (each step's middle)"
	p.Y.Label.Text = "per step"
	p.Y.Tick.Marker = countTicks{}
	p.Add(plotter.NewGrid())
	top := 1.0
	for _, s := range series {
		xys := make(plotter.XYs, len(r.Steps))
		for k, st := range r.Steps {
			xys[k] = plotter.XY{X: st.Rate, Y: float64(s.of(st))}
			top = max(top, xys[k].Y)
		}
		l, pts, err := plotter.NewLinePoints(xys)
		if err != nil {
			return nil, err
		}
		l.Color, pts.Color, pts.Shape = s.color, s.color, draw.CircleGlyph{}
		p.Add(l, pts)
		p.Legend.Add(s.name, l, pts)
	}
	// The legend in headroom above the lines, at the left: the ramp rises
	// to the right.
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.XOffs = vg.Points(6)
	p.Y.Min, p.Y.Max = 0, top*1.3
	return p, nil
}
