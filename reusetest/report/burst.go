package report

import (
	"image/color"

	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
)

// chartBurstLatency is the burst experiment's chart.
const chartBurstLatency = "burst-latency"

func init() {
	registerKind(schedule.KindBurst, kindReport{
		charts: []chart{{chartBurstLatency, "Latency of the bursts' calls, send to answer: cold (an environment's first call) against warm, by percentile.",
			func(d chartData) (*plot.Plot, error) { return burstChart(d.sum.Burst()) }}},
	})
}

func burstChart(b *summary.BurstSummary) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = "Burst calls: latency by percentile, cold against warm"
	p.X.Label.Text = "percentile"
	p.Y.Label.Text = "latency, send to answer, ms"
	p.Add(plotter.NewGrid())
	for _, l := range []struct {
		name string
		d    summary.LatencyDist
		c    color.Color
	}{{"cold (first call)", b.ColdLatencyMS, chartRed},
		{"warm", b.WarmLatencyMS, chartBlue}} {
		if l.d.Count == 0 {
			continue
		}
		// The percentiles side by side, evenly: p99 and the max are what a
		// burst is about, not to be crowded at the right.
		line, dots, err := plotter.NewLinePoints(plotter.XYs{{X: 0, Y: l.d.P50}, {X: 1, Y: l.d.P90}, {X: 2, Y: l.d.P99}, {X: 3, Y: l.d.Max}})
		if err != nil {
			return nil, err
		}
		line.Color, dots.Color = l.c, l.c
		p.Add(line, dots)
		p.Legend.Add(l.name, line, dots)
	}
	// Latencies climb to the right and sit high: the legend goes lower
	// right, below the lines; ticks read as plain numbers.
	p.Legend.Top, p.Legend.Left = false, false
	p.X.Tick.Marker = plot.ConstantTicks([]plot.Tick{{Value: 0, Label: "p50"}, {Value: 1, Label: "p90"}, {Value: 2, Label: "p99"}, {Value: 3, Label: "max"}})
	p.X.Min, p.X.Max = -0.2, 3.2
	p.Y.Tick.Marker = countTicks{}
	p.Y.Min = 0
	return p, nil
}
