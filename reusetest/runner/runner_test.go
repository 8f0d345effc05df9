package runner

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// memSink keeps records in memory, checking each seq arrives once.
type memSink struct {
	mu      sync.Mutex
	records map[int64]record.Record
	dupes   int
	syncs   int
	failAt  int // Append fails on this record number (1-based); 0 never
}

func newSink() *memSink { return &memSink{records: map[int64]record.Record{}} }

func (s *memSink) Append(r *record.Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failAt > 0 && len(s.records)+1 == s.failAt {
		return errors.New("disk full")
	}
	if _, ok := s.records[r.Seq]; ok {
		s.dupes++
	}
	s.records[r.Seq] = *r
	return nil
}

func (s *memSink) Sync() error { s.mu.Lock(); s.syncs++; s.mu.Unlock(); return nil }

func (s *memSink) byStatus() map[record.Status]int {
	out := map[record.Status]int{}
	for _, r := range s.records {
		out[r.Status]++
	}
	return out
}

// sleeper answers after d, or gives up when ctx is done.
type sleeper struct {
	d        time.Duration
	inFlight atomic.Int64
	maxSeen  atomic.Int64
}

func (c *sleeper) Call(ctx context.Context, rec *record.Record) {
	n := c.inFlight.Add(1)
	defer c.inFlight.Add(-1)
	for {
		m := c.maxSeen.Load()
		if n <= m || c.maxSeen.CompareAndSwap(m, n) {
			break
		}
	}
	select {
	case <-time.After(c.d):
		rec.Status, rec.InstanceID = record.StatusOK, "env"
	case <-ctx.Done():
	}
}

var plan100 = schedule.Steady{Calls: 100, RatePerSec: 10, HandlerMS: 500}

func TestOpenLoopSendsOnSchedule(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sink := newSink()
		// Calls take 2 s, far longer than the 100 ms between them: an open
		// loop keeps sending on time regardless.
		res, err := New(plan100, &sleeper{d: 2 * time.Second}, sink, Options{}).Run(t.Context(), 0, nil)
		assert.NilError(t, err)
		assert.Check(t, is.DeepEqual(res, Result{Scheduled: 100, Next: 100}))
		assert.Check(t, is.Len(sink.records, 100))
		assert.Check(t, is.Equal(sink.dupes, 0))
		start := sink.records[0].Scheduled
		for seq, r := range sink.records {
			assert.Check(t, is.Equal(r.Status, record.StatusOK))
			assert.Check(t, r.Scheduled.Equal(start.Add(time.Duration(seq)*100*time.Millisecond)), "seq %d", seq)
			assert.Check(t, r.Sent.Equal(r.Scheduled), "seq %d sent late: %v", seq, r.Sent.Sub(r.Scheduled))
			assert.Check(t, is.Equal(r.Done.Sub(r.Sent), 2*time.Second))
		}
	})
}

// TestResumesAnyScheduleFromAnySeq runs the second half of a Poisson
// schedule, as a resumed run would: each call is sent at its own due time,
// measured from the first call this run schedules.
func TestResumesAnyScheduleFromAnySeq(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sched := schedule.NewPoisson(plan100.Plan(), 3)
		sink := newSink()
		start := time.Now()
		res, err := New(sched, &sleeper{d: time.Second}, sink, Options{}).Run(t.Context(), 50, nil)
		assert.NilError(t, err)
		assert.Check(t, is.DeepEqual(res, Result{Scheduled: 50, Next: 100}))
		assert.Check(t, is.Len(sink.records, 50))
		for seq, r := range sink.records {
			want := start.UTC().Add(sched.Due(seq) - sched.Due(50))
			assert.Check(t, r.Scheduled.Equal(want), "seq %d due %v, want %v", seq, r.Scheduled, want)
			assert.Check(t, r.Sent.Equal(r.Scheduled), "seq %d sent late", seq)
		}
	})
}

func TestInFlightBoundSkipsInsteadOfBlocking(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sink := newSink()
		c := &sleeper{d: time.Second} // 10/s x 1 s needs 10 in flight
		_, err := New(plan100, c, sink, Options{MaxInFlight: 4}).Run(t.Context(), 0, nil)
		assert.NilError(t, err)
		assert.Check(t, is.Len(sink.records, 100), "every slot has a record")
		assert.Check(t, c.maxSeen.Load() <= 4)
		st := sink.byStatus()
		assert.Check(t, st[record.StatusSkipped] > 0 && st[record.StatusOK] > 0, "%v", st)
		for _, r := range sink.records {
			if r.Status == record.StatusSkipped {
				assert.Check(t, r.Sent.IsZero() && is.Contains(r.Error, "4 calls in flight")().Success())
			} else {
				assert.Check(t, r.Sent.Equal(r.Scheduled), "sent calls stay on schedule")
			}
		}
	})
}

func TestTimeoutRecordsTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sink := newSink()
		plan := schedule.Steady{Calls: 5, RatePerSec: 10}
		_, err := New(plan, &sleeper{d: time.Hour}, sink, Options{Timeout: 3 * time.Second}).Run(t.Context(), 0, nil)
		assert.NilError(t, err)
		for _, r := range sink.records {
			assert.Check(t, is.Equal(r.Status, record.StatusTimeout))
			assert.Check(t, is.Equal(r.ErrorClass, record.ClassTimeout))
			assert.Check(t, is.Equal(r.Done.Sub(r.Sent), 3*time.Second))
		}
	})
}

