package metric

import (
	"bytes"
	"strings"
	"testing"

	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary/summarytest"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

func TestCompareWithinTolerance(t *testing.T) {
	base := summarytest.Summarize(summarytest.HandMade())
	same := Compare(base, base, JudgedMetrics())
	assert.Check(t, !Drifted(same))
	for _, c := range same {
		assert.Check(t, is.Equal(c.Ratio, 1.0), c.Metric)
	}

	moved := base
	moved.Instances.Count = 3 // 2 -> 3: +50%
	cs := Compare(base, moved, JudgedMetrics())
	assert.Check(t, Drifted(cs))
	assert.Check(t, !cs[0].OK && cs[0].Ratio == 1.5, "%+v", cs[0])
	assert.Check(t, cs[1].OK)

	var buf bytes.Buffer
	assert.NilError(t, WriteComparison(&buf, cs))
	assert.Check(t, is.Contains(buf.String(), "instances                             2.000        3.000    1.500       ±30%  DRIFT"))

	zero := base
	zero.Reuse.Median = 0
	fromZero := Compare(zero, base, JudgedMetrics())
	assert.Check(t, !fromZero[1].OK, "from zero is out of any tolerance")
	for _, write := range []func(*bytes.Buffer) error{
		func(b *bytes.Buffer) error { return WriteComparison(b, fromZero) },
		func(b *bytes.Buffer) error { return WriteComparisonMarkdown(b, "base", "run", fromZero) },
	} {
		buf.Reset()
		assert.NilError(t, write(&buf))
		assert.Check(t, !strings.Contains(buf.String(), "NaN"), buf.String())
		assert.Check(t, is.Contains(buf.String(), "- (base 0)"))
	}
}

// TestNoBaselineIsNeverDrift: a metric the baseline does not hold (a share
// of no calls, an idle curve of a run that was not one) is "no baseline",
// never DRIFT, whatever tonight's value; a judged metric of the registry
// drifts only on its own values.
func TestNoBaselineIsNeverDrift(t *testing.T) {
	var base, got summary.Summary
	got.Requests.OK, got.Instances.ColdStarts = 100, 5
	half := 7.0
	got.Sections = map[string]summary.Section{schedule.KindIdle: &summary.IdleSummary{HalfSurvivalMinutes: &half}}
	cs := Compare(base, got, []Metric{MetricColdShare, MetricIdleHalfSurvival, metricProactiveShare})
	for _, c := range cs {
		assert.Check(t, c.NoBase && c.OK, "%+v", c)
		_, verdict := c.toleranceText()
		assert.Check(t, verdict == "no baseline" || verdict == "not judged", "%s: %s", c.Metric, verdict)
	}
	// With a tolerance, a metric the baseline lacks still is no drift.
	judgedShare := MetricColdShare
	judgedShare.Tolerance = 0.1
	c := Compare(base, got, []Metric{judgedShare})[0]
	assert.Check(t, c.NoBase && c.OK, "%+v", c)
	_, verdict := c.toleranceText()
	assert.Check(t, is.Equal(verdict, "no baseline"))
	base.Requests.OK, base.Instances.ColdStarts = 100, 50
	assert.Check(t, !Compare(base, got, []Metric{judgedShare})[0].OK, "a share that fell tenfold drifts")
}

// TestJudgeShowsButDoesNotJudgeAnotherPlan: the one baseline rule: a
// baseline of another plan is compared, shown, and never drifts.
func TestJudgeShowsButDoesNotJudgeAnotherPlan(t *testing.T) {
	base := summary.Summary{Plan: schedule.SeedSchedule().Plan()}
	base.Instances.Count = 72
	got := summary.Summary{Plan: schedule.Plan{Calls: 36_000, RatePerSec: 10, HandlerMS: 500}}
	got.Instances.Count = 7
	cs, note := Judge(base, got, JudgedMetrics())
	assert.Check(t, is.Contains(note, "the plans differ"))
	assert.Check(t, !Drifted(cs))
	var sb strings.Builder
	assert.NilError(t, WriteComparison(&sb, cs))
	assert.Check(t, !strings.Contains(sb.String(), "DRIFT"))
	got.Plan = base.Plan
	cs, note = Judge(base, got, JudgedMetrics())
	assert.Check(t, is.Equal(note, ""))
	assert.Check(t, Drifted(cs), "72 to 7 instances on one plan drifts")
}
