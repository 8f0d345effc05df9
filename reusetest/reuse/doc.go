// Package reuse holds the one currency of a reuse experiment: the Plan of
// calls, the per-call Record that a simulated or a live run produces, and the
// Summary that one analysis (Summarizer) builds from those records.
//
// The simulator (package lambdasim) and live runs both import this package,
// so neither needs the other and there is no second analysis path.
package reuse
