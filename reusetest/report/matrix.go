package report

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/lambda-reuse/lambda-reuse/reusetest/metric"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
)

// WriteMatrix writes a comparison across configurations (one summary per
// cell, as cells: CELL -> summary): a Markdown table and each figure as a
// Mermaid bar chart, for a job summary.
func WriteMatrix(w io.Writer, cells []Night) error {
	if len(cells) == 0 {
		return errors.New("matrix: no cells")
	}
	var err error
	line := func(format string, args ...any) {
		if err == nil {
			_, err = fmt.Fprintf(w, format, args...)
		}
	}
	cols := append([]metric.Metric{metric.MetricRequests}, trendMetrics...)
	line("%s", tableHeading("configuration", cols, ""))
	var names []string
	for _, c := range cells {
		names = append(names, c.Config)
		line("| %s |%s\n", c.Config, metricCells(cols, c.Summary))
	}
	for _, m := range []metric.Metric{metric.MetricInstances, metric.MetricReuseMedian, metric.MetricLifetimeMedian, metric.MetricColdShare} {
		vals := make([]string, len(cells))
		for i, c := range cells {
			v, _ := m.Of(c.Summary)
			vals[i] = m.Format(v)
		}
		line("\n```mermaid\nxychart-beta\n  title \"%s by configuration\"\n  x-axis [%s]\n  y-axis \"%s\"\n  bar [%s]\n```\n", m.Name, quoteAll(names), m.Name, strings.Join(vals, ", "))
	}
	return err
}

// ReadCells reads every summary under dir as a matrix cell, named by its
// folder under dir (the file's own name when it sits in dir itself); a
// cell that cannot be read is skipped and named in skipped.
func ReadCells(dir string) (out []Night, skipped []error, err error) {
	err = walkSummaries(dir, func(path, folder, name string) {
		s, err := summary.ReadSummary(path)
		if err != nil {
			skipped = append(skipped, fmt.Errorf("matrix: skipped: %w", err))
			return
		}
		if folder != "." {
			name = folder
		}
		out = append(out, Night{Config: name, Summary: s})
	})
	slices.SortFunc(out, func(a, b Night) int { return cmp.Compare(a.Config, b.Config) })
	return out, skipped, err
}
