package summary_test

import (
	"testing"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// TestProactiveStartsDuringGapsCountEnvironments: an environment counts as
// started during a gap once, whatever number of probe calls it serves and
// in however many trials, and only when it was initialised after its
// trial's warm phase: three trials whose probe calls meet c (started in
// the first gap), c again and d (started in the second), then d twice
// count 2 environments, not 5 probe calls.
func TestProactiveStartsDuringGapsCountEnvironments(t *testing.T) {
	s, err := schedule.NewIdle(2, []time.Duration{5 * time.Minute}, 3, 500, 1, 0)
	assert.NilError(t, err)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(seq int64) time.Time { return t0.Add(s.Due(seq)) }
	// inGap is a time in trial k's gap, two minutes before its probe.
	inGap := func(k int64) time.Time { return at(k*4 + 2).Add(-2 * time.Minute) }
	servedBy := []struct {
		id     string
		initAt time.Time
	}{
		{"a", t0.Add(-time.Hour)}, {"b", t0.Add(-time.Hour)}, {"a", t0.Add(-time.Hour)}, {"c", inGap(0)},
		{"a", t0.Add(-time.Hour)}, {"b", t0.Add(-time.Hour)}, {"c", inGap(0)}, {"d", inGap(1)},
		{"a", t0.Add(-time.Hour)}, {"b", t0.Add(-time.Hour)}, {"d", inGap(1)}, {"d", inGap(1)},
	}
	sum := summary.NewSummarizer(s, "hand-made", nil)
	invocations := map[string]int64{}
	for seq, e := range servedBy {
		invocations[e.id]++
		sent := at(int64(seq))
		sum.Add(&record.Record{Seq: int64(seq), Scheduled: sent, Sent: sent, Done: sent.Add(600 * time.Millisecond), Status: record.StatusOK,
			InstanceID: e.id, Invocation: invocations[e.id], InitAt: e.initAt})
	}
	got := sum.Summary()
	idle := got.Idle()
	assert.Assert(t, idle != nil)
	assert.Check(t, is.Equal(idle.ProactiveDuringGaps, int64(2)))
	assert.Check(t, idle.ProactiveDuringGaps <= int64(got.Instances.Count))
}
