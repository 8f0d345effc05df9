// Package runner calls a target on an open-loop schedule and turns every
// scheduled call into exactly one record.
//
// Call i is due at a fixed time, t0 + the schedule's Due(i) on the monotonic clock, from
// one scheduler: never paced by completions, never a catch-up burst. Calls
// in flight are bounded; a slot that finds the bound reached, or that the
// scheduler reaches more than MaxLateness after its due time (a GC pause, a
// suspended laptop), is recorded as skipped instead of sent late. Records go
// through one writer goroutine to a Sink, synced at least every SyncEvery.
package runner

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
)

// Documented defaults of Options.
const (
	DefaultTimeout       = 30 * time.Second
	DefaultMaxInFlight   = 1024
	defaultMaxLateness   = time.Second
	defaultSyncEvery     = time.Second
	defaultProgressEvery = time.Minute
)

// Caller makes one call. The runner has set rec's Seq, Scheduled and Sent;
// Call sets Status and, as it learns them, the environment's fields or the
// error class and a short, secret-free message. It must return when ctx is
// done. The runner sets Done, and turns a call cut off by its timeout or by
// cancellation into a timeout or cancelled record.
type Caller interface {
	Call(ctx context.Context, rec *record.Record)
}

// Sink receives records from one goroutine.
type Sink interface {
	Append(*record.Record) error
	Sync() error
}

// Progress is a snapshot of a run, for progress lines.
type Progress struct {
	// Done is the number of records written this run; Total the number the
	// run schedules (the schedule less what a resumed log already held).
	Done, Total int64
	// Elapsed is the time since the run started.
	Elapsed time.Duration
	// ByStatus counts this run's records by status.
	ByStatus map[record.Status]int64
	// ByClass counts this run's failures by error class.
	ByClass map[record.ErrorClass]int64
}

// Rate is the achieved record rate, per second.
func (p Progress) Rate() float64 {
	if p.Elapsed <= 0 {
		return 0
	}
	return float64(p.Done) / p.Elapsed.Seconds()
}

// Options configures a run. The zero value of each field is its default.
type Options struct {
	// Timeout bounds each call (DefaultTimeout).
	Timeout time.Duration
	// MaxInFlight bounds calls in flight (DefaultMaxInFlight).
	MaxInFlight int
	// MaxLateness is how late a call may be sent; a later slot is
	// recorded as skipped (defaultMaxLateness).
	MaxLateness time.Duration
	// Grace is how long Stop waits for calls in flight before cancelling
	// them (default: Timeout, so every drained call can finish or time out).
	Grace time.Duration
	// SyncEvery is the most time between Sink.Sync calls (defaultSyncEvery).
	SyncEvery time.Duration
	// ProgressEvery is the time between Progress calls (defaultProgressEvery).
	ProgressEvery time.Duration
	// Progress, if set, is called from the writer goroutine every
	// ProgressEvery and once at the end.
	Progress func(Progress)
	// Now is the clock (time.Now); tests may pass another.
	Now func() time.Time
	// NotBefore, if set, is the earliest wall time at which the run's
	// first seq may be sent; every later seq keeps its distance from it.
	// A resume sets it so that no gap of the schedule shrinks to the
	// downtime.
	NotBefore time.Time
}

