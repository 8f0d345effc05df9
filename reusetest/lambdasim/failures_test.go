package lambdasim

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// oneEnvProfile is a profile under which a steady schedule of one call a
// second, each shorter than the gap, is served by one environment for
// its whole run: no latency, no overhead, an idle timeout and a lifetime
// longer than any run here.
func oneEnvProfile(init time.Duration) Profile {
	p, err := LookupProfile(ProfileSeed2021)
	if err != nil {
		panic(err)
	}
	p.Name, p.File = "one-env", nil
	p.IdleTimeout, p.MaxLifetime = Fixed(time.Hour), Fixed(1000*time.Hour)
	p.InitLatency, p.WarmOverhead, p.FrontDoorLatency = Fixed(init), Fixed(0), Fixed(0)
	p.ProactiveShare = 0
	return p
}

// failRecords runs plan under p and returns its records, in seq order, and
// its summary made from them (Add), checking that it is the summary the
// model's calls make (SummarizeInto) to the byte.
func failRecords(t *testing.T, plan schedule.Plan, p Profile) ([]record.Record, summary.Summary) {
	t.Helper()
	sim, err := NewOf(schedule.Steady(plan), p, MostRecentlyUsed, 7)
	assert.NilError(t, err)
	recs := make([]record.Record, plan.Calls)
	byRecords := summary.NewSummarizer(schedule.Steady(plan), "simulator", sim.Describe())
	_, err = sim.Run(t.Context(), func(r *record.Record) {
		recs[r.Seq] = *r
		byRecords.Add(r)
	})
	assert.NilError(t, err)
	byCalls, err := sim.Summarize(t.Context())
	assert.NilError(t, err)
	a, b := byRecords.Summary(), byCalls
	assert.NilError(t, a.Check())
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	assert.Assert(t, bytes.Equal(ja, jb), "the summary of the records differs from the summary of the calls:\n%s\n%s", ja, jb)
	return recs, a
}

// TestOutOfMemoryAtTheComputedCall: every generation starts at s MB and
// grows g MB a call under a size of L MB, so each fails on call
// floor((L-s)/g)+1, the first that would take it past L (one that reaches
// L exactly still passes), and the next call starts a new generation in
// the same environment.
func TestOutOfMemoryAtTheComputedCall(t *testing.T) {
	for _, c := range []struct {
		start, growth float64
		size          int
		failsOn       int64 // by hand
	}{
		{112, 2, 512, 201},     // 200 calls reach 512 exactly: the 201st is past
		{112, 3, 512, 134},     // 133.3 calls to the limit
		{100, 0.5, 128, 57},    // 56 calls reach 128 exactly
		{1000, 7, 1024, 4},     // 3.4 calls
		{64, 0.125, 256, 1537}, // 1536 calls reach 256 exactly
	} {
		p := oneEnvProfile(200 * time.Millisecond)
		p.Memory = &Memory{SizeMB: c.size, StartMB: FixedAmount(c.start), GrowthMBPerCall: FixedAmount(c.growth)}
		const calls = 5000
		recs, sum := failRecords(t, schedule.Plan{Calls: calls, RatePerSec: 1, HandlerMS: 100}, p)
		stream := recs[0].LogStream
		var oom, gens int64
		id := ""
		for i, r := range recs {
			k := int64(i)%c.failsOn + 1 // the call's place in its generation
			assert.Equal(t, r.LogStream, stream, "call %d: one environment serves every call", i)
			assert.Equal(t, r.Invocation, k, "call %d", i)
			if k == 1 {
				gens++
				assert.Assert(t, r.InstanceID != id, "call %d starts a new generation", i)
				id = r.InstanceID
			}
			assert.Equal(t, r.InstanceID, id, "call %d", i)
			assert.Equal(t, r.MemorySizeMB, c.size)
			if k == c.failsOn {
				oom++
				assert.Equal(t, r.Status, record.StatusError, "call %d", i)
				assert.Equal(t, r.ErrorType, record.ErrorOutOfMemory)
				assert.Equal(t, r.ErrorClass, record.ClassFunctionError)
				assert.Equal(t, r.MemoryUsedMB, float64(c.size))
				continue
			}
			assert.Equal(t, r.Status, record.StatusOK, "call %d", i)
			assert.Assert(t, is.Equal(r.MemoryUsedMB, math.Round((c.start+float64(k)*c.growth)*1024)/1024), "call %d", i)
		}
		assert.Equal(t, oom, int64(calls)/c.failsOn)
		assert.Equal(t, sum.Requests.Failed, oom)
		assert.Equal(t, sum.Requests.ByError[record.ErrorOutOfMemory], oom)
		assert.Equal(t, sum.Instances.Count, 1)
		assert.Equal(t, int64(sum.Instances.Resets), gens-1)
		assert.Equal(t, int64(sum.Generations.Count), gens)
		m := sum.Memory
		assert.Assert(t, m != nil)
		assert.Equal(t, m.OutOfMemory, oom)
		assert.Equal(t, m.SizeMB, c.size)
		if c.failsOn > summary.MinCallsForGrowth {
			truth := (float64(c.size) - c.start) / c.growth
			assert.Assert(t, m.GrowthMBPerCall != nil)
			assert.Assert(t, math.Abs(m.GrowthMBPerCall.Median-c.growth) < 0.01*c.growth, "growth %v, truth %v", m.GrowthMBPerCall.Median, c.growth)
			assert.Assert(t, math.Abs(m.CallsToLimit.Median-truth) < 0.01*truth, "calls to the limit %v, truth %v", m.CallsToLimit.Median, truth)
		}
	}
}

