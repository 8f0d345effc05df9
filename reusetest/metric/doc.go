// Package metric is the one list of the figures a summary is judged by,
// and what is done with them: the Metric registry (metrics.go: value,
// label, tolerance, trend key), comparisons, the one baseline rule and the
// verdict (compare.go, with a prediction beside a measurement), and the
// results table beside the 2021 figures (table.go).
package metric
