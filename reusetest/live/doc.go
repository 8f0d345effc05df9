// Package live runs an experiment against a real endpoint: it builds the
// target that LAMBDA_REUSE_URL or LAMBDA_REUSE_FUNCTION names, runs the
// schedule through the open-loop runner into a crash-safe record log
// (resuming it when it exists), feeds every record once to the analysis, and
// handles signals (the first drains, the second cancels). It also prints what
// a run will cost before it starts. It is where the harness meets the AWS
// SDK (the Invoke API, SigV4, credentials); the simulated runs never import
// it.
//
// Its files follow its jobs: caller.go (the target the environment names),
// live.go (a run: log, resume, analysis), experiment.go (a run of an
// experiment with every file it writes: summary, predictions, fitted
// profile, report, the baseline's verdict), failfast.go, signals.go and
// cost.go.
//
// TestLiveExperiment in package reusetest (tagged integration) wires flags
// and environment to RunExperiment; this package's own tests run it end to
// end against served pools on 127.0.0.1, every kind of experiment
// included (TestEveryKindRunsLive).
package live
