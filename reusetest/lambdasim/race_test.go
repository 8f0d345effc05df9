//go:build race

package lambdasim

// raceEnabled is true under go test -race.
const raceEnabled = true
