package schedule

import (
	"errors"
	"fmt"
	"time"
)

// Schedule says when each call of a run is due and how long its handler
// works. The runner and the simulator both consume it. It is deterministic
// and indexable: Due and HandlerTime are functions of seq alone, so a
// resumed run goes on from any seq, and its Spec, written into the record
// log's header, lets a resume refuse a log written for another schedule.
//
// Each kind of schedule implements it and is listed in Kinds.
type Schedule interface {
	// Plan is the schedule in brief, as summaries carry it: the number of
	// calls (numbered 0 to Calls-1), the mean rate and the handler time.
	Plan() Plan
	// Due is when call seq is due, from the start of the run.
	Due(seq int64) time.Duration
	// HandlerTime is how long call seq's handler works.
	HandlerTime(seq int64) time.Duration
	// Spec describes the schedule completely.
	Spec() ScheduleSpec
	// Validate reports why the schedule cannot run, or nil.
	Validate() error
	// InModelTime is the schedule as a served pool that runs factor
	// (> 0, not 1) times real time sees it; see the function InModelTime.
	InModelTime(factor float64) (Schedule, error)
}

// Timing is one call's times: when it is due, and its handler time.
type Timing struct{ Due, Handler time.Duration }

// Batched is implemented by a schedule that gives a run of calls' times
// at once for less than asking call by call (a steady plan computes them
// in one loop): the times Due and HandlerTime give.
type Batched interface {
	// Timings sets out[i] to the times of call from+i.
	Timings(from int64, out []Timing)
}

// Timings sets out[i] to the times of call from+i, as Due and HandlerTime
// give them: in one call where s is Batched, call by call otherwise.
func Timings(s Schedule, from int64, out []Timing) {
	if b, ok := s.(Batched); ok {
		b.Timings(from, out)
		return
	}
	for i := range out {
		seq := from + int64(i)
		out[i] = Timing{s.Due(seq), s.HandlerTime(seq)}
	}
}

// Copier is implemented by a schedule that keeps state as it is read (a
// trace's reader, Poisson arrivals' walk): Copy is the same calls with
// state of their own. Sharing one is safe, but runs in parallel would each
// undo the other's place in it.
type Copier interface {
	Copy() Schedule
}

// Own is s with reading state of its own, for a run beside others of the
// same schedule: a copy where s keeps any (Copier), else s itself.
func Own(s Schedule) Schedule {
	if w, ok := s.(*withTenants); ok {
		return &withTenants{Schedule: Own(w.Schedule), pop: w.pop, seed: w.seed}
	}
	if c, ok := s.(Copier); ok {
		return c.Copy()
	}
	return s
}

// Units is implemented by a schedule whose calls come in units that
// measure a time between their own calls (an idle trial's gap, a burst's
// pause from the one before): a run stopped inside a unit never sends the
// rest of it later, which would change what it measures, and the first
// unit after a resume keeps at least its planned distance from the last
// call scheduled before the stop.
type Units interface {
	// Unit is the unit call seq belongs to: seqs first to end-1.
	Unit(seq int64) (first, end int64)
}

// Failing is implemented by a schedule read from a file as it runs (a
// trace): Err says the file failed since it was opened, and the calls it
// gave since are not the file's. The runner and the simulator check it and
// stop.
type Failing interface {
	Err() error
}

// Bunched is implemented by a schedule that makes many calls due at the
// same instant (a burst, an idle trial's phase): AtOnce is the most.
type Bunched interface {
	AtOnce() int64
}

// AtOnce is the most calls s makes due at the same instant: 1 unless it
// is Bunched.
func AtOnce(s Schedule) int64 {
	if b, ok := Unwrap(s).(Bunched); ok {
		return b.AtOnce()
	}
	return 1
}

// Varied is implemented by a schedule whose calls' handler times may
// differ (a trace whose lines carry durations): VariedHandler says they
// do, and a caller must then ask HandlerTime call by call.
type Varied interface {
	VariedHandler() bool
}

// VariedHandler reports whether s's calls' handler times differ.
func VariedHandler(s Schedule) bool {
	v, ok := Unwrap(s).(Varied)
	return ok && v.VariedHandler()
}

// Prefixer is implemented by a schedule whose first n calls are a schedule
// of the same kind (a steady plan, Poisson arrivals): a record log that
// covers only them is described by Prefix(n).
type Prefixer interface {
	Prefix(n int64) Schedule
}

// Limits on an experiment's schedule, so that neither a flag nor a log
// header sizes memory or wraps a time: the per-round and per-trial state
// of the burst and idle analyses, and every time between calls.
const (
	// MaxRounds caps a burst experiment's bursts and an idle experiment's
	// trials (rounds per gap times gaps).
	MaxRounds = 100_000
	// MaxIdleGaps caps an idle experiment's gaps.
	MaxIdleGaps = 1000
	// MaxGap caps a pause, an idle gap and a settle time: a week.
	MaxGap = 7 * 24 * time.Hour
	// MaxScheduleTime caps how long any schedule lasts, its last call's
	// due time: ten years, far inside what a duration holds, so no plan
	// or log header makes a negative or wrapped length.
	MaxScheduleTime = 10 * 365 * 24 * time.Hour
)

// checkSpan reports a schedule that would last seconds (computed in
// floating point, before any duration could wrap) past MaxScheduleTime;
// what names how, for the error.
func checkSpan(seconds float64, what string) error {
	if seconds <= MaxScheduleTime.Seconds() {
		return nil
	}
	return fmt.Errorf("%s last %.3g years: a schedule lasts at most %v (10 years)", what, seconds/MaxScheduleTime.Seconds()*10, MaxScheduleTime)
}

// errNoSchedule is returned for a nil schedule.
var errNoSchedule = errors.New("schedule: none given")

// ValidateSchedule reports why s cannot run, nil included.
func ValidateSchedule(s Schedule) error {
	if s == nil {
		return errNoSchedule
	}
	return s.Validate()
}

// InModelTime is schedule as a served pool that runs factor times real
// time sees it: every time between calls stretched by factor, handler
// times as they are (a served pool takes sleep_ms as model time). A fit or
// a prediction of a run against such a pool simulates this schedule.
func InModelTime(schedule Schedule, factor float64) (Schedule, error) {
	if factor == 1 {
		return schedule, nil
	}
	if !(factor > 0) {
		return nil, fmt.Errorf("schedule: time factor must be positive, got %v", factor)
	}
	return schedule.InModelTime(factor)
}

// stretch is d, factor times as long.
func stretch(d time.Duration, factor float64) time.Duration {
	return time.Duration(float64(d) * factor)
}
