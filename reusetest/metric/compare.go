package metric

import (
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"github.com/lambda-reuse/lambda-reuse/reusetest/stats"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
)

// Comparison is one metric of two summaries.
type Comparison struct {
	Metric    string
	Base, Got float64
	// Ratio is Got / Base (NaN when Base is 0 and Got is not, 1 when both are).
	Ratio     float64
	Tolerance float64
	// OK is whether the ratio is within 1 ± Tolerance, or the metric is
	// not judged.
	OK bool
	// NoBase says the baseline does not hold the metric (Metric.Of: a
	// summary written before it was counted, or Known says so), or this
	// run does not: nothing to judge, never a drift.
	NoBase bool
	// Unjudged says the comparison is shown but not judged: the two runs
	// ran different plans (Judge).
	Unjudged bool
}

// Compare compares got with base metric by metric.
func Compare(base, got summary.Summary, metrics []Metric) []Comparison {
	return compareWith(func(m Metric) (float64, bool) { return m.Of(base) }, got, metrics)
}

// compareWith compares got with a baseline given metric by metric (the
// median of recent nights, say): base returns the baseline's value and
// whether it has one.
func compareWith(base func(Metric) (float64, bool), got summary.Summary, metrics []Metric) []Comparison {
	out := make([]Comparison, 0, len(metrics))
	for _, m := range metrics {
		b, okB := base(m)
		g, okG := m.Of(got)
		c := Comparison{Metric: m.Name, Base: b, Got: g, Tolerance: m.Tolerance, NoBase: !okB || !okG}
		switch {
		case c.Base == c.Got:
			c.Ratio = 1
		case c.Base == 0:
			c.Ratio = math.NaN()
		default:
			c.Ratio = c.Got / c.Base
		}
		c.OK = m.Tolerance == 0 || c.NoBase || math.Abs(c.Ratio-1) <= m.Tolerance
		out = append(out, c)
	}
	return out
}

// Judge is the one rule for judging a run against a baseline: the
// comparisons of the metrics, and, when the two ran different plans, a
// note saying so, with every comparison shown but not judged (a run of
// another plan is no baseline). The live test, -compare and -drift all
// judge this way.
func Judge(base, got summary.Summary, metrics []Metric) ([]Comparison, string) {
	return judge(base.Plan, got.Plan, Compare(base, got, metrics))
}

func judge(base, got schedule.Plan, cs []Comparison) ([]Comparison, string) {
	if base == got {
		return cs, ""
	}
	for i := range cs {
		cs[i].Unjudged, cs[i].OK = true, true
	}
	return cs, fmt.Sprintf("the plans differ (%s against %s): shown, not judged", planBrief(base), planBrief(got))
}

// JudgeWith is Judge against a baseline given metric by metric, of plan
// base.
func JudgeWith(base schedule.Plan, values func(Metric) (float64, bool), got summary.Summary, metrics []Metric) ([]Comparison, string) {
	return judge(base, got.Plan, compareWith(values, got, metrics))
}

func planBrief(p schedule.Plan) string {
	return fmt.Sprintf("%d calls at %g/s, %d ms", p.Calls, p.RatePerSec, p.HandlerMS)
}

// Drifted reports whether any comparison is out of tolerance.
func Drifted(cs []Comparison) bool {
	for _, c := range cs {
		if !c.OK {
			return true
		}
	}
	return false
}

// WriteVerdict writes the one DRIFT line when any comparison drifted, and
// nothing otherwise.
func WriteVerdict(w io.Writer, cs []Comparison) error {
	if !Drifted(cs) {
		return nil
	}
	_, err := fmt.Fprintln(w, "\nDRIFT: at least one judged metric is out of tolerance")
	return err
}

// WriteComparison writes the comparisons as a table.
func WriteComparison(w io.Writer, cs []Comparison) error {
	var err error
	row := func(cells ...string) {
		if err == nil {
			_, err = fmt.Fprintf(w, "%-30s %12s %12s %8s %10s  %s\n", cells[0], cells[1], cells[2], cells[3], cells[4], cells[5])
		}
	}
	row("metric", "baseline", "this run", "ratio", "tolerance", "")
	num := func(x float64) string { return strconv.FormatFloat(x, 'f', 3, 64) }
	for _, c := range cs {
		tol, verdict := c.toleranceText()
		row(c.Metric, num(c.Base), num(c.Got), c.ratioText(), tol, verdict)
	}
	return err
}

// ratioText is the ratio as shown in tables: "-" when there is none (the
// baseline is 0 and this run is not), never NaN.
func (c Comparison) ratioText() string {
	if math.IsNaN(c.Ratio) {
		return "- (base 0)"
	}
	return strconv.FormatFloat(c.Ratio, 'f', 3, 64)
}

