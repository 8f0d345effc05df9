// Package experiment is the harness's experiments and how they run: each
// experiment (seed, burst, idle, trace, ramp) with its own -reuse.* flags and
// explicit defaults, the flags every run shares, and the runs themselves:
// Simulate (the simulated pool, its tables, summary, report and record
// log), Sweep (what-ifs over one schedule, in parallel) and RunLive
// (against any endpoint: the cost first, the crash-safe log, resume,
// predictions beside the measurement, the fitted profile, the report, the
// baseline). The test functions in package reusetest call it; all of it
// runs in a plain go test, against served pools.
//
// Its files: experiment.go (Experiment, the registry), one file per
// experiment (seed.go, burst.go, idle.go, trace.go, ramp.go), shared.go (the flags
// that set several experiments' values at once), flags.go (the common
// flags, the schedule and the model they describe), tenants.go
// (-reuse.tenants and its popularity), paths.go (the module
// root and default output names), simulate.go, sweep.go, live.go and
// simlog.go (a simulated run's record log).
package experiment
