package lambdasim

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/lambda-reuse/lambda-reuse/internal/simcall"
	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdaapi"
	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
)

// Placement is the rule that picks which idle environment serves a call.
// No authoritative statement exists (docs/sources.md), so it is a parameter.
type Placement string

// The placement rules.
const (
	// MostRecentlyUsed picks the environment that went idle last. The 2021
	// data's skew (median above mean) fits it best.
	MostRecentlyUsed Placement = "mru"
	// LeastRecentlyUsed picks the environment idle longest (round robin).
	LeastRecentlyUsed Placement = "lru"
	// Random picks uniformly among idle environments.
	Random Placement = "random"
	// NewestCreated picks the youngest idle environment (SimFaaS's rule;
	// docs/sources.md [S9]).
	NewestCreated Placement = "newest"
	// DefaultPlacement is used when none is named.
	DefaultPlacement = MostRecentlyUsed
)

// placements is the one list of placement rules: flags, commands and errors
// name them from it.
var placements = []Placement{MostRecentlyUsed, LeastRecentlyUsed, Random, NewestCreated}

// PlacementNames lists the placement rules' names.
func PlacementNames() []string {
	names := make([]string, len(placements))
	for i, p := range placements {
		names[i] = string(p)
	}
	return names
}

// ParsePlacement checks a placement name; "" names DefaultPlacement.
func ParsePlacement(s string) (Placement, error) {
	if s == "" {
		return DefaultPlacement, nil
	}
	for _, p := range placements {
		if string(p) == s {
			return p, nil
		}
	}
	return "", fmt.Errorf("unknown placement %q (known: %s)", s, strings.Join(PlacementNames(), ", "))
}

// Cause is why an environment ended.
type Cause string

// The causes.
const (
	CauseIdle     Cause = "idle"     // idle longer than its idle timeout
	CauseLifetime Cause = "lifetime" // reached its maximum lifetime
	CauseCrash    Cause = "crash"    // its process exited (a panic, an os.Exit)
	CauseTimeout  Cause = "timeout"  // killed for running past the function timeout
	// CauseScaledDown: Managed Instances' scaler removed it, idle.
	CauseScaledDown Cause = "scaled-down"
	// CauseRefused: its driver could not start what stands behind it (a
	// local host at its bound on processes); the call was throttled.
	CauseRefused Cause = "refused"
)

// Env is one execution environment. Its fields are the model's; a driver
// may read them but not change them.
type Env struct {
	// ID is a 128-bit random id in hex, as the probe reports instance_id.
	ID string
	// LogStream mimics the environment's CloudWatch log stream name.
	LogStream string
	// Created is when the environment was created.
	Created time.Duration
	// Invocations counts the calls it was given, the current one included.
	Invocations int64
	// Provisioned says it is one of the provisioned concurrency
	// (Profile.Provisioned): initialised ahead, kept ready.
	Provisioned bool
	// Tenant is the one tenant it serves (a function in tenant isolation
	// mode); "" for an environment of a function without.
	Tenant string

	serial   int64
	maxLife  time.Duration
	inflight int           // calls in flight in it now
	deadline time.Duration // while idle: when it ends
	cause    Cause         // while idle: why it would end at deadline
	key      int64         // its key in its placement set
	placed   bool          // in its placement set: it has room for a call
	endAt    int           // while idle: its index in the pool's heap of deadlines
	call     simcall.Env   // what its calls' records say of it, from its first call on
	gen      *generation   // its runtime generation, when the profile models failures
}

// callEnv is what e's calls' records say of it.
func (e *Env) callEnv() *simcall.Env {
	if e.call.InstanceID == "" {
		e.call = simcall.Env{InstanceID: e.ID, LogStream: e.LogStream, InitAt: e.Created, InitType: e.InitType()}
	}
	return &e.call
}

// Capacity is the most calls one environment of the pool serves at once.
func (p *Pool) Capacity() int { return p.capacity }

// InFlight is how many calls e is serving now.
func (e *Env) InFlight() int { return e.inflight }

// InitType is how e started, as its runtime would say
// (AWS_LAMBDA_INITIALIZATION_TYPE).
func (e *Env) InitType() record.InitType {
	if e.Provisioned {
		return record.InitProvisioned
	}
	return record.InitOnDemand
}

