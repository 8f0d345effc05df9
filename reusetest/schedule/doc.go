// Package schedule says when each call of a run is due and how long its
// handler works: the Schedule, its kinds and their specs, which record log
// headers and profiles store.
//
// Its files: schedule.go (Schedule, the optional interfaces runs ask of
// it, limits, InModelTime), kind.go (Kind, the Kinds registry, the spec
// and its JSON, FromSpec, CheckSpec) and one file per kind: plan.go (Plan,
// a schedule in brief, and the steady kind, Steady, with the seed
// schedule), poisson.go, burst.go,
// idle.go, ramp.go, and trace.go (a trace of the user's traffic as a schedule) with
// traceparse.go (the trace file formats); tenants.go gives calls tenants
// (a synthetic Population for any kind, the Tenanted interface a trace's
// tenant column answers, and the helpers that see through a population).
package schedule
