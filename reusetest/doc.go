// Package reusetest runs the execution-environment reuse experiment as Go
// tests: TestSeedExperiment against the simulated pool (package lambdasim)
// in a plain go test, and TestLiveExperiment against a real endpoint with
// -tags=integration.
//
// This package holds only the test functions and their -reuse.* flags. The
// logic lives in the packages below it (live runs in package live), so the
// short tests exercise what the integration test runs; the tagged file only
// wires configuration to it.
package reusetest