// Stats counts what a pool did.
type Stats struct {
	// Started is the number of environments created, those started
	// proactively and the provisioned ones included.
	Started int64
	// Proactive is the number of environments started proactively: as
	// replacements, before anyone asked (Profile.ProactiveShare).
	Proactive int64
	// Provisioned is the number of provisioned environments created: the
	// profile's count at the start, and each replacement.
	Provisioned int64
	// Retired counts ended environments by cause.
	Retired map[Cause]int64
	// Throttled is the number of calls refused: at the concurrency limit,
	// the scaling rate or the tenant cap.
	Throttled int64
	// TenantCapped is the number of those refused at the tenant cap
	// (Profile.TenantCap): a new tenant's environment would have been one
	// too many.
	TenantCapped int64
	// ScaledUp and ScaledDown count the environments Managed Instances'
	// scaler added (those it started with and replacements included) and
	// removed.
	ScaledUp, ScaledDown int64
	// Busy and Idle are the environments alive now, by state.
	Busy, Idle int
}

// Pool is the model of one function's environments. It never reads a
// clock: callers pass the current time, as an offset from the pool's start,
// and should not pass a time earlier than one passed before. (A driver
// whose calls reach it slightly out of order, the served pool, may pass an
// acquisition time a little earlier than the last: the call is then served
// from the environments as they are.) It is not safe for concurrent use.
type Pool struct {
	profile   Profile
	placement Placement
	order     placeOrder // the placement rule's order, for the per-call switch
	rng       *Rand
	byPlace   envSet             // on-demand environments with room for a call (idle, at capacity 1), by placement key
	provPlace envSet             // provisioned environments with room, by placement key
	provReady bool               // the provisioned environments were created
	byEnd     endHeap            // idle environments, by deadline
	byTenant  map[string]*envSet // tenant environments with room, per tenant, by placement key
	held      *Env               // the environment released last, idle outside the sets (mayHold)
	wake      time.Duration      // no idle environment ends before it: Expire has nothing to do sooner
	hold      bool               // the pool may hold one: environments of one call at a time, a rule that orders them
	tenantEnv int                // tenant environments alive, busy or idle
	busy      int                // calls in flight
	peak      int                // the most calls in flight since the scaler last looked
	capacity  int                // the most calls an environment serves at once
	managed   *Managed
	mstate    managedState
	envsAlive int // environments created and not yet retired
	serial    int64
	stats     Stats
	starts    []time.Duration // the latest on-demand starts, a ring of ScalingRate
	startsAt  int             // the ring's oldest entry, once it is full
	onRetire  func(*Env, Cause, time.Duration)
	onStart   func(*Env)
}

// NewPool returns an empty pool. rng drives every random choice, so a seeded
// rng gives a reproducible pool.
func NewPool(profile Profile, placement Placement, rng *Rand) (*Pool, error) {
	if err := profile.Validate(); err != nil {
		return nil, err
	}
	if placement == "" {
		return nil, errors.New("new pool: no placement rule given")
	}
	if _, err := ParsePlacement(string(placement)); err != nil {
		return nil, fmt.Errorf("new pool: %w", err)
	}
	return &Pool{
		profile:   profile,
		placement: placement,
		order:     orderOf(placement),
		hold:      profile.Capacity() == 1 && profile.Managed == nil && orderOf(placement) != anyOrder,
		rng:       rng,
		byTenant:  map[string]*envSet{},
		capacity:  profile.Capacity(),
		managed:   profile.Managed,
		stats:     Stats{Retired: map[Cause]int64{}},
	}, nil
}

// OnRetire registers f to be called whenever an environment ends, so a
// driver can stop what stands behind it (a process, say).
func (p *Pool) OnRetire(f func(e *Env, cause Cause, now time.Duration)) { p.onRetire = f }

// OnProactiveStart registers f to be called whenever the pool starts an
// environment proactively (idle, with no call yet), so a driver can start
// what stands behind it.
func (p *Pool) OnProactiveStart(f func(e *Env)) { p.onStart = f }

