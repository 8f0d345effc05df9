package report

import (
	"image/color"
	"strconv"

	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// chartIdleCurve is the idle experiment's chart.
const chartIdleCurve = "idle-curve"

func init() {
	registerKind(schedule.KindIdle, kindReport{
		note: "The published points beside the curve: Shilkov 2021 (P(cold) 0.003 after 5 min idle, 0.41 after 6, 1.0 after 7), SeBS 2020 (all survive 6 min, half 7, a quarter 13, an eighth 19) and Shilkov 2019 (warm up to 10 minutes, cold after): docs/sources.md [S4], [S5].",
		charts: []chart{{chartIdleCurve, "P(still warm | idle for the gap), with 95% Wilson intervals, beside the published measurements.",
			func(d chartData) (*plot.Plot, error) { return idleChart(d.sum.Idle()) }}},
		// Each environment lives a trial, minutes on an axis of days: the
		// lifetimes are in the survival chart instead.
		omit: []string{ChartTimeline},
	})
}

// published are the idle-survival measurements drawn beside a measured
// curve: gap in minutes, P(still warm).
var published = []struct {
	label  string
	points plotter.XYs
	shape  draw.GlyphDrawer
	color  color.Color
}{
	// Shilkov, January 2021 [S4]: P(cold) 0.003 after 5 min, 0.41 after 6, 1.0 after 7.
	{"Shilkov 2021", plotter.XYs{{X: 5, Y: 0.997}, {X: 6, Y: 0.59}, {X: 7, Y: 0}}, draw.TriangleGlyph{}, color.RGBA{R: 200, G: 90, B: 20, A: 255}},
	// SeBS, January 2020 data [S5]: all survive 360 s, half 420 s, a quarter 780 s, an eighth 1,140 s.
	{"SeBS 2020", plotter.XYs{{X: 6, Y: 1}, {X: 7, Y: 0.5}, {X: 13, Y: 0.25}, {X: 19, Y: 0.125}}, draw.SquareGlyph{}, color.RGBA{R: 120, G: 60, B: 160, A: 255}},
	// Shilkov, from July 2019 [S4]: exactly 10 minutes.
	{"Shilkov 2019", plotter.XYs{{X: 5, Y: 1}, {X: 10, Y: 1}, {X: 10.5, Y: 0}, {X: 15, Y: 0}}, draw.CrossGlyph{}, color.RGBA{R: 30, G: 130, B: 60, A: 255}},
}

func idleChart(s *summary.IdleSummary) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = "Idle-timeout curve: P(still warm | idle for the gap)"
	p.X.Label.Text = "idle gap, minutes"
	p.Y.Label.Text = "share of environments still warm"
	// A share runs 0 to 1; the gaps on a log axis, ticked at each gap, so
	// the minutes around the idle timeout are not squeezed against a
	// long gap's.
	p.Y.Min, p.Y.Max = 0, 1.02
	p.X.Scale = plot.LogScale{}
	var ticks []plot.Tick
	for _, pt := range s.Points {
		ticks = append(ticks, plot.Tick{Value: pt.GapMinutes, Label: strconv.FormatFloat(pt.GapMinutes, 'f', -1, 64)})
	}
	p.X.Tick.Marker = plot.ConstantTicks(ticks)
	p.Add(plotter.NewGrid())
	var seen, idle []idleSeriesPoint
	for _, pt := range s.Points {
		if pt.Samples > 0 {
			seen = append(seen, idleSeriesPoint{pt.GapMinutes, pt.P, pt.Low, pt.High})
		}
		if e := pt.IdleSurvival; e != nil {
			idle = append(idle, idleSeriesPoint{pt.GapMinutes, e.P, e.Low, e.High})
		}
	}
	series := []struct {
		label string
		pts   []idleSeriesPoint
		c     color.Color
	}{
		{"warm, any cause (95%)", seen, chartBlue},
		{"idle timeout alone (95%)", idle, color.RGBA{R: 30, G: 140, B: 70, A: 255}},
	}
	for _, ser := range series {
		if len(ser.pts) == 0 {
			continue
		}
		var pts plotter.XYs
		var bars plotter.YErrors
		for _, q := range ser.pts {
			pts = append(pts, plotter.XY{X: q.gap, Y: q.p})
			bars = append(bars, struct{ Low, High float64 }{q.p - q.low, q.high - q.p})
		}
		line, dots, err := plotter.NewLinePoints(pts)
		if err != nil {
			return nil, err
		}
		line.Color, dots.Color, dots.Shape = ser.c, ser.c, draw.CircleGlyph{}
		errs, err := plotter.NewYErrorBars(struct {
			plotter.XYer
			plotter.YErrorer
		}{pts, bars})
		if err != nil {
			return nil, err
		}
		errs.Color = ser.c
		p.Add(line, dots, errs)
		p.Legend.Add(ser.label, line, dots)
	}
	for _, pub := range published {
		sc, err := plotter.NewScatter(pub.points)
		if err != nil {
			return nil, err
		}
		sc.GlyphStyle.Shape, sc.GlyphStyle.Color, sc.GlyphStyle.Radius = pub.shape, pub.color, vg.Points(4)
		p.Add(sc)
		p.Legend.Add(pub.label, sc)
	}
	// Short gaps are warm and long ones cold: the lower left is free.
	p.Legend.Top, p.Legend.Left = false, true
	p.Legend.XOffs, p.Legend.YOffs = vg.Points(6), vg.Points(6)
	return p, nil
}

// idleSeriesPoint is one point of an idle curve with its interval.
type idleSeriesPoint struct{ gap, p, low, high float64 }
