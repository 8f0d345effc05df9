package lambdasim

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Managed is the model of Lambda Managed Instances (docs/sources.md
// [S14]): environments that serve many calls at once, are not frozen
// between calls, and are added and removed by a scaler on its own time,
// never for an arriving call (no cold start on the request path; a call
// that finds no room is throttled).
type Managed struct {
	// MaxConcurrency is the most calls one environment serves at once
	// (PerExecutionEnvironmentMaxConcurrency; the runtime reads it as
	// AWS_LAMBDA_MAX_CONCURRENCY). Documented: up to 64 per vCPU.
	MaxConcurrency int
	// MinEnvironments and MaxEnvironments bound the scaler
	// (FunctionScalingConfig: 0 to 15,000 each). A published version
	// starts with 3 environments ready (documented); the model starts
	// max(MinEnvironments, 3), capped at MaxEnvironments.
	MinEnvironments, MaxEnvironments int
	// TargetUtilisation is the share of the environments' room the scaler
	// aims to keep in use (an assumption: AWS documents that it scales on
	// CPU and concurrency saturation, not its target).
	TargetUtilisation float64
	// ScaleInterval is how often the scaler looks (an assumption).
	ScaleInterval time.Duration
	// StartDelay is how long a new environment takes from the scaler's
	// decision to taking calls (an assumption).
	StartDelay Dist
	// GrowthWindow is the window over which the scaler at most doubles
	// the environments: traffic that more than doubles within 5 minutes
	// may be throttled (documented); doubling per window is the model's
	// reading of it.
	GrowthWindow time.Duration
}

// Documented figures of Managed Instances ([S14]).
const (
	// managedStartEnvironments is how many environments a published
	// version starts with.
	managedStartEnvironments = 3
	// maxManagedEnvironments bounds Min- and MaxEnvironments.
	maxManagedEnvironments = 15_000
	// maxManagedConcurrency bounds MaxConcurrency: 64 per vCPU, for the
	// largest function the model admits, 32 vCPUs (an assumption of the
	// model's, not a documented limit).
	maxManagedConcurrency = 64 * 32
	// managedGrowthWindow is the documented window of doubling.
	managedGrowthWindow = 5 * time.Minute
	// minTargetUtilisation is the lowest target utilisation the model
	// takes: a scaler aiming to keep 1% of its room in use keeps 100 times
	// the room the calls need; below it the figure says nothing more.
	minTargetUtilisation = 0.01
)

// Capacity is the most calls an environment of p serves at once: 1, or
// Managed Instances' MaxConcurrency.
func (p Profile) Capacity() int {
	if p.Managed != nil && p.Managed.MaxConcurrency > 0 {
		return p.Managed.MaxConcurrency
	}
	return 1
}

// validate reports what the model cannot run.
func (m *Managed) validate(p Profile) error {
	var errs []error
	if m.MaxConcurrency < 1 || m.MaxConcurrency > maxManagedConcurrency {
		errs = append(errs, fmt.Errorf("managed: max concurrency must be 1 to %d, got %d", maxManagedConcurrency, m.MaxConcurrency))
	}
	if m.MinEnvironments < 0 || m.MinEnvironments > maxManagedEnvironments || m.MaxEnvironments < 1 || m.MaxEnvironments > maxManagedEnvironments {
		errs = append(errs, fmt.Errorf("managed: min environments must be 0 to %d and max environments 1 to %d, got %d and %d",
			maxManagedEnvironments, maxManagedEnvironments, m.MinEnvironments, m.MaxEnvironments))
	} else if m.MinEnvironments > m.MaxEnvironments {
		errs = append(errs, fmt.Errorf("managed: min environments (%d) above max environments (%d)", m.MinEnvironments, m.MaxEnvironments))
	}
	if !(m.TargetUtilisation >= minTargetUtilisation && m.TargetUtilisation <= 1) {
		errs = append(errs, fmt.Errorf("managed: target utilisation must be from %g to 1, got %v", minTargetUtilisation, m.TargetUtilisation))
	}
	if m.ScaleInterval < time.Second || m.ScaleInterval > time.Hour {
		errs = append(errs, fmt.Errorf("managed: scale interval must be 1s to 1h, got %v", m.ScaleInterval))
	}
	if m.GrowthWindow < m.ScaleInterval || m.GrowthWindow > 24*time.Hour {
		errs = append(errs, fmt.Errorf("managed: growth window must be from the scale interval to 24h, got %v", m.GrowthWindow))
	}
	if err := m.StartDelay.validate(); err != nil {
		errs = append(errs, fmt.Errorf("managed: start delay: %w", err))
	}
	if p.Provisioned > 0 {
		errs = append(errs, errors.New("managed: Managed Instances have no provisioned concurrency (their minimum environments keep them ready)"))
	}
	return errors.Join(errs...)
}

// managedState is the scaler's state in a pool of Managed Instances.
type managedState struct {
	started  bool
	nextTick time.Duration
	pending  []time.Duration // ready times of environments starting, unordered
	counts   []int           // environments (ready and starting) at each of the last ticks of the growth window, a ring
	peaks    []int           // the most calls in flight in each of those intervals, a ring
	tick     int             // ticks so far
	quiet    int             // ticks in a row with no call in flight and none starting
}

// scale runs the scaler up to now: the environments whose start is done
// join, and at each tick it sizes the pool to the calls in flight.
func (p *Pool) scale(now time.Duration) {
	m, st := p.managed, &p.mstate
	if !st.started {
		st.started = true
		window := int(m.GrowthWindow / m.ScaleInterval)
		st.counts, st.peaks = make([]int, window), make([]int, window)
		for range min(max(m.MinEnvironments, managedStartEnvironments), m.MaxEnvironments) {
			p.startManaged(now, now)
		}
		st.nextTick = now + m.ScaleInterval
	}
	for st.nextTick <= now {
		p.joinReady(st.nextTick)
		p.scaleTick(st.nextTick)
		st.nextTick += m.ScaleInterval
		if p.busy == 0 && p.peak == 0 && len(st.pending) == 0 {
			st.quiet++
		} else {
			st.quiet = 0
		}
		if st.quiet > len(st.counts) && st.nextTick <= now {
			// A whole window without a call: every tick until now would
			// find the same (no peak, the pool at its floor), so they are
			// skipped, and a gap of years costs no more than one of
			// minutes.
			st.nextTick += (now - st.nextTick) / m.ScaleInterval * m.ScaleInterval
		}
	}
	p.joinReady(now)
}

// joinReady starts taking calls on the environments ready by at.
func (p *Pool) joinReady(at time.Duration) {
	st := &p.mstate
	kept := st.pending[:0]
	for _, ready := range st.pending {
		if ready <= at {
			p.startManaged(ready, ready)
		} else {
			kept = append(kept, ready)
		}
	}
	st.pending = kept
}

// startManaged creates an environment initialised at created, ready (idle,
// with room) at ready.
func (p *Pool) startManaged(created, ready time.Duration) {
	e := p.newEnv(created, "")
	e.maxLife = max(e.maxLife, minRecycledLifetime)
	p.stats.ScaledUp++
	p.goIdle(e, ready)
	p.place(e)
	if p.onStart != nil {
		p.onStart(e)
	}
}

// scaleTick is one look of the scaler at t: it wants enough environments
// for the most calls in flight in the last interval at the target
// utilisation (for the growth window's most, when shrinking), within the
// bounds and at most double the count a growth window ago; it starts the
// difference, or retires idle environments down to it.
func (p *Pool) scaleTick(t time.Duration) {
	m, st := p.managed, &p.mstate
	n := len(st.counts)
	slot := st.tick % n
	st.peaks[slot] = p.peak
	p.peak = p.busy
	alive := p.alive() + len(st.pending)
	windowAgo := st.counts[slot] // the count n ticks ago (0 before the first window)
	st.counts[slot] = alive
	st.tick++
	room := float64(p.capacity) * m.TargetUtilisation
	want := min(max(envsFor(st.peaks[slot], room, m.MaxEnvironments), m.MinEnvironments), m.MaxEnvironments)
	if st.tick > n {
		want = min(want, max(2*windowAgo, m.MinEnvironments, 1))
	} else {
		want = min(want, max(2*st.counts[0], m.MinEnvironments, 1))
	}
	switch {
	case want > alive:
		for range want - alive {
			st.pending = append(st.pending, t+m.StartDelay.Sample(p.rng))
		}
	case want < alive:
		peak := 0
		for _, v := range st.peaks {
			peak = max(peak, v)
		}
		keep := min(max(envsFor(peak, room, m.MaxEnvironments), m.MinEnvironments), m.MaxEnvironments)
		p.scaleDown(t, alive-max(keep, want))
	}
}

// envsFor is how many environments of room calls each hold calls at the
// target, at most most: reckoned in floating point and bounded before it
// is a count, so no room, however small, wraps it.
func envsFor(calls int, room float64, most int) int {
	return int(math.Min(math.Ceil(float64(calls)/room), float64(most)))
}

// alive is the environments taking calls: busy or idle.
func (p *Pool) alive() int { return p.envsAlive }

// scaleDown retires up to n idle environments at t, the oldest first (an
// assumption), and counts them.
func (p *Pool) scaleDown(t time.Duration, n int) {
	for ; n > 0 && len(p.byEnd.items) > 0; n-- {
		e := p.byEnd.first()
		p.byEnd.remove(e)
		p.unplace(e)
		p.stats.ScaledDown++
		p.retire(e, CauseScaledDown, t)
	}
}