// Acquire gives a call arriving at now an environment: an idle provisioned
// one, else an idle on-demand one, each chosen by the placement rule, else
// a new one (cold is true), else lambdaapi.ErrThrottled (the front door's own
// sentinel, so a driver passes it on as it is). A call of a tenant (tenant
// isolation mode) takes only an idle environment of its tenant, and a new
// one only under the tenant cap.
func (p *Pool) Acquire(now time.Duration, tenant string) (e *Env, cold bool, err error) {
	if now >= p.wake || p.managed != nil {
		p.Expire(now) // the first call provisions; Managed Instances' scaler looks each time
	}
	var idle *envSet
	switch {
	case tenant != "":
		idle = p.byTenant[tenant]
	case p.provPlace.n > 0:
		idle = &p.provPlace
	default:
		if e = p.held; e != nil {
			if p.byPlace.n == 0 || p.byPlace.less(e, p.byPlace.first()) {
				// The rule's choice is the environment released last
				// (most recently used, the commonest): it was never placed.
				p.held = nil
				e.inflight, e.Invocations = 1, e.Invocations+1
				p.busy++
				p.peak = max(p.peak, p.busy)
				return e, false, nil
			}
			p.place(e)
		}
		idle = &p.byPlace
	}
	if idle != nil && idle.n > 0 {
		i := 0
		if p.order == anyOrder {
			i = p.rng.IntN(idle.n) // any of them: a uniform choice
		}
		e = idle.at(i)
		if e.inflight == 0 {
			p.byEnd.remove(e)
		}
		e.inflight++
		if e.inflight >= p.capacity {
			p.unplace(e) // full: no room for another call
		}
		e.Invocations++
		p.busy++
		p.peak = max(p.peak, p.busy)
		return e, false, nil
	}
	if p.managed != nil {
		// Managed Instances start no environment for a call: the scaler
		// adds them on its own time ([S14]).
		p.stats.Throttled++
		return nil, false, lambdaapi.ErrThrottled
	}
	if p.busy >= p.profile.ConcurrencyLimit {
		p.stats.Throttled++
		return nil, false, lambdaapi.ErrThrottled
	}
	if tenant != "" && p.tenantEnv >= p.profile.TenantCap() {
		p.stats.Throttled++
		p.stats.TenantCapped++
		return nil, false, lambdaapi.ErrThrottled
	}
	if !p.mayStart(now) {
		p.stats.Throttled++
		return nil, false, lambdaapi.ErrThrottled
	}
	e = p.newEnv(now, tenant)
	e.Invocations, e.inflight = 1, 1
	p.busy++
	p.peak = max(p.peak, p.busy)
	if p.capacity > 1 {
		p.placeOf(e).insert(e) // room for more calls beside this one
	}
	return e, true, nil
}

// mayStart reports whether the scaling rate allows an on-demand start at
// now, and if so counts it.
func (p *Pool) mayStart(now time.Duration) bool {
	if len(p.starts) < p.profile.ScalingRate {
		p.starts = append(p.starts, now)
		return true
	}
	if now-p.starts[p.startsAt] < scalingWindow {
		return false
	}
	p.starts[p.startsAt] = now
	p.startsAt = (p.startsAt + 1) % len(p.starts)
	return true
}

// newEnv creates an environment of tenant ("" for none) initialised at
// created.
func (p *Pool) newEnv(created time.Duration, tenant string) *Env {
	p.serial++
	e := &Env{
		ID:      fmt.Sprintf("%016x%016x", p.rng.Uint64(), p.rng.Uint64()),
		Created: created,
		Tenant:  tenant,
		serial:  p.serial,
		maxLife: p.profile.MaxLifetime.Sample(p.rng),
	}
	if tenant != "" {
		p.tenantEnv++
	}
	p.envsAlive++
	e.LogStream = "2021/01/01/[$LATEST]" + e.ID
	p.stats.Started++
	return e
}

// Release returns e, one of whose calls finished at now, to the pool: with
// room for another call, and idle when none is left in flight; past its
// maximum lifetime it takes no new call and is retired once idle.
func (p *Pool) Release(e *Env, now time.Duration) {
	if e.inflight == 0 {
		panic("lambdasim: release of an environment that is not busy")
	}
	e.inflight--
	p.busy--
	if now >= e.Created+e.maxLife {
		if e.placed {
			p.unplace(e)
		}
		if e.inflight == 0 {
			p.retire(e, CauseLifetime, now)
		}
		return
	}
	if e.placed {
		p.unplace(e) // placed again below, keyed anew
	}
	if e.inflight > 0 {
		e.key = p.placeKey(e, now)
		p.placeOf(e).insert(e)
		return
	}
	p.goIdle(e, now)
	if p.mayHold(e) {
		if p.held != nil {
			p.place(p.held)
		}
		p.held, p.wake = e, min(p.wake, e.deadline)
		return
	}
	p.place(e)
}

