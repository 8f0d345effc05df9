//go:build race

package fit

// raceEnabled is true under go test -race.
const raceEnabled = true
