// Package summarytest holds a hand-made run with known answers, for the
// tests of the summary and of what reads it (metrics, comparisons,
// tables).
package summarytest

import (
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
)

// T0 is the hand-made run's start.
var T0 = time.Date(2026, time.November, 1, 0, 0, 0, 0, time.UTC)

// At is d after T0.
func At(d time.Duration) time.Time { return T0.Add(d) }

// Served is call seq, served by environment id as its inv-th call, sent
// and answered at those offsets from T0.
func Served(seq int64, id string, inv int64, sent, done time.Duration) record.Record {
	return record.Record{Seq: seq, Scheduled: At(sent), Sent: At(sent), Done: At(done), Status: record.StatusOK, InstanceID: id, Invocation: inv}
}

// HandMade is a small run with known answers: instance "a" serves calls
// 0, 1, 3 over 0s..3m; "b" serves 2 and 5 from 1m..4m, its first call
// already its 7th (warm from before the run); call 4 fails and call 6 is
// skipped.
func HandMade() []record.Record {
	return []record.Record{
		Served(0, "a", 1, 0, 10*time.Second),
		Served(1, "a", 2, 20*time.Second, 30*time.Second),
		Served(2, "b", 7, time.Minute, time.Minute+5*time.Second),
		Served(3, "a", 3, time.Minute+2*time.Second, 3*time.Minute),
		{Seq: 4, Scheduled: At(2 * time.Minute), Sent: At(2 * time.Minute), Done: At(2*time.Minute + time.Second),
			Status: record.StatusError, ErrorClass: record.ClassHTTP5xx, Error: "502 Bad Gateway"},
		Served(5, "b", 8, 3*time.Minute+30*time.Second, 4*time.Minute),
		{Seq: 6, Scheduled: At(5 * time.Minute), Status: record.StatusSkipped},
	}
}

// Summarize is recs summarized as HandMade's plan: 7 calls at 0.1/s, a
// 500 ms handler.
func Summarize(recs []record.Record) summary.Summary {
	s := summary.NewSummarizer(schedule.Steady{Calls: 7, RatePerSec: 0.1, HandlerMS: 500}, "test", nil)
	for i := range recs {
		s.Add(&recs[i])
	}
	return s.Summary()
}
