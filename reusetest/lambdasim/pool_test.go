package lambdasim

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdaapi"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// testProfile has fixed, round numbers so a test is a table of times.
func testProfile() Profile {
	return Profile{
		Name:             "test",
		IdleTimeout:      Fixed(5 * time.Minute),
		MaxLifetime:      Fixed(time.Hour),
		ConcurrencyLimit: 10,
		ScalingRate:      defaultScalingRate,
	}
}

func newTestPool(t *testing.T, p Profile, placement Placement) *Pool {
	t.Helper()
	pool, err := NewPool(p, placement, NewRand(7))
	assert.NilError(t, err)
	return pool
}

func acquire(t *testing.T, p *Pool, now time.Duration) (*Env, bool) {
	t.Helper()
	e, cold, err := p.Acquire(now, "")
	assert.NilError(t, err)
	return e, cold
}

func TestPlacementPicksByRule(t *testing.T) {
	// Three environments created at 0s, 1s, 2s and released at 12s, 10s,
	// 11s: each rule picks a different one at 20s.
	tests := []struct {
		placement Placement
		want      int // index of the environment picked
	}{
		{MostRecentlyUsed, 0},  // released last (12s)
		{LeastRecentlyUsed, 1}, // released first (10s)
		{NewestCreated, 2},     // created last (2s)
	}
	for _, tc := range tests {
		t.Run(string(tc.placement), func(t *testing.T) {
			p := newTestPool(t, testProfile(), tc.placement)
			var envs []*Env
			for i := range 3 {
				e, cold := acquire(t, p, time.Duration(i)*time.Second)
				assert.Assert(t, cold)
				envs = append(envs, e)
			}
			p.Release(envs[1], 10*time.Second)
			p.Release(envs[2], 11*time.Second)
			p.Release(envs[0], 12*time.Second)
			got, cold := acquire(t, p, 20*time.Second)
			assert.Check(t, !cold)
			assert.Check(t, got == envs[tc.want], "picked env created at %v", got.Created)
			assert.Check(t, is.Equal(got.Invocations, int64(2)))
		})
	}
}

func TestRandomPlacementIsUniform(t *testing.T) {
	p := newTestPool(t, testProfile(), Random)
	var envs []*Env
	for range 3 {
		e, _ := acquire(t, p, 0)
		envs = append(envs, e)
	}
	for _, e := range envs {
		p.Release(e, time.Second)
	}
	counts := map[*Env]int{}
	const rounds = 3000
	now := time.Second
	for range rounds {
		now += time.Millisecond
		e, cold := acquire(t, p, now)
		assert.Assert(t, !cold)
		counts[e]++
		p.Release(e, now)
	}
	for _, e := range envs {
		// Each of three is picked a third of the time; 3000 draws put a
		// fair choice within 0.28..0.39 with overwhelming probability.
		share := float64(counts[e]) / rounds
		assert.Check(t, share > 0.28 && share < 0.39, "share %v", share)
	}
}

func TestIdleEviction(t *testing.T) {
	p := newTestPool(t, testProfile(), MostRecentlyUsed)
	var retired []Cause
	p.OnRetire(func(e *Env, c Cause, at time.Duration) { retired = append(retired, c) })

	e, _ := acquire(t, p, 0)
	p.Release(e, time.Second)
	again, cold := acquire(t, p, time.Second+5*time.Minute-time.Nanosecond)
	assert.Check(t, again == e && !cold, "idle just under the timeout: reused")
	p.Release(again, 10*time.Minute)

	fresh, cold := acquire(t, p, 15*time.Minute) // idle exactly the timeout
	assert.Check(t, fresh != e && cold, "idle the full timeout: evicted, new environment")
	assert.Check(t, is.DeepEqual(retired, []Cause{CauseIdle}))
	st := p.Stats()
	assert.Check(t, is.Equal(st.Started, int64(2)))
	assert.Check(t, is.Equal(st.Retired[CauseIdle], int64(1)))
	assert.Check(t, is.Equal(st.Busy, 1))
}

