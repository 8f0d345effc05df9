package rfc3339

import (
	"testing"
	"time"
)

// FuzzParseUTC holds the fast reader to time.Parse: whatever it accepts,
// time.Parse reads as the same instant, in UTC; and the times time.Time
// writes in UTC, it accepts.
func FuzzParseUTC(f *testing.F) {
	for _, s := range []string{"2026-11-27T11:41:10.123456789Z", "2021-01-01T00:00:00Z", "2024-02-29T23:59:59.5Z",
		"2023-02-29T00:00:00Z", "2026-04-31T00:00:00Z", "2026-11-27T11:41:10+01:00", "2026-11-27T11:41:10.Z", "0000-01-01T00:00:00Z"} {
		f.Add(s, int64(0))
	}
	f.Fuzz(func(t *testing.T, s string, ns int64) {
		var r Reader
		if got, n, ok := r.ParseUTC([]byte(s)); ok {
			want, err := time.Parse(time.RFC3339Nano, s[:n])
			if err != nil || !got.Equal(want) || got.Location() != time.UTC {
				t.Fatalf("%q: fast %v, time.Parse %v (%v)", s[:n], got, want, err)
			}
		}
		at := time.Unix(0, ns).UTC()
		text := at.Format(time.RFC3339Nano)
		got, n, ok := r.ParseUTC([]byte(text))
		if !ok || n != len(text) || !got.Equal(at) {
			t.Fatalf("%q: fast %v %v %v, want %v", text, got, n, ok, at)
		}
	})
}
