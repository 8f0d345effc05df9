package summary

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"github.com/lambda-reuse/lambda-reuse/reusetest/stats"
)

// EnvironmentOf is the key of the execution environment that served r. An
// environment writes one log stream for its whole life, resets included
// (docs/sources.md [S15]), so a record that names its stream is keyed by
// it; a record without one by its instance id. On Lambda Managed Instances
// (a record that says its max concurrency) every environment of a capacity
// provider writes into one stream, so there the instance id keys it.
func EnvironmentOf(r *record.Record) string {
	return environmentKey(r.LogStream, r.InstanceID, r.MaxConcurrency)
}

// environmentKey is EnvironmentOf a call of that log stream, instance id
// and max concurrency.
func environmentKey(logStream, instanceID string, maxConcurrency int) string {
	if logStream != "" && maxConcurrency == 0 {
		return logStream
	}
	return instanceID
}

// generation is one runtime generation of an environment: from its init
// (or reset) to the next reset or its end, what globals live through. Its
// key is the records' instance id.
type generation struct {
	id            string
	first, last   int64 // unix ns: first send, last answer
	calls         int64
	minInvocation int64
	startUnseen   bool
}

// MaxErrorTypes bounds the distinct error types counted by name; the rest
// are counted under OtherErrorTypes, so no log decides the summary's size.
const MaxErrorTypes = 256

// OtherErrorTypes is the key that counts the failures of error types past
// the first MaxErrorTypes.
const OtherErrorTypes = "(other types)"

// addErrorType counts one failed call of Lambda error type t.
func (s *Summarizer) addErrorType(t string) {
	if s.byError == nil {
		s.byError = map[string]int64{}
	}
	if _, ok := s.byError[t]; !ok && len(s.byError) >= MaxErrorTypes {
		t = OtherErrorTypes
	}
	s.byError[t]++
}

// byErrorType is the failures by Lambda error type, or nil when none said.
func (s *Summarizer) byErrorType() map[string]int64 {
	if len(s.byError) == 0 {
		return nil
	}
	return maps.Clone(s.byError)
}

// addGeneration accounts a call of instance id (its start unseen or not,
// its invocation count), served at sent and answered at done (Unix ns), to
// its runtime generation, before the environment's own figures take it.
// An environment of one generation keeps none apart: its figures are the
// generation's. The second generation seen splits them off: up to it, every
// call was the first's.
func (in *instance) addGeneration(id string, startUnseen bool, invocation, sent, done int64) {
	if in.gens != nil || id != in.gen {
		in.addLaterGeneration(id, startUnseen, invocation, sent, done)
	} else if startUnseen { // the commonest: one generation (inlined)
		in.startUnseen = true
	}
}

// addLaterGeneration is addGeneration of a call when the environment has
// had more than one generation, or this call's is a new one.
func (in *instance) addLaterGeneration(id string, startUnseen bool, invocation, sent, done int64) {
	if in.gens == nil {
		in.gens = []generation{{id: in.gen, first: in.first, last: in.last, calls: in.calls, minInvocation: in.minInvocation, startUnseen: in.startUnseen}}
	}
	i := slices.IndexFunc(in.gens, func(g generation) bool { return g.id == id })
	if i < 0 {
		in.gens = append(in.gens, generation{id: id, first: sent, last: done, minInvocation: invocation})
		i = len(in.gens) - 1
	}
	g := &in.gens[i]
	g.calls++
	g.first, g.last = min(g.first, sent), max(g.last, done)
	g.minInvocation = min(g.minInvocation, invocation)
	g.startUnseen = g.startUnseen || startUnseen
}

// firstGeneration is the environment's earliest generation: the one whose
// start says whether the environment started in the run.
func (in *instance) firstGeneration() generation {
	if in.gens == nil {
		return generation{id: in.gen, first: in.first, last: in.last, calls: in.calls, minInvocation: in.minInvocation, startUnseen: in.startUnseen}
	}
	return slices.MinFunc(in.gens, func(a, b generation) int { return cmp.Or(cmp.Compare(a.first, b.first), cmp.Compare(a.id, b.id)) })
}