func TestLifetimeRetiresOnlyWhenIdle(t *testing.T) {
	p := newTestPool(t, testProfile(), MostRecentlyUsed)

	// A call that runs past the maximum lifetime is never cut: the
	// environment is retired when it finishes.
	e, _ := acquire(t, p, 0)
	other, _ := acquire(t, p, 0)
	p.Expire(2 * time.Hour)
	assert.Check(t, is.Equal(p.Stats().Busy, 2), "busy environments are not retired")
	p.Release(e, 2*time.Hour)
	assert.Check(t, is.Equal(p.Stats().Retired[CauseLifetime], int64(1)))
	assert.Check(t, is.Equal(p.Stats().Idle, 0), "retired, not returned to the idle set")

	// An environment idle when its lifetime ends is retired then, even
	// though its idle timeout has not run out.
	other2, _ := acquire(t, p, 2*time.Hour) // other is still busy: a new one
	assert.Check(t, other2 != other)
	p.Release(other2, 2*time.Hour+58*time.Minute) // lifetime ends at 3h
	got, cold := acquire(t, p, 3*time.Hour)
	assert.Check(t, cold && got != other2)
	assert.Check(t, is.Equal(p.Stats().Retired[CauseLifetime], int64(2)))
}

func TestConcurrencyLimitThrottles(t *testing.T) {
	prof := testProfile()
	prof.ConcurrencyLimit = 2
	p := newTestPool(t, prof, MostRecentlyUsed)
	a, _ := acquire(t, p, 0)
	acquire(t, p, 0)
	_, _, err := p.Acquire(0, "")
	assert.Check(t, errors.Is(err, lambdaapi.ErrThrottled))
	assert.Check(t, is.Equal(p.Stats().Throttled, int64(1)))
	p.Release(a, time.Second)
	got, cold := acquire(t, p, time.Second)
	assert.Check(t, got == a && !cold, "a freed environment serves the next call")
}

func TestScalingRateThrottlesStartsBeyondItInTenSeconds(t *testing.T) {
	prof := testProfile()
	prof.ConcurrencyLimit, prof.ScalingRate = 100, 3
	p := newTestPool(t, prof, MostRecentlyUsed)
	for range 3 {
		_, cold := acquire(t, p, time.Second)
		assert.Check(t, cold)
	}
	_, _, err := p.Acquire(2*time.Second, "")
	assert.Check(t, errors.Is(err, lambdaapi.ErrThrottled), "a 4th start within 10 s")
	_, _, err = p.Acquire(10*time.Second+time.Second-1, "")
	assert.Check(t, errors.Is(err, lambdaapi.ErrThrottled), "still within 10 s of the first start")
	for range 3 {
		_, cold := acquire(t, p, 11*time.Second)
		assert.Check(t, cold, "10 s after the first starts, as many may start again")
	}
	_, _, err = p.Acquire(11*time.Second, "")
	assert.Check(t, errors.Is(err, lambdaapi.ErrThrottled))
	assert.Check(t, is.Equal(p.Stats().Throttled, int64(3)))
	assert.Check(t, is.Equal(p.Stats().Started, int64(6)))
}

func TestProactiveReplacementJoinsTheIdlePool(t *testing.T) {
	prof := testProfile()
	prof.ProactiveShare, prof.ProactiveLead = 1, Fixed(30*time.Second)
	p := newTestPool(t, prof, MostRecentlyUsed)
	var started []*Env
	p.OnProactiveStart(func(e *Env) { started = append(started, e) })
	old, _ := acquire(t, p, 0)
	p.Release(old, time.Hour+time.Second) // past its 1 h lifetime: retired
	st := p.Stats()
	assert.Check(t, is.Equal(st.Retired[CauseLifetime], int64(1)))
	assert.Check(t, is.Equal(st.Proactive, int64(1)))
	assert.Check(t, is.Equal(st.Started, int64(2)), "the replacement is a start")
	assert.Check(t, is.Equal(st.Idle, 1), "it waits idle, initialised")
	assert.Assert(t, is.Len(started, 1))
	assert.Check(t, is.Equal(started[0].Created, time.Hour+time.Second-30*time.Second), "initialised the lead before the retirement")

	next, cold := acquire(t, p, time.Hour+2*time.Second)
	assert.Check(t, next == started[0] && !cold, "the next call finds it warm")
	assert.Check(t, is.Equal(next.Invocations, int64(1)))

	// Off (share 0), a retirement starts nothing and draws nothing.
	q := newTestPool(t, testProfile(), MostRecentlyUsed)
	e, _ := acquire(t, q, 0)
	q.Release(e, 2*time.Hour)
	assert.Check(t, is.Equal(q.Stats().Proactive, int64(0)))
	assert.Check(t, is.Equal(q.Stats().Idle, 0))
}

