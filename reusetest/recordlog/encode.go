package recordlog

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strconv"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
)

// appendRecord appends r as one JSON line, byte for byte what
// encoding/json's Encoder writes for it (TestCodecRoundTripsEveryField,
// TestAppendRecordIsEncodingJSON and FuzzAppendRecord hold it to that),
// without reflection: the writer encodes every record of a run, up to tens
// of thousands a second.
func appendRecord(b []byte, r *record.Record) ([]byte, error) {
	return recordCodec.append(b, unsafe.Pointer(r))
}

// append appends the value of c's type at p as one JSON line.
func (c *codec) append(b []byte, p unsafe.Pointer) ([]byte, error) {
	if c.slow != "" {
		line, err := json.Marshal(reflect.NewAt(c.typ, p).Interface())
		if err != nil {
			return b, err
		}
		return append(append(b, line...), '\n'), nil
	}
	// Each field goes after a comma; the first comma becomes the brace.
	start := len(b)
	var err error
	fields := c.fields
	for i := range fields {
		f := &fields[i]
		v := f.value(p)
		switch f.kind {
		case kindString:
			s := *(*string)(v)
			if s == "" && !f.alwaysHere {
				continue
			}
			b = appendString(f.key.appendTo(b), s)
		case kindInt:
			n := loadInt(v, f.bits)
			if n == 0 && !f.alwaysHere {
				continue
			}
			b = strconv.AppendInt(f.key.appendTo(b), n, 10)
		case kindUint:
			n := loadUint(v, f.bits)
			if n == 0 && !f.alwaysHere {
				continue
			}
			b = strconv.AppendUint(f.key.appendTo(b), n, 10)
		case kindFloat:
			var x float64
			if f.bits == 64 {
				x = *(*float64)(v)
			} else {
				x = float64(*(*float32)(v))
			}
			if x == 0 && !f.alwaysHere { // -0 too, as encoding/json has it
				continue
			}
			if b, err = appendFloat(f.key.appendTo(b), x, f.bits); err != nil {
				return b, err
			}
		case kindBool:
			t := *(*bool)(v)
			if !t && !f.alwaysHere {
				continue
			}
			b = strconv.AppendBool(f.key.appendTo(b), t)
		case kindTime:
			t := (*time.Time)(v)
			if !f.alwaysHere && t.IsZero() {
				continue
			}
			if b, err = appendTime(f.key.appendTo(b), *t); err != nil {
				return b, err
			}
		}
	}
	if len(b) == start {
		b = append(b, '{')
	} else {
		b[start] = '{'
	}
	return append(b, '}', '\n'), nil
}

// loadInt reads a signed integer of the given size at v.
func loadInt(v unsafe.Pointer, bits int) int64 {
	switch bits {
	case 8:
		return int64(*(*int8)(v))
	case 16:
		return int64(*(*int16)(v))
	case 32:
		return int64(*(*int32)(v))
	}
	return *(*int64)(v)
}

// loadUint reads an unsigned integer of the given size at v.
func loadUint(v unsafe.Pointer, bits int) uint64 {
	switch bits {
	case 8:
		return uint64(*(*uint8)(v))
	case 16:
		return uint64(*(*uint16)(v))
	case 32:
		return uint64(*(*uint32)(v))
	}
	return *(*uint64)(v)
}

// appendFloat is encoding/json's float of the given size: the shortest
// representation, in exponent form below 1e-6 and from 1e21 on, and no
// NaN or infinity.
func appendFloat(b []byte, f float64, bits int) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return b, errors.New("unsupported float value " + strconv.FormatFloat(f, 'g', -1, bits))
	}
	abs, format := math.Abs(f), byte('f')
	if abs != 0 && (bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21)) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, bits)
	if format == 'e' {
		// clean up e-09 to e-9, as encoding/json does
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, nil
}

// appendTime is time.Time's MarshalJSON: RFC 3339 with nanoseconds, and
// only years 0 to 9999.
func appendTime(b []byte, t time.Time) ([]byte, error) {
	if y := t.Year(); y < 0 || y > 9999 {
		return b, errors.New("time " + t.String() + ": year outside of range [0,9999]")
	}
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"'), nil
}

const hexDigits = "0123456789abcdef"

// plainByte marks the ASCII bytes a JSON string holds as they are: not a
// control character, a quote, a backslash or one of HTML's <, > and &.
var plainByte = func() (t [utf8.RuneSelf]bool) {
	for c := byte(0x20); c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// appendString quotes s as encoding/json does by default: HTML-safe (<, >
// and & escaped), invalid UTF-8 as U+FFFD, and U+2028 and U+2029 escaped.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if plainByte[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