// TestTimeoutDoomLoop: a function whose re-init and handler together pass
// its timeout, though each alone does not. Its first generation serves
// until it runs out of memory (call 10); every call after runs the
// re-init inside the call and times out, resetting the environment
// again: by hand, calls 11 to N all time out, each a generation of one
// call. With a re-init short enough to fit, the
// environment recovers: every generation serves 10 calls again.
func TestTimeoutDoomLoop(t *testing.T) {
	const calls = 200
	plan := schedule.Steady{Calls: calls, RatePerSec: 0.1, HandlerMS: 1000}                 // a call every 10 s
	mem := &Memory{SizeMB: 128, StartMB: FixedAmount(100), GrowthMBPerCall: FixedAmount(3)} // call 10 is past 128
	t.Run("loop", func(t *testing.T) {
		p := oneEnvProfile(2500 * time.Millisecond) // re-init 2.5 s + handler 1 s > 3 s
		p.Memory, p.Timeout = mem, 3*time.Second
		recs, sum := failRecords(t, plan.Plan(), p)
		for i, r := range recs {
			switch {
			case i < 9:
				assert.Equal(t, r.Status, record.StatusOK, "call %d", i)
				want := time.Second
				if i == 0 {
					want += 2500 * time.Millisecond // the environment's first init: not timed
				}
				assert.Equal(t, r.Done.Sub(r.Sent), want, "call %d", i)
			case i == 9:
				assert.Equal(t, r.ErrorType, record.ErrorOutOfMemory, "call %d", i)
			default:
				assert.Equal(t, r.ErrorType, record.ErrorTimedout, "call %d", i)
				assert.Equal(t, r.Invocation, int64(1), "call %d", i)
				assert.Equal(t, r.Done.Sub(r.Sent), 3*time.Second, "call %d: stopped at the timeout", i)
				assert.Equal(t, r.InitAt, r.Sent, "call %d: its generation's init is inside it", i)
			}
		}
		assert.Equal(t, sum.Requests.Failed, int64(calls-9))
		assert.Equal(t, sum.Requests.ByError[record.ErrorTimedout], int64(calls-10))
		assert.Equal(t, sum.Requests.ByError[record.ErrorOutOfMemory], int64(1))
		assert.Equal(t, sum.Instances.Resets, calls-10)
		assert.Equal(t, sum.Generations.Count, calls-9)
	})
	t.Run("recovers", func(t *testing.T) {
		p := oneEnvProfile(1500 * time.Millisecond) // 1.5 s + 1 s fits in 3 s
		p.Memory, p.Timeout = mem, 3*time.Second
		recs, sum := failRecords(t, plan.Plan(), p)
		for i, r := range recs {
			if i%10 == 9 {
				assert.Equal(t, r.ErrorType, record.ErrorOutOfMemory, "call %d", i)
			} else {
				assert.Equal(t, r.Status, record.StatusOK, "call %d", i)
			}
			if i >= 10 && i%10 == 0 {
				assert.Equal(t, r.Done.Sub(r.Sent), 2500*time.Millisecond, "call %d: re-init inside the call", i)
			}
		}
		assert.Equal(t, sum.Requests.Failed, int64(calls/10))
		assert.Equal(t, sum.Instances.Resets, calls/10-1)
	})
}

