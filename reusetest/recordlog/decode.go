package recordlog

import (
	"bytes"
	"strconv"
	"time"
	"unsafe"

	"github.com/lambda-reuse/lambda-reuse/internal/rfc3339"
	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
)

// decoder reads record lines in the shape appendRecord writes them: the
// codec's fields in its order, strings without escapes, times in UTC.
// Anything else (a header, an escape, another writer's line) it declines,
// and Read falls back to encoding/json, so the fast path never decides
// what a line means: TestCodecRoundTripsEveryField and FuzzParseRecord
// hold the two to the same result. Instance ids and log streams repeat
// across a run's records, so each distinct string is allocated once
// (memory grows with environments, not records).
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
	*r = record.Record{}
	return d.decode(recordCodec, line, unsafe.Pointer(r))
}

// decode decodes line into the zero value of c's type at p, or reports
// false.
func (d *decoder) decode(c *codec, line []byte, p unsafe.Pointer) bool {
	if c.slow != "" {
		return false
	}
	d.b, d.p = bytes.TrimSuffix(line, []byte{'\n'}), 0
	first := true
	fields, lastAlways := c.fields, c.lastAlways // locals: the stores below cannot change them
	for i := range fields {
		f := &fields[i]
		key := &f.key
		if first {
			key = &f.first
		}
		if !key.at(d.b[d.p:]) {
			if f.alwaysHere {
				return false // not the writer's line: encoding/json decides
			}
			if i > lastAlways && d.p < len(d.b) && d.b[d.p] == '}' {
				break // the line ends: the fields left are absent
			}
			continue
		}
		d.p += len(key.s)
		first = false
		v := f.value(p)
		switch f.kind {
		case kindTime:
			t, ok := d.time()
			if !ok {
				return false
			}
			*(*time.Time)(v) = t
		case kindString:
			s, ok := d.str()
			if !ok {
				return false
			}
			*(*string)(v) = s
		case kindInt:
			n, ok := d.int()
			if !ok || f.bits < 64 && (n < -1<<(f.bits-1) || n >= 1<<(f.bits-1)) {
				return false // out of range: encoding/json says so
			}
			storeInt(v, f.bits, n)
		case kindUint:
			if d.p < len(d.b) && d.b[d.p] == '-' {
				return false
			}
			n, ok := d.int()
			if !ok || f.bits < 64 && n >= 1<<f.bits {
				return false
			}
			storeUint(v, f.bits, uint64(n))
		case kindFloat:
			num, ok := d.number()
			if !ok {
				return false
			}
			x, err := strconv.ParseFloat(string(num), f.bits)
			if err != nil {
				return false
			}
			if f.bits == 64 {
				*(*float64)(v) = x
			} else {
				*(*float32)(v) = float32(x)
			}
		case kindBool:
			switch {
			case d.lit("true"):
				*(*bool)(v) = true
			case d.lit("false"):
			default:
				return false
			}
		}
	}
	if first {
		return string(d.b) == "{}"
	}
	return d.lit("}") && d.p == len(d.b)
}

// storeInt writes a signed integer of the given size at v.
func storeInt(v unsafe.Pointer, bits int, n int64) {
	switch bits {
	case 8:
		*(*int8)(v) = int8(n)
	case 16:
		*(*int16)(v) = int16(n)
	case 32:
		*(*int32)(v) = int32(n)
	default:
		*(*int64)(v) = n
	}
}

// storeUint writes an unsigned integer of the given size at v.
func storeUint(v unsafe.Pointer, bits int, n uint64) {
	switch bits {
	case 8:
		*(*uint8)(v) = uint8(n)
	case 16:
		*(*uint16)(v) = uint16(n)
	case 32:
		*(*uint32)(v) = uint32(n)
	default:
		*(*uint64)(v) = n
	}
}

// number reads a JSON number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func (d *decoder) number() ([]byte, bool) {
	start := d.p
	digits := func() int {
		n := 0
		for d.p < len(d.b) && d.b[d.p] >= '0' && d.b[d.p] <= '9' {
			d.p++
			n++
		}
		return n
	}
	if d.p < len(d.b) && d.b[d.p] == '-' {
		d.p++
	}
	if d.p < len(d.b) && d.b[d.p] == '0' {
		d.p++
	} else if digits() == 0 {
		return nil, false
	}
	if d.p < len(d.b) && d.b[d.p] == '.' {
		d.p++
		if digits() == 0 {
			return nil, false
		}
	}
	if d.p < len(d.b) && (d.b[d.p] == 'e' || d.b[d.p] == 'E') {
		d.p++
		if d.p < len(d.b) && (d.b[d.p] == '+' || d.b[d.p] == '-') {
			d.p++
		}
		if digits() == 0 {
			return nil, false
		}
	}
	return d.b[start:d.p], true
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
