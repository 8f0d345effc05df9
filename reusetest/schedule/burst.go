package schedule

import (
	"errors"
	"fmt"
	"time"
)

// KindBurst is Burst: rounds of calls all due at the same instant.
const KindBurst = "burst"

// BurstParams are a burst spec's own parameters.
type BurstParams struct {
	// Size is the number of calls due at once.
	Size int64 `json:"size,omitempty"`
	// Rounds is the number of bursts.
	Rounds int64 `json:"rounds,omitempty"`
	// PauseMS is the time between bursts, in milliseconds.
	PauseMS int64 `json:"pause_ms,omitempty"`
}

var burstKind = Kind{
	Name:   KindBurst,
	Params: func() any { return new(BurstParams) },
	Build: func(spec ScheduleSpec) (Schedule, error) {
		p, err := paramsOf[BurstParams](spec)
		if err != nil {
			return nil, err
		}
		if err := checkMS(p.PauseMS); err != nil {
			return nil, err
		}
		return Burst{Size: p.Size, Rounds: p.Rounds, Pause: time.Duration(p.PauseMS) * time.Millisecond, HandlerMS: spec.HandlerMS}, nil
	},
	Describe: func(s ScheduleSpec) string {
		p := describedParams[BurstParams](s)
		return fmt.Sprintf("%d bursts of %d calls, %v apart, handler %d ms", p.Rounds, p.Size, time.Duration(p.PauseMS)*time.Millisecond, s.HandlerMS)
	},
	Example: func(string) (Schedule, error) {
		return Burst{Size: 20, Rounds: 3, Pause: time.Second, HandlerMS: 100}, nil
	},
}

// Burst is the burst experiment's schedule: Rounds bursts of Size calls,
// every call of a burst due at the same instant, Pause apart (burst r at
// r × Pause). It answers how many environments a burst creates, how slow
// their first calls are, and what is throttled.
type Burst struct {
	// Size is the number of calls due at once.
	Size int64
	// Rounds is the number of bursts.
	Rounds int64
	// Pause is the time from one burst to the next.
	Pause time.Duration
	// HandlerMS is how long each call's handler sleeps.
	HandlerMS int64
}

// MaxBurstSize bounds a burst: ten times Lambda's default concurrency.
const MaxBurstSize = 10_000

// Plan is the schedule in brief: every call, at their mean rate.
func (b Burst) Plan() Plan {
	p := Plan{Calls: b.Size * b.Rounds, HandlerMS: b.HandlerMS}
	if span := time.Duration(b.Rounds) * b.Pause; span > 0 {
		p.RatePerSec = float64(p.Calls) / span.Seconds()
	}
	return p
}

// Due is when call seq's burst is due.
func (b Burst) Due(seq int64) time.Duration { return time.Duration(seq/b.Size) * b.Pause }

// HandlerTime is the handler time of every call.
func (b Burst) HandlerTime(int64) time.Duration { return time.Duration(b.HandlerMS) * time.Millisecond }

// Unit is the burst call seq belongs to.
func (b Burst) Unit(seq int64) (first, end int64) {
	first = seq / b.Size * b.Size
	return first, first + b.Size
}

// AtOnce is a burst's calls, all due at once.
func (b Burst) AtOnce() int64 { return b.Size }

// Round is the burst call seq belongs to.
func (b Burst) Round(seq int64) int64 { return seq / b.Size }

// Spec describes the schedule.
func (b Burst) Spec() ScheduleSpec {
	return ScheduleSpec{Kind: KindBurst, Calls: b.Size * b.Rounds, RatePerSec: b.Plan().RatePerSec, HandlerMS: b.HandlerMS,
		Params: &BurstParams{Size: b.Size, Rounds: b.Rounds, PauseMS: b.Pause.Milliseconds()}}
}

// InModelTime is the bursts with the pause between them stretched.
func (b Burst) InModelTime(factor float64) (Schedule, error) {
	b.Pause = stretch(b.Pause, factor)
	return b, nil
}

// Validate reports every bad value.
func (b Burst) Validate() error {
	var errs []error
	if b.Size < 1 || b.Size > MaxBurstSize {
		errs = append(errs, fmt.Errorf("burst size must be from 1 to %d, got %d", MaxBurstSize, b.Size))
	}
	if b.Rounds < 1 || b.Rounds > MaxRounds {
		errs = append(errs, fmt.Errorf("bursts must be from 1 to %d, got %d", MaxRounds, b.Rounds))
	}
	if b.Pause < time.Second || b.Pause%time.Millisecond != 0 || b.Pause > MaxGap {
		errs = append(errs, fmt.Errorf("pause between bursts must be whole milliseconds, from 1s to %v, got %v", MaxGap, b.Pause))
	}
	if err := checkHandler(b.HandlerMS); err != nil {
		errs = append(errs, err)
	}
	if len(errs) == 0 {
		errs = append(errs, checkSpan(float64(b.Rounds-1)*b.Pause.Seconds(), fmt.Sprintf("%d bursts %v apart would", b.Rounds, b.Pause)))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("burst schedule: %w", err)
	}
	return nil
}