// TestMixedFailures: a world of several environments at once, where half
// the generations leak and half do not, and some calls run past the
// timeout: every call keeps the rules by its record (a generation's
// readings on its own line, an out-of-memory failure exactly at its first
// call past the size, a timeout exactly at the timeout, a reset's
// generation starting inside its first call), and the summary counts
// what the records show.
func TestMixedFailures(t *testing.T) {
	p := oneEnvProfile(300 * time.Millisecond)
	p.IdleTimeout = Fixed(5 * time.Minute)
	handler := Exponential(250 * time.Millisecond)
	p.HandlerTime = &handler
	p.Timeout = 1500 * time.Millisecond
	p.Memory = &Memory{SizeMB: 128, StartMB: EmpiricalAmount([]AmountPoint{{60, 0}, {100, 1}}),
		GrowthMBPerCall: EmpiricalAmount([]AmountPoint{{0, 0}, {0, 0.5}, {0.4, 0.5}, {0.6, 1}})}
	const calls = 40_000
	recs, sum := failRecords(t, schedule.Plan{Calls: calls, RatePerSec: 10, HandlerMS: 100}, p)

	type gen struct {
		env           string
		calls         int64
		last, step    float64 // the last reading and the step between readings
		leaks, failed bool
	}
	gens := map[string]*gen{}
	var oom, timeouts, resets int64
	for i, r := range recs {
		assert.Assert(t, r.Served(), "call %d: nothing throttles here", i)
		g := gens[r.InstanceID]
		if g == nil {
			g = &gen{env: r.LogStream}
			gens[r.InstanceID] = g
			if r.Invocation == 1 && r.LogStream != "2021/01/01/[$LATEST]"+r.InstanceID {
				resets++ // a generation of an environment started before
				assert.Equal(t, r.InitAt, r.Sent, "call %d: a reset's generation starts inside its first call", i)
			}
		}
		assert.Equal(t, g.env, r.LogStream, "call %d: a generation stays in its environment", i)
		assert.Assert(t, !g.failed, "call %d: a generation serves no call after its failure", i)
		g.calls++
		assert.Equal(t, r.Invocation, g.calls, "call %d", i)
		took := r.Done.Sub(r.Sent)
		switch r.ErrorType {
		case record.ErrorTimedout:
			timeouts++
			g.failed = true
			assert.Assert(t, took == p.Timeout || took == p.Timeout+300*time.Millisecond && r.Invocation == 1, "call %d took %v", i, took)
			continue
		case record.ErrorOutOfMemory:
			oom++
			g.failed = true
			assert.Equal(t, r.MemoryUsedMB, 128.0, "call %d", i)
			assert.Assert(t, g.last+g.step > 128-1e-3, "call %d: failed before its generation's memory would pass the size (%v + %v)", i, g.last, g.step)
			continue
		}
		assert.Equal(t, r.Status, record.StatusOK, "call %d", i)
		assert.Assert(t, took <= p.Timeout+300*time.Millisecond, "call %d took %v", i, took)
		assert.Assert(t, r.MemoryUsedMB <= 128, "call %d", i)
		if g.calls == 2 {
			g.step = r.MemoryUsedMB - g.last
			g.leaks = g.step > 1e-3
		} else if g.calls > 2 {
			assert.Assert(t, math.Abs(r.MemoryUsedMB-g.last-g.step) < 2e-3, "call %d: off its generation's line", i)
		}
		g.last = r.MemoryUsedMB
	}
	leaky, flat := 0, 0
	for _, g := range gens {
		if g.calls > 2 && g.leaks {
			leaky++
		} else if g.calls > 2 {
			flat++
		}
	}
	assert.Assert(t, leaky > 10 && flat > 10, "a mixed world: %d leaky generations, %d flat", leaky, flat)
	assert.Assert(t, oom > 10 && timeouts > 10, "both failures occur: %d out of memory, %d timeouts", oom, timeouts)
	assert.Equal(t, sum.Requests.ByError[record.ErrorOutOfMemory], oom)
	assert.Equal(t, sum.Requests.ByError[record.ErrorTimedout], timeouts)
	assert.Equal(t, sum.Requests.Failed, oom+timeouts)
	assert.Equal(t, int64(sum.Instances.Resets), resets)
	assert.Equal(t, sum.Generations.Count, len(gens))
	assert.Equal(t, sum.Memory.OutOfMemory, oom)
	t.Logf("%d generations (%d leaky, %d flat), %d resets, %d out of memory, %d timeouts; growth median %v MB a call",
		len(gens), leaky, flat, resets, oom, timeouts, sum.Memory.GrowthMBPerCall.Median)
}

