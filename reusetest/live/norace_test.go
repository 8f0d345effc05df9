//go:build !race

package live

// raceEnabled is true under go test -race.
const raceEnabled = false