func TestNewPoolRejectsBadInput(t *testing.T) {
	_, err := NewPool(testProfile(), "fastest", NewRand(1))
	assert.ErrorContains(t, err, `unknown placement "fastest"`)
	bad := testProfile()
	bad.ConcurrencyLimit = 0
	bad.IdleTimeout = Uniform(time.Minute, time.Second)
	_, err = NewPool(bad, MostRecentlyUsed, NewRand(1))
	assert.ErrorContains(t, err, "concurrency limit must be from 1 to 1000000, got 0")
	assert.ErrorContains(t, err, "idle timeout: invalid distribution")
	// A limit whose tenant cap (2.5 environments per unit) would wrap,
	// and a scaling rate past any quota, are refused at their bound.
	bad = testProfile()
	bad.ConcurrencyLimit, bad.ScalingRate = 1<<62, 1<<62
	_, err = NewPool(bad, MostRecentlyUsed, NewRand(1))
	assert.ErrorContains(t, err, "concurrency limit must be from 1 to 1000000, got 4611686018427387904")
	assert.ErrorContains(t, err, "scaling rate must be from 1 to 1000000, got 4611686018427387904")
	bad.ConcurrencyLimit, bad.ScalingRate = maxConcurrencyLimit, maxConcurrencyLimit
	q, err := NewPool(bad, MostRecentlyUsed, NewRand(1))
	assert.NilError(t, err)
	assert.Check(t, is.Equal(q.profile.TenantCap(), 2_500_000))
}

func TestDistSample(t *testing.T) {
	rng := NewRand(3)
	tests := []struct {
		d        Dist
		lo, hi   time.Duration // every sample within
		meanLo   time.Duration // sample mean within
		meanHi   time.Duration
		describe string
	}{
		{Fixed(time.Second), time.Second, time.Second, time.Second, time.Second, "fixed(1s)"},
		{Uniform(time.Second, 3*time.Second), time.Second, 3 * time.Second, 1950 * time.Millisecond, 2050 * time.Millisecond, "uniform(1s, 3s)"},
		{Normal(time.Second, 100*time.Millisecond), 0, 2 * time.Second, 990 * time.Millisecond, 1010 * time.Millisecond, "normal(mean 1s, sd 100ms)"},
		{Exponential(time.Second), 0, time.Hour, 950 * time.Millisecond, 1050 * time.Millisecond, "exponential(mean 1s)"},
	}
	for _, tc := range tests {
		t.Run(tc.describe, func(t *testing.T) {
			assert.Check(t, is.Equal(tc.d.String(), tc.describe))
			var sum time.Duration
			const n = 20000
			for range n {
				x := tc.d.Sample(rng)
				assert.Assert(t, x >= tc.lo && x <= tc.hi, "sample %v", x)
				sum += x
			}
			mean := sum / n
			assert.Check(t, mean >= tc.meanLo && mean <= tc.meanHi, "mean %v", mean)
		})
	}
}

func TestDiscardEndsBusyOrIdleOnce(t *testing.T) {
	p := newTestPool(t, testProfile(), MostRecentlyUsed)
	var causes []Cause
	p.OnRetire(func(e *Env, c Cause, at time.Duration) { causes = append(causes, c) })
	busy, _ := acquire(t, p, 0)
	idle, _ := acquire(t, p, 0)
	p.Release(idle, time.Second)

	p.Discard(busy, CauseTimeout, 2*time.Second)
	p.Discard(idle, CauseCrash, 2*time.Second)
	p.Discard(idle, CauseCrash, 3*time.Second) // already ended: nothing
	assert.Check(t, is.DeepEqual(causes, []Cause{CauseTimeout, CauseCrash}))
	st := p.Stats()
	assert.Check(t, is.Equal(st.Busy, 0))
	assert.Check(t, is.Equal(st.Idle, 0))
	fresh, cold := acquire(t, p, 4*time.Second)
	assert.Check(t, cold && fresh != idle && fresh != busy, "a discarded environment is never handed out again")
}

