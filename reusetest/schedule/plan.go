package schedule

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/lambda-reuse/lambda-reuse/probe/protocol"
)

// The seed plan: the 2021 experiment called its function 600,000 times at
// 10 calls per second with a 500 ms handler (docs/sources.md [S1]).
const (
	SeedCalls      = 600_000
	SeedRatePerSec = 10
	SeedHandler    = 500 * time.Millisecond
)

// MaxHandler is the longest handler sleep the probe accepts.
const MaxHandler = protocol.MaxSleepMS * time.Millisecond

// checkHandler reports a handler time, in milliseconds, that the probe does
// not accept.
func checkHandler(ms int64) error {
	if ms < 0 || ms > MaxHandler.Milliseconds() {
		return fmt.Errorf("handler must be between 0 and %v, got %v", MaxHandler, time.Duration(ms)*time.Millisecond)
	}
	return nil
}

// maxRate is the fastest rate a plan may call at, in calls per second: a
// rate a live run can send, and one whose figures (busy at once = rate ×
// handler) stay far from overflowing.
const maxRate = 100_000

// KindSteady is Steady: call i due at i / rate.
const KindSteady = "steady"

var steadyKind = Kind{
	Name: KindSteady,
	Build: func(spec ScheduleSpec) (Schedule, error) {
		return Steady{Calls: spec.Calls, RatePerSec: spec.RatePerSec, HandlerMS: spec.HandlerMS}, nil
	},
	Describe: func(s ScheduleSpec) string {
		return fmt.Sprintf("%d calls at %g/s, handler %d ms", s.Calls, s.RatePerSec, s.HandlerMS)
	},
	Example: func(string) (Schedule, error) { return Steady{Calls: 100, RatePerSec: 50, HandlerMS: 100}, nil },
}

// Steady is the steady kind's schedule: Calls calls, call i due at
// i / RatePerSec, each with a handler of HandlerMS. Its brief (Plan) holds
// the same figures.
type Steady Plan

// Plan is a schedule in brief, as every schedule gives it (Schedule.Plan)
// and summaries and record logs carry it: how many calls, at what mean
// rate, and how long the probe's handler sleeps in each.
type Plan struct {
	// Calls is the number of calls scheduled, numbered 0 to Calls-1.
	Calls int64 `json:"calls"`
	// RatePerSec is the open-loop call rate: call i is due at i / RatePerSec seconds.
	RatePerSec float64 `json:"rate_per_sec"`
	// HandlerMS is how long the probe sleeps per call, in milliseconds.
	HandlerMS int64 `json:"handler_ms"`
}

// SeedSchedule returns the schedule of the 2021 experiment.
func SeedSchedule() Steady {
	return Steady{Calls: SeedCalls, RatePerSec: SeedRatePerSec, HandlerMS: SeedHandler.Milliseconds()}
}

// Validate reports why a plan cannot run, or nil.
func (p Plan) Validate() error {
	var errs []error
	if p.Calls <= 0 {
		errs = append(errs, fmt.Errorf("calls must be positive, got %d", p.Calls))
	}
	if !(p.RatePerSec > 0 && p.RatePerSec <= maxRate) {
		errs = append(errs, fmt.Errorf("rate must be a positive number of calls per second, got %v (at most %d)", p.RatePerSec, maxRate))
	}
	if err := checkHandler(p.HandlerMS); err != nil {
		errs = append(errs, err)
	}
	if len(errs) == 0 {
		errs = append(errs, checkSpan(float64(p.Calls)/p.RatePerSec, fmt.Sprintf("%d calls at %g/s would", p.Calls, p.RatePerSec)))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("plan: %w", err)
	}
	return nil
}

// Handler is the handler sleep as a duration.
func (p Plan) Handler() time.Duration { return time.Duration(p.HandlerMS) * time.Millisecond }

// Due is when call seq is due, measured from the start of the run. The
// schedule is fixed, so a late call never shifts the ones after it.
func (p Steady) Due(seq int64) time.Duration {
	return time.Duration(math.Round(float64(seq) * 1e9 / p.RatePerSec))
}

// Duration is how long the schedule lasts: Calls / RatePerSec.
func (p Steady) Duration() time.Duration { return p.Due(p.Calls) }

// Duration is how long calls at the plan's rate last: Calls / RatePerSec.
func (p Plan) Duration() time.Duration { return Steady(p).Duration() }

// Validate reports why the steady schedule cannot run, or nil.
func (p Steady) Validate() error { return Plan(p).Validate() }

// Handler is the handler sleep as a duration.
func (p Steady) Handler() time.Duration { return Plan(p).Handler() }

// Plan is the steady schedule's brief: its own figures.
func (p Steady) Plan() Plan { return Plan(p) }

// Timings sets out[i] to the times of call from+i, in one loop. When the
// gap between calls is a whole number of nanoseconds exactly, and every
// product stays below 2^53 (so Due's float arithmetic is exact), call
// seq's due time is seq gaps, which Due would give: it is computed so.
func (p Steady) Timings(from int64, out []Timing) {
	h := p.Handler()
	end := float64(from + int64(len(out)))
	if gap := math.Round(1e9 / p.RatePerSec); gap >= 1 && math.FMA(gap, p.RatePerSec, -1e9) == 0 &&
		end*max(gap, 1e9) < 1<<53 {
		for i := range out {
			out[i] = Timing{time.Duration(from+int64(i)) * time.Duration(gap), h}
		}
		return
	}
	for i := range out {
		out[i] = Timing{p.Due(from + int64(i)), h}
	}
}

// HandlerTime is the plan's handler time, the same for every call.
func (p Steady) HandlerTime(int64) time.Duration { return p.Handler() }

// Spec describes the plan as a steady schedule.
func (p Steady) Spec() ScheduleSpec {
	return ScheduleSpec{Kind: KindSteady, Calls: p.Calls, RatePerSec: p.RatePerSec, HandlerMS: p.HandlerMS}
}

// InModelTime is the plan at its rate divided by factor.
func (p Steady) InModelTime(factor float64) (Schedule, error) {
	p.RatePerSec /= factor
	return p, nil
}

// Prefix is the plan's first n calls.
func (p Steady) Prefix(n int64) Schedule {
	p.Calls = min(p.Calls, max(0, n))
	return p
}
