package metric

import (
	"strings"
	"testing"

	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary/summarytest"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// TestTableShowsMemoryWhereRecordsCarryIt: the results table gains the
// memory rows when the summary has a memory part, the growth in KB so a
// small leak keeps its digits, a figure the part lacks as "-"; a summary
// without one shows none of them.
func TestTableShowsMemoryWhereRecordsCarryIt(t *testing.T) {
	sum := summarytest.Summarize(summarytest.HandMade())
	var plain strings.Builder
	assert.NilError(t, WriteTable(&plain, sum))
	assert.Check(t, !strings.Contains(plain.String(), "memory"), plain.String())

	share := 0.38
	sum.Memory = &summary.Memory{SizeMB: 512, Environments: 3, Generations: 4, Measured: 4, Growing: 4,
		GrowthMBPerCall: &summary.MemorySpread{Median: 0.1, P10: 0.09, P90: 0.0123 * 10}, StartMB: &summary.MemorySpread{Median: 80},
		CallsToLimit: &summary.CallsToLimit{Median: 4320, Min: 3900}, ReachLimitShare: &share, OutOfMemory: 24}
	var b strings.Builder
	assert.NilError(t, WriteTable(&b, sum))
	for _, row := range []string{"memory: size, MB", "512", "growth per call, KB: median / p90", "102.4 / 126.0", "calls to the limit: median / min", "4320 / 3900",
		"reach the limit before the end, %", "38.0", "out-of-memory failures", "24"} {
		assert.Check(t, is.Contains(b.String(), row))
	}
	sum.Memory = &summary.Memory{Environments: 1, Generations: 1}
	b.Reset()
	assert.NilError(t, WriteTable(&b, sum))
	assert.Check(t, is.Contains(b.String(), "memory: size, MB"))
	for _, line := range strings.Split(b.String(), "\n") {
		if strings.Contains(line, "growth per call") || strings.Contains(line, "memory: size") {
			assert.Check(t, strings.HasSuffix(strings.TrimSpace(line), "-"), "a figure the part lacks: %q", line)
		}
	}
}