func (o Options) withDefaults() Options {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxInFlight <= 0 {
		o.MaxInFlight = DefaultMaxInFlight
	}
	if o.MaxLateness <= 0 {
		o.MaxLateness = defaultMaxLateness
	}
	if o.Grace <= 0 {
		o.Grace = o.Timeout
	}
	if o.SyncEvery <= 0 {
		o.SyncEvery = defaultSyncEvery
	}
	if o.ProgressEvery <= 0 {
		o.ProgressEvery = defaultProgressEvery
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Runner runs one schedule against one caller.
type Runner struct {
	schedule schedule.Schedule
	tenantOf func(int64) string // nil when the calls carry no tenants
	calls    int64
	caller   Caller
	sink     Sink
	opts     Options

	stopOnce sync.Once
	stop     chan struct{}
	inFlight atomic.Int64
}

// tenant is call seq's tenant, "" when the calls carry none.
func (r *Runner) tenant(seq int64) string {
	if r.tenantOf == nil {
		return ""
	}
	return r.tenantOf(seq)
}

// New returns a runner. It does nothing until Run.
func New(sched schedule.Schedule, caller Caller, sink Sink, opts Options) *Runner {
	return &Runner{schedule: sched, tenantOf: schedule.TenantOf(sched), calls: sched.Plan().Calls, caller: caller, sink: sink,
		opts: opts.withDefaults(), stop: make(chan struct{})}
}

// Stop asks a run to stop scheduling and drain: calls in flight get up to
// Grace to finish, then are cancelled. Safe to call more than once, from
// any goroutine (a signal handler, a deadline timer).
func (r *Runner) Stop() { r.stopOnce.Do(func() { close(r.stop) }) }

// Result says how a run ended.
type Result struct {
	// Scheduled is the number of slots this run scheduled (each has a record).
	Scheduled int64
	// Next is the first seq this run did not schedule: Plan.Calls when the
	// run went through, less when it was stopped (a resume goes on there).
	Next int64
	// Stopped is true when Stop or ctx ended the run early.
	Stopped bool
}

// Lost is a slot with no record from an earlier run: in flight when that
// run was killed (its outcome is unknown: a cancelled record), or, when
// Interrupted, never sent because the run stopped inside its unit (an
// interrupted record).
type Lost struct {
	Seq         int64
	Scheduled   time.Time
	Interrupted bool
}

// Run schedules seqs from `from` to the end of the schedule, first writing a
// cancelled record for each lost slot. Cancelling ctx cancels calls in
// flight at once (they are recorded as cancelled); Stop drains them first.
// Run returns when every scheduled slot has its record in the sink, and
// the sink is synced. An error from the sink aborts the run.
func (r *Runner) Run(ctx context.Context, from int64, lost []Lost) (Result, error) {
	o := r.opts
	start := o.Now()
	wall := start.UTC().Round(0) // for records; start keeps the monotonic reading
	var base time.Duration       // call from's offset; none when nothing is left to call
	if from < r.calls {
		base = r.schedule.Due(from)
	}
	if !o.NotBefore.IsZero() {
		if wait := o.NotBefore.Sub(wall); wait > 0 {
			base -= wait // every offset moves later by the wait
		}
	}

	callCtx, cancelCalls := context.WithCancel(ctx)
	defer cancelCalls()
	records := make(chan record.Record, 4096)
	var sinkErr error
	sinkFailed := make(chan struct{})
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		sinkErr = r.write(records, start, int64(len(lost))+r.calls-from)
		if sinkErr != nil {
			close(sinkFailed)
			cancelCalls()
			for range records { // let the callers finish
			}
		}
	}()

	for _, l := range lost {
		if l.Interrupted {
			records <- record.Record{Seq: l.Seq, Scheduled: l.Scheduled, Tenant: r.tenant(l.Seq), Status: record.StatusInterrupted,
				Error: "not sent: the earlier run stopped inside this call's trial or burst, and sending it now would change the gap it measures"}
			continue
		}
		records <- record.Record{Seq: l.Seq, Scheduled: l.Scheduled, Tenant: r.tenant(l.Seq), Status: record.StatusCancelled,
			Error: "no record: the earlier run ended while this call was in flight"}
	}

	// Calls run on workers, reused from call to call (their stacks are
	// already grown): a slot goes to an idle worker, else to a new one while
	// fewer than MaxInFlight exist, else it is skipped.
	var wg sync.WaitGroup
	jobs := make(chan record.Record) // unbuffered: a send succeeds only to an idle worker
	workers := 0
	work := func(rec record.Record) {
		defer wg.Done()
		for {
			r.call(callCtx, &rec, wall, start)
			records <- rec
			r.inFlight.Add(-1)
			var ok bool
			if rec, ok = <-jobs; !ok {
				return
			}
		}
	}
	// halt closes at the first reason to stop scheduling: Stop, ctx, or a
	// failed sink.
	halt := make(chan struct{})
	scheduled := make(chan struct{})
	go func() {
		select {
		case <-r.stop:
		case <-ctx.Done():
		case <-sinkFailed:
		case <-scheduled:
		}
		close(halt)
	}()
	res := Result{Next: from}
	// Each sent call is numbered in sending order within this run (the
	// segment's start names it); a skipped call gets no number, so a served
	// pool waiting for the next number never waits for one that is not
	// coming.
	runID := strconv.FormatInt(wall.UnixNano(), 36) + "/"
	var sent int64
	var schedErr error // the schedule's file failed: stop, drain, say so
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
schedule:
	for seq := from; seq < r.calls; seq++ {
		offset := r.schedule.Due(seq) - base
		if f, ok := schedule.FailingOf(r.schedule); ok && f.Err() != nil {
			schedErr = f.Err()
			break schedule
		}
		if wait := offset - o.Now().Sub(start); wait > 0 {
			timer.Reset(wait)
			select {
			case <-timer.C:
			case <-halt:
				break schedule
			}
		} else {
			select {
			case <-halt:
				break schedule
			default:
			}
		}
		res.Scheduled++
		res.Next = seq + 1
		rec := record.Record{Seq: seq, Scheduled: wall.Add(offset), Tenant: r.tenant(seq)}
		if late := o.Now().Sub(start) - offset; late > o.MaxLateness {
			rec.Status = record.StatusSkipped
			rec.Error = fmt.Sprintf("overdue by %v when the scheduler reached it (more than %v): not sent", late.Round(time.Millisecond), o.MaxLateness)
			records <- rec
			continue
		}
		rec.Sent = wall.Add(o.Now().Sub(start))
		rec.Order = runID + strconv.FormatInt(sent, 10)
		r.inFlight.Add(1)
		select {
		case jobs <- rec:
			sent++
			continue
		default:
		}
		if workers < o.MaxInFlight {
			workers++
			wg.Add(1)
			sent++
			go work(rec)
			continue
		}
		r.inFlight.Add(-1)
		rec.Sent, rec.Order = time.Time{}, ""
		rec.Status = record.StatusSkipped
		rec.Error = fmt.Sprintf("%d calls in flight, the bound: not sent", o.MaxInFlight)
		records <- rec
	}
	close(scheduled)
	close(jobs)
	select {
	case <-sinkFailed:
	default:
		res.Stopped = res.Next < r.calls
	}

	// Drain: wait for calls in flight, up to Grace when stopped early.
	drained := make(chan struct{})
	go func() { wg.Wait(); close(drained) }()
	if res.Stopped {
		grace := time.NewTimer(o.Grace)
		select {
		case <-drained:
		case <-grace.C:
			cancelCalls()
		case <-ctx.Done():
		}
		grace.Stop()
	}
	<-drained
	close(records)
	<-writerDone
	if sinkErr != nil {
		return res, fmt.Errorf("run: %w", sinkErr)
	}
	if schedErr != nil {
		return res, fmt.Errorf("run: %w: %w", ErrScheduleFailed, schedErr)
	}
	return res, nil
}

// ErrScheduleFailed is returned when the schedule's file failed during the
// run (schedule.Failing): the calls sent were drained and recorded, the rest
// were not scheduled.
var ErrScheduleFailed = errors.New("the schedule failed")

func (r *Runner) call(ctx context.Context, rec *record.Record, wall, start time.Time) {
	cctx, cancel := context.WithTimeout(ctx, r.opts.Timeout)
	defer cancel()
	r.caller.Call(cctx, rec)
	rec.Done = wall.Add(r.opts.Now().Sub(start))
	switch {
	case rec.Status == record.StatusOK:
	case ctx.Err() != nil:
		rec.Status, rec.ErrorClass = record.StatusCancelled, ""
		rec.Error = "cancelled: the run was cancelled while this call was in flight"
	case errors.Is(cctx.Err(), context.DeadlineExceeded):
		rec.Status, rec.ErrorClass = record.StatusTimeout, record.ClassTimeout
		rec.Error = fmt.Sprintf("no answer within %v", r.opts.Timeout)
	case rec.Status == "":
		rec.Status, rec.ErrorClass = record.StatusError, record.ClassBadBody
		rec.Error = "the caller set no status"
	}
}

// write is the one writer: it appends every record, syncs every SyncEvery
// and reports progress every ProgressEvery.
func (r *Runner) write(records <-chan record.Record, start time.Time, total int64) error {
	o := r.opts
	sync := time.NewTicker(o.SyncEvery)
	defer sync.Stop()
	progress := time.NewTicker(o.ProgressEvery)
	defer progress.Stop()
	p := Progress{Total: total, ByStatus: map[record.Status]int64{}, ByClass: map[record.ErrorClass]int64{}}
	report := func() {
		if o.Progress != nil {
			p.Elapsed = o.Now().Sub(start)
			o.Progress(p)
		}
	}
	dirty := false
	for {
		select {
		case rec, ok := <-records:
			if !ok {
				report()
				return r.sink.Sync()
			}
			if err := r.sink.Append(&rec); err != nil {
				return err
			}
			dirty = true
			p.Done++
			p.ByStatus[rec.Status]++
			if rec.ErrorClass != "" {
				p.ByClass[rec.ErrorClass]++
			}
		case <-sync.C:
			if dirty {
				if err := r.sink.Sync(); err != nil {
					return err
				}
				dirty = false
			}
		case <-progress.C:
			report()
		}
	}
}
