package lambdasim

import (
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

// serve is the fate of a call that reached e at now (cold: e started for
// it), handler its schedule's handler time, under a profile that models
// failures. It draws what serviceTime draws, in the same order, and, with
// a memory part, each generation's start and growth as it begins.
func (p *Profile) serve(rng *Rand, e *Env, now, handler time.Duration, cold bool) outcome {
	reinit := false
	switch g := e.gen; {
	case g == nil:
		e.gen = &generation{}
		p.startGeneration(rng, e.gen, e.callEnv())
	case g.reset:
		c := &simcall.Env{InstanceID: fmt.Sprintf("%016x%016x", rng.Uint64(), rng.Uint64()), LogStream: e.LogStream, InitAt: now, InitType: e.InitType()}
		e.gen = &generation{call: c, base: e.Invocations - 1}
		p.startGeneration(rng, e.gen, c)
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
