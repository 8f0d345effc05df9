// Package reuse holds the one currency of a reuse experiment: the Plan of
// calls, the per-call Record that a simulated or a live run produces, and the
// Summary that one analysis (Summarizer) builds from those records.
//
// The simulator (package lambdasim) and live runs both import this package,
// so neither needs the other and there is no second analysis path.
//
// Its files:
//   - the currency: record.go (Record, statuses, error classes);
//   - schedules: schedule.go (Schedule and the optional interfaces runs ask,
//     limits, InModelTime), kind.go (Kind, the Kinds registry, the spec and
//     its JSON, FromSpec), one file per kind: plan.go (steady, with the
//     seed plan's figures), poisson.go, burst.go, idle.go, trace.go (the
//     trace schedule and its file) with traceparse.go (the trace file
//     formats);
//   - the summary: summary.go (Summary and Summarizer), section.go (a
//     kind's section, and the summary's JSON), summaryfile.go (the summary
//     file), and each kind's section with its table beside its schedule:
//     burst.go, idle.go with idlesurvival.go (the idle timeout apart from
//     age retirement), trace_summary.go;
//   - metrics and judgement: metrics.go (the one metric registry),
//     compare.go (comparisons, the baseline rule, the verdict);
//   - statistics: survival.go (Kaplan-Meier), and Percentile and Wilson
//     beside their first users (summary.go, idle.go);
//   - text: table.go (the results table).
package reuse
