package summary_test

import (
	"strings"
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
	assert.NilError(t, got.Check())
	idle := got.Idle()
	assert.Assert(t, idle != nil)
	assert.Check(t, is.Equal(idle.ProactiveDuringGaps, int64(2)))
	assert.Check(t, idle.ProactiveDuringGaps <= int64(got.Instances.Count))
}

// TestAGapWithNoSampleHasNoProbability: the idle table prints "-" for
// P(warm) and its interval at a gap no trial measured (n = 0), never
// 0.000, which would read as every environment gone.
func TestAGapWithNoSampleHasNoProbability(t *testing.T) {
	s := &summary.IdleSummary{Size: 2, Rounds: 1, Points: []summary.IdlePoint{
		{GapMinutes: 5, Samples: 0, Warm: 0, P: 0, Low: 0, High: 1},
		{GapMinutes: 10, Samples: 4, Warm: 2, P: 0.5, Low: 0.15, High: 0.85},
	}}
	var b strings.Builder
	assert.NilError(t, s.WriteTable(&b))
	lines := strings.Split(b.String(), "\n")
	assert.Check(t, is.DeepEqual(strings.Fields(lines[3]), []string{"5", "0", "0", "-", "-", "-"}), "%q", lines[3])
	assert.Check(t, is.DeepEqual(strings.Fields(lines[4]), []string{"10", "4", "2", "0.500", "0.150-0.850", "-"}), "%q", lines[4])
	assert.Check(t, !strings.Contains(b.String(), "0.000"))
}

// TestManagedLinesSayWhatEachCounts: on Managed Instances the table says
// the scaler's starts include the environments it began with, and counts
// the environments added and removed once the run is under way: a run
// whose scaler started 6 and added none after its first minute reads so,
// not as a contradiction.
func TestManagedLinesSayWhatEachCounts(t *testing.T) {
	m := &summary.MultiConcurrency{MaxConcurrency: 64, InFlight: summary.InFlight{Mean: 3, Max: 17}, Started: 6}
	var b strings.Builder
	assert.NilError(t, m.WriteTable(&b))
	assert.Check(t, is.Contains(b.String(), "6 environments started in the run by the scaler, those it began with included"))
	assert.Check(t, is.Contains(b.String(), "after the run's first minute 0 environments were added (first seen) and before its last 0 removed (last seen)"))
}