// TestWideDistributionsNeverGoNegative: draws of unbounded distributions
// are cut to [0, maxSample], so a profile naming a very wide one never
// gives a negative or wrapped-around duration.
func TestWideDistributionsNeverGoNegative(t *testing.T) {
	r := NewRand(1)
	for _, d := range []Dist{LogNormal(time.Hour, 50), Exponential(math.MaxInt64 / 4), Normal(time.Minute, math.MaxInt64/4)} {
		var most time.Duration
		for range 10_000 {
			x := d.Sample(r)
			assert.Assert(t, x >= 0 && x <= maxSample, "%v drew %v", d, x)
			most = max(most, x)
		}
		assert.Check(t, most == maxSample, "%v: the cut is reached (%v)", d, most)
	}
}

// TestEnvSetKeepsOrder: inserts and removes anywhere, many at the ends
// (where the pool makes most of them), keep the set in order of key, then
// creation, whatever its size.
func TestEnvSetKeepsOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var s envSet
	var in []*Env
	for i := range 20_000 {
		if len(in) == 0 || rng.IntN(2) == 0 {
			e := &Env{serial: int64(i)}
			switch rng.IntN(3) {
			case 0:
				e.key = int64(i) // after the last
			case 1:
				e.key = -int64(i) // before the first
			default:
				e.key = rng.Int64N(50) // anywhere, equal keys included
			}
			s.insert(e)
			in = append(in, e)
		} else {
			var j int
			switch rng.IntN(3) {
			case 0:
				j = slices.Index(in, s.first())
			case 1:
				j = slices.Index(in, s.at(s.n-1))
			default:
				j = rng.IntN(len(in))
			}
			assert.Assert(t, in[j].placed)
			s.remove(in[j])
			assert.Assert(t, !in[j].placed)
			in = slices.Delete(in, j, j+1)
		}
		assert.Equal(t, s.n, len(in))
		for k := 1; k < s.n; k++ {
			assert.Assert(t, s.less(s.at(k-1), s.at(k)), "out of order at %d of %d", k, s.n)
		}
	}
}

// TestEnvSetMemoryFollowsItsSize: a set that slides one way for ever (the
// most recently used taken, or the least) keeps a slice the size of what
// it holds.
func TestEnvSetMemoryFollowsItsSize(t *testing.T) {
	for _, dir := range []int64{1, -1} {
		var s envSet
		for i := range int64(100_000) {
			e := &Env{serial: i}
			e.key = dir * i
			s.insert(e)
			if s.n > 10 {
				s.remove(s.first())
			}
		}
		assert.Equal(t, s.n, 10)
		assert.Check(t, len(s.buf) <= 64, "direction %d: a slice of %d", dir, len(s.buf))
	}
}

// TestHoldingChangesNothing: a pool that holds the environment released
// last outside its idle sets makes every choice, start and end a pool that
// places each one at once makes, under every placement rule, with idle
// timeouts, ages, proactive starts and throttling at play.
func TestHoldingChangesNothing(t *testing.T) {
	prof := testProfile()
	prof.IdleTimeout = Uniform(time.Second, 20*time.Second)
	prof.MaxLifetime = Uniform(30*time.Second, 2*time.Minute)
	prof.ProactiveShare, prof.ProactiveLead = 0.5, Fixed(5*time.Second)
	for _, placement := range placements {
		var logs [2][]string
		for k, hold := range []bool{false, true} {
			p, err := NewPool(prof, placement, NewRand(11))
			assert.NilError(t, err)
			p.hold = p.hold && hold
			p.OnRetire(func(e *Env, c Cause, at time.Duration) { logs[k] = append(logs[k], fmt.Sprint("retire ", e.ID, c, at)) })
			rng := rand.New(rand.NewPCG(5, 6))
			var busy []*Env
			now := time.Duration(0)
			for range 20_000 {
				now += time.Duration(rng.Int64N(int64(2 * time.Second)))
				if len(busy) > 0 && rng.IntN(2) == 0 {
					j := rng.IntN(len(busy))
					p.Release(busy[j], now)
					busy = slices.Delete(busy, j, j+1)
					continue
				}
				e, cold, err := p.Acquire(now, "")
				if err != nil {
					logs[k] = append(logs[k], "throttled")
					continue
				}
				logs[k] = append(logs[k], fmt.Sprint("acquire ", e.ID, cold))
				busy = append(busy, e)
			}
			logs[k] = append(logs[k], fmt.Sprintf("%+v", p.Stats()))
		}
		assert.Check(t, is.DeepEqual(logs[1], logs[0]), string(placement))
	}
}
