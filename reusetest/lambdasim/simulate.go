package lambdasim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/lambda-reuse/lambda-reuse/internal/minheap"
	"github.com/lambda-reuse/lambda-reuse/internal/simcall"
	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
)

// ArrivalsFixed is how a summary names the arrivals of a steady schedule
// (call i at exactly i / rate); other schedules go by their kind.
const ArrivalsFixed = "fixed"

// DefaultSeed is the seed when none is given: 0, the zero value of
// Options.Seed, like every other default of Options.
const DefaultSeed = 0

// Epoch is virtual time zero, written into records as a UTC wall time. It is
// the 2021 experiment's year, so simulated records read as from that world.
var Epoch = simcall.Epoch

// Options configures a simulation. The zero value is the default: profile
// DefaultProfile, placement DefaultPlacement, seed 0.
type Options struct {
	// Profile names the parameter set; see ProfileNames.
	Profile string
	// Placement names the rule among idle environments; see Placement. ""
	// is the profile's own rule, else DefaultPlacement.
	Placement string
	// Seed seeds all of the model's randomness; it is written into the summary.
	Seed uint64
}

// Simulation is a validated, ready-to-run simulation.
type Simulation struct {
	schedule  schedule.Schedule
	plan      schedule.Plan // the schedule in brief
	profile   Profile
	placement Placement
	seed      uint64
	// special is a run that models failures or runs on Managed
	// Instances; in any other, a call's memory, fate and calls in flight
	// stay zero (a field, not a local of the model's loop: one less to
	// keep across its calls).
	special bool
}

// New checks schedule and opts and returns a simulation of the schedule's
// calls, or an error naming every bad value.
func New(sched schedule.Schedule, opts Options) (*Simulation, error) {
	var errs []error
	if err := schedule.ValidateSchedule(sched); err != nil {
		errs = append(errs, err)
	}
	profile, placement, err := Resolve(opts.Profile, opts.Placement)
	if err != nil {
		errs = append(errs, err)
	} else if sched != nil {
		errs = append(errs, checkTenancy(sched, profile))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("simulation: %w", err)
	}
	return newSimulation(sched, profile, placement, opts.Seed), nil
}

// NewOf is New for a profile held in hand (one being fitted, say) rather
// than named.
func NewOf(sched schedule.Schedule, profile Profile, placement Placement, seed uint64) (*Simulation, error) {
	errs := []error{schedule.ValidateSchedule(sched), profile.Validate()}
	if sched != nil {
		errs = append(errs, checkTenancy(sched, profile))
	}
	if placement == "" {
		errs = append(errs, errors.New("no placement rule given"))
	} else if _, err := ParsePlacement(string(placement)); err != nil {
		errs = append(errs, fmt.Errorf("placement %q: %w", placement, err))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("simulation: %w", err)
	}
	return newSimulation(sched, profile, placement, seed), nil
}

// newSimulation is the simulation of checked sched, profile and placement.
func newSimulation(sched schedule.Schedule, profile Profile, placement Placement, seed uint64) *Simulation {
	return &Simulation{schedule: sched, plan: sched.Plan(), profile: profile, placement: placement, seed: seed,
		special: profile.ModelsFailures() || profile.Managed != nil}
}

// checkTenancy refuses calls with tenants under a profile with provisioned
// concurrency: a function in tenant isolation mode cannot have it
// (docs/sources.md [S13]).
func checkTenancy(sched schedule.Schedule, profile Profile) error {
	if schedule.TenantOf(sched) == nil {
		return nil
	}
	if err := CheckTenantIsolation(profile); err != nil {
		return fmt.Errorf("the calls carry tenants: %w", err)
	}
	return nil
}

// CheckTenantIsolation reports why a function in tenant isolation mode
// cannot run under profile: it has provisioned concurrency, which the mode
// excludes (docs/sources.md [S13]).
func CheckTenantIsolation(profile Profile) error {
	if profile.Provisioned > 0 {
		return fmt.Errorf("profile %s has %d provisioned environments: a function in tenant isolation mode cannot have provisioned concurrency", profile.Name, profile.Provisioned)
	}
	if profile.Managed != nil {
		return fmt.Errorf("profile %s runs on Managed Instances: the model has no tenant isolation there (AWS documents the mode for Lambda's own environments)", profile.Name)
	}
	return nil
}

// FirstCalls limits the simulation to the schedule's first n calls (seqs 0
// to n-1): the part of a run a log's records cover. n past the schedule's
// calls changes nothing.
func (s *Simulation) FirstCalls(n int64) {
	s.plan.Calls = max(0, min(n, s.plan.Calls))
}

