package lambdasim

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/lambda-reuse/lambda-reuse/internal/simcall"
)

// The model of failures that reset an environment (docs/simulator.md:
// failures and resets), run when the profile has a memory part or a
// timeout, on Lambda's own environments:
//
//   - Each runtime generation (an environment's init, or a reset's
//     re-init, to the next reset or its end) draws its starting memory and
//     its growth per call from the profile's memory part. Its kth call
//     leaves it at start + k × growth MB, which that call reports as its
//     memory used. The first call that would take it past the memory size
//     (start + k × growth > size: call floor((size − start) / growth) + 1)
//     fails with Runtime.OutOfMemory at the end of its service time,
//     reporting the size.
//   - A call whose timed part runs past the function's timeout fails with
//     Sandbox.Timedout after exactly the timeout. The timed part is the
//     handler's time, plus the re-init when the call runs one after a
//     reset (Lambda counts it against the timeout, docs/sources.md [S19]);
//     an environment's first init has its own limit and is not timed. A
//     cold service time (SimFaaS's model) is timed whole: it cannot be
//     split into init and handler.
//   - Either failure resets the environment: the same environment (its log
//     stream, idle timeout and maximum lifetime go on), a new generation
//     (a new instance id, its invocation count from 1), whose next call
//     runs the init (the profile's init latency or cold service time) as
//     part of the call, and draws its starting memory and growth anew.
//
// The platform's warm overhead is never timed.

// generation is an environment's current runtime generation, kept when
// the profile models failures.
type generation struct {
	call   *simcall.Env // what its calls' records say of it; nil for the environment's first (Env.call)
	base   int64        // the environment's calls before this generation's first
	memMB  float64      // its memory after its last call (its start before any)
	growth float64      // MB each call adds
	reset  bool         // its last call failed: the next call starts a new generation
}

// ModelsFailures reports whether a run under p simulates failures that
// reset environments: p has a memory part or a timeout, and runs on
// Lambda's own environments (Managed Instances serve many calls in one
// process, which this model does not fail: NotModelled says so).
func (p *Profile) ModelsFailures() bool {
	return (p.Memory != nil || p.Timeout > 0) && p.Managed == nil
}

// outcome is one call's fate under a profile that models failures.
type outcome struct {
	busy       time.Duration // from reaching the pool to the end of its service
	fate       simcall.Fate
	memMB      float64      // its generation's memory by its end; 0 when memory is not modelled
	env        *simcall.Env // its generation's
	invocation int64        // its count in its generation, from 1
}

// generationRand is the generator of one runtime generation's draws (its
// starting memory and growth, a reset's new instance id) in a run of seed:
// that of the generation whose environment is serial and whose first call
// is the environment's nth. Apart from the model's own, so a what-if of
// memory changes the calls it fails and what follows from them, not the
// draws of every other call.
func generationRand(seed uint64, serial, n int64) *Rand {
	return NewRand(seed ^ 0x9e3779b97f4a7c15 ^ uint64(serial)*0xbf58476d1ce4e5b9 ^ uint64(n)*0x94d049bb133111eb)
}

// serve is the fate of a call that reached e at now (cold: e started for
// it), handler its schedule's handler time, in a run of seed under a
// profile that models failures. It draws from rng what serviceTime draws,
// in the same order, and from a generator of each generation's own
// (generationRand) its start and growth, with a memory part, and a
// reset's new instance id.
func (p *Profile) serve(rng *Rand, seed uint64, e *Env, now, handler time.Duration, cold bool) outcome {
	reinit := false
	switch g := e.gen; {
	case g == nil:
		e.gen = &generation{}
		p.startGeneration(generationRand(seed, e.serial, e.Invocations), e.gen, e.callEnv())
	case g.reset:
		gen := generationRand(seed, e.serial, e.Invocations)
		c := &simcall.Env{InstanceID: fmt.Sprintf("%016x%016x", gen.Uint64(), gen.Uint64()), LogStream: e.LogStream, InitAt: now, InitType: e.InitType()}
		e.gen = &generation{call: c, base: e.Invocations - 1}
		p.startGeneration(gen, e.gen, c)
		reinit = true
	}
	g := e.gen
	var untimed, timed time.Duration
	switch {
	case (cold || reinit) && p.ColdServiceTime != nil:
		timed = p.ColdServiceTime.Sample(rng)
	case cold:
		untimed = p.InitLatency.Sample(rng)
		timed = p.handlerTime(rng, handler)
	case reinit:
		timed = p.InitLatency.Sample(rng)
		timed += p.handlerTime(rng, handler)
	default:
		timed = p.handlerTime(rng, handler)
	}
	overhead := p.WarmOverhead.Sample(rng)
	o := outcome{env: g.call, invocation: e.Invocations - g.base}
	if o.env == nil {
		o.env = &e.call
	}
	switch {
	case p.Timeout > 0 && timed > p.Timeout:
		o.fate, timed = simcall.FateTimeout, p.Timeout
		o.memMB = g.memMB
	case p.Memory != nil:
		if next := g.memMB + g.growth; next > float64(p.Memory.SizeMB) {
			o.fate, o.memMB = simcall.FateOutOfMemory, float64(p.Memory.SizeMB)
		} else {
			g.memMB, o.memMB = next, next
		}
	}
	if p.Memory != nil {
		o.memMB = math.Round(o.memMB*1024) / 1024 // the probe's resolution: a KB
		if o.fate == simcall.FatePlain && o.memMB > 0 {
			o.fate = simcall.FateMeasured
		}
	}
	g.reset = o.fate.Failed()
	o.busy = untimed + timed + overhead
	return o
}

