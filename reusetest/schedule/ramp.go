package schedule

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// KindRamp is Ramp: the call rate rising linearly from one rate to another.
const KindRamp = "ramp"

// RampParams are a ramp spec's own parameters.
type RampParams struct {
	// StartRate and EndRate are the calls per second at the ramp's start
	// and end.
	StartRate float64 `json:"start_rate"`
	EndRate   float64 `json:"end_rate"`
	// DurationMS is the ramp's length, in milliseconds.
	DurationMS int64 `json:"duration_ms"`
}

var rampKind = Kind{
	Name:   KindRamp,
	Params: func() any { return new(RampParams) },
	Build: func(spec ScheduleSpec) (Schedule, error) {
		p, err := paramsOf[RampParams](spec)
		if err != nil {
			return nil, err
		}
		if err := checkMS(p.DurationMS); err != nil {
			return nil, err
		}
		return Ramp{StartRate: p.StartRate, EndRate: p.EndRate, Duration: time.Duration(p.DurationMS) * time.Millisecond, HandlerMS: spec.HandlerMS}, nil
	},
	Describe: func(s ScheduleSpec) string {
		p := describedParams[RampParams](s)
		return fmt.Sprintf("ramp from %g/s to %g/s over %v: %d calls, handler %d ms", p.StartRate, p.EndRate,
			time.Duration(p.DurationMS)*time.Millisecond, s.Calls, s.HandlerMS)
	},
	Example: func(string) (Schedule, error) {
		return Ramp{StartRate: 4, EndRate: 40, Duration: 5 * time.Second, HandlerMS: 100}, nil
	},
}

// Ramp is the ramp experiment's schedule: the call rate rises linearly from
// StartRate to EndRate over Duration (or falls, when EndRate is lower).
// Call i is due when the calls due so far, the integral of the rate,
// reach i: it answers how the platform scales with traffic that grows, and
// what it throttles.
type Ramp struct {
	StartRate, EndRate float64
	Duration           time.Duration
	HandlerMS          int64
}

// Limits on a ramp: rates a live run can send, and calls that neither a
// flag nor a header can make unbounded.
const (
	// MaxRampRate is the fastest rate a ramp may reach, in calls per second.
	MaxRampRate = maxRate
	// maxRampCalls is the most calls a ramp may make.
	maxRampCalls = 100_000_000
)

// calls is the number of calls: the integral of the rate over the ramp.
func (r Ramp) calls() float64 { return (r.StartRate + r.EndRate) / 2 * r.Duration.Seconds() }

// Plan is the ramp in brief: its calls at their mean rate.
func (r Ramp) Plan() Plan {
	return Plan{Calls: int64(math.Floor(r.calls() + 1e-9)), RatePerSec: (r.StartRate + r.EndRate) / 2, HandlerMS: r.HandlerMS}
}

// Due is when call seq is due: the t at which r0·t + (r1-r0)·t²/(2D)
// reaches seq.
func (r Ramp) Due(seq int64) time.Duration {
	d, r0, i := r.Duration.Seconds(), r.StartRate, float64(seq)
	a := (r.EndRate - r0) / (2 * d)
	var t float64
	if math.Abs(a) < 1e-12 {
		t = i / r0
	} else {
		t = (-r0 + math.Sqrt(r0*r0+4*a*i)) / (2 * a)
	}
	return time.Duration(math.Round(t * 1e9))
}

// RateAt is the rate at t from the ramp's start.
func (r Ramp) RateAt(t time.Duration) float64 {
	f := math.Min(1, math.Max(0, t.Seconds()/r.Duration.Seconds()))
	return r.StartRate + (r.EndRate-r.StartRate)*f
}

// HandlerTime is the handler time of every call.
func (r Ramp) HandlerTime(int64) time.Duration { return time.Duration(r.HandlerMS) * time.Millisecond }

// Spec describes the ramp.
func (r Ramp) Spec() ScheduleSpec {
	p := r.Plan()
	return ScheduleSpec{Kind: KindRamp, Calls: p.Calls, RatePerSec: p.RatePerSec, HandlerMS: r.HandlerMS,
		Params: &RampParams{StartRate: r.StartRate, EndRate: r.EndRate, DurationMS: r.Duration.Milliseconds()}}
}

// InModelTime is the ramp as a pool factor times faster sees it: as long
// again, at rates divided by factor.
func (r Ramp) InModelTime(factor float64) (Schedule, error) {
	r.Duration = stretch(r.Duration, factor)
	r.StartRate, r.EndRate = r.StartRate/factor, r.EndRate/factor
	return r, nil
}

// Validate reports every bad value.
func (r Ramp) Validate() error {
	var errs []error
	for _, v := range []struct {
		name string
		rate float64
	}{{"start rate", r.StartRate}, {"end rate", r.EndRate}} {
		if !(v.rate > 0) || v.rate > MaxRampRate {
			errs = append(errs, fmt.Errorf("%s must be above 0 and at most %d calls per second, got %v", v.name, MaxRampRate, v.rate))
		}
	}
	if r.Duration < time.Second || r.Duration%time.Millisecond != 0 || r.Duration > MaxGap {
		errs = append(errs, fmt.Errorf("duration must be whole milliseconds, from 1s to %v, got %v", MaxGap, r.Duration))
	}
	if len(errs) == 0 {
		if n := r.calls(); n < 1 || n > maxRampCalls {
			errs = append(errs, fmt.Errorf("the ramp makes %.0f calls: from 1 to %d", n, maxRampCalls))
		}
	}
	if err := checkHandler(r.HandlerMS); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("ramp schedule: %w", err)
	}
	return nil
}
