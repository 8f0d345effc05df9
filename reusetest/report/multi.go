package report

import (
	"fmt"
	"image/color"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// chartCallsAtOnce is the chart of a run on environments that serve many
// calls at once (Managed Instances): calls in flight per environment over
// time, against the environments' capacity.
const chartCallsAtOnce = "calls-at-once"

// callsAtOnceChart is in every report of a run whose records say their
// environment's calls in flight.
var callsAtOnceChart = chart{chartCallsAtOnce, "Calls in flight in their environment as each call started, over time (the mean and the most in each interval), against the environments' capacity.",
	func(d chartData) (*plot.Plot, error) { return callsAtOnce(d) }}

// callsAtOnce draws the Collector's per-bucket mean and most calls in
// flight per environment.
func callsAtOnce(d chartData) (*plot.Plot, error) {
	c, m := d.c, d.sum.Multi
	f := c.sum.TimeFactor()
	width := time.Duration(float64(c.width) * f)
	var mean, most plotter.XYs
	top := float64(max(m.MaxConcurrency, 1))
	for b := range c.envN {
		if c.envN[b] == 0 {
			continue
		}
		x := ((time.Duration(b) * width) + width/2).Minutes()
		mean = append(mean, plotter.XY{X: x, Y: float64(c.envSum[b]) / float64(c.envN[b])})
		most = append(most, plotter.XY{X: x, Y: float64(c.envMax[b])})
		top = max(top, float64(c.envMax[b]))
	}
	p := plot.New()
	p.Title.Text = fmt.Sprintf("Calls at once per environment: %.3g on average as a call starts, at most %d, capacity %d", m.InFlight.Mean, m.InFlight.Max, m.MaxConcurrency)
	p.X.Label.Text = "minutes since the run started"
	p.Y.Label.Text = "calls in flight in the environment"
	p.Add(plotter.NewGrid())
	for _, s := range []struct {
		name string
		xys  plotter.XYs
		col  color.Color
	}{{"most", most, chartRed}, {"mean", mean, chartBlue}} {
		if len(s.xys) == 0 {
			continue
		}
		l, err := plotter.NewLine(s.xys)
		if err != nil {
			return nil, err
		}
		l.Color = s.col
		p.Add(l)
		p.Legend.Add(s.name, l)
	}
	if m.MaxConcurrency > 0 && len(mean) > 0 {
		capLine, err := plotter.NewLine(plotter.XYs{{X: mean[0].X, Y: float64(m.MaxConcurrency)}, {X: mean[len(mean)-1].X, Y: float64(m.MaxConcurrency)}})
		if err != nil {
			return nil, err
		}
		capLine.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		capLine.Color = color.Gray{Y: 90}
		p.Add(capLine)
		p.Legend.Add(fmt.Sprintf("capacity %d", m.MaxConcurrency), capLine)
	}
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.XOffs = vg.Points(6)
	p.Y.Min, p.Y.Max = 0, top*1.3
	return p, nil
}
