package metric

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
)

// Published2021 is the table the 2021 experiment published
// (docs/sources.md [S1]): 600,000 requests, 72 instances,
// mean reuse 8,333, median reuse 10,911, estimated lifetime 69.4 minutes.
var Published2021 = struct {
	Requests, Instances    int64
	MeanReuse, MedianReuse float64
	LifetimeMinutes        float64
}{600_000, 72, 8_333, 10_911, 69.4}

// tableRows are the results table: each row shows one or two metrics
// (joined by " / ") beside the 2021 figure where it measured the same thing.
var tableRows = []struct {
	label   string
	metrics []Metric
	theirs  string
	// shown, when set, says whether the row is shown for s (a row that
	// counts what most runs never have).
	shown func(s summary.Summary) bool
}{
	{"requests", []Metric{MetricRequests}, strconv.FormatInt(Published2021.Requests, 10), nil},
	{"  ok", []Metric{metricOK}, "", nil},
	{"  failed", []Metric{MetricFailed}, "", nil},
	{"instances", []Metric{MetricInstances}, strconv.FormatInt(Published2021.Instances, 10), nil},
	{"  started in the run", []Metric{metricColdStarts}, "", nil},
	{"    cold: on the request path", []Metric{MetricRequestPath}, "", nil},
	{"    proactive (init > 10 s before)", []Metric{metricProactive}, "", nil},
	{"    provisioned / restored", []Metric{MetricProvisioned, metricRestored}, "", nil},
	{"  start unseen (left-censored)", []Metric{metricLeftCensored}, "", func(s summary.Summary) bool { return s.Instances.LeftCensored > 0 || s.Logs != nil }},
	{"  resets (same environment, re-init)", []Metric{MetricResets}, "", func(s summary.Summary) bool { return s.Instances.Resets > 0 || s.Logs != nil }},
	{"reuse: mean calls/instance", []Metric{metricReuseMean}, strconv.FormatFloat(Published2021.MeanReuse, 'f', 1, 64), nil},
	{"reuse: median", []Metric{MetricReuseMedian}, strconv.FormatFloat(Published2021.MedianReuse, 'f', 1, 64), nil},
	{"reuse: p10 / p90", []Metric{metricReuseP10, metricReuseP90}, "", nil},
	{"reuse: min / max", []Metric{MetricReuseMin, metricReuseMax}, "", nil},
	{"lifetime (2021 method), min", []Metric{metricSeedLifetime}, strconv.FormatFloat(Published2021.LifetimeMinutes, 'f', 1, 64), nil},
	{"lifetime measured: mean, min", []Metric{metricLifetimeMean}, "", nil},
	{"lifetime measured: median, min", []Metric{MetricLifetimeMedian}, "", nil},
	{"lifetime measured: p90 / max, min", []Metric{metricLifetimeP90, metricLifetimeMax}, "", nil},
	{"  still serving at end (censored)", []Metric{metricCensored}, "", nil},
	{"busy at once: mean / max", []Metric{MetricBusyMean, MetricBusyMax}, "5 (assumed)", nil},
	{"memory: size, MB", []Metric{MetricMemorySize}, "", hasMemory},
	{"  growth per call, KB: median / p90", []Metric{metricMemoryGrowthMedian, metricMemoryGrowthP90}, "", hasMemory},
	{"  calls to the limit: median / min", []Metric{metricCallsToLimitMedian, metricCallsToLimitMin}, "", hasMemory},
	{"  reach the limit before the end, %", []Metric{metricReachLimitShare}, "", hasMemory},
	{"  out-of-memory failures", []Metric{MetricOutOfMemory}, "", hasMemory},
}

// hasMemory shows the memory rows of a summary whose records carried
// memory readings.
func hasMemory(s summary.Summary) bool { return s.Memory != nil }

// format shows a metric's value in the results table: counts whole, the
// rest with one decimal, "-" for one the summary does not hold (Format is the same for other tables and charts).
func (m Metric) format(s summary.Summary) string {
	if _, ok := m.Of(s); !ok {
		return "-"
	}
	if m.Integer {
		return m.Format(m.Value(s))
	}
	return strconv.FormatFloat(m.Value(s), 'f', 1, 64)
}

// WriteTable writes the results table of s, with the published 2021 figures
// beside it where they measure the same thing: for a steady or Poisson
// run, not an experiment (a burst, an idle curve, a trace), whose plan
// the 2021 figures do not describe.
func WriteTable(w io.Writer, s summary.Summary) error {
	with2021 := len(s.Sections) == 0
	title := s.Target
	if sim := s.Simulator; sim != nil {
		title = fmt.Sprintf("simulator: profile %s, placement %s, arrivals %s, seed %d",
			sim.Profile, sim.Placement, sim.Arrivals, sim.Seed)
	}
	fmt.Fprintf(w, "%s\nplan: %s\n", title, s.PlanText())
	if sim := s.Simulator; sim != nil {
		for _, n := range sim.NotModelled {
			fmt.Fprintf(w, "not modelled: %s\n", n)
		}
	}
	if s.TimeScale > 0 {
		fmt.Fprintf(w, "time scale: %g (the endpoint's model runs %g times real time): durations below are model time; the log keeps real times\n",
			s.TimeScale, s.TimeScale)
	}
	// The columns widen to the longest value, so any value keeps the table
	// aligned.
	rows := tableRows[:0:0]
	for _, row := range tableRows {
		if row.shown == nil || row.shown(s) {
			rows = append(rows, row)
		}
	}
	ours := make([]string, len(rows))
	width := 15
	for i, row := range rows {
		values := make([]string, len(row.metrics))
		for j, m := range row.metrics {
			values[j] = m.format(s)
		}
		ours[i] = strings.Join(values, " / ")
		width = max(width, len(ours[i]))
	}
	if !with2021 {
		if _, err := fmt.Fprintf(w, "%-36s %*s\n", "metric", width, "ours"); err != nil {
			return err
		}
		for i, row := range rows {
			if _, err := fmt.Fprintf(w, "%-36s %*s\n", row.label, width, ours[i]); err != nil {
				return err
			}
		}
		return writeByError(w, s)
	}
	if _, err := fmt.Fprintf(w, "%-36s %*s %12s\n", "metric", width, "ours", "2021"); err != nil {
		return err
	}
	for i, row := range rows {
		theirs := row.theirs
		if theirs == "" {
			theirs = "-"
		}
		if _, err := fmt.Fprintf(w, "%-36s %*s %12s\n", row.label, width, ours[i], theirs); err != nil {
			return err
		}
	}
	return writeByError(w, s)
}

// writeByError writes the failures by Lambda error type, most first, when
// the records named any.
func writeByError(w io.Writer, s summary.Summary) error {
	if len(s.Requests.ByError) == 0 {
		return nil
	}
	types := slices.SortedFunc(maps.Keys(s.Requests.ByError), func(a, b string) int {
		return cmp.Or(cmp.Compare(s.Requests.ByError[b], s.Requests.ByError[a]), cmp.Compare(a, b))
	})
	parts := make([]string, len(types))
	for i, t := range types {
		parts[i] = fmt.Sprintf("%s %d", t, s.Requests.ByError[t])
	}
	_, err := fmt.Fprintf(w, "failed by error type: %s\n", strings.Join(parts, ", "))
	return err
}
