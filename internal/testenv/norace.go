//go:build !race

package testenv

// Race is true under go test -race.
const Race = false
