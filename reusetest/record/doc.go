// Package record is the one currency of a reuse experiment: the Record
// each call of a run produces, simulated or live, with its status and the
// class of its failure. Its one file is record.go.
package record
