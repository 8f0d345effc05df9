package summary

import (
	"testing"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// TestAGapThatNeverFillsHoldsBoundedRecords: records past a seq the log
// lacks are held at most maxPending at a time; every record still counts,
// and a late one past the gap is counted too.
func TestAGapThatNeverFillsHoldsBoundedRecords(t *testing.T) {
	plan := schedule.Steady{Calls: 300_000, RatePerSec: 10, HandlerMS: 100}
	s := NewSummarizer(plan, "test", nil)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	add := func(seq int64) {
		at := t0.Add(plan.Due(seq))
		s.Add(&record.Record{Seq: seq, Scheduled: at, Sent: at, Done: at.Add(100 * time.Millisecond), Status: record.StatusOK, InstanceID: "a", Invocation: seq + 1})
	}
	for seq := int64(1); seq < plan.Calls; seq++ {
		add(seq)
		assert.Assert(t, s.pending.Len() <= maxPending, "seq %d: %d held", seq, s.pending.Len())
	}
	add(0) // the gap fills, late
	sum := s.Summary()
	assert.Check(t, is.Equal(sum.Requests.Total, plan.Calls))
	assert.Check(t, is.Equal(sum.Concurrency.Max, 1))
}