func TestOverdueSlotsAreSkippedNotBurst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// The clock jumps 10 s (a suspended laptop) while slot 20 is
		// awaited: slots more than MaxLateness overdue are recorded as
		// skipped, not sent in a burst.
		var jump atomic.Int64
		now := func() time.Time { return time.Now().Add(time.Duration(jump.Load())) }
		sink := newSink()
		caller := callerFunc(func(ctx context.Context, rec *record.Record) {
			if rec.Seq == 19 {
				jump.Store(int64(10 * time.Second))
			}
			rec.Status = record.StatusOK
		})
		plan := schedule.Steady{Calls: 200, RatePerSec: 10}
		_, err := New(plan, caller, sink, Options{Now: now}).Run(t.Context(), 0, nil)
		assert.NilError(t, err)
		assert.Check(t, is.Len(sink.records, 200))
		// The jump lands while the scheduler waits for slot 20, which fires
		// when the clock reads 2.0 + 10 = 12.0 s: slots due before 11.0 s
		// (seq 20..109) are more than 1 s overdue and skipped; seq 110 on
		// is sent, on the new clock's schedule.
		for seq := int64(0); seq < 200; seq++ {
			r := sink.records[seq]
			want := record.StatusOK
			if seq >= 20 && seq <= 109 {
				want = record.StatusSkipped
				assert.Check(t, is.Contains(r.Error, "overdue by"))
			}
			assert.Check(t, is.Equal(r.Status, want), "seq %d", seq)
		}
	})
}

type callerFunc func(context.Context, *record.Record)

func (f callerFunc) Call(ctx context.Context, rec *record.Record) { f(ctx, rec) }

func TestStopDrainsThenCancels(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sink := newSink()
		r := New(plan100, &sleeper{d: 500 * time.Millisecond}, sink, Options{})
		time.AfterFunc(2050*time.Millisecond, r.Stop)
		res, err := r.Run(t.Context(), 0, nil)
		assert.NilError(t, err)
		assert.Check(t, res.Stopped)
		assert.Check(t, is.Equal(res.Scheduled, int64(21)), "slots 0..20 were due by 2.05 s")
		assert.Check(t, is.Equal(res.Next, int64(21)))
		assert.Check(t, is.Len(sink.records, 21))
		assert.Check(t, is.Equal(sink.byStatus()[record.StatusOK], 21), "drained calls finished")

		// With a grace shorter than the calls, the rest are cancelled.
		sink = newSink()
		r = New(plan100, &sleeper{d: time.Hour}, sink, Options{Grace: time.Second})
		time.AfterFunc(1050*time.Millisecond, r.Stop)
		_, err = r.Run(t.Context(), 0, nil)
		assert.NilError(t, err)
		assert.Check(t, is.Len(sink.records, 11))
		assert.Check(t, is.Equal(sink.byStatus()[record.StatusCancelled], 11))
	})
}

func TestCancelCancelsCallsInFlight(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sink := newSink()
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(550*time.Millisecond, cancel)
		res, err := New(plan100, &sleeper{d: time.Hour}, sink, Options{}).Run(ctx, 0, nil)
		assert.NilError(t, err)
		assert.Check(t, res.Stopped)
		assert.Check(t, is.Len(sink.records, 6))
		assert.Check(t, is.Equal(sink.byStatus()[record.StatusCancelled], 6))
	})
}

func TestResumeRecordsLostSlotsAndGoesOn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sink := newSink()
		lost := []Lost{{Seq: 7, Scheduled: time.Unix(0, 0)}, {Seq: 9, Scheduled: time.Unix(1, 0)}}
		res, err := New(plan100, &sleeper{d: 10 * time.Millisecond}, sink, Options{}).Run(t.Context(), 90, lost)
		assert.NilError(t, err)
		assert.Check(t, is.Equal(res.Scheduled, int64(10)))
		assert.Check(t, is.Len(sink.records, 12))
		assert.Check(t, is.Equal(sink.records[7].Status, record.StatusCancelled))
		assert.Check(t, is.Contains(sink.records[9].Error, "earlier run ended"))
		// The resumed schedule starts now: slot 90 is not overdue.
		assert.Check(t, is.Equal(sink.records[90].Status, record.StatusOK))
	})
}

// TestResumeAfterTheLastUnitCallsNothing: a resume whose lost slots run
// to the schedule's end (the stop cut its last unit) records them and
// calls nothing, never asking the schedule for a call past its end.
func TestResumeAfterTheLastUnitCallsNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		idle, err := schedule.NewIdle(3, []time.Duration{time.Second}, 1, 100, 1, time.Second)
		assert.NilError(t, err)
		calls := idle.Plan().Calls
		lost := []Lost{{Seq: calls - 2, Scheduled: time.Unix(0, 0), Interrupted: true}, {Seq: calls - 1, Scheduled: time.Unix(0, 0), Interrupted: true}}
		sink := newSink()
		res, err := New(idle, &sleeper{d: time.Second}, sink, Options{NotBefore: time.Now().Add(time.Second)}).Run(t.Context(), calls, lost)
		assert.NilError(t, err)
		assert.Check(t, is.DeepEqual(res, Result{Next: calls}))
		assert.Check(t, is.Len(sink.records, 2))
		assert.Check(t, is.Equal(sink.records[calls-1].Status, record.StatusInterrupted))
	})
}

func TestSinkFailureAbortsTheRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sink := newSink()
		sink.failAt = 5
		_, err := New(plan100, &sleeper{d: time.Millisecond}, sink, Options{}).Run(t.Context(), 0, nil)
		assert.Check(t, is.ErrorContains(err, "disk full"))
	})
}

func TestSyncsAtLeastEverySecond(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sink := newSink()
		_, err := New(plan100, &sleeper{d: time.Millisecond}, sink, Options{}).Run(t.Context(), 0, nil)
		assert.NilError(t, err)
		// 10 s of records: a sync each second, and one at the end.
		assert.Check(t, sink.syncs >= 10, "syncs %d", sink.syncs)
	})
}
