//go:build !race

package scripts

// raceEnabled is true under go test -race.
const raceEnabled = false
