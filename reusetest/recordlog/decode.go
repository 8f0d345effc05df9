package recordlog

import (
	"bytes"
	"math"
	"strconv"
	"time"

	"github.com/lambda-reuse/lambda-reuse/internal/rfc3339"
	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
)

// decoder reads record lines in the shape appendRecord writes them: its
// fields in its order, strings without escapes, times in UTC. Anything else
// (a header, an escape, another writer's line) it declines, and Read falls
// back to encoding/json, so the fast path never decides what a line means:
// FuzzParseRecord holds the two to the same result. Instance ids and log
// streams repeat across a run's records, so each distinct one is allocated
// once (memory grows with environments, not records).
type decoder struct {
	strs  map[string]string
	b     []byte
	p     int
	times rfc3339.Reader
}

func newDecoder() *decoder { return &decoder{strs: map[string]string{}} }

// parse decodes line (with or without its newline) into r, or reports
// false and leaves r to be overwritten.
func (d *decoder) parse(line []byte, r *record.Record) bool {
	line = bytes.TrimSuffix(line, []byte{'\n'})
	d.b, d.p = line, 0
	*r = record.Record{}
	var ok bool
	if !d.lit(`{"seq":`) {
		return false
	}
	if r.Seq, ok = d.int(); !ok || !d.lit(`,"scheduled":`) {
		return false
	}
	if r.Scheduled, ok = d.time(); !ok {
		return false
	}
	if d.lit(`,"sent":`) {
		if r.Sent, ok = d.time(); !ok {
			return false
		}
	}
	if d.lit(`,"done":`) {
		if r.Done, ok = d.time(); !ok {
			return false
		}
	}
	if !d.lit(`,"status":`) {
		return false
	}
	var s string
	if s, ok = d.str(); !ok {
		return false
	}
	r.Status = record.Status(s)
	for _, f := range []struct {
		key string
		to  *string
	}{{`,"instance_id":`, &r.InstanceID}} {
		if d.lit(f.key) {
			if *f.to, ok = d.str(); !ok {
				return false
			}
		}
	}
	if d.lit(`,"invocation":`) {
		if r.Invocation, ok = d.int(); !ok {
			return false
		}
	}
	for _, key := range []string{`,"log_stream":`, `,"boot_id":`} {
		if d.lit(key) {
			if s, ok = d.str(); !ok {
				return false
			}
			if key == `,"log_stream":` {
				r.LogStream = s
			} else {
				r.BootID = s
			}
		}
	}
	if d.lit(`,"init_at":`) {
		if r.InitAt, ok = d.time(); !ok {
			return false
		}
	}
	if d.lit(`,"init_type":`) {
		if s, ok = d.str(); !ok {
			return false
		}
		r.InitType = record.InitType(s)
	}
	if d.lit(`,"tenant":`) {
		if r.Tenant, ok = d.str(); !ok {
			return false
		}
	}
	for _, f := range []struct {
		key string
		to  *int
	}{{`,"in_flight":`, &r.InFlight}, {`,"max_concurrency":`, &r.MaxConcurrency}} {
		if d.lit(f.key) {
			v, ok := d.int()
			if !ok || v < math.MinInt32 || v > math.MaxInt32 {
				return false // encoding/json decides what it means
			}
			*f.to = int(v)
		}
	}
	if d.lit(`,"scale":`) {
		start := d.p
		for d.p < len(d.b) && bytes.IndexByte([]byte("0123456789.eE+-"), d.b[d.p]) >= 0 {
			d.p++
		}
		v, err := strconv.ParseFloat(string(d.b[start:d.p]), 64)
		if err != nil || d.p == start {
			return false
		}
		r.Scale = v
	}
	if d.lit(`,"profile":`) {
		if r.Profile, ok = d.str(); !ok {
			return false
		}
	}
	if d.lit(`,"error_class":`) {
		if s, ok = d.str(); !ok {
			return false
		}
		r.ErrorClass = record.ErrorClass(s)
	}
	if d.lit(`,"error":`) {
		if r.Error, ok = d.str(); !ok {
			return false
		}
	}
	return d.lit("}") && d.p == len(d.b)
}

func (d *decoder) lit(s string) bool {
	if len(d.b)-d.p >= len(s) && string(d.b[d.p:d.p+len(s)]) == s {
		d.p += len(s)
		return true
	}
	return false
}

// int reads a decimal integer of at most 18 digits (no overflow possible).
func (d *decoder) int() (int64, bool) {
	neg := d.p < len(d.b) && d.b[d.p] == '-'
	if neg {
		d.p++
	}
	start := d.p
	var v int64
	for d.p < len(d.b) && d.b[d.p] >= '0' && d.b[d.p] <= '9' && d.p-start < 18 {
		v = v*10 + int64(d.b[d.p]-'0')
		d.p++
	}
	n := d.p - start
	if n == 0 || (n > 1 && d.b[start] == '0') || (d.p < len(d.b) && d.b[d.p] >= '0' && d.b[d.p] <= '9') {
		return 0, false
	}
	if neg {
		v = -v
	}
	return v, true
}

// str reads a string of printable ASCII without escapes; the same bytes
// give the same string, allocated (and checked) once.
func (d *decoder) str() (string, bool) {
	if d.p >= len(d.b) || d.b[d.p] != '"' {
		return "", false
	}
	end := bytes.IndexByte(d.b[d.p+1:], '"')
	if end < 0 {
		return "", false
	}
	raw := d.b[d.p+1 : d.p+1+end]
	if s, ok := d.strs[string(raw)]; ok {
		d.p += end + 2
		return s, true
	}
	for _, c := range raw {
		if c < 0x20 || c >= 0x7f || c == '\\' {
			return "", false
		}
	}
	d.p += end + 2
	s := string(raw)
	if len(d.strs) < 1<<20 {
		d.strs[s] = s
	}
	return s, true
}

// time reads a quoted UTC time, as time.Time's JSON writes one.
func (d *decoder) time() (time.Time, bool) {
	b := d.b[d.p:]
	if len(b) < 2 || b[0] != '"' {
		return time.Time{}, false
	}
	t, n, ok := d.times.ParseUTC(b[1:])
	if !ok || n+1 >= len(b) || b[n+1] != '"' {
		return time.Time{}, false
	}
	d.p += n + 2
	return t, true
}