// startGeneration draws g's starting memory and growth per call, when the
// profile has a memory part, and notes the memory size on c, its calls'
// environment.
func (p *Profile) startGeneration(rng *Rand, g *generation, c *simcall.Env) {
	if m := p.Memory; m != nil {
		g.memMB = m.StartMB.Sample(rng)
		g.growth = m.GrowthMBPerCall.Sample(rng)
		c.MemorySizeMB = m.SizeMB
	}
}

// DefaultMemoryMB is a function's memory size when none is set: Lambda's
// default (docs/sources.md [S17]). AssumedStartMB is the memory a
// generation starts from when a run sets a leak or a size on a profile
// without a memory part: an assumption (a small runtime after its init),
// sourced so in the profile the run writes.
const (
	DefaultMemoryMB = 128
	AssumedStartMB  = 64
)

// Overrides are a run's own memory and timeout, each replacing the
// profile's (a what-if: "and with 1,024 MB?"); the zero value of each
// keeps the profile's. Source says where a set figure comes from (a flag),
// for the profile file the run carries.
type Overrides struct {
	MemoryMB int           // the memory size, MB
	Leak     bool          // LeakMB is set
	LeakMB   float64       // each generation's growth per call, MB: fixed
	Timeout  time.Duration // the function's timeout
	Source   func(what string) string
}

// Override is p with o's memory size, growth per call and timeout. A
// memory part p lacks is made: the size DefaultMemoryMB, the starting
// memory AssumedStartMB, no growth, each sourced so. The profile file p
// carries is rewritten to match (a profile built in code has none), so a
// run's summary holds the profile it ran. It fails, naming the figure and
// the limit, for a size or a timeout Lambda does not allow, or a size
// below the starting memory's 99.9th percentile.
func (p Profile) Override(o Overrides) (Profile, error) {
	if o.MemoryMB == 0 && !o.Leak && o.Timeout == 0 {
		return p, nil
	}
	src := func(what string) string {
		if o.Source != nil {
			return o.Source(what)
		}
		return "set by the run"
	}
	var f *ProfileFile
	if p.File != nil {
		f = new(ProfileFile)
		if err := json.Unmarshal(p.File, f); err != nil {
			return Profile{}, fmt.Errorf("profile %s: its file: %w", p.Name, err)
		}
	}
	var errs []error
	if o.MemoryMB != 0 || o.Leak {
		m := Memory{SizeMB: DefaultMemoryMB, StartMB: FixedAmount(AssumedStartMB), GrowthMBPerCall: FixedAmount(0)}
		mf := &MemoryFile{SizeMB: &CountFile{Value: DefaultMemoryMB, Source: "Lambda's default memory size (docs/sources.md [S17])"},
			StartMB:         m.StartMB.File("assumed: a small runtime's memory after its init; the profile has no memory part"),
			GrowthMBPerCall: m.GrowthMBPerCall.File("assumed: no growth; the profile has no memory part")}
		if p.Memory != nil {
			m = *p.Memory
			if f != nil && f.Memory != nil {
				mf = f.Memory
			}
		}
		if o.MemoryMB != 0 {
			if o.MemoryMB < MinMemoryMB || o.MemoryMB > MaxMemoryMB {
				errs = append(errs, fmt.Errorf("memory size %d MB: a function's memory size is from %d to %d MB", o.MemoryMB, MinMemoryMB, MaxMemoryMB))
			}
			m.SizeMB = o.MemoryMB
			mf.SizeMB = &CountFile{Value: o.MemoryMB, Source: src("memory")}
		}
		if o.Leak {
			if !(o.LeakMB >= 0 && o.LeakMB <= float64(m.SizeMB)) {
				errs = append(errs, fmt.Errorf("growth per call %g MB: from 0 to the memory size (%d MB)", o.LeakMB, m.SizeMB))
			}
			m.GrowthMBPerCall = FixedAmount(o.LeakMB)
			mf.GrowthMBPerCall = m.GrowthMBPerCall.File(src("leak"))
		}
		if q := m.StartMB.Quantile(0.999); q >= float64(m.SizeMB) {
			errs = append(errs, fmt.Errorf("memory size %d MB: at or below the profile's starting memory (its 99.9th percentile is %g MB): no generation could serve a call", m.SizeMB, q))
		}
		p.Memory = &m
		if f != nil {
			f.Memory = mf
		}
	}
	if o.Timeout != 0 {
		if o.Timeout < MinTimeout || o.Timeout > MaxTimeout {
			errs = append(errs, fmt.Errorf("timeout %v: a function's timeout is from %v to %v", o.Timeout, MinTimeout, MaxTimeout))
		}
		p.Timeout = o.Timeout
		if f != nil {
			f.Timeout = &TimeoutFile{Value: o.Timeout.String(), Source: src("timeout")}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return Profile{}, err
	}
	if f != nil {
		b, err := json.Marshal(f)
		if err != nil {
			return Profile{}, fmt.Errorf("profile %s: %w", p.Name, err)
		}
		p.File = b
	}
	return p, nil
}
