package report

import (
	"fmt"
	"image/color"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/lambda-reuse/lambda-reuse/reusetest/metric"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
)

// sweepFile is a sweep's Markdown table in its report folder, and
// chartSweep its chart.
const (
	sweepFile  = "sweep.md"
	chartSweep = "sweep-cold-starts"
)

// WriteSweepTable writes one row per what-if of a sweep over the same
// schedule: calls, starts on the request path (the cold starts callers
// wait for) and their share of the calls, provisioned starts,
// environments, median reuse and lifetime, most busy at once. Every figure
// is the metric registry's.
func WriteSweepTable(w io.Writer, names []string, sums []summary.Summary) error {
	var err error
	line := func(format string, args ...any) {
		if err == nil {
			_, err = fmt.Fprintf(w, format, args...)
		}
	}
	cols := []metric.Metric{metric.MetricRequests, metric.MetricRequestPath, metric.MetricRequestPathShare, metric.MetricProvisioned,
		metric.MetricInstances, metric.MetricReuseMedian, metric.MetricLifetimeMedian, metric.MetricBusyMax}
	if slices.ContainsFunc(sums, failing) {
		// What-ifs of memory or timeouts: what they cost.
		cols = append(cols, metric.MetricFailed, metric.MetricOutOfMemory, metric.MetricResets)
	}
	line("| what-if |")
	for _, m := range cols {
		line(" %s |", m.Name)
	}
	line("\n|---|%s\n", strings.Repeat("---:|", len(cols)))
	for i, s := range sums {
		line("| %s |", names[i])
		for _, m := range cols {
			v, ok := m.Of(s)
			if !ok {
				line(" - |")
				continue
			}
			line(" %s |", m.Format(v))
		}
		line("\n")
	}
	return err
}

// failing reports a what-if whose calls carry memory or failed in their
// environments (an error type, a reset).
func failing(s summary.Summary) bool {
	return s.Memory != nil || s.Instances.Resets > 0 || len(s.Requests.ByError) > 0
}

// SweepFigures is what a sweep keeps of a what-if's summary: what its
// table (WriteSweepTable) and its chart (a kind's sweep chart) read, not
// the parts neither does (the simulator and its profile file, the tenants'
// and the calls-at-once parts, the sections of kinds without a sweep
// chart). A sweep of a thousand what-ifs holds a thousand of these.
func SweepFigures(s summary.Summary) summary.Summary {
	s.Simulator, s.Predictions, s.Tenants, s.Multi = nil, nil, nil, nil
	s.Requests.ByErrorClass = nil
	var kept map[string]summary.Section
	for name, sec := range s.Sections {
		if kindReports[name].sweep != nil {
			if kept == nil {
				kept = map[string]summary.Section{}
			}
			kept[name] = sec
		}
	}
	s.Sections = kept
	return s
}

// WriteSweep writes a sweep's folder: sweep.md (the table and the chart) and
// the chart of cold starts by hour, one line per what-if (traces), as SVG and
// PNG. It returns the files' paths.
func WriteSweep(dir string, names []string, sums []summary.Summary) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("write sweep: %w", err)
	}
	f, err := os.Create(filepath.Join(dir, sweepFile))
	if err != nil {
		return nil, fmt.Errorf("write sweep: %w", err)
	}
	fmt.Fprintf(f, "# What-ifs over one schedule\n\n%s\n\n", sums[0].PlanText())
	err = WriteSweepTable(f, names, sums)
	// A kind may draw its what-ifs side by side (a trace: cold starts by
	// hour).
	var chart *sweepKind
	for _, k := range kindsOf(sums[0]) {
		if k.sweep != nil {
			chart = k.sweep
			break
		}
	}
	if err == nil && chart != nil {
		_, err = fmt.Fprintf(f, "\n![%s](%s.svg)\n", chart.caption, chartSweep)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("write sweep: %w", err)
	}
	paths := []string{filepath.Join(dir, sweepFile)}
	if chart == nil {
		return paths, nil
	}
	p, err := chart.build(names, sums)
	if err != nil {
		return paths, err
	}
	if err := save(p, dir, chartSweep); err != nil {
		return paths, err
	}
	return append(paths, filepath.Join(dir, chartSweep+".svg"), filepath.Join(dir, chartSweep+".png")), nil
}

// sweepColor is the i-th line's colour.
func sweepColor(i int) color.Color {
	palette := []color.RGBA{{R: 40, G: 90, B: 180, A: 255}, {R: 200, G: 60, B: 40, A: 255}, {R: 30, G: 130, B: 60, A: 255},
		{R: 120, G: 60, B: 160, A: 255}, {R: 200, G: 140, B: 20, A: 255}, {R: 60, G: 60, B: 60, A: 255}}
	return palette[i%len(palette)]
}
