package report

import (
	"fmt"
	"image/color"
	"io"
	"os"
	"path/filepath"

	"github.com/lambda-reuse/lambda-reuse/reusetest/metric"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// SweepFile is a sweep's Markdown table in its report folder, and
// ChartSweep its chart.
const (
	SweepFile  = "sweep.md"
	ChartSweep = "sweep-cold-starts"
)

// WriteSweepTable writes one row per what-if of a sweep over the same
// schedule: calls, cold starts and their share, environments, median reuse
// and lifetime, most busy at once.
func WriteSweepTable(w io.Writer, names []string, sums []summary.Summary) error {
	var err error
	line := func(format string, args ...any) {
		if err == nil {
			_, err = fmt.Fprintf(w, format, args...)
		}
	}
	line("| what-if | calls | cold starts | cold %% | environments | reuse median | lifetime median, min | busy max |\n|---|---:|---:|---:|---:|---:|---:|---:|\n")
	for i, s := range sums {
		cold, share := int64(s.Instances.ColdStarts), 0.0
		if t := s.Trace(); t != nil {
			cold, share = t.ColdCalls, t.ColdShare*100
		} else if v, ok := metric.MetricColdShare.Of(s); ok {
			share = v
		}
		line("| %s | %d | %d | %.2f | %d | %g | %g | %d |\n", names[i], s.Requests.Total, cold, share,
			s.Instances.Count, s.Reuse.Median, s.LifetimeMinutes.Median, s.Concurrency.Max)
	}
	return err
}

// WriteSweep writes a sweep's folder: sweep.md (the table and the chart) and
// the chart of cold starts by hour, one line per what-if (traces), as SVG and
// PNG. It returns the files' paths.
func WriteSweep(dir string, names []string, sums []summary.Summary) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("write sweep: %w", err)
	}
	f, err := os.Create(filepath.Join(dir, SweepFile))
	if err != nil {
		return nil, fmt.Errorf("write sweep: %w", err)
	}
	fmt.Fprintf(f, "# What-ifs over one schedule\n\n%s\n\n", sums[0].Schedule)
	err = WriteSweepTable(f, names, sums)
	if err == nil && sums[0].Trace() != nil {
		_, err = fmt.Fprintf(f, "\n![cold starts by hour](%s.svg)\n", ChartSweep)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("write sweep: %w", err)
	}
	paths := []string{filepath.Join(dir, SweepFile)}
	if sums[0].Trace() == nil {
		return paths, nil
	}
	p, err := sweepChart(names, sums)
	if err != nil {
		return paths, err
	}
	if err := save(p, dir, ChartSweep); err != nil {
		return paths, err
	}
	return append(paths, filepath.Join(dir, ChartSweep+".svg"), filepath.Join(dir, ChartSweep+".png")), nil
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

// sweepColor is the i-th line's colour.
func sweepColor(i int) color.Color {
	palette := []color.RGBA{{R: 40, G: 90, B: 180, A: 255}, {R: 200, G: 60, B: 40, A: 255}, {R: 30, G: 130, B: 60, A: 255},
		{R: 120, G: 60, B: 160, A: 255}, {R: 200, G: 140, B: 20, A: 255}, {R: 60, G: 60, B: 60, A: 255}}
	return palette[i%len(palette)]
}
