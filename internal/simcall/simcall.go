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
	// MemorySizeMB is the function's memory size when the model runs
	// memory (a profile's memory part); 0 otherwise.
	MemorySizeMB int
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
	// MemoryMB is its runtime generation's memory by the call's end (as
	// Lambda's Max Memory Used reports it), when the model runs memory; 0
	// otherwise.
	MemoryMB float64
	// Fate is whether it carries a memory reading and how it failed in
	// its environment: FatePlain when the model runs neither memory nor
	// timeouts, so a reader of calls asks one question of each.
	Fate Fate
}

// Fate is what a served call adds to its service: a memory reading, a
// failure in its environment (which resets it).
type Fate uint8

// The fates.
const (
	FatePlain       Fate = iota // served; no memory reading
	FateMeasured                // served, with a memory reading (MemoryMB)
	FateOutOfMemory             // failed: it would take memory past the memory size
	FateTimeout                 // failed: it ran past the function's timeout
)

// Failed reports a call its environment failed.
func (f Fate) Failed() bool { return f >= FateOutOfMemory }

// ErrorType is the error type Lambda names f by; "" unless it failed.
func (f Fate) ErrorType() string {
	switch f {
	case FateOutOfMemory:
		return record.ErrorOutOfMemory
	case FateTimeout:
		return record.ErrorTimedout
	}
	return ""
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
		rec.ErrorType, rec.MemoryUsedMB, rec.MemorySizeMB = "", 0, 0
		return
	}
	rec.Status, rec.ErrorClass, rec.Error, rec.ErrorType = record.StatusOK, "", "", ""
	if c.Fate.Failed() {
		rec.ErrorType = c.Fate.ErrorType()
		rec.Status, rec.ErrorClass, rec.Error = record.StatusError, record.ClassFunctionError, "function error: "+rec.ErrorType
	}
	rec.MemoryUsedMB, rec.MemorySizeMB = c.MemoryMB, c.Env.MemorySizeMB
	rec.InstanceID, rec.Invocation, rec.LogStream = c.Env.InstanceID, c.Invocation, c.Env.LogStream
	rec.InitAt, rec.InitType = WallTime(c.Env.InitAt), c.Env.InitType
	rec.InFlight, rec.MaxConcurrency = c.InFlight, c.MaxConc
}
