// Package reusetest runs the execution-environment reuse experiment as Go
// tests: TestSeedExperiment against the simulated pool (package lambdasim)
// in a plain go test, and TestLiveExperiment against a real endpoint with
// -tags=integration.
//
// This package holds only the test functions and their -reuse.* flags. The
// logic lives in the packages below it (live runs in package live), so the
// short tests exercise what the integration test runs; the tagged file only
// wires configuration to it.
//
// Its files: flags.go (the -reuse.* flags, the schedule and the model they
// describe, and the default output paths) and simlog.go (a simulated run's
// record log); the tests are seed_test.go, experiments_test.go (burst,
// idle, trace and sweeps) and live_test.go (the live experiments, under the
// integration tag).
package reusetest
