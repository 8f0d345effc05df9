// Package fit turns a measured run into a model of its function: it
// estimates a lambdasim profile from a run's records (Fitter), written as a
// profile file with its provenance, and predicts a schedule's figures under
// a profile beside what was measured (Predict, Fitter.Predictions).
//
// The estimators, each stated in the fitted file's sources:
//   - maximum lifetime: Kaplan-Meier over environments' measured lifetimes
//     (each end moved half the environment's mean gap between calls on:
//     the retirement came after the last call); an environment still
//     serving at the end is censored, and so is one that served fewer than
//     minCallsForAge calls (a spare started for a moment and left to idle
//     out: its end says nothing about age), and one not seen gone within
//     the least idle timeout of its last call (no start on the request
//     path by then: it may have idled out); where such ends exist, the
//     fit's ranges carry the medians they allow (ended of age to
//     censored);
//   - idle timeout: from an idle experiment's survival curve (made monotone,
//     weighted by samples); a steady run only bounds it from below (the
//     longest idle gap an environment survived), so it keeps the base's,
//     and a prediction runs it from that bound up to what the sources
//     allow (band.go);
//   - front-door latency and init latency: from warm and cold calls' times
//     beyond their handler time (half of a warm call's, less the base's
//     median overhead; a cold call's, less the median warm call's);
//   - placement: the likelihood of each warm call's choice among the idle
//     environments the records prove alive then, under each rule (a
//     deterministic rule with a fitted error rate, or the uniform one); a
//     rule is named only when it explains the choices and leads the
//     runner-up by more than ln 1000 and more than seeded simulations of
//     the runner-up's model lead by, else the fit says undecided and keeps
//     the base's;
//   - handler time: what the schedule asked of the served calls;
//   - proactive share: the measured proactive starts over those a simulation
//     with every age retirement replaced ahead would show.
//
// Its files: fitter.go (the one pass over the records), fit.go (the fit:
// parameters, provenance, the table), estimate.go (the estimators),
// placement.go (the placement evidence and scores) and predict.go
// (predictions beside a measurement).
package fit

import (
	"fmt"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"github.com/lambda-reuse/lambda-reuse/reusetest/recordlog"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"github.com/lambda-reuse/lambda-reuse/reusetest/stats"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
)

// minCallsForAge is the fewest calls an ended environment must have served
// for its end to count as an age retirement in the lifetime estimate.
const minCallsForAge = 3

// reservoirSize bounds the warm-call latencies kept (a uniform sample of
// them all), so memory follows environments, not calls.
const reservoirSize = 20_000

// Fitter is the fit's one pass over a run's records. Add feeds the run's
// analysis (next: its Summarizer, or a report.Collector around it) and keeps
// what the fit needs beyond the summary: the first call's time of each cold
// environment, a bounded sample of warm calls' times, and each
// environment's longest idle gap. Memory is O(environments).
type Fitter struct {
	sum   *summary.Summarizer
	next  interface{ Add(*record.Record) }
	sched schedule.Schedule

	warm  []float64 // warm calls' seconds beyond their handler, a uniform sample
	seen  int64     // warm calls seen
	state uint64    // the sample's generator (splitmix64, fixed seed)
	cold  []float64 // calls' seconds beyond their handler where they waited for an init: one per environment and reset
	// resetInits is how many of cold are resets' inits.
	resetInits int64
	envs       map[string]*envFacts // by environment (summary.EnvironmentOf)
	place      *placementEvidence

	handler  []float64 // the handler time the calls asked (seconds), a uniform sample
	handlerN int64

	// starts are the times (unix ns) calls were sent that started a new
	// environment and waited for its init: then no idle environment was
	// left. One per environment.
	starts []int64
}

type envFacts struct {
	lastDone int64 // unix ns
	maxGap   time.Duration
}

// NewFitter starts a fit of the run of schedule that sum summarizes. Add
// passes each record on to next (sum itself when next is nil).
func NewFitter(sum *summary.Summarizer, schedule schedule.Schedule, next interface{ Add(*record.Record) }) *Fitter {
	if next == nil {
		next = sum
	}
	return &Fitter{sum: sum, next: next, sched: schedule, state: 0x5eedf17, envs: map[string]*envFacts{}, place: newPlacementEvidence()}
}

// Summary is the run's summary so far.
func (f *Fitter) Summary() summary.Summary { return f.sum.Summary() }

// NumEnvironments is the number of environments seen so far.
func (f *Fitter) NumEnvironments() int { return f.sum.NumEnvironments() }

// Add accounts for one record and passes it on.
func (f *Fitter) Add(r *record.Record) {
	f.next.Add(r)
	if !r.Served() {
		return
	}
	factor := 1.0
	if r.Scale > 0 {
		factor = r.Scale
	}
	sent, done := r.Sent.UnixNano(), r.Done.UnixNano()
	var initAt int64
	if !r.InitAt.IsZero() {
		initAt = r.InitAt.UnixNano()
	}
	// The environment as the summary keys it: its log stream, resets
	// included (a reset's new instance id is a new runtime generation of
	// the same environment, not a new one).
	env := summary.EnvironmentOf(r)
	f.place.add(env, sent, done, initAt)
	f.handlerN++
	f.handler = f.sample(f.handler, f.handlerN, f.sched.HandlerTime(r.Seq).Seconds())
	beyond := (float64(done-sent)*factor - float64(f.sched.HandlerTime(r.Seq))) / 1e9
	e := f.envs[env]
	first := e == nil
	if first {
		e = &envFacts{lastDone: done}
		f.envs[env] = e
	} else {
		gap := time.Duration(float64(sent-e.lastDone) * factor)
		e.maxGap = max(e.maxGap, gap)
	}
	e.lastDone = max(e.lastDone, done)
	proactive := !r.InitAt.IsZero() && float64(sent-r.InitAt.UnixNano())*factor > float64(summary.ProactiveThreshold)
	// A call that ran its environment's init and waited for it: an
	// environment's first, or a reset's (its generation's first, in an
	// environment that served), which runs the same init again; either
	// is an init's time, though a reset starts no environment.
	switch {
	case r.Invocation == 1 && !proactive:
		f.cold = append(f.cold, beyond)
		if !first {
			f.resetInits++
		} else {
			f.starts = append(f.starts, sent)
		}
	case r.Invocation > 1:
		f.seen++
		f.warm = f.sample(f.warm, f.seen, beyond)
	}
}

// sample keeps a uniform sample of reservoirSize values out of n seen so
// far, x the latest (Algorithm R).
func (f *Fitter) sample(kept []float64, n int64, x float64) []float64 {
	if len(kept) < reservoirSize {
		return append(kept, x)
	}
	if j := f.next64() % uint64(n); j < reservoirSize {
		kept[j] = x
	}
	return kept
}

// next64 is splitmix64: a fixed-seed stream, so a fit is reproducible.
func (f *Fitter) next64() uint64 {
	f.state += stats.Golden
	return stats.Mix64(f.state)
}

// FromLog replays a run's record log into a new Fitter, in one pass.
func FromLog(path string) (*Fitter, error) {
	var f *Fitter
	err := recordlog.Replay(path, func(h *recordlog.Header, sched schedule.Schedule) func(*record.Record) {
		f = NewFitter(summary.NewSummarizer(sched, h.Target, nil), sched, nil)
		return f.Add
	})
	if err != nil {
		return nil, fmt.Errorf("fit: %w", err)
	}
	return f, nil
}
