package reuse

import (
	"bytes"
	"strings"
	"testing"

	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

func TestCompareWithinTolerance(t *testing.T) {
	base := summarize(handMade())
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
