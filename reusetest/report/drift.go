package report

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/lambda-reuse/lambda-reuse/reusetest/metric"
	"github.com/lambda-reuse/lambda-reuse/reusetest/stats"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
)

// Drift is tonight's run judged against the best reference there is.
type Drift struct {
	// Against says what the run was judged against, for people.
	Against string
	// Comparisons are the judged metrics; none when there was nothing to
	// judge against.
	Comparisons []metric.Comparison
	// Note says why the comparisons are shown but not judged, if they are.
	Note string
}

// Drifted reports a judged metric out of tolerance.
func (d Drift) Drifted() bool { return metric.Drifted(d.Comparisons) }

// JudgeDrift judges tonight (a run of config on date) from night one: against
// the accepted baseline when there is one (baselineName names it); else
// against the median of the recentNights before tonight in the history;
// else against the simulator's prediction tonight's summary carries (its
// named profile, not the fitted one); else it says there is nothing yet.
func JudgeDrift(tonight summary.Summary, config, date string, baseline *summary.Summary, baselineName string, history []Night) Drift {
	judged := metric.JudgedMetrics()
	if baseline != nil {
		cs, note := metric.Judge(*baseline, tonight, judged)
		return Drift{Against: "the accepted baseline " + baselineName, Comparisons: cs, Note: note}
	}
	// The recent nights of the same configuration, plan and mode: a night
	// of another plan, or of another mode, is no baseline; each left out
	// is counted.
	var before []Night
	unlike := 0
	for _, n := range history {
		switch {
		case n.Config != config || n.Date >= date:
		case alike(n.Summary, tonight):
			before = append(before, n)
		default:
			unlike++
		}
	}
	left := ""
	if unlike > 0 {
		left = fmt.Sprintf("; %d earlier night(s) of another plan or mode than tonight's (%s) left out", unlike, modeOf(tonight))
	}
	if len(before) > 0 {
		before = before[max(0, len(before)-recentNights):]
		cs, note := metric.JudgeWith(tonight.Plan, medianOf(before), tonight, judged)
		return Drift{Against: fmt.Sprintf("the recent history: the median of %d nights of %s (%s to %s)%s", len(before), config, before[0].Date, before[len(before)-1].Date, left),
			Comparisons: cs, Note: note}
	}
	for _, p := range tonight.Predictions {
		if p.Fitted {
			continue
		}
		d := Drift{Against: fmt.Sprintf("the simulator's prediction for tonight's schedule (profile %s, placement %s): no baseline and no history yet", p.Profile, p.Placement)}
		for _, m := range p.Metrics {
			c := metric.Comparison{Metric: m.Metric, Base: m.Predicted, Got: m.Measured, Tolerance: m.Tolerance, OK: m.OK}
			if m.Ratio != nil {
				c.Ratio = *m.Ratio
			}
			d.Comparisons = append(d.Comparisons, c)
		}
		return d
	}
	return Drift{Against: "nothing: no baseline, no history and no prediction" + left}
}

// alike reports two nights whose figures measure the same thing: the same
// plan, in the same mode (modeOf).
func alike(a, b summary.Summary) bool {
	return a.Plan == b.Plan && modeOf(a) == modeOf(b)
}

// modeOf names how a night's function ran, as its summary shows it:
// "Managed Instances" (calls at once per environment), "tenant isolation"
// (calls with tenants), both, or "on-demand environments".
func modeOf(s summary.Summary) string {
	switch {
	case s.Multi != nil && s.Tenants != nil:
		return "Managed Instances, tenant isolation"
	case s.Multi != nil:
		return "Managed Instances"
	case s.Tenants != nil:
		return "tenant isolation"
	}
	return "on-demand environments"
}

// medianOf is the baseline the recent nights make: each metric's median
// over the nights that hold it.
func medianOf(nights []Night) func(metric.Metric) (float64, bool) {
	return func(m metric.Metric) (float64, bool) {
		var xs []float64
		for _, n := range nights {
			if v, ok := m.Of(n.Summary); ok {
				xs = append(xs, v)
			}
		}
		if len(xs) == 0 {
			return 0, false
		}
		slices.Sort(xs)
		return stats.Percentile(xs, 50), true
	}
}

// WriteDrift writes the judgement as Markdown: what it was judged against,
// and the table.
func WriteDrift(w io.Writer, d Drift) error {
	if _, err := fmt.Fprintf(w, "Judged against %s.\n\n", d.Against); err != nil {
		return err
	}
	if d.Note != "" {
		if _, err := fmt.Fprintf(w, "Note: %s.\n\n", d.Note); err != nil {
			return err
		}
	}
	if len(d.Comparisons) == 0 {
		return nil
	}
	name := "reference"
	if strings.HasPrefix(d.Against, "the simulator") {
		name = "predicted"
	}
	if err := metric.WriteComparisonMarkdown(w, name, "tonight", d.Comparisons); err != nil {
		return err
	}
	return metric.WriteVerdict(w, d.Comparisons)
}