// toleranceText is the tolerance and verdict as shown in tables.
func (c Comparison) toleranceText() (tol, verdict string) {
	switch {
	case c.Tolerance == 0 || c.Unjudged:
		return "-", "not judged"
	case c.NoBase:
		return "-", "no baseline"
	}
	if !c.OK {
		return "±" + strconv.FormatFloat(c.Tolerance*100, 'f', 0, 64) + "%", "DRIFT"
	}
	return "±" + strconv.FormatFloat(c.Tolerance*100, 'f', 0, 64) + "%", "ok"
}

// WriteComparisonMarkdown writes the comparisons as a Markdown table, with
// the two runs named.
func WriteComparisonMarkdown(w io.Writer, baseName, gotName string, cs []Comparison) error {
	var err error
	line := func(format string, args ...any) {
		if err == nil {
			_, err = fmt.Fprintf(w, format, args...)
		}
	}
	line("| metric | %s | %s | ratio | tolerance | verdict |\n|---|---:|---:|---:|---:|---|\n", baseName, gotName)
	for _, c := range cs {
		tol, verdict := c.toleranceText()
		if verdict == "DRIFT" {
			verdict = "**DRIFT**"
		}
		line("| %s | %s | %s | %s | %s | %s |\n", c.Metric, strconv.FormatFloat(c.Base, 'f', -1, 64),
			strconv.FormatFloat(c.Got, 'f', -1, 64), c.ratioText(), tol, verdict)
	}
	return err
}

// WritePredictionsMarkdown writes each prediction beside the measurement as
// a Markdown table: one row per judged metric, one pair of columns per
// prediction (a band's low and high beside its point), then each band's
// kept parameters.
func WritePredictionsMarkdown(w io.Writer, preds []summary.Prediction) error {
	var err error
	line := func(format string, args ...any) {
		if err == nil {
			_, err = fmt.Fprintf(w, format, args...)
		}
	}
	line("| metric | measured |")
	for _, p := range preds {
		name := p.Profile
		if p.Fitted {
			name += " (fitted to this run)"
		}
		line(" %s, %s | verdict |", name, p.Placement)
	}
	line("\n|---|---:|")
	for range preds {
		line("---:|---|")
	}
	line("\n")
	if len(preds) == 0 {
		return err
	}
	for i, m := range preds[0].Metrics {
		line("| %s | %s |", m.Metric, shortNum(m.Measured))
		for _, p := range preds {
			if i >= len(p.Metrics) {
				line(" - | - |")
				continue
			}
			pm := p.Metrics[i]
			// The one rule of Comparison.toleranceText: a metric of no
			// tolerance is shown, not judged.
			verdict := fmt.Sprintf("ok (±%.0f%%)", pm.Tolerance*100)
			switch {
			case pm.Tolerance == 0:
				verdict = "not judged"
			case !pm.OK:
				verdict = fmt.Sprintf("**off** (±%.0f%%)", pm.Tolerance*100)
			}
			predicted := shortNum(pm.Predicted)
			if pm.Low != nil && pm.High != nil {
				predicted += fmt.Sprintf(" (%s to %s)", shortNum(*pm.Low), shortNum(*pm.High))
			}
			line(" %s | %s |", predicted, verdict)
		}
		line("\n")
	}
	// A band's kept parameters, named: what widens it.
	for _, p := range preds {
		if len(p.Spread) == 0 {
			continue
		}
		line("\n%s: a band (low to high) over what the profile kept: not a point, and not a confidence interval:\n\n", p.Profile)
		for _, s := range p.Spread {
			line("- %s\n", s)
		}
	}
	return err
}

// PredictionOf compares measured with a prediction (its summary) on the
// judged metrics.
func PredictionOf(profile string, fitted bool, predicted, measured summary.Summary) summary.Prediction {
	p := summary.Prediction{Profile: profile, Fitted: fitted}
	if sim := predicted.Simulator; sim != nil {
		p.Placement, p.Seed = sim.Placement, sim.Seed
	}
	for _, c := range Compare(predicted, measured, append(JudgedMetrics(), StartMetrics()...)) {
		m := summary.PredictedMetric{Metric: c.Metric, Predicted: c.Base, Measured: c.Got, Tolerance: c.Tolerance, OK: c.OK}
		if !math.IsNaN(c.Ratio) {
			r := stats.Round(c.Ratio)
			m.Ratio = &r
		}
		p.Metrics = append(p.Metrics, m)
	}
	return p
}

// shortNum is a figure as prediction tables show it: at most four
// decimals, no trailing zeros.
func shortNum(x float64) string {
	return strconv.FormatFloat(math.Round(x*1e4)/1e4, 'f', -1, 64)
}
