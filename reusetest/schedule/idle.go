package schedule

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// KindIdle is Idle: warm, wait a gap, call again.
const KindIdle = "idle"

// IdleParams are an idle spec's own parameters.
type IdleParams struct {
	// Size is the number of calls per phase.
	Size int64 `json:"size,omitempty"`
	// Rounds is the number of trials per gap.
	Rounds int64 `json:"rounds,omitempty"`
	// GapsMS are the idle gaps, in milliseconds.
	GapsMS []int64 `json:"gaps_ms,omitempty"`
	// SettleMS is the time from one trial to the next, in milliseconds.
	SettleMS int64 `json:"settle_ms,omitempty"`
}

var idleKind = Kind{
	Name:   KindIdle,
	Params: func() any { return new(IdleParams) },
	Build: func(spec ScheduleSpec) (Schedule, error) {
		p, err := paramsOf[IdleParams](spec)
		if err != nil {
			return nil, err
		}
		if len(p.GapsMS) > MaxIdleGaps {
			return nil, fmt.Errorf("schedule: %d idle gaps, more than %d", len(p.GapsMS), MaxIdleGaps)
		}
		if err := checkMS(append([]int64{p.SettleMS}, p.GapsMS...)...); err != nil {
			return nil, err
		}
		gaps := make([]time.Duration, len(p.GapsMS))
		for i, g := range p.GapsMS {
			gaps[i] = time.Duration(g) * time.Millisecond
		}
		return NewIdle(p.Size, gaps, p.Rounds, spec.HandlerMS, spec.Seed, time.Duration(p.SettleMS)*time.Millisecond)
	},
	Describe: func(s ScheduleSpec) string {
		p := describedParams[IdleParams](s)
		gaps := make([]string, len(p.GapsMS))
		for i, g := range p.GapsMS {
			gaps[i] = (time.Duration(g) * time.Millisecond).String()
		}
		return fmt.Sprintf("idle gaps %s, %d rounds each, %d calls per phase (seed %d), handler %d ms",
			strings.Join(gaps, " "), p.Rounds, p.Size, s.Seed, s.HandlerMS)
	},
	Example: func(string) (Schedule, error) {
		return NewIdle(3, []time.Duration{time.Second, 2 * time.Second}, 1, 100, 1, time.Second)
	},
}

// Idle is the idle-timeout experiment's schedule (the method of SeBS and
// Shilkov, docs/sources.md [S4], [S5]): each trial warms Size environments
// with Size calls at once (their handlers overlap), leaves them idle for a
// gap, then sends Size calls at once again; an environment that served the
// warm phase and serves again after the gap survived it. Every gap is tried
// Rounds times, trials in an order shuffled from Seed. The next trial's warm
// phase comes Settle after a trial's probe phase.
type Idle struct {
	Size      int64
	Gaps      []time.Duration
	Rounds    int64
	HandlerMS int64
	Seed      uint64
	Settle    time.Duration

	order  []int           // the gap (index into Gaps) of each trial
	starts []time.Duration // when each trial's warm phase is due
}

// defaultSettle is the time from a trial's probe phase to the next trial's
// warm phase: long enough for every probe call to finish.
const defaultSettle = 10 * time.Second

// MinIdleHandler is the shortest handler the idle experiment accepts: the
// calls of one phase must overlap, so that each gets an environment of its own.
const MinIdleHandler = 100 * time.Millisecond

// NewIdle returns the idle experiment's schedule, or every reason it
// cannot run. Settle 0 means defaultSettle.
func NewIdle(size int64, gaps []time.Duration, rounds, handlerMS int64, seed uint64, settle time.Duration) (*Idle, error) {
	if settle == 0 {
		settle = defaultSettle
	}
	s := &Idle{Size: size, Gaps: slices.Clone(gaps), Rounds: rounds, HandlerMS: handlerMS, Seed: seed, Settle: settle}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	for g := range s.Gaps {
		for range rounds {
			s.order = append(s.order, g)
		}
	}
	rng := rand.New(rand.NewPCG(seed, 0x1d1e))
	rng.Shuffle(len(s.order), func(i, j int) { s.order[i], s.order[j] = s.order[j], s.order[i] })
	h := s.HandlerTime(0)
	var at time.Duration
	for _, g := range s.order {
		s.starts = append(s.starts, at)
		at += 2*h + s.Gaps[g] + s.Settle
	}
	return s, nil
}

