// Package summary is what one analysis (Summarizer) builds from a run's
// records, simulated or live: the Summary, whose JSON is the contract other
// tools read, with the section each schedule kind adds. The simulator
// (package lambdasim) and live runs both feed it, so there is no second
// analysis path: when nothing else reads a simulation's records, the
// simulator hands the Summarizer its calls as they are (AddCalls, the
// internal simcall form), and the Summarizer reads them as it reads the
// records they would have been.
//
// Its files: summary.go (the Summary: its JSON contract), summarizer.go (the
// Summarizer that builds one from records), section.go (a kind's
// section, the registry of sections, the summary's JSON), each kind's
// section with its text table in its own file (burst_summary.go,
// idle_summary.go with idlesurvival.go: the idle timeout apart from age
// retirement, trace_summary.go, ramp_summary.go), tenants_summary.go (the
// tenants part of a run whose calls carried tenants), multi_summary.go
// (calls at once per environment, on Managed Instances), check.go (the one
// guard on every number a summary holds, a method per part), summaryfile.go
// (the summary file) and summarytext.go (the plan in words). Package summarytest holds a
// hand-made run with known answers for tests.
package summary
