package recordlog

import (
	"errors"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
)

// appendRecord appends r as one JSON line, byte for byte what
// encoding/json's Encoder writes for it (TestAppendRecordIsEncodingJSON
// and FuzzAppendRecord hold it to that), without reflection: the writer
// encodes every record of a run, up to tens of thousands a second.
func appendRecord(b []byte, r *record.Record) ([]byte, error) {
	b = append(b, `{"seq":`...)
	b = strconv.AppendInt(b, r.Seq, 10)
	var err error
	b = append(b, `,"scheduled":`...)
	if b, err = appendTime(b, r.Scheduled); err != nil {
		return b, err
	}
	if !r.Sent.IsZero() {
		b = append(b, `,"sent":`...)
		if b, err = appendTime(b, r.Sent); err != nil {
			return b, err
		}
	}
	if !r.Done.IsZero() {
		b = append(b, `,"done":`...)
		if b, err = appendTime(b, r.Done); err != nil {
			return b, err
		}
	}
	b = append(b, `,"status":`...)
	b = appendString(b, string(r.Status))
	if r.InstanceID != "" {
		b = append(b, `,"instance_id":`...)
		b = appendString(b, r.InstanceID)
	}
	if r.Invocation != 0 {
		b = append(b, `,"invocation":`...)
		b = strconv.AppendInt(b, r.Invocation, 10)
	}
	if r.LogStream != "" {
		b = append(b, `,"log_stream":`...)
		b = appendString(b, r.LogStream)
	}
	if r.BootID != "" {
		b = append(b, `,"boot_id":`...)
		b = appendString(b, r.BootID)
	}
	if !r.InitAt.IsZero() {
		b = append(b, `,"init_at":`...)
		if b, err = appendTime(b, r.InitAt); err != nil {
			return b, err
		}
	}
	if r.InitType != "" {
		b = append(b, `,"init_type":`...)
		b = appendString(b, string(r.InitType))
	}
	if r.Tenant != "" {
		b = append(b, `,"tenant":`...)
		b = appendString(b, r.Tenant)
	}
	if r.InFlight != 0 {
		b = append(b, `,"in_flight":`...)
		b = strconv.AppendInt(b, int64(r.InFlight), 10)
	}
	if r.MaxConcurrency != 0 {
		b = append(b, `,"max_concurrency":`...)
		b = strconv.AppendInt(b, int64(r.MaxConcurrency), 10)
	}
	if r.Scale != 0 {
		b = append(b, `,"scale":`...)
		if b, err = appendFloat(b, r.Scale); err != nil {
			return b, err
		}
	}
	if r.Profile != "" {
		b = append(b, `,"profile":`...)
		b = appendString(b, r.Profile)
	}
	if r.ErrorClass != "" {
		b = append(b, `,"error_class":`...)
		b = appendString(b, string(r.ErrorClass))
	}
	if r.Error != "" {
		b = append(b, `,"error":`...)
		b = appendString(b, r.Error)
	}
	return append(b, '}', '\n'), nil
}

// appendFloat is encoding/json's float64: the shortest representation, in
// exponent form below 1e-6 and from 1e21 on, and no NaN or infinity.
func appendFloat(b []byte, f float64) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return b, errors.New("unsupported float value " + strconv.FormatFloat(f, 'g', -1, 64))
	}
	abs, format := math.Abs(f), byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
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

// appendString quotes s as encoding/json does by default: HTML-safe (<, >
// and & escaped), invalid UTF-8 as U+FFFD, and U+2028 and U+2029 escaped.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
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