// mayHold reports whether e, released idle, may wait outside the idle sets
// until the next call (hold): an on-demand environment of one call at a
// time, of no tenant, under a rule that orders them.
func (p *Pool) mayHold(e *Env) bool {
	return p.hold && e.Tenant == "" && !e.Provisioned
}

// place puts the held environment into the idle sets.
func (p *Pool) place(e *Env) {
	if p.held == e {
		p.held = nil
	}
	p.placeOf(e).insert(e)
	p.byEnd.insert(e)
	p.wake = min(p.wake, e.deadline)
}

// placeOrder is the order a placement rule takes idle environments in.
type placeOrder uint8

const (
	latestFreed   placeOrder = iota // most recently used first
	earliestFreed                   // least recently used first
	newestMade                      // youngest first
	anyOrder                        // a uniform choice: the order is unused
)

// orderOf is the order placement takes environments in.
func orderOf(placement Placement) placeOrder {
	switch placement {
	case MostRecentlyUsed:
		return latestFreed
	case LeastRecentlyUsed:
		return earliestFreed
	case NewestCreated:
		return newestMade
	}
	return anyOrder
}

// placeKey is e's key in its placement set from now: the placement rule's.
func (p *Pool) placeKey(e *Env, now time.Duration) int64 {
	switch p.order {
	case latestFreed:
		return -int64(now)
	case earliestFreed:
		return int64(now)
	case newestMade:
		return -int64(e.Created)
	}
	return 0 // random: Acquire picks a uniform slot; the order is unused
}

// goIdle makes e idle from now, with the deadline at which it ends (idle
// timeout or maximum lifetime, whichever comes first; a provisioned
// environment never idles out), and its place in the idle sets; its
// caller places it (place) or holds it.
func (p *Pool) goIdle(e *Env, now time.Duration) {
	end := e.Created + e.maxLife
	if e.Provisioned || p.managed != nil {
		e.deadline, e.cause = end, CauseLifetime
	} else {
		e.deadline, e.cause = now+p.profile.IdleTimeout.Sample(p.rng), CauseIdle
		if end < e.deadline {
			e.deadline, e.cause = end, CauseLifetime
		}
	}
	e.key = p.placeKey(e, now)
}

// placeOf is the placement set e idles in, made for its tenant's first.
func (p *Pool) placeOf(e *Env) *envSet {
	switch {
	case e.Tenant != "":
		h := p.byTenant[e.Tenant]
		if h == nil {
			h = &envSet{}
			p.byTenant[e.Tenant] = h
		}
		return h
	case e.Provisioned:
		return &p.provPlace
	}
	return &p.byPlace
}

// unplace takes e out of its placement set; a tenant's set left empty
// goes, so memory follows the environments alive.
func (p *Pool) unplace(e *Env) {
	h := p.placeOf(e)
	h.remove(e)
	if e.Tenant != "" && h.n == 0 {
		delete(p.byTenant, e.Tenant)
	}
}

// provision creates the provisioned environments, once, when the pool is
// first used (so a driver's OnProactiveStart sees them): initialised
// ahead, idle and ready at now.
func (p *Pool) provision(now time.Duration) {
	if p.provReady {
		return
	}
	p.provReady = true
	for range p.profile.Provisioned {
		p.startProvisioned(now)
	}
}

// startProvisioned creates one provisioned environment, ready at at.
func (p *Pool) startProvisioned(at time.Duration) {
	e := p.newEnv(at, "")
	e.maxLife = max(e.maxLife, minRecycledLifetime)
	e.Provisioned = true
	e.LogStream = "2021/01/01/[1]" + e.ID
	p.stats.Provisioned++
	p.goIdle(e, at)
	p.place(e)
	if p.onStart != nil {
		p.onStart(e)
	}
}

// minRecycledLifetime floors the lifetime of an environment that is
// replaced at once when it reaches it (provisioned, Managed Instances): a
// profile whose lifetimes can be 0 would otherwise replace one forever at
// the same instant.
const minRecycledLifetime = time.Minute

// Discard ends e, busy or idle, for a cause outside the model (its process
// crashed or was killed at the function timeout). Discarding an environment
// that already ended does nothing.
func (p *Pool) Discard(e *Env, cause Cause, now time.Duration) {
	switch {
	case e.inflight > 0:
		p.busy -= e.inflight
		e.inflight = 0
		if e.placed {
			p.unplace(e)
		}
	case e == p.held:
		p.held = nil
	case e.endAt >= 0 && e.endAt < len(p.byEnd.items) && p.byEnd.items[e.endAt] == e:
		p.byEnd.remove(e)
		p.unplace(e)
	default:
		return // already retired
	}
	p.retire(e, cause, now)
}

