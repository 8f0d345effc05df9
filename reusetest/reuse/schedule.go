package reuse

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Schedule says when each call of a run is due and how long its handler
// works. The runner and the simulator both consume it. It is deterministic
// and indexable: Due and HandlerTime are functions of seq alone, so a
// resumed run goes on from any seq, and its Spec, written into the record
// log's header, lets a resume refuse a log written for another schedule.
//
// The kinds are Plan ("steady"), Poisson, Burst, Idle and Trace; a kind
// implements this interface and gets a case in FromSpec.
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

// Limits on an experiment's schedule, so that neither a flag nor a log
// header sizes memory or wraps a time: the per-round and per-trial state
// of the burst and idle analyses, and every time between calls.
const (
	// MaxRounds caps a burst experiment's bursts and an idle experiment's
	// trials per gap.
	MaxRounds = 100_000
	// MaxIdleGaps caps an idle experiment's gaps.
	MaxIdleGaps = 1000
	// MaxGap caps a pause, an idle gap and a settle time: a week.
	MaxGap = 7 * 24 * time.Hour
)

// The schedule kinds.
const (
	// KindSteady is Plan: call i due at i / rate.
	KindSteady = "steady"
	// KindPoisson is Poisson: exponential gaps of mean 1 / rate, seeded.
	KindPoisson = "poisson"
	// KindBurst is Burst: rounds of calls all due at the same instant.
	KindBurst = "burst"
	// KindIdle is Idle: warm, wait a gap, call again.
	KindIdle = "idle"
)

// kinds lists the schedule kinds, for errors.
var kinds = []string{KindSteady, KindPoisson, KindBurst, KindIdle, KindTrace}

// ScheduleSpec describes a schedule completely: its kind and that kind's
// parameters. It is what the record log's header stores.
type ScheduleSpec struct {
	// Kind is KindSteady or KindPoisson.
	Kind string `json:"kind"`
	// Calls is the number of calls.
	Calls int64 `json:"calls"`
	// RatePerSec is the (mean) call rate.
	RatePerSec float64 `json:"rate_per_sec"`
	// HandlerMS is the handler time of every call, in milliseconds.
	HandlerMS int64 `json:"handler_ms"`
	// Seed seeds a random schedule's draws (Poisson).
	Seed uint64 `json:"seed,omitempty"`
	// Size is the number of calls due at once (Burst).
	Size int64 `json:"size,omitempty"`
	// Rounds is the number of bursts (Burst).
	Rounds int64 `json:"rounds,omitempty"`
	// PauseMS is the time between bursts, in milliseconds (Burst).
	PauseMS int64 `json:"pause_ms,omitempty"`
	// GapsMS are the idle gaps, in milliseconds (Idle).
	GapsMS []int64 `json:"gaps_ms,omitempty"`
	// SettleMS is the time from one trial to the next, in milliseconds (Idle).
	SettleMS int64 `json:"settle_ms,omitempty"`
	// TracePath and TraceSHA256 name the trace file and its content (Trace).
	TracePath   string `json:"trace_path,omitempty"`
	TraceSHA256 string `json:"trace_sha256,omitempty"`
	// Spread, Speed, the window and the interval are the trace's options
	// (Trace; see TraceOptions).
	Spread         string  `json:"spread,omitempty"`
	Speed          float64 `json:"speed,omitempty"`
	WindowStartMS  int64   `json:"window_start_ms,omitempty"`
	WindowLengthMS int64   `json:"window_length_ms,omitempty"`
	IntervalMS     int64   `json:"interval_ms,omitempty"`
}

// Same reports whether two specs describe the same schedule.
func (s ScheduleSpec) Same(o ScheduleSpec) bool {
	a, errA := json.Marshal(s)
	b, errB := json.Marshal(o)
	return errA == nil && errB == nil && string(a) == string(b)
}

// String describes the schedule for people.
func (s ScheduleSpec) String() string {
	switch s.Kind {
	case KindSteady:
		return fmt.Sprintf("%d calls at %g/s, handler %d ms", s.Calls, s.RatePerSec, s.HandlerMS)
	case KindBurst:
		return fmt.Sprintf("%d bursts of %d calls, %v apart, handler %d ms", s.Rounds, s.Size, time.Duration(s.PauseMS)*time.Millisecond, s.HandlerMS)
	case KindIdle:
		gaps := make([]string, len(s.GapsMS))
		for i, g := range s.GapsMS {
			gaps[i] = (time.Duration(g) * time.Millisecond).String()
		}
		return fmt.Sprintf("idle gaps %s, %d rounds each, %d calls per phase (seed %d), handler %d ms",
			strings.Join(gaps, " "), s.Rounds, s.Size, s.Seed, s.HandlerMS)
	case KindTrace:
		return fmt.Sprintf("trace %s: %d calls at %.4g/s on average (speed %g, spread %s, seed %d), default handler %d ms",
			filepath.Base(s.TracePath), s.Calls, s.RatePerSec, s.Speed, s.Spread, s.Seed, s.HandlerMS)
	default:
		return fmt.Sprintf("%s: %d calls at %.4g/s on average (seed %d), handler %d ms", s.Kind, s.Calls, s.RatePerSec, s.Seed, s.HandlerMS)
	}
}

