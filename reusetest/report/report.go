package report

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/lambda-reuse/lambda-reuse/reusetest/metric"
	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"github.com/lambda-reuse/lambda-reuse/reusetest/recordlog"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
)

// ReportFile is the report's Markdown file in its folder.
const ReportFile = "report.md"

// Markdown is the report text for sum: the results table beside the 2021
// figures, the summary's provenance, and the charts.
func Markdown(sum summary.Summary) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "# Execution-environment reuse: %s\n\n", title(sum))
	fmt.Fprintf(&b, "Plan: %s. ", sum.PlanText())
	fmt.Fprintf(&b, "Target: `%s`.\n\n", sum.Target)
	if sim := sum.Simulator; sim != nil {
		fmt.Fprintf(&b, "Simulated: profile `%s`, placement `%s`, arrivals `%s`, seed %d; idle timeout %s, max lifetime %s, init latency %s.\n\n",
			sim.Profile, sim.Placement, sim.Arrivals, sim.Seed, sim.IdleTimeout, sim.MaxLifetime, sim.InitLatency)
		for _, n := range sim.NotModelled {
			fmt.Fprintf(&b, "**Not modelled:** the profile's %s.\n\n", n)
		}
	}
	experiment := len(sum.Sections) > 0
	if experiment {
		b.WriteString("## Results\n\nThe whole run's environments and calls:\n\n```text\n")
	} else {
		b.WriteString("## Results\n\nOurs beside the 2021 experiment's published figures:\n\n```text\n")
	}
	var table bytes.Buffer
	if err := metric.WriteTable(&table, sum); err != nil {
		return "", err
	}
	b.Write(table.Bytes())
	b.WriteString("```\n\n")
	if !experiment {
		fmt.Fprintf(&b, "The 2021 method estimates an average lifetime of %.1f minutes (%d instances / %g busy at once = %.1f generations over %.0f minutes); measured per environment, from first to last call, the median is %.1f minutes (%d of %d still serving at the end, so censored).\n\n",
			sum.SeedMethod.AvgLifetimeMinutes, sum.Instances.Count, sum.SeedMethod.BusyAtOnce, sum.SeedMethod.Generations,
			sum.SeedMethod.RunMinutes, sum.LifetimeMinutes.Median, sum.LifetimeMinutes.Censored, sum.Instances.Count)
	}
	if summary.HasExperimentTables(sum) {
		b.WriteString("## Experiment\n\n```text")
		var exp bytes.Buffer
		if err := summary.WriteExperimentTables(&exp, sum); err != nil {
			return "", err
		}
		b.Write(exp.Bytes())
		b.WriteString("```\n\n")
	}
	for _, k := range kindsOf(sum) {
		if k.note != "" {
			b.WriteString(k.note + "\n\n")
		}
	}
	if len(sum.Predictions) > 0 {
		b.WriteString("## Prediction beside measurement\n\nThe simulator's prediction for this run's schedule, under a named profile and under the profile fitted to this run, judged with the live tolerances:\n\n")
		if err := metric.WritePredictionsMarkdown(&b, sum.Predictions); err != nil {
			return "", err
		}
		b.WriteString("\n")
	}
	b.WriteString("## Charts\n\n")
	for _, c := range chartsFor(sum) {
		fmt.Fprintf(&b, "%s\n\n![%s](%s.svg)\n\n", c.caption, c.name, c.name)
	}
	return b.String(), nil
}

func title(sum summary.Summary) string {
	switch {
	case sum.Simulator != nil:
		return "simulated"
	case sum.Logs != nil:
		return "the function's own Lambda logs"
	}
	return "live"
}

// Write writes the report folder dir of the run c collected: report.md and
// every chart as SVG and PNG. The folder is created if need be; nothing is
// written of a summary that fails its Check. It returns the charts' paths.
func Write(dir string, c *Collector) ([]string, error) {
	sum := c.Summary()
	if err := sum.Check(); err != nil {
		return nil, fmt.Errorf("write report: %w (a bug: please report it)", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("write report: %w", err)
	}
	md, err := Markdown(sum)
	if err != nil {
		return nil, fmt.Errorf("write report: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, ReportFile), []byte(md), 0o644); err != nil {
		return nil, fmt.Errorf("write report: %w", err)
	}
	spans, end := c.spans()
	data := chartData{c: c, sum: sum, spans: spans, end: end}
	var paths []string
	for _, ch := range chartsFor(sum) {
		p, err := ch.build(data)
		if err == nil {
			err = save(p, dir, ch.name)
		}
		if err != nil {
			return paths, err
		}
		paths = append(paths, filepath.Join(dir, ch.name+".svg"), filepath.Join(dir, ch.name+".png"))
	}
	return paths, nil
}

// FromLog rebuilds a run's summary and chart data from its record log
// alone, in one pass.
func FromLog(path string) (*Collector, error) {
	var col *Collector
	err := recordlog.Replay(path, func(h *recordlog.Header, sched schedule.Schedule) func(*record.Record) {
		col = NewCollector(summary.NewSummarizer(sched, h.Target, nil), sched)
		return col.Add
	})
	if err != nil {
		return nil, err
	}
	return col, nil
}