// Expire ends every idle environment whose deadline is at or before now.
func (p *Pool) Expire(now time.Duration) {
	p.provision(now)
	if p.managed != nil {
		p.scale(now)
	}
	if p.held != nil && p.held.deadline <= now {
		p.place(p.held) // retired below, in its turn
	}
	for len(p.byEnd.items) > 0 && p.byEnd.first().deadline <= now {
		e := p.byEnd.first()
		p.byEnd.remove(e)
		p.unplace(e)
		p.retire(e, e.cause, e.deadline)
	}
	// The next end: a bound kept low as environments go idle (not raised
	// as they are taken, so Expire may look once for nothing), made exact
	// here.
	p.wake = math.MaxInt64
	if len(p.byEnd.items) > 0 {
		p.wake = p.byEnd.first().deadline
	}
	if p.held != nil {
		p.wake = min(p.wake, p.held.deadline)
	}
}

func (p *Pool) retire(e *Env, cause Cause, at time.Duration) {
	p.stats.Retired[cause]++
	p.envsAlive--
	if e.Tenant != "" {
		p.tenantEnv--
	}
	if p.onRetire != nil {
		p.onRetire(e, cause, at)
	}
	if p.managed != nil {
		if cause == CauseLifetime {
			// Recycled at its age, replaced at once (an assumption: AWS
			// documents the scaler's signals, not the recycling).
			p.startManaged(at, at)
		}
		return
	}
	if e.Provisioned {
		// Lambda keeps the provisioned count: a replacement, initialised
		// ahead, is ready as the old one leaves (an assumption: AWS
		// documents the count, not how it recycles them).
		p.startProvisioned(at)
		return
	}
	if cause == CauseLifetime && p.profile.ProactiveShare > 0 && p.rng.Float64() < p.profile.ProactiveShare {
		p.startProactive(at, e.Tenant)
	}
}

// startProactive starts the replacement of an environment of tenant
// retired for its age at `at`: initialised ProactiveLead earlier, in the
// background, it joins the idle pool as the old one leaves. A tenant's
// replacement serves the same tenant, under the tenant cap (an assumption:
// AWS documents neither).
func (p *Pool) startProactive(at time.Duration, tenant string) {
	if tenant != "" && p.tenantEnv >= p.profile.TenantCap() {
		return
	}
	e := p.newEnv(max(0, at-p.profile.ProactiveLead.Sample(p.rng)), tenant)
	p.stats.Proactive++
	p.goIdle(e, at)
	p.place(e)
	if p.onStart != nil {
		p.onStart(e)
	}
}

// Stats returns what the pool has done so far.
func (p *Pool) Stats() Stats {
	s := p.stats
	s.Retired = map[Cause]int64{CauseIdle: s.Retired[CauseIdle], CauseLifetime: s.Retired[CauseLifetime],
		CauseCrash: s.Retired[CauseCrash], CauseTimeout: s.Retired[CauseTimeout], CauseScaledDown: s.Retired[CauseScaledDown], CauseRefused: s.Retired[CauseRefused]}
	s.Idle = len(p.byEnd.items) // every idle environment waits for its end there, but the one held
	if p.held != nil {
		s.Idle++
	}
	s.Busy = p.envsAlive - s.Idle
	return s
}

// envSet is a set of environments ordered by key, then by creation
// (serial), so runs are reproducible: the placement rule's order. It is
// held sorted in a slice with room at both ends: the pool's common moves
// are at either end (the most or least recently used) and cost O(1); any
// other costs a shift of the items on one side of it.
type envSet struct {
	buf   []*Env // the set is buf[lo:lo+n], in order
	lo, n int
}

// less orders a before b.
func (s *envSet) less(a, b *Env) bool {
	return a.key < b.key || a.key == b.key && a.serial < b.serial
}

// at is the set's i-th environment in order; first is the 0th.
func (s *envSet) at(i int) *Env { return s.buf[s.lo+i] }
func (s *envSet) first() *Env   { return s.buf[s.lo] }

