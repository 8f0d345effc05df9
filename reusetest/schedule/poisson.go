package schedule

import (
	"math"
	"sync"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/stats"
)

// KindPoisson is Poisson: exponential gaps of mean 1 / rate, seeded.
const KindPoisson = "poisson"

var poissonKind = Kind{
	Name: KindPoisson,
	Build: func(spec ScheduleSpec) (Schedule, error) {
		return NewPoisson(Plan{Calls: spec.Calls, RatePerSec: spec.RatePerSec, HandlerMS: spec.HandlerMS}, spec.Seed), nil
	},
	Example: func(string) (Schedule, error) {
		return NewPoisson(Plan{Calls: 100, RatePerSec: 50, HandlerMS: 100}, 7), nil
	},
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

// Copy is the same arrivals, walked on their own.
func (p *Poisson) Copy() Schedule { return NewPoisson(p.plan, p.seed) }

// HandlerTime is the plan's handler time.
func (p *Poisson) HandlerTime(int64) time.Duration { return p.plan.Handler() }

// Spec describes the schedule.
func (p *Poisson) Spec() ScheduleSpec {
	s := Steady(p.plan).Spec()
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
	u := stats.Uniform(stats.Mix64(p.seed + uint64(i+1)*stats.Golden)) // in (0, 1)
	return -math.Log(u) / p.plan.RatePerSec
}

// InModelTime is the same draws at the rate divided by factor.
func (p *Poisson) InModelTime(factor float64) (Schedule, error) {
	plan := p.plan
	plan.RatePerSec /= factor
	return NewPoisson(plan, p.seed), nil
}

// Prefix is the first n calls: the same draws, fewer of them.
func (p *Poisson) Prefix(n int64) Schedule {
	plan := p.plan
	plan.Calls = min(plan.Calls, max(0, n))
	return NewPoisson(plan, p.seed)
}
