// Package reusetest runs the execution-environment reuse experiment as Go
// tests: TestSeedExperiment against the simulated pool (package lambdasim)
// in a plain go test, and TestLiveExperiment against a real endpoint with
// -tags=integration.
//
// The logic lives in this package's untagged code, so the short tests
// exercise what the integration test runs; the tagged file only wires
// configuration to it.
package reusetest
