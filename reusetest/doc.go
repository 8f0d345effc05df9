// Package reusetest runs the execution-environment reuse experiments (the
// registry of package experiment) as Go tests: a TestXxxExperiment per
// experiment against the simulated pool (package lambdasim) in a plain go
// test, and its TestLive* twin against a real endpoint with
// -tags=integration.
//
// This package holds only the test functions, a few lines each, and the
// -reuse.* flags' registration. The experiments, their flags and the
// simulated, sweep and live runs are package experiment, which the short
// tests exercise against served pools; the tagged file only wires
// configuration to it.
//
// Its files: seed_test.go (the flags, the seed experiment and its golden),
// experiments_test.go (every other experiment) and live_test.go (the
// live experiments, under the integration tag).
package reusetest
