// Package rfc3339 reads UTC times in the shape time.Time's JSON and
// RFC3339Nano formatting write them ("2006-01-02T15:04:05.999999999Z"),
// fast, for the hot paths that read millions of them (record logs, trace
// files). Anything else it declines, and the caller falls back to
// time.Parse, so it never decides what a time means: its tests hold it to
// time.Parse.
package rfc3339

import "time"

// Reader parses times, remembering the last date's midnight: a run's times
// share their date, so most parses skip the calendar.
type Reader struct {
	date    [10]byte // the last date read, "YYYY-MM-DD"
	dayUnix int64    // its midnight UTC, in Unix seconds
	known   bool
}

// ParseUTC reads a UTC time at the start of b and returns it and its length
// in bytes; ok is false when b does not start with one (an offset other
// than Z, a date that does not exist, more than nine fraction digits).
func (r *Reader) ParseUTC(b []byte) (t time.Time, n int, ok bool) {
	if len(b) < 20 || b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' || b[16] != ':' {
		return time.Time{}, 0, false
	}
	num := func(i, n int) (int, bool) {
		v := 0
		for _, c := range b[i : i+n] {
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		return v, true
	}
	year, ok1 := num(0, 4)
	month, ok2 := num(5, 2)
	day, ok3 := num(8, 2)
	hour, ok4 := num(11, 2)
	minute, ok5 := num(14, 2)
	sec, ok6 := num(17, 2)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, 0, false
	}
	i, nsec := 19, 0
	if b[i] == '.' {
		i++
		digits := 0
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			if digits == 9 {
				return time.Time{}, 0, false
			}
			nsec = nsec*10 + int(b[i]-'0')
			digits++
			i++
		}
		if digits == 0 {
			return time.Time{}, 0, false
		}
		for range 9 - digits {
			nsec *= 10
		}
	}
	if i >= len(b) || b[i] != 'Z' {
		return time.Time{}, 0, false
	}
	date := [10]byte(b[0:10])
	if !r.known || date != r.date {
		d := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
		if d.Day() != day { // 31 April and the like: time.Parse refuses them
			return time.Time{}, 0, false
		}
		r.date, r.dayUnix, r.known = date, d.Unix(), true
	}
	return time.Unix(r.dayUnix+int64(hour*3600+minute*60+sec), int64(nsec)).UTC(), i + 1, true
}