// FromSpec returns the schedule spec describes.
func FromSpec(spec ScheduleSpec) (Schedule, error) {
	// Times in milliseconds past what a duration holds would wrap.
	const maxMS = math.MaxInt64 / int64(time.Millisecond)
	for _, ms := range append([]int64{spec.PauseMS, spec.SettleMS, spec.WindowStartMS, spec.WindowLengthMS, spec.IntervalMS}, spec.GapsMS...) {
		if ms > maxMS || ms < -maxMS {
			return nil, fmt.Errorf("schedule: a time of %d ms is past what a duration holds", ms)
		}
	}
	if len(spec.GapsMS) > MaxIdleGaps {
		return nil, fmt.Errorf("schedule: %d idle gaps, more than %d", len(spec.GapsMS), MaxIdleGaps)
	}
	plan := Plan{Calls: spec.Calls, RatePerSec: spec.RatePerSec, HandlerMS: spec.HandlerMS}
	var s Schedule
	switch spec.Kind {
	case KindSteady:
		s = plan
	case KindPoisson:
		s = NewPoisson(plan, spec.Seed)
	case KindBurst:
		s = Burst{Size: spec.Size, Rounds: spec.Rounds, Pause: time.Duration(spec.PauseMS) * time.Millisecond, HandlerMS: spec.HandlerMS}
	case KindIdle:
		gaps := make([]time.Duration, len(spec.GapsMS))
		for i, g := range spec.GapsMS {
			gaps[i] = time.Duration(g) * time.Millisecond
		}
		idle, err := NewIdle(spec.Size, gaps, spec.Rounds, spec.HandlerMS, spec.Seed, time.Duration(spec.SettleMS)*time.Millisecond)
		if err != nil {
			return nil, err
		}
		s = idle
	case KindTrace:
		t, err := OpenTrace(spec.TracePath, TraceOptions{Spread: spec.Spread, Seed: spec.Seed, Speed: spec.Speed,
			Start: time.Duration(spec.WindowStartMS) * time.Millisecond, Length: time.Duration(spec.WindowLengthMS) * time.Millisecond,
			Interval: time.Duration(spec.IntervalMS) * time.Millisecond, HandlerMS: spec.HandlerMS,
			MaxCalls: max(spec.Calls, DefaultMaxTraceCalls)})
		if err != nil {
			return nil, fmt.Errorf("schedule: the trace this run replays: %w", err)
		}
		if t.sha != spec.TraceSHA256 {
			return nil, fmt.Errorf("schedule: trace %s changed since the run began (SHA-256 %.12s, was %.12s)", spec.TracePath, t.sha, spec.TraceSHA256)
		}
		s = t
	default:
		return nil, fmt.Errorf("schedule: unknown kind %q (known: %s)", spec.Kind, strings.Join(kinds, ", "))
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return s, nil
}

// Plan is the steady schedule: it is its own brief.
func (p Plan) Plan() Plan { return p }

// HandlerTime is the plan's handler time, the same for every call.
func (p Plan) HandlerTime(int64) time.Duration { return p.Handler() }

// Spec describes the plan as a steady schedule.
func (p Plan) Spec() ScheduleSpec {
	return ScheduleSpec{Kind: KindSteady, Calls: p.Calls, RatePerSec: p.RatePerSec, HandlerMS: p.HandlerMS}
}

// Poisson is a plan's calls with exponential gaps of mean 1 / rate instead
// of a fixed interval: call 0 at 0, call i after i seeded gaps. Each gap is
// a function of the seed and its index alone, so Due is indexable; it walks
// from the last seq asked for, which makes asking in order O(1) per call.
// Safe for concurrent use (a live run's scheduler and its report both ask).
type Poisson struct {
	plan Plan
	seed uint64
	mu   sync.Mutex
	// The last answer: due time (seconds) of call seq.
	seq int64
	at  float64
}

// NewPoisson returns plan's calls as Poisson arrivals drawn from seed.
func NewPoisson(plan Plan, seed uint64) *Poisson { return &Poisson{plan: plan, seed: seed} }

// Plan is the plan in brief: calls, mean rate, handler.
func (p *Poisson) Plan() Plan { return p.plan }

// HandlerTime is the plan's handler time.
func (p *Poisson) HandlerTime(int64) time.Duration { return p.plan.Handler() }

// Spec describes the schedule.
func (p *Poisson) Spec() ScheduleSpec {
	s := p.plan.Spec()
	s.Kind, s.Seed = KindPoisson, p.seed
	return s
}

// Validate checks the plan.
func (p *Poisson) Validate() error { return p.plan.Validate() }

// Due is when call seq is due.
func (p *Poisson) Due(seq int64) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	if seq < p.seq {
		p.seq, p.at = 0, 0
	}
	for ; p.seq < seq; p.seq++ {
		p.at += p.gap(p.seq)
	}
	return time.Duration(math.Round(p.at * 1e9))
}

// gap is the exponential gap after call i, in seconds: the inverse CDF of a
// uniform draw that is a hash (SplitMix64) of the seed and i.
func (p *Poisson) gap(i int64) float64 {
	z := p.seed + uint64(i+1)*0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	z ^= z >> 31
	u := (float64(z>>11) + 0.5) / (1 << 53) // in (0, 1)
	return -math.Log(u) / p.plan.RatePerSec
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
	stretch := func(d time.Duration) time.Duration { return time.Duration(float64(d) * factor) }
	switch s := schedule.(type) {
	case Plan:
		s.RatePerSec /= factor
		return s, nil
	case *Poisson:
		plan := s.plan
		plan.RatePerSec /= factor
		return NewPoisson(plan, s.seed), nil
	case Burst:
		s.Pause = stretch(s.Pause)
		return s, nil
	case *Idle:
		gaps := make([]time.Duration, len(s.Gaps))
		for i, g := range s.Gaps {
			gaps[i] = stretch(g)
		}
		return NewIdle(s.Size, gaps, s.Rounds, s.HandlerMS, s.Seed, stretch(s.Settle))
	case *Trace:
		c := s.Clone()
		c.opts.Speed /= factor
		c.span = stretch(c.span)
		return c, nil
	}
	return nil, fmt.Errorf("schedule: a %s schedule has no model-time form", schedule.Spec().Kind)
}
