// Package live runs an experiment against a real endpoint: it builds the
// target that LAMBDA_REUSE_URL or LAMBDA_REUSE_FUNCTION names, runs the
// schedule through the open-loop runner into a crash-safe record log
// (resuming it when it exists), feeds every record once to the analysis, and
// handles signals (the first drains, the second cancels). It also prints what
// a run will cost before it starts.
//
// Its files follow its jobs: caller.go (the target the environment names),
// live.go (a run: log, resume, analysis), failfast.go, signals.go and
// cost.go.
//
// TestLiveExperiment in package reusetest wires flags and environment to it;
// this package's own tests run it end to end against the simulated endpoint
// on 127.0.0.1.
package live