// TestATimeoutNoCallReachesChangesNothing: a timeout longer than every
// call, and no memory part, leave the run as it is without them: the same
// draws, the same records.
func TestATimeoutNoCallReachesChangesNothing(t *testing.T) {
	plan := schedule.Steady{Calls: 20_000, RatePerSec: 10, HandlerMS: 500}
	p, err := LookupProfile(ProfileSeed2021)
	assert.NilError(t, err)
	sim, err := NewOf(plan, p, MostRecentlyUsed, 3)
	assert.NilError(t, err)
	want, _ := recordsDigest(t, sim)
	p.Timeout = MaxTimeout
	sim, err = NewOf(plan, p, MostRecentlyUsed, 3)
	assert.NilError(t, err)
	assert.Assert(t, sim.special)
	got, _ := recordsDigest(t, sim)
	assert.Equal(t, got, want)
}

// TestAMemoryPartThatNeverFailsChangesOnlyTheReadings: the generations'
// draws come from a generator of their own, so a memory part under which
// no call fails leaves every call as it is without one, but for its
// memory reading: what-ifs of memory differ by the calls they fail and
// what follows from those, not by other draws.
func TestAMemoryPartThatNeverFailsChangesOnlyTheReadings(t *testing.T) {
	plan := schedule.Steady{Calls: 20_000, RatePerSec: 10, HandlerMS: 500}
	p, err := LookupProfile(ProfileGo2026)
	assert.NilError(t, err)
	run := func(p Profile) []record.Record {
		sim, err := NewOf(plan, p, MostRecentlyUsed, 9)
		assert.NilError(t, err)
		recs := make([]record.Record, plan.Calls)
		_, err = sim.Run(t.Context(), func(r *record.Record) { recs[r.Seq] = *r })
		assert.NilError(t, err)
		return recs
	}
	plain := run(p)
	p.Memory = &Memory{SizeMB: 1024, StartMB: EmpiricalAmount([]AmountPoint{{50, 0}, {90, 1}}), GrowthMBPerCall: FixedAmount(0.001)}
	withMemory := run(p)
	for i := range plain {
		r := withMemory[i]
		assert.Assert(t, r.MemoryUsedMB >= 50 && r.MemoryUsedMB <= 1024 && r.MemorySizeMB == 1024, "call %d: %+v", i, r)
		r.MemoryUsedMB, r.MemorySizeMB = 0, 0
		assert.DeepEqual(t, r, plain[i])
	}
}