// search is the index of the first environment not ordered before e.
func (s *envSet) search(e *Env) int {
	items := s.buf[s.lo : s.lo+s.n]
	i, j := 0, len(items)
	for i < j {
		h := int(uint(i+j) >> 1)
		if s.less(items[h], e) {
			i = h + 1
		} else {
			j = h
		}
	}
	return i
}

// insert adds e, which is not in the set.
func (s *envSet) insert(e *Env) {
	e.placed = true
	switch {
	case s.n == 0 || !s.less(e, s.buf[s.lo+s.n-1]): // after the last
		if s.lo+s.n == len(s.buf) {
			s.room()
		}
		s.buf[s.lo+s.n] = e
		s.n++
		return
	case s.less(e, s.buf[s.lo]): // before the first
		if s.lo == 0 {
			s.room()
		}
		s.lo--
		s.buf[s.lo] = e
		s.n++
		return
	}
	if s.lo+s.n == len(s.buf) {
		s.room()
	}
	s.n++
	items := s.buf[s.lo : s.lo+s.n]
	i := len(items) - 1
	for ; i > 0 && s.less(e, items[i-1]); i-- {
		items[i] = items[i-1] // the later ones one up
	}
	items[i] = e
}

// room makes room at both ends: the set centred in its slice, or in one
// twice its size when it fills half of it.
func (s *envSet) room() {
	buf, same := s.buf, 2*s.n+2 <= len(s.buf)
	if !same {
		buf = make([]*Env, max(8, 4*s.n))
	}
	lo := (len(buf) - s.n) / 2
	copy(buf[lo:lo+s.n], s.buf[s.lo:s.lo+s.n]) // copy handles the overlap
	if same {
		clear(buf[:lo])
		clear(buf[lo+s.n:])
	}
	s.buf, s.lo = buf, lo
}

// remove takes e, which is in the set, out of it.
func (s *envSet) remove(e *Env) {
	e.placed = false
	s.n--
	switch {
	case s.buf[s.lo] == e:
		s.buf[s.lo] = nil
		s.lo++
	case s.buf[s.lo+s.n] == e:
		s.buf[s.lo+s.n] = nil
	default:
		items := s.buf[s.lo : s.lo+s.n+1]
		i := s.search(e)
		if i < len(items)/2 {
			for ; i > 0; i-- {
				items[i] = items[i-1] // the earlier ones one up
			}
			items[0] = nil
			s.lo++
		} else {
			for ; i < len(items)-1; i++ {
				items[i] = items[i+1] // the later ones one down
			}
			items[len(items)-1] = nil
		}
	}
	if s.n == 0 {
		s.lo = len(s.buf) / 2
	}
}

// endHeap is a min-heap of idle environments by deadline, then creation,
// each one's index kept in endAt so any can be taken out: its pushes come
// in no useful order (a deadline is an idle time drawn), which a heap
// takes in O(log n) whatever it is.
type endHeap struct {
	items []*Env
}

func (h *endHeap) less(i, j int) bool {
	a, b := h.items[i], h.items[j]
	return a.deadline < b.deadline || a.deadline == b.deadline && a.serial < b.serial
}

func (h *endHeap) swap(i, j int) {
	h.items[i], h.items[j] = h.items[j], h.items[i]
	h.items[i].endAt = i
	h.items[j].endAt = j
}

// first is the environment with the earliest deadline.
func (h *endHeap) first() *Env { return h.items[0] }

// insert adds e, which is not in the heap.
func (h *endHeap) insert(e *Env) {
	e.endAt = len(h.items)
	h.items = append(h.items, e)
	h.up(e.endAt)
}

// remove takes e, which is in the heap, out of it.
func (h *endHeap) remove(e *Env) {
	i, last := e.endAt, len(h.items)-1
	if i != last {
		h.swap(i, last)
	}
	h.items[last] = nil
	h.items = h.items[:last]
	e.endAt = -1
	if i < last {
		h.down(i)
		h.up(i)
	}
}

func (h *endHeap) up(i int) {
	for i > 0 {
		parent := (i - 1) / 2
		if !h.less(i, parent) {
			return
		}
		h.swap(i, parent)
		i = parent
	}
}

func (h *endHeap) down(i int) {
	n := len(h.items)
	for {
		l, r, smallest := 2*i+1, 2*i+2, i
		if l < n && h.less(l, smallest) {
			smallest = l
		}
		if r < n && h.less(r, smallest) {
			smallest = r
		}
		if smallest == i {
			return
		}
		h.swap(i, smallest)
		i = smallest
	}
}