// Validate reports every bad value.
func (s *Idle) Validate() error {
	var errs []error
	if s.Size < 1 || s.Size > MaxBurstSize {
		errs = append(errs, fmt.Errorf("calls per phase must be from 1 to %d, got %d", MaxBurstSize, s.Size))
	}
	if len(s.Gaps) == 0 || len(s.Gaps) > MaxIdleGaps {
		errs = append(errs, fmt.Errorf("from 1 to %d idle gaps are needed, got %d", MaxIdleGaps, len(s.Gaps)))
	}
	for _, g := range s.Gaps {
		if g <= 0 || g%time.Millisecond != 0 || g > MaxGap {
			errs = append(errs, fmt.Errorf("idle gap %v must be a positive whole number of milliseconds, at most %v", g, MaxGap))
		}
	}
	if s.Rounds < 1 || s.Rounds > MaxRounds {
		errs = append(errs, fmt.Errorf("rounds must be from 1 to %d, got %d", MaxRounds, s.Rounds))
	} else if trials := s.Rounds * int64(len(s.Gaps)); trials > MaxRounds {
		// The schedule and its analysis keep each trial: their count, not
		// a number in a header, bounds memory.
		errs = append(errs, fmt.Errorf("rounds × gaps must be at most %d trials, got %d × %d", MaxRounds, s.Rounds, len(s.Gaps)))
	}
	if h := s.HandlerTime(0); s.HandlerMS < 0 || s.HandlerMS > MaxHandler.Milliseconds() || h < MinIdleHandler {
		errs = append(errs, fmt.Errorf("handler must be from %v (the calls of a phase must overlap) to %v, got %v", MinIdleHandler, MaxHandler, h))
	}
	if s.Settle < 0 || s.Settle%time.Millisecond != 0 || s.Settle > MaxGap {
		errs = append(errs, fmt.Errorf("settle time %v must be whole milliseconds, at most %v", s.Settle, MaxGap))
	}
	if len(errs) == 0 {
		// Every trial lasts its two phases, its gap and the settle time.
		var seconds float64
		for _, g := range s.Gaps {
			seconds += float64(s.Rounds) * (2*s.HandlerTime(0) + g + s.Settle).Seconds()
		}
		errs = append(errs, checkSpan(seconds, fmt.Sprintf("%d rounds of %d gaps would", s.Rounds, len(s.Gaps))))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("idle schedule: %w", err)
	}
	return nil
}

// Trials is the number of trials: every gap, Rounds times.
func (s *Idle) Trials() int64 { return int64(len(s.order)) }

// Trial says which trial call seq belongs to, whether it is in the probe
// phase (after the gap) rather than the warm phase, and the trial's gap.
func (s *Idle) Trial(seq int64) (trial int64, probe bool, gap time.Duration) {
	trial = seq / (2 * s.Size)
	return trial, (seq/s.Size)%2 == 1, s.Gaps[s.order[trial]]
}

// GapIndex is the index in Gaps of trial's gap (trials run in an order
// shuffled from the seed).
func (s *Idle) GapIndex(trial int64) int { return s.order[trial] }

// AtOnce is a phase's calls, all due at once.
func (s *Idle) AtOnce() int64 { return s.Size }

// Unit is the trial call seq belongs to: its warm and its probe phase.
func (s *Idle) Unit(seq int64) (first, end int64) {
	first = seq / (2 * s.Size) * 2 * s.Size
	return first, first + 2*s.Size
}

// Due is when call seq is due: its trial's warm phase, or that plus the
// handler and the gap.
func (s *Idle) Due(seq int64) time.Duration {
	trial, probe, gap := s.Trial(seq)
	if probe {
		return s.starts[trial] + s.HandlerTime(0) + gap
	}
	return s.starts[trial]
}

// HandlerTime is the handler time of every call.
func (s *Idle) HandlerTime(int64) time.Duration { return time.Duration(s.HandlerMS) * time.Millisecond }

// Plan is the schedule in brief.
func (s *Idle) Plan() Plan {
	p := Plan{Calls: 2 * s.Size * s.Trials(), HandlerMS: s.HandlerMS}
	if n := len(s.starts); n > 0 {
		end := s.starts[n-1] + 2*s.HandlerTime(0) + s.Gaps[s.order[n-1]]
		p.RatePerSec = float64(p.Calls) / end.Seconds()
	}
	return p
}

// Spec describes the schedule.
func (s *Idle) Spec() ScheduleSpec {
	gaps := make([]int64, len(s.Gaps))
	for i, g := range s.Gaps {
		gaps[i] = g.Milliseconds()
	}
	return ScheduleSpec{Kind: KindIdle, Calls: 2 * s.Size * s.Trials(), RatePerSec: s.Plan().RatePerSec, HandlerMS: s.HandlerMS,
		Seed: s.Seed, Params: &IdleParams{Size: s.Size, Rounds: s.Rounds, GapsMS: gaps, SettleMS: s.Settle.Milliseconds()}}
}

// InModelTime is the trials with their gaps and settle time stretched.
func (s *Idle) InModelTime(factor float64) (Schedule, error) {
	gaps := make([]time.Duration, len(s.Gaps))
	for i, g := range s.Gaps {
		gaps[i] = stretch(g, factor)
	}
	return NewIdle(s.Size, gaps, s.Rounds, s.HandlerMS, s.Seed, stretch(s.Settle, factor))
}