// Describe is the simulator section of the run's summary.
func (s *Simulation) Describe() *summary.Simulator {
	arrivals := s.schedule.Spec().Kind
	if arrivals == schedule.KindSteady {
		arrivals = ArrivalsFixed
	}
	return &summary.Simulator{
		Seed:             s.seed,
		Profile:          s.profile.Name,
		Placement:        string(s.placement),
		Arrivals:         arrivals,
		IdleTimeout:      s.profile.IdleTimeout.String(),
		MaxLifetime:      s.profile.MaxLifetime.String(),
		InitLatency:      s.profile.InitLatency.String(),
		WarmOverhead:     s.profile.WarmOverhead.String(),
		FrontDoorLatency: s.profile.FrontDoorLatency.String(),
		ConcurrencyLimit: s.profile.ConcurrencyLimit,
		ScalingRate:      s.profile.ScalingRate,
		ProactiveShare:   s.profile.ProactiveShare,
		Provisioned:      s.profile.Provisioned,
		NotModelled:      s.profile.NotModelled(),
		ProfileFile:      json.RawMessage(s.profile.File),
	}
}

// batchSize is how many records the simulating goroutine hands over at once.
const batchSize = 1024

// Run simulates the plan and passes each call's record to emit, which must
// not keep the pointer. Records come in the order calls reach the front
// door, which is seq order unless latency reorders them. Run checks ctx
// every 65,536 calls and returns its error if it is done; it returns the
// pool's own counts.
//
// The model runs on a goroutine of its own and hands records over in
// batches; emit is called on the caller's goroutine, one record at a time,
// in order. So a summary (or any analysis) of the records runs beside the
// model on a second core, and a run's result is the same however many cores
// there are.
func (s *Simulation) Run(ctx context.Context, emit func(*record.Record)) (Stats, error) {
	var rec record.Record // reused: every field that varies is set for each call
	return s.stream(ctx, func(batch []simcall.Call) {
		for i := range batch {
			batch[i].Record(&rec)
			emit(&rec)
		}
	})
}

// SummarizeInto runs the simulation into sum, as Run(ctx, sum.Add) does,
// with the same result, without making each call a record first: sum
// reads the model's calls as they are.
func (s *Simulation) SummarizeInto(ctx context.Context, sum *summary.Summarizer) (Stats, error) {
	return s.stream(ctx, sum.AddCalls)
}

// stream runs the model on a goroutine of its own and passes its calls to
// consume, a batch at a time, in order, on the caller's goroutine.
func (s *Simulation) stream(ctx context.Context, consume func([]simcall.Call)) (Stats, error) {
	b := &batcher{full: make(chan []simcall.Call, 4), free: make(chan []simcall.Call, 4), stop: make(chan struct{})}
	for range cap(b.free) {
		b.free <- make([]simcall.Call, 0, batchSize)
	}
	type result struct {
		stats Stats
		err   error
	}
	done := make(chan result, 1)
	go func() {
		b.batch = <-b.free
		stats, err := s.run(ctx, b)
		if len(b.batch) > 0 {
			select {
			case b.full <- b.batch:
			case <-b.stop:
			}
		}
		close(b.full)
		done <- result{stats, err}
	}()
	defer close(b.stop) // whatever consume does (a test's Fatal, say), the model stops
	for batch := range b.full {
		consume(batch)
		b.free <- batch[:0]
	}
	r := <-done
	if f, ok := schedule.FailingOf(s.schedule); ok && r.err == nil && f.Err() != nil {
		r.err = f.Err()
	}
	return r.stats, r.err
}

// batcher hands the model's calls over in batches. The model writes each
// call in place, in the next slot of the batch; slots are reused from
// batch to batch, so the model sets every field for each call.
type batcher struct {
	batch      []simcall.Call
	full, free chan []simcall.Call
	stop       chan struct{}
}

// slot returns the next call to fill, handing a full batch over first;
// nil when the calls are no longer wanted. Its common path is small enough
// to be inlined in the model's loop.
func (b *batcher) slot() *simcall.Call {
	if len(b.batch) == batchSize {
		return b.handOver()
	}
	b.batch = b.batch[:len(b.batch)+1]
	return &b.batch[len(b.batch)-1]
}

// handOver passes a full batch on and starts the next.
func (b *batcher) handOver() *simcall.Call {
	select {
	case b.full <- b.batch:
	case <-b.stop:
		return nil
	}
	select {
	case b.batch = <-b.free:
	case <-b.stop:
		return nil
	}
	b.batch = b.batch[:1]
	return &b.batch[0]
}