// resets is how many times the environment was reset: its generations
// after the first.
func (in *instance) resets() int { return max(len(in.gens)-1, 0) }

// Generations is what the records show of runtime generations, the
// lifetimes globals live through: a generation runs from its environment's
// init, or a reset's re-init, to the next reset or the environment's end.
// Present when a reset occurred; otherwise every generation is its
// environment and the environments' figures say it all.
type Generations struct {
	// Count is the number of generations (instance ids) that served calls.
	Count int `json:"count"`
	// Reuse is the distribution of calls served per generation.
	Reuse Reuse `json:"reuse"`
	// LifetimeMinutes is the distribution of generations' measured
	// lifetimes, from the sending of their first call to the answer of
	// their last; Censored counts those still serving at the end (the last
	// generation of an environment still serving), whose lifetimes are
	// lower bounds.
	LifetimeMinutes Lifetime `json:"lifetime_minutes"`
}

// generations builds the Generations part, or nil when no environment
// was reset.
func (s *Summarizer) generations() *Generations {
	var calls, lifetimes []float64
	censored, resets := 0, 0
	for _, in := range s.instances {
		resets += in.resets()
		gens := in.gens
		if gens == nil {
			gens = []generation{in.firstGeneration()}
		}
		lastFirst := slices.MaxFunc(gens, func(a, b generation) int { return cmp.Or(cmp.Compare(a.first, b.first), cmp.Compare(a.id, b.id)) }).id
		for _, g := range gens {
			calls = append(calls, float64(g.calls))
			lifetimes = append(lifetimes, time.Duration(max(0, g.last-g.first)).Minutes()*s.TimeFactor())
			if g.id == lastFirst && s.censored(in) {
				censored++
			}
		}
	}
	if resets == 0 {
		return nil
	}
	slices.Sort(calls)
	slices.Sort(lifetimes)
	g := &Generations{Count: len(calls), Reuse: reuseOf(calls), LifetimeMinutes: lifetimeOf(lifetimes)}
	g.LifetimeMinutes.Censored = censored
	return g
}

// reuseOf is the distribution of sorted calls per environment (or
// generation); the zero Reuse for none.
func reuseOf(sorted []float64) Reuse {
	if len(sorted) == 0 {
		return Reuse{}
	}
	return Reuse{
		Mean:   stats.Round(stats.Mean(sorted)),
		Median: stats.Round(stats.Percentile(sorted, 50)),
		P10:    stats.Round(stats.Percentile(sorted, 10)),
		P90:    stats.Round(stats.Percentile(sorted, 90)),
		Min:    int64(sorted[0]),
		Max:    int64(sorted[len(sorted)-1]),
	}
}

// lifetimeOf is the distribution of sorted lifetimes in minutes, without
// its censored count; the zero Lifetime for none.
func lifetimeOf(sorted []float64) Lifetime {
	if len(sorted) == 0 {
		return Lifetime{}
	}
	return Lifetime{
		Mean:   stats.Round(stats.Mean(sorted)),
		Median: stats.Round(stats.Percentile(sorted, 50)),
		P90:    stats.Round(stats.Percentile(sorted, 90)),
		Max:    stats.Round(sorted[len(sorted)-1]),
	}
}

// WriteTable writes the generations beside nothing else: the table the
// report shows after the results when a reset occurred.
func (g *Generations) WriteTable(w io.Writer) error {
	_, err := fmt.Fprintf(w, "\nruntime generations (init or reset to the next reset or the end; what globals live through): %d\n"+
		"  calls per generation: median %.1f, p10 %.1f, p90 %.1f, min %d, max %d\n"+
		"  lifetime, min: median %.1f, p90 %.1f, max %.1f (%d still serving at the end, censored)\n"+
		"  an environment is its log stream, resets included: a reset is a new generation in the same environment\n"+
		"  (a new instance id in the probe's records, a new init in the stream's own logs), not a new environment\n",
		g.Count, g.Reuse.Median, g.Reuse.P10, g.Reuse.P90, g.Reuse.Min, g.Reuse.Max,
		g.LifetimeMinutes.Median, g.LifetimeMinutes.P90, g.LifetimeMinutes.Max, g.LifetimeMinutes.Censored)
	return err
}
