package report

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/lambda-reuse/lambda-reuse/reusetest/recordlog"
	"github.com/lambda-reuse/lambda-reuse/reusetest/reuse"
)

// ReportFile is the report's Markdown file in its folder.
const ReportFile = "report.md"

// Markdown is the report text for sum: the results table beside the 2021
// figures, the summary's provenance, and the charts.
func Markdown(sum reuse.Summary) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "# Execution-environment reuse: %s\n\n", title(sum))
	fmt.Fprintf(&b, "Plan: %d calls at %g/s with a %d ms handler (%s). ", sum.Plan.Calls, sum.Plan.RatePerSec,
		sum.Plan.HandlerMS, reuse.HumanDuration(sum.Plan.Duration()))
	fmt.Fprintf(&b, "Target: `%s`.\n\n", sum.Target)
	if sim := sum.Simulator; sim != nil {
		fmt.Fprintf(&b, "Simulated: profile `%s`, placement `%s`, arrivals `%s`, seed %d; idle timeout %s, max lifetime %s, init latency %s.\n\n",
			sim.Profile, sim.Placement, sim.Arrivals, sim.Seed, sim.IdleTimeout, sim.MaxLifetime, sim.InitLatency)
	}
	b.WriteString("## Results\n\nOurs beside the 2021 experiment's published figures:\n\n```text\n")
	var table bytes.Buffer
	if err := reuse.WriteTable(&table, sum); err != nil {
		return "", err
	}
	b.Write(table.Bytes())
	b.WriteString("```\n\n")
	fmt.Fprintf(&b, "The 2021 method estimates an average lifetime of %.1f minutes (%d instances / %g busy at once = %.1f generations over %.0f minutes); measured per environment, from first to last call, the median is %.1f minutes (%d of %d still serving at the end, so censored).\n\n",
		sum.SeedMethod.AvgLifetimeMinutes, sum.Instances.Count, sum.SeedMethod.BusyAtOnce, sum.SeedMethod.Generations,
		sum.SeedMethod.RunMinutes, sum.LifetimeMinutes.Median, sum.LifetimeMinutes.Censored, sum.Instances.Count)
	b.WriteString("## Charts\n\n")
	for _, c := range []struct{ name, caption string }{
		{ChartTimeline, "Environments over time: one bar per environment, first to last call, shaded by calls served."},
		{ChartReuse, "Calls served per environment."},
		{ChartConcurrency, "Environments busy and alive over time."},
		{ChartSurvival, "Lifetime survival (Kaplan-Meier), censored at the end of the run."},
	} {
		fmt.Fprintf(&b, "%s\n\n![%s](%s.svg)\n\n", c.caption, c.name, c.name)
	}
	return b.String(), nil
}

func title(sum reuse.Summary) string {
	if sum.Simulator != nil {
		return "simulated"
	}
	return "live"
}

// Write writes the report folder dir of the run c collected: report.md and
// every chart as SVG and PNG. The folder is created if need be.
func Write(dir string, c *Collector) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	md, err := Markdown(c.Summary())
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, ReportFile), []byte(md), 0o644); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	spans, end := c.spans()
	if err := save(timelineChart(spans), dir, ChartTimeline); err != nil {
		return err
	}
	rp, err := reuseChart(spans)
	if err == nil {
		err = save(rp, dir, ChartReuse)
	}
	if err != nil {
		return err
	}
	cp, err := concurrencyChart(c, spans, end)
	if err == nil {
		err = save(cp, dir, ChartConcurrency)
	}
	if err != nil {
		return err
	}
	sp, err := survivalChart(spans)
	if err == nil {
		err = save(sp, dir, ChartSurvival)
	}
	return err
}

// FromLog rebuilds a run's summary and chart data from its record log
// alone, in one pass.
func FromLog(path string) (*Collector, error) {
	var col *Collector
	err := recordlog.Replay(path, func(h *recordlog.Header, sched reuse.Schedule) func(*reuse.Record) {
		col = NewCollector(reuse.NewSummarizer(sched.Plan(), h.Target, nil), sched)
		return col.Add
	})
	if err != nil {
		return nil, err
	}
	return col, nil
}
