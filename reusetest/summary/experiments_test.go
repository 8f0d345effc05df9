package summary_test

import (
	"testing"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary/summarytest"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

func TestBurstSection(t *testing.T) {
	b := schedule.Burst{Size: 3, Rounds: 2, Pause: time.Minute, HandlerMS: 100}
	assert.NilError(t, b.Validate())
	assert.Check(t, is.Equal(b.Due(2), time.Duration(0)))
	assert.Check(t, is.Equal(b.Due(3), time.Minute))
	back, err := schedule.FromSpec(b.Spec())
	assert.NilError(t, err)
	assert.Check(t, is.Equal(back, schedule.Schedule(b)))

	call := func(seq int64, sentMS, doneMS int, id string, inv int64) record.Record {
		sent := summarytest.At(b.Due(seq) + time.Duration(sentMS)*time.Millisecond)
		return record.Record{Seq: seq, Scheduled: summarytest.At(b.Due(seq)), Sent: sent, Done: sent.Add(time.Duration(doneMS) * time.Millisecond),
			Status: record.StatusOK, InstanceID: id, Invocation: inv}
	}
	recs := []record.Record{
		call(0, 0, 400, "a", 1), call(1, 1, 420, "b", 1), call(2, 3, 380, "c", 1),
		call(3, 0, 120, "a", 2), call(4, 2, 110, "b", 2),
		{Seq: 5, Scheduled: summarytest.At(time.Minute), Sent: summarytest.At(time.Minute), Done: summarytest.At(time.Minute + time.Millisecond),
			Status: record.StatusThrottled, ErrorClass: record.ClassThrottled},
	}
	s := summary.NewSummarizer(b, "test", nil)
	for i := len(recs) - 1; i >= 0; i-- { // any order
		s.Add(&recs[i])
	}
	sum := s.Summary()
	assert.Assert(t, sum.Burst() != nil)
	assert.Check(t, is.DeepEqual(sum.Burst().Bursts, []summary.BurstRound{
		{Calls: 3, Served: 3, Cold: 3, NewEnvironments: 3, SendSpreadMS: 3},
		{Calls: 3, Served: 2, NewEnvironments: 0, Throttled: 1, SendSpreadMS: 2},
	}))
	assert.Check(t, is.DeepEqual(sum.Burst().ColdLatencyMS, summary.LatencyDist{Count: 3, P50: 400, P90: 416, P99: 419.6, Max: 420}))
	assert.Check(t, is.Equal(sum.Burst().WarmLatencyMS.Count, int64(2)))
	assert.Check(t, is.Equal(sum.Burst().SendSpreadMS, 3.0))
	assert.Check(t, is.Equal(sum.Schedule.Kind, schedule.KindBurst), "the summary says what ran")

	for _, bad := range []schedule.Burst{{Size: 0, Rounds: 0, Pause: 0}, {Size: schedule.MaxBurstSize + 1, Rounds: 1, Pause: time.Second, HandlerMS: -1}} {
		err := bad.Validate()
		assert.Check(t, is.ErrorContains(err, "burst size must be from 1"))
	}
	err = schedule.Burst{Size: 1, Rounds: 0, Pause: 10 * time.Millisecond}.Validate()
	assert.Check(t, is.ErrorContains(err, "bursts must be from 1 to"))
	assert.Check(t, is.ErrorContains(err, "from 1s to"))
}

func TestIdleSection(t *testing.T) {
	s, err := schedule.NewIdle(2, []time.Duration{time.Minute, 10 * time.Minute}, 1, 500, 1, 0)
	assert.NilError(t, err)
	sum := summary.NewSummarizer(s, "test", nil)
	serve := func(seq int64, id string) {
		due := summarytest.At(s.Due(seq))
		sum.Add(&record.Record{Seq: seq, Scheduled: due, Sent: due, Done: due.Add(time.Second), Status: record.StatusOK, InstanceID: id, Invocation: 1})
	}
	for k := range s.Trials() {
		_, _, gap := s.Trial(4 * k)
		serve(4*k, "a")
		serve(4*k+1, "b")
		if gap == time.Minute { // both survive one minute
			serve(4*k+2, "b")
			serve(4*k+3, "a")
		} else { // neither survives ten
			serve(4*k+2, "c")
			serve(4*k+3, "d")
		}
	}
	got := sum.Summary().Idle()
	assert.Assert(t, got != nil)
	assert.Check(t, is.Len(got.Points, 2))
	assert.Check(t, is.Equal(got.Points[0].GapMinutes, 1.0))
	assert.Check(t, is.Equal(got.Points[0].P, 1.0))
	assert.Check(t, is.Equal(got.Points[1].P, 0.0))
	assert.Check(t, is.Equal(got.Points[1].Samples, int64(2)))
	assert.Assert(t, got.HalfSurvivalMinutes != nil)
	assert.Check(t, is.Equal(*got.HalfSurvivalMinutes, 5.5), "halfway from 1 (all warm) to 10 (none)")
	// No environment said when it was initialised: the ages are unknown,
	// so the idle timeout is not told from age retirement, and it says so.
	assert.Check(t, is.Contains(got.IdleSurvivalNote, "reported no init time"))
	for _, pt := range got.Points {
		assert.Check(t, pt.IdleSurvival == nil, "gap %v: no guess", pt.GapMinutes)
	}
	assert.Check(t, got.IdleSurvivalHalfMinutes == nil)
}

// TestIdleSectionLeavesOutInterruptedTrials: a trial whose probe phase a
// stop left unsent (interrupted records) is counted, not read as "gone".
func TestIdleSectionLeavesOutInterruptedTrials(t *testing.T) {
	s, err := schedule.NewIdle(2, []time.Duration{time.Minute}, 2, 500, 1, 0)
	assert.NilError(t, err)
	sum := summary.NewSummarizer(s, "test", nil)
	add := func(seq int64, id string, st record.Status) {
		due := summarytest.At(s.Due(seq))
		r := &record.Record{Seq: seq, Scheduled: due, Status: st}
		if st == record.StatusOK {
			r.Sent, r.Done, r.InstanceID, r.Invocation, r.InitAt = due, due.Add(time.Second), id, 1, summarytest.At(0)
		}
		sum.Add(r)
	}
	add(0, "a", record.StatusOK)
	add(1, "b", record.StatusOK)
	add(2, "a", record.StatusOK)
	add(3, "b", record.StatusOK)
	add(4, "a", record.StatusOK)
	add(5, "b", record.StatusOK)
	add(6, "", record.StatusInterrupted)
	add(7, "", record.StatusInterrupted)
	got := sum.Summary()
	assert.Check(t, is.Equal(got.Idle().Interrupted, int64(1)))
	assert.Check(t, is.Equal(got.Idle().ExcludedTrials, int64(0)))
	assert.Check(t, is.Equal(got.Idle().Points[0].Samples, int64(2)), "only the whole trial counts")
	assert.Check(t, is.Equal(got.Idle().Points[0].P, 1.0))
	assert.Check(t, is.Equal(got.Requests.ByStatus[record.StatusInterrupted], int64(2)))
}