// run is the model itself: it writes each call into the slot out gives,
// and stops when out gives none.
func (s *Simulation) run(ctx context.Context, out *batcher) (Stats, error) {
	rng := NewRand(s.seed)
	pool, err := NewPool(s.profile, s.placement, rng)
	if err != nil {
		return Stats{}, err
	}
	lat := s.profile.FrontDoorLatency
	calls := newFeed(s.schedule, s.plan)
	defer calls.close()
	tenantOf := schedule.TenantOf(s.schedule)

	var (
		arriving minheap.Queue[timing] // sent calls, keyed by arrival at the front door, then seq
		busy     minheap.Queue[*Env]   // keyed by when their call finishes
		next     int64
	)
	var pending timing
	if s.plan.Calls > 0 {
		pending = calls.next()
	}
	var a minheap.Item[timing] // the next call to arrive
	for next < s.plan.Calls || arriving.Len() > 0 {
		if arriving.Len() == 0 {
			// The next call arrives first unless the one after it is sent
			// before it arrives (the front door's latency can reorder
			// them): then the calls on their way are ordered.
			a = minheap.Item[timing]{Key: int64(pending.Due + lat.Sample(rng)), Tie: next, Value: pending}
			if next++; next < s.plan.Calls {
				pending = calls.next()
			}
			if next&0xffff == 0 {
				if err := s.stopped(ctx); err != nil {
					return pool.Stats(), err
				}
			}
			if next < s.plan.Calls && int64(pending.Due) <= a.Key {
				if !arriving.TryPush(a.Key, a.Tie, a.Value) {
					arriving.Push(a.Key, a.Tie, a.Value)
				}
				continue
			}
		} else {
			// Every call not yet generated is sent after pending's and so
			// arrives after it: generate until the earliest arrival is known.
			for next < s.plan.Calls && int64(pending.Due) <= arriving.Next() {
				if at := int64(pending.Due + lat.Sample(rng)); !arriving.TryPush(at, next, pending) {
					arriving.Push(at, next, pending)
				}
				if next++; next < s.plan.Calls {
					pending = calls.next()
				}
				if next&0xffff == 0 {
					if err := s.stopped(ctx); err != nil {
						return pool.Stats(), err
					}
				}
			}
			var ok bool
			if a, ok = arriving.TryPop(); !ok {
				a = arriving.Pop()
			}
		}
		seq, sent, handler, arrive := a.Tie, a.Value.Due, a.Value.Handler, time.Duration(a.Key)
		tenant := ""
		if tenantOf != nil {
			tenant = tenantOf(seq)
		}
		for busy.Next() <= int64(arrive) {
			b, ok := busy.TryPop()
			if !ok {
				b = busy.Pop()
			}
			pool.Release(b.Value, time.Duration(b.Key))
		}
		c := out.slot()
		if c == nil {
			return pool.Stats(), ctx.Err()
		}
		c.Seq, c.Sent = seq, sent
		if tenantOf != nil { // else it stays "", as every slot starts
			c.Tenant = tenant
		}
		env, cold, err := pool.Acquire(arrive, tenant)
		if err != nil {
			c.Done, c.Env, c.MemoryMB, c.Fate = arrive+lat.Sample(rng), nil, 0, simcall.FatePlain
			continue
		}
		var finish time.Duration
		if !s.special {
			finish = arrive + s.profile.serviceTime(rng, handler, cold)
			c.Env, c.Invocation = env.callEnv(), env.Invocations
			c.InFlight, c.MaxConc = 0, 0
		} else {
			finish = s.serveSpecial(c, rng, env, arrive, handler, cold)
		}
		if !busy.TryPush(int64(finish), seq, env) {
			busy.Push(int64(finish), seq, env)
		}
		c.Done = finish + lat.Sample(rng)
	}
	return pool.Stats(), nil
}

// serveSpecial fills in call c, which reached env at arrive (cold: env
// started for it), in a special run: on Managed Instances (its calls in
// flight), or one that models failures (its memory and fate). It returns
// when its service ends. Apart from the model's loop, which it would
// lengthen for every run.
//
//go:noinline
func (s *Simulation) serveSpecial(c *simcall.Call, rng *Rand, env *Env, arrive, handler time.Duration, cold bool) time.Duration {
	if s.profile.Managed != nil {
		c.Env, c.Invocation = env.callEnv(), env.Invocations
		c.InFlight, c.MaxConc = env.InFlight(), s.profile.Capacity()
		return arrive + s.profile.serviceTime(rng, handler, cold)
	}
	o := s.profile.serve(rng, s.seed, env, arrive, handler, cold)
	c.Env, c.Invocation, c.MemoryMB, c.Fate = o.env, o.invocation, o.memMB, o.fate
	c.InFlight, c.MaxConc = 0, 0
	return arrive + o.busy
}

// stopped is why the run must stop: ctx is done, or the schedule's file
// failed.
func (s *Simulation) stopped(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if f, ok := schedule.FailingOf(s.schedule); ok && f.Err() != nil {
		return f.Err()
	}
	return nil
}

// Summarize runs the simulation into a summary.
func (s *Simulation) Summarize(ctx context.Context) (summary.Summary, error) {
	sum := summary.NewSummarizer(s.schedule, "simulator", s.Describe())
	if _, err := s.SummarizeInto(ctx, sum); err != nil {
		return summary.Summary{}, err
	}
	return sum.Summary(), nil
}
