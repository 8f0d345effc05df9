// Package reuse holds the one currency of a reuse experiment: the Plan of
// calls, the per-call Record that a simulated or a live run produces, and the
// Summary that one analysis (Summarizer) builds from those records.
//
// The simulator (package lambdasim) and live runs both import this package,
// so neither needs the other and there is no second analysis path.
//
// Its files:
//   - the currency: record.go (Record, statuses, error classes), plan.go
//     (Plan, the seed plan's figures);
//   - schedules: schedule.go (Schedule, specs, FromSpec, limits), burst.go,
//     idle.go, trace.go (the trace schedule and its file), traceparse.go
//     (the trace file formats);
//   - the summary: summary.go (Summary and Summarizer), summaryfile.go (the
//     summary file), the sections' analyses in burst.go, idle.go,
//     idlesurvival.go (the idle timeout apart from age retirement) and
//     trace_summary.go;
//   - metrics and judgement: metrics.go (the one metric registry),
//     compare.go (comparisons, the baseline rule, the verdict);
//   - statistics: survival.go (Kaplan-Meier), and Percentile and Wilson
//     beside their first users (summary.go, idle.go);
//   - text: table.go (the results table), experiment_table.go (the
//     experiments' tables).
package reuse
