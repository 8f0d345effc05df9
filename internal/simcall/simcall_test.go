package simcall

import (
	"testing"
	"time"
)

// TestWallTimeIsEpochAdd: the records' times, built directly, are the
// values Epoch.Add gives, to the representation (== as well as Equal).
func TestWallTimeIsEpochAdd(t *testing.T) {
	ds := []time.Duration{0, 1, time.Second - 1, time.Second, -1, -time.Second - 1, 1<<62 - 1, -1 << 62}
	for i := range int64(100_000) {
		ds = append(ds, time.Duration(i*i*7919+i*104729)%(400*24*time.Hour), -time.Duration(i*31337))
	}
	for _, d := range ds {
		if got, want := WallTime(d), Epoch.Add(d); got != want {
			t.Fatalf("WallTime(%v) = %v, Epoch.Add gives %v", d, got, want)
		}
	}
	if EpochNS != Epoch.UnixNano() {
		t.Fatalf("EpochNS %d, Epoch %d", EpochNS, Epoch.UnixNano())
	}
}
