// Package simcall is one simulated call as the simulator (lambdasim) hands
// it over: in model time, before it is a record. A run's records are made
// from it (Record); a Summarizer that nothing else stands beside reads it
// as it is (summary.Summarizer.AddCalls), which is the same analysis
// without the wall times and strings a record carries. It is internal:
// record.Record is the one form callers see.
package simcall

import (
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
)

// Epoch is model time zero, written into records as a UTC wall time: the
// 2021 experiment's year, so simulated records read as from that world.
var Epoch = time.Date(2021, time.January, 1, 0, 0, 0, 0, time.UTC)

// epochUnix is Epoch in Unix seconds, and EpochNS in Unix nanoseconds.
var (
	epochUnix = Epoch.Unix()
	EpochNS   = Epoch.UnixNano()
)

// WallTime is Epoch.Add(d), the same value built directly: a record's
// three times cost a third of what Time.Add's general case does.
func WallTime(d time.Duration) time.Time {
	return time.Unix(epochUnix+int64(d/time.Second), int64(d%time.Second)).UTC()
}

// Env is what a call's record says of its environment, the same for each
// of its calls.
type Env struct {
	InstanceID, LogStream string
	InitAt                time.Duration
	InitType              record.InitType
	// Seen is for the calls' one reader (a Summarizer) to keep its own
	// note of the environment; the model sets the rest once and never
	// reads it.
	Seen any
}

// Call is what the model says of one call, in model time.
type Call struct {
	Seq               int64
	Sent, Done        time.Duration
	Invocation        int64
	Env               *Env // nil when throttled
	Tenant            string
	InFlight, MaxConc int // on Managed Instances: calls in flight in the environment at the start, its capacity (the same for each of its calls)
}

// Served reports a call an environment served (not throttled).
func (c *Call) Served() bool { return c.Env != nil }

// ThrottledError is a throttled call's record's error.
const ThrottledError = "429 TooManyRequestsException"

// Record fills rec from c: every field a simulated record carries, so rec
// may be reused from call to call.
func (c *Call) Record(rec *record.Record) {
	at := WallTime(c.Sent)
	rec.Seq, rec.Scheduled, rec.Sent, rec.Done = c.Seq, at, at, WallTime(c.Done)
	rec.Tenant = c.Tenant
	if c.Env == nil {
		rec.Status, rec.ErrorClass, rec.Error = record.StatusThrottled, record.ClassThrottled, ThrottledError
		rec.InstanceID, rec.Invocation, rec.LogStream, rec.InitAt, rec.InitType = "", 0, "", time.Time{}, ""
		rec.InFlight, rec.MaxConcurrency = 0, 0
		return
	}
	rec.Status, rec.ErrorClass, rec.Error = record.StatusOK, "", ""
	rec.InstanceID, rec.Invocation, rec.LogStream = c.Env.InstanceID, c.Invocation, c.Env.LogStream
	rec.InitAt, rec.InitType = WallTime(c.Env.InitAt), c.Env.InitType
	rec.InFlight, rec.MaxConcurrency = c.InFlight, c.MaxConc
}
