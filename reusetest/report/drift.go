package report

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/lambda-reuse/lambda-reuse/reusetest/reuse"
)

// Drift is tonight's run judged against the best reference there is.
type Drift struct {
	// Against says what the run was judged against, for people.
	Against string
	// Comparisons are the judged metrics; none when there was nothing to
	// judge against.
	Comparisons []reuse.Comparison
}

// Drifted reports a judged metric out of tolerance.
func (d Drift) Drifted() bool { return reuse.Drifted(d.Comparisons) }

// JudgeDrift judges tonight (a run of config on date) from night one: against
// the accepted baseline when there is one (baselineName names it); else
// against the median of the RecentNights before tonight in the history;
// else against the simulator's prediction tonight's summary carries (its
// named profile, not the fitted one); else it says there is nothing yet.
func JudgeDrift(tonight reuse.Summary, config, date string, baseline *reuse.Summary, baselineName string, history []Night) Drift {
	judged := reuse.JudgedMetrics()
	if baseline != nil {
		return Drift{Against: "the accepted baseline " + baselineName, Comparisons: reuse.Compare(*baseline, tonight, judged)}
	}
	var before []Night
	for _, n := range history {
		if n.Config == config && n.Date < date {
			before = append(before, n)
		}
	}
	if len(before) > 0 {
		before = before[max(0, len(before)-RecentNights):]
		return Drift{Against: fmt.Sprintf("the recent history: the median of %d nights of %s (%s to %s)", len(before), config, before[0].Date, before[len(before)-1].Date),
			Comparisons: reuse.Compare(medianSummary(before), tonight, judged)}
	}
	for _, p := range tonight.Predictions {
		if p.Fitted {
			continue
		}
		d := Drift{Against: fmt.Sprintf("the simulator's prediction for tonight's schedule (profile %s, placement %s): no baseline and no history yet", p.Profile, p.Placement)}
		for _, m := range p.Metrics {
			c := reuse.Comparison{Metric: m.Metric, Base: m.Predicted, Got: m.Measured, Tolerance: m.Tolerance, OK: m.OK}
			if m.Ratio != nil {
				c.Ratio = *m.Ratio
			}
			d.Comparisons = append(d.Comparisons, c)
		}
		return d
	}
	return Drift{Against: "nothing: no baseline, no history and no prediction"}
}

// medianSummary is a summary whose judged metrics (instances, median reuse,
// median lifetime, the 2021-method lifetime, the failed share) are the
// nights' medians.
func medianSummary(nights []Night) reuse.Summary {
	med := func(f func(reuse.Summary) float64) float64 {
		xs := make([]float64, len(nights))
		for i, n := range nights {
			xs[i] = f(n.Summary)
		}
		slices.Sort(xs)
		return reuse.Percentile(xs, 50)
	}
	var s reuse.Summary
	s.Instances.Count = int(med(func(s reuse.Summary) float64 { return float64(s.Instances.Count) }) + 0.5)
	s.Reuse.Median = med(func(s reuse.Summary) float64 { return s.Reuse.Median })
	s.LifetimeMinutes.Median = med(func(s reuse.Summary) float64 { return s.LifetimeMinutes.Median })
	s.SeedMethod.AvgLifetimeMinutes = med(func(s reuse.Summary) float64 { return s.SeedMethod.AvgLifetimeMinutes })
	// The failed share, as a million requests with that share failed.
	failed := med(func(s reuse.Summary) float64 { return reuse.MetricFailedShare.Value(s) - 1 })
	s.Requests.Total = 1_000_000
	s.Requests.Failed = int64(failed*1_000_000 + 0.5)
	return s
}

// WriteDrift writes the judgement as Markdown: what it was judged against,
// and the table.
func WriteDrift(w io.Writer, d Drift) error {
	if _, err := fmt.Fprintf(w, "Judged against %s.\n\n", d.Against); err != nil {
		return err
	}
	if len(d.Comparisons) == 0 {
		return nil
	}
	name := "reference"
	if strings.HasPrefix(d.Against, "the simulator") {
		name = "predicted"
	}
	if err := reuse.WriteComparisonMarkdown(w, name, "tonight", d.Comparisons); err != nil {
		return err
	}
	if d.Drifted() {
		_, err := fmt.Fprintln(w, "\nDRIFT: at least one judged metric is out of tolerance")
		return err
	}
	return nil
}
