// Package experiment is the harness's experiments and how they run on the
// simulator: each experiment (Experiments lists them, at least one per
// kind of schedule.Kinds) with its own -reuse.* flags and explicit defaults, the flags every run shares, and the
// simulated runs: Simulate (the simulated pool, its tables, summary, report
// and record log) and Sweep (what-ifs over one schedule, in parallel). The
// test functions in package reusetest call it. It needs no AWS SDK: a live
// run of an experiment (package live's RunExperiment) takes its flags from
// here, and the SDK stays with the code that talks to an endpoint.
//
// Its files: experiment.go (Experiment, the registry), one file per
// experiment (named for it), shared.go (the flags
// that set several experiments' values at once), flags.go (the common
// flags, the schedule and the model they describe), tenants.go
// (-reuse.tenants and its popularity), paths.go (the module
// root and default output names), simulate.go, sweep.go and
// simlog.go (a simulated run's record log).
package experiment
