package report

import (
	"fmt"
	"image/color"
	"math"
	"strconv"

	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// ChartMemory is the chart of a run whose records carried memory
// readings: memory against the calls each runtime generation served.
const ChartMemory = "memory"

// memoryLines is the most generations the memory chart draws: more
// lines than this read as a smear.
const memoryLines = 40

// memoryChart is in every report whose summary has a memory part.
var memoryChart = chart{ChartMemory, "Memory against the calls each runtime generation served (a sample of its readings), the memory size drawn as a line, and the table's median growth from the median start to the limit.",
	func(d chartData) (*plot.Plot, error) { return memoryPlot(d.sum.Memory, d.c.Sum().MemoryGenerations()) }}

// memorySample is the generations the chart draws: those whose growth is
// measured when any is (else every one with readings), every k-th of them
// when there are more than memoryLines; and k.
func memorySample(gens []summary.MemoryGeneration) ([]summary.MemoryGeneration, int, int) {
	var pool []summary.MemoryGeneration
	for _, g := range gens {
		if g.Measured {
			pool = append(pool, g)
		}
	}
	if len(pool) == 0 {
		for _, g := range gens {
			if len(g.Points) > 0 {
				pool = append(pool, g)
			}
		}
	}
	if len(pool) <= memoryLines {
		return pool, 1, len(pool)
	}
	k := (len(pool) + memoryLines - 1) / memoryLines
	var out []summary.MemoryGeneration
	for i := 0; i < len(pool); i += k {
		out = append(out, pool[i])
	}
	return out, k, len(pool)
}

func memoryPlot(m *summary.Memory, gens []summary.MemoryGeneration) (*plot.Plot, error) {
	drawn, every, of := memorySample(gens)
	p := plot.New()
	p.Title.Text = fmt.Sprintf("Memory against calls served: %d runtime generations", of)
	if every > 1 {
		p.Title.Text = fmt.Sprintf("Memory against calls served: every %s of %d runtime generations drawn (%d)", ordinal(every), of, len(drawn))
	}
	if m.Measured > 0 {
		p.Title.Text += fmt.Sprintf("; %d of %d of %d calls or more grow", m.Growing, m.Measured, summary.MinCallsForGrowth)
	}
	p.X.Label.Text = "calls the generation had served"
	p.Y.Label.Text = "memory, MB"
	p.Add(plotter.NewGrid())
	growing := chartBlue
	flat := color.Gray{Y: 150}
	var xmax, ymax float64
	var growLine, flatLine *plotter.Line
	for _, g := range drawn {
		xys := make(plotter.XYs, len(g.Points))
		for i, pt := range g.Points {
			xys[i] = plotter.XY{X: float64(pt.Calls), Y: pt.MB}
			xmax, ymax = math.Max(xmax, xys[i].X), math.Max(ymax, xys[i].Y)
		}
		if len(xys) == 0 {
			continue
		}
		l, err := plotter.NewLine(xys)
		if err != nil {
			return nil, err
		}
		l.Color, l.Width = flat, vg.Points(1)
		if g.Growing {
			l.Color, l.Width = growing, vg.Points(1.2)
			growLine = l
		} else {
			flatLine = l
		}
		p.Add(l)
	}
	if growLine != nil {
		p.Legend.Add("a growing generation", growLine)
	}
	if flatLine != nil {
		p.Legend.Add("a flat one", flatLine)
	}
	// The table's answer: from the median start at the median growth to
	// the size, reached after the median calls to the limit.
	if c, st, gr := m.CallsToLimit, m.StartMB, m.GrowthMBPerCall; c != nil && st != nil && gr != nil {
		xmax = math.Max(xmax, c.Median)
		proj, err := plotter.NewLine(plotter.XYs{{X: 0, Y: st.Median}, {X: c.Median, Y: float64(m.SizeMB)}})
		if err != nil {
			return nil, err
		}
		proj.Color, proj.Width, proj.Dashes = color.Black, vg.Points(1.5), []vg.Length{vg.Points(6), vg.Points(3)}
		p.Add(proj)
		p.Legend.Add(fmt.Sprintf("median: %s MB per call from %.0f MB, the size after about %s calls", strconv.FormatFloat(gr.Median, 'g', 3, 64), st.Median, summary.Thousands(c.Median)), proj)
	}
	if m.SizeMB > 0 {
		ymax = math.Max(ymax, float64(m.SizeMB))
		size, err := plotter.NewLine(plotter.XYs{{X: 0, Y: float64(m.SizeMB)}, {X: math.Max(1, xmax), Y: float64(m.SizeMB)}})
		if err != nil {
			return nil, err
		}
		size.Color, size.Width, size.Dashes = chartRed, vg.Points(2), []vg.Length{vg.Points(5), vg.Points(3)}
		p.Add(size)
		p.Legend.Add(fmt.Sprintf("memory size %d MB", m.SizeMB), size)
	}
	p.X.Min, p.X.Max = 0, math.Max(1, xmax*1.02)
	p.Y.Min, p.Y.Max = 0, math.Max(1, ymax*1.3)
	p.X.Tick.Marker = countTicks{}
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.XOffs = vg.Points(6)
	return p, nil
}
