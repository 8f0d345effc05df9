package reuse

import (
	"fmt"
	"io"
	"math"
	"strconv"
)

// Tolerance bounds how far a metric may move from its baseline: live
// numbers vary from run to run, so a live summary is compared within these,
// not for equality.
type Tolerance struct {
	// Metric names the compared value.
	Metric string
	// Value reads it from a summary.
	Value func(Summary) float64
	// Relative is the largest allowed |got/base - 1|.
	Relative float64
}

// DefaultTolerances are the documented drift bounds for live runs: ±30% on
// instances, median reuse, measured median lifetime and the 2021-method
// lifetime, and ±2 percentage points on the failed share (compared as a
// relative change of 1 + share, so 0.02 means two points).
var DefaultTolerances = []Tolerance{
	{"instances", func(s Summary) float64 { return float64(s.Instances.Count) }, 0.30},
	{"reuse median", func(s Summary) float64 { return s.Reuse.Median }, 0.30},
	{"lifetime median, min", func(s Summary) float64 { return s.LifetimeMinutes.Median }, 0.30},
	{"lifetime (2021 method), min", func(s Summary) float64 { return s.SeedMethod.AvgLifetimeMinutes }, 0.30},
	{"1 + failed share", func(s Summary) float64 {
		if s.Requests.Total == 0 {
			return 1
		}
		return 1 + float64(s.Requests.Failed)/float64(s.Requests.Total)
	}, 0.02},
}

// AllMetrics is every number of a summary, for side-by-side comparisons
// (simulated vs live, baseline vs today). Those in DefaultTolerances keep
// their tolerance; the rest are shown with a tolerance of 0, meaning not
// judged.
var AllMetrics = append([]Tolerance{
	{"requests", func(s Summary) float64 { return float64(s.Requests.Total) }, 0},
	{"requests ok", func(s Summary) float64 { return float64(s.Requests.OK) }, 0},
	{"cold starts", func(s Summary) float64 { return float64(s.Instances.ColdStarts) }, 0},
	{"reuse mean", func(s Summary) float64 { return s.Reuse.Mean }, 0},
	{"reuse p10", func(s Summary) float64 { return s.Reuse.P10 }, 0},
	{"reuse p90", func(s Summary) float64 { return s.Reuse.P90 }, 0},
	{"reuse min", func(s Summary) float64 { return float64(s.Reuse.Min) }, 0},
	{"reuse max", func(s Summary) float64 { return float64(s.Reuse.Max) }, 0},
	{"lifetime mean, min", func(s Summary) float64 { return s.LifetimeMinutes.Mean }, 0},
	{"lifetime p90, min", func(s Summary) float64 { return s.LifetimeMinutes.P90 }, 0},
	{"lifetime max, min", func(s Summary) float64 { return s.LifetimeMinutes.Max }, 0},
	{"censored", func(s Summary) float64 { return float64(s.LifetimeMinutes.Censored) }, 0},
	{"busy mean", func(s Summary) float64 { return s.Concurrency.Mean }, 0},
	{"busy max", func(s Summary) float64 { return float64(s.Concurrency.Max) }, 0},
	{"generations (2021 method)", func(s Summary) float64 { return s.SeedMethod.Generations }, 0},
}, DefaultTolerances...)

// Comparison is one metric of two summaries.
type Comparison struct {
	Metric    string
	Base, Got float64
	// Ratio is Got / Base (NaN when Base is 0 and Got is not, 1 when both are).
	Ratio     float64
	Tolerance float64
	// OK is whether the ratio is within 1 ± Tolerance.
	OK bool
}

// Compare compares got with base metric by metric.
func Compare(base, got Summary, tolerances []Tolerance) []Comparison {
	out := make([]Comparison, 0, len(tolerances))
	for _, tol := range tolerances {
		c := Comparison{Metric: tol.Metric, Base: tol.Value(base), Got: tol.Value(got), Tolerance: tol.Relative}
		switch {
		case c.Base == c.Got:
			c.Ratio = 1
		case c.Base == 0:
			c.Ratio = math.NaN()
		default:
			c.Ratio = c.Got / c.Base
		}
		c.OK = tol.Relative == 0 || math.Abs(c.Ratio-1) <= tol.Relative
		out = append(out, c)
	}
	return out
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
		row(c.Metric, num(c.Base), num(c.Got), num(c.Ratio), tol, verdict)
	}
	return err
}

// toleranceText is the tolerance and verdict as shown in tables.
func (c Comparison) toleranceText() (tol, verdict string) {
	if c.Tolerance == 0 {
		return "-", "not judged"
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
			strconv.FormatFloat(c.Got, 'f', -1, 64), strconv.FormatFloat(c.Ratio, 'f', 3, 64), tol, verdict)
	}
	return err
}
