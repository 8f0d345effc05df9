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
	"gonum.org/v1/plot/vg/draw"
)

// chartMemory is the chart of a run whose records carried memory
// readings: memory against the calls each runtime generation served.
const chartMemory = "memory"

// memoryLines is the most generations the memory chart draws: more
// lines than this read as a smear.
const memoryLines = 40

// memoryChart is in every report whose summary has a memory part.
var memoryChart = chart{chartMemory, "Memory against the calls each runtime generation served (a sample of its readings), the memory size drawn as a line, and the table's median growth from the median start to the limit.",
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
		p.Title.Text += fmt.Sprintf("; %d of the %d of %d calls or more grow", m.Growing, m.Measured, summary.MinCallsForGrowth)
	}
	p.X.Label.Text = "calls the generation had served"
	p.Y.Label.Text = "memory, MB"
	p.Add(plotter.NewGrid())
	growing := chartBlue
	flat := color.Gray{Y: 150}
	var xmax, ymax float64
	var growLine, flatLine, unseenLine *plotter.Line
	var ends plotter.XYs // the last readings of generations that ran out of memory
	for _, g := range drawn {
		if g.OutOfMemory && len(g.Points) > 0 {
			last := g.Points[len(g.Points)-1]
			ends = append(ends, plotter.XY{X: float64(last.Calls), Y: last.MB})
		}
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
		switch {
		case !g.StartSeen:
			// Started before the records: its calls counted from the
			// first they show.
			l.Color, l.Dashes = growing, []vg.Length{vg.Points(2), vg.Points(2)}
			if !g.Growing {
				l.Color = flat
			}
			unseenLine = l
		case g.Growing:
			l.Color, l.Width = growing, vg.Points(1.2)
			growLine = l
		default:
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
	if unseenLine != nil {
		p.Legend.Add("started before the records (calls counted from its first in them)", unseenLine)
	}
	if len(ends) > 0 {
		sc, err := plotter.NewScatter(ends)
		if err != nil {
			return nil, err
		}
		sc.GlyphStyle.Shape, sc.GlyphStyle.Color, sc.GlyphStyle.Radius = draw.CrossGlyph{}, chartRed, vg.Points(6)
		p.Add(sc)
		p.Legend.Add(fmt.Sprintf("ran out of memory (%d drawn; %d failures in all)", len(ends), m.OutOfMemory), sc)
	}
	median, size := memoryOverlay(m, xmax)
	if median != nil {
		xmax = math.Max(xmax, median[1].X)
		proj, err := plotter.NewLine(median)
		if err != nil {
			return nil, err
		}
		proj.Color, proj.Width, proj.Dashes = color.Black, vg.Points(1.5), []vg.Length{vg.Points(6), vg.Points(3)}
		p.Add(proj)
		p.Legend.Add(fmt.Sprintf("median: %s MB per call from %.0f MB, the size after about %s calls",
			strconv.FormatFloat(m.GrowthMBPerCall.Median, 'g', 3, 64), m.StartMB.Median, summary.Thousands(m.CallsToLimit.Median)), proj)
	}
	if size != nil {
		ymax = math.Max(ymax, float64(m.SizeMB))
		size, err := plotter.NewLine(size)
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

// memoryOverlay are the table's figures as lines on the memory chart: the
// median growth from the median start to the size, reached at the median
// calls to the limit (nil without them), and the memory size across to
// calls xmax or the limit, whichever is further (nil without a size).
func memoryOverlay(m *summary.Memory, xmax float64) (median, size plotter.XYs) {
	if c, st, gr := m.CallsToLimit, m.StartMB, m.GrowthMBPerCall; c != nil && st != nil && gr != nil {
		median = plotter.XYs{{X: 0, Y: st.Median}, {X: c.Median, Y: float64(m.SizeMB)}}
		xmax = math.Max(xmax, c.Median)
	}
	if m.SizeMB > 0 {
		size = plotter.XYs{{X: 0, Y: float64(m.SizeMB)}, {X: math.Max(1, xmax), Y: float64(m.SizeMB)}}
	}
	return median, size
}
