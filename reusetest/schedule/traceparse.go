package schedule

import (
	"bytes"

	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/lambda-reuse/lambda-reuse/internal/rfc3339"
	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
)

// A trace file is one of two shapes, told apart by its header (CSV) or its
// first line's keys (JSON Lines, a file ending in .jsonl or .ndjson):
//
// Timestamps, one call per line, in order:
//
//	time,duration_ms
//	2019-07-18T09:00:00.250Z,120
//	{"time": 12.5, "duration_ms": 80}
//
// "time" (or "timestamp") is an RFC 3339 time (absolute: the trace starts
// at the first line's), or a time from the trace's start: seconds ("12.5")
// or a Go duration ("1m30s"). "duration_ms" (or "duration", a Go duration)
// is optional: the call's handler time. "tenant" is optional too: the
// call's tenant id (a function in tenant isolation mode); when the first
// line has one, every line must, and in JSON Lines it is a string.
//
// Counts per interval, in order (the shape of CloudWatch's per-minute
// metrics and of the Azure Functions 2019 trace):
//
//	minute,count          start,count           HashFunction,1,2,3,...,1440
//	0,12                  0s,12                 a1b2...,12,0,7,...,3
//
// "minute" numbers one-minute intervals from 0; "start" is a time as above,
// each interval lasting TraceOptions.Interval (one minute by default). The
// wide form (Azure 2019: columns "1" to "N", one per minute) takes one data
// row: one function.

// traceLine is one parsed line: a call's time (or an interval's start) and
// its duration, or an interval's count.
type traceLine struct {
	at       time.Duration // from the trace's zero
	abs      bool          // at came from an absolute time (then at is Unix ns)
	duration time.Duration
	hasDur   bool
	count    int64
	tenant   []byte // the tenant id, into the line; nil when none
}

// traceFormat is how a file's lines are laid out.
type traceFormat struct {
	jsonl  bool
	counts bool
	wide   bool // Azure 2019: one row, a column per minute
	// CSV column indexes (-1 absent).
	colTime, colDur, colCount, colMinute, colFirstMinute, colTenant int
	durMS                                                           bool // the duration column is milliseconds
	columns                                                         int
	times                                                           *rfc3339.Reader
}

// tenants reports a format whose lines carry a tenant.
func (f *traceFormat) tenants() bool { return f.colTenant >= 0 }

// parseHeader reads a CSV header line.
func parseHeader(line []byte) (traceFormat, error) {
	f := traceFormat{colTime: -1, colDur: -1, colCount: -1, colMinute: -1, colFirstMinute: -1, colTenant: -1}
	cols := bytes.Split(bytes.TrimSpace(line), []byte{','})
	f.columns = len(cols)
	for i, c := range cols {
		switch name := string(bytes.TrimSpace(c)); name {
		case "time", "timestamp":
			f.colTime = i
		case "duration_ms":
			f.colDur, f.durMS = i, true
		case "duration":
			f.colDur = i
		case "count":
			f.colCount = i
		case "minute":
			f.colMinute = i
		case "start":
			f.colTime = i
		case "tenant":
			f.colTenant = i
		case "1":
			f.colFirstMinute = i
		}
	}
	switch {
	case f.colFirstMinute >= 0:
		for i := f.colFirstMinute; i < len(cols); i++ {
			if string(bytes.TrimSpace(cols[i])) != strconv.Itoa(i-f.colFirstMinute+1) {
				return f, fmt.Errorf("header: minute columns must run 1, 2, 3, ... to the end; column %d is %q", i+1, cols[i])
			}
		}
		f.counts, f.wide = true, true
	case f.colCount >= 0:
		if f.colMinute < 0 && f.colTime < 0 {
			return f, errors.New(`header: a counts trace needs a "minute" or "start" column beside "count"`)
		}
		f.counts = true
	case f.colTime >= 0:
	default:
		return f, errors.New(`header: want a "time" (or "timestamp") column, "minute"/"start" with "count", or minute columns "1","2",... (Azure 2019)`)
	}
	if f.counts && f.colTenant >= 0 {
		return f, errors.New(`header: a counts trace has no "tenant" column (its counts have no calls to give tenants to; -reuse.tenants draws them)`)
	}
	return f, nil
}

// parseCSV parses one data line of a non-wide CSV trace.
func (f *traceFormat) parseCSV(line []byte) (traceLine, error) {
	var out traceLine
	col := 0
	for start := 0; start <= len(line); col++ {
		end := bytes.IndexByte(line[start:], ',')
		if end < 0 {
			end = len(line)
		} else {
			end += start
		}
		field := line[start:end]
		if len(field) > 0 && (field[0] <= ' ' || field[len(field)-1] <= ' ') {
			field = bytes.TrimSpace(field)
		}
		var err error
		switch col {
		case f.colTime:
			out.at, out.abs, err = parseTraceTime(field, f.times)
		case f.colDur:
			out.duration, err = parseTraceDuration(field, f.durMS)
			out.hasDur = err == nil
		case f.colCount:
			out.count, err = parseCount(field)
		case f.colTenant:
			out.tenant, err = parseTenant(field)
		case f.colMinute:
			var m int64
			m, err = parseCount(field)
			if err == nil && m > int64(maxTraceTime/time.Minute) {
				err = fmt.Errorf("minute %d: more than the %v a trace may span", m, maxTraceTime)
			}
			out.at = time.Duration(m) * time.Minute
		}
		if err != nil {
			return out, fmt.Errorf("column %d: %w", col+1, err)
		}
		start = end + 1
	}
	if col != f.columns {
		return out, fmt.Errorf("%d columns, the header has %d", col, f.columns)
	}
	return out, nil
}

// parseJSONL parses one JSON Lines object of flat keys with string or number
// values; it reports the keys it saw, so the first line sets the format.
func parseJSONL(line []byte, times *rfc3339.Reader) (traceLine, traceFormat, error) {
	var out traceLine
	f := traceFormat{jsonl: true, colTenant: -1}
	line = bytes.TrimSpace(line)
	if len(line) < 2 || line[0] != '{' || line[len(line)-1] != '}' {
		return out, f, errors.New("not a JSON object on one line")
	}
	p := 1
	var seen uint
	skip := func() {
		for p < len(line) && (line[p] == ' ' || line[p] == '\t') {
			p++
		}
	}
	str := func() ([]byte, bool) {
		if p >= len(line) || line[p] != '"' {
			return nil, false
		}
		end := bytes.IndexByte(line[p+1:], '"')
		if end < 0 || bytes.IndexByte(line[p+1:p+1+end], '\\') >= 0 {
			return nil, false
		}
		s := line[p+1 : p+1+end]
		p += end + 2
		return s, true
	}
	for {
		skip()
		if p < len(line) && line[p] == '}' {
			break
		}
		key, ok := str()
		skip()
		if !ok || p >= len(line) || line[p] != ':' {
			return out, f, errors.New("want a flat object of keys and string or number values")
		}
		p++
		skip()
		var val []byte
		quoted := p < len(line) && line[p] == '"'
		if quoted {
			if val, ok = str(); !ok {
				return out, f, fmt.Errorf("%s: bad string", key)
			}
		} else {
			start := p
			for p < len(line) && line[p] != ',' && line[p] != '}' && line[p] != ' ' {
				p++
			}
			val = line[start:p]
		}
		// Each field once: a key given twice (or two keys for one field,
		// time and start) would leave the line to whichever came last.
		if field := jsonlField(string(key)); field >= 0 {
			if seen&(1<<field) != 0 {
				return out, f, fmt.Errorf("%s: the line gives its %s twice", key, jsonlFields[field])
			}
			seen |= 1 << field
		}
		var err error
		switch string(key) {
		case "time", "timestamp", "start":
			out.at, out.abs, err = parseTraceTime(val, times)
		case "duration_ms":
			out.duration, err = parseTraceDuration(val, true)
			out.hasDur = err == nil
		case "duration":
			out.duration, err = parseTraceDuration(val, false)
			out.hasDur = err == nil
		case "count":
			out.count, err = parseCount(val)
			f.counts = true
		case "minute":
			var m int64
			m, err = parseCount(val)
			out.at = time.Duration(m) * time.Minute
			f.colMinute = 1
		case "tenant":
			if !quoted {
				err = fmt.Errorf("want a string (a tenant id in quotes), got %.20q", val)
				break
			}
			out.tenant, err = parseTenant(val)
			f.colTenant = 1
		default:
			err = errors.New("unknown key (want time, duration_ms or duration, and tenant; or minute or start, and count)")
		}
		if err != nil {
			return out, f, fmt.Errorf("%s: %w", key, err)
		}
		skip()
		if p < len(line) && line[p] == ',' {
			p++
		}
	}
	return out, f, nil
}

// jsonlFields are the fields a JSON Lines trace line gives, each by one of
// its keys (jsonlField).
var jsonlFields = []string{"time", "duration", "count", "tenant"}

// jsonlField is the index in jsonlFields of the field key gives; -1 for
// an unknown key.
func jsonlField(key string) int {
	switch key {
	case "time", "timestamp", "start", "minute":
		return 0
	case "duration_ms", "duration":
		return 1
	case "count":
		return 2
	case "tenant":
		return 3
	}
	return -1
}

// parseTraceTime reads an RFC 3339 time (absolute: Unix ns), seconds, or a
// Go duration.
func parseTraceTime(b []byte, times *rfc3339.Reader) (time.Duration, bool, error) {
	if len(b) == 0 {
		return 0, false, errors.New("empty time")
	}
	if len(b) >= 20 && b[4] == '-' && b[10] == 'T' {
		if t, n, ok := times.ParseUTC(b); ok && n == len(b) {
			return time.Duration(t.UnixNano()), true, nil
		}
		t, err := time.Parse(time.RFC3339Nano, string(b))
		if err != nil {
			return 0, false, fmt.Errorf("%q is not an RFC 3339 time", b)
		}
		return time.Duration(t.UnixNano()), true, nil
	}
	if s, ok := parseSeconds(b); ok {
		if s < 0 {
			return 0, false, fmt.Errorf("negative time %q", b)
		}
		return s, false, nil
	}
	d, err := time.ParseDuration(string(b))
	if err != nil || d < 0 {
		return 0, false, fmt.Errorf("%q is not a time (RFC 3339, seconds from the start, or a duration such as 1m30s)", b)
	}
	return d, false, nil
}

// parseSeconds reads a plain decimal number of seconds without allocating.
func parseSeconds(b []byte) (time.Duration, bool) {
	var whole, frac, scale int64 = 0, 0, 1
	i, neg := 0, false
	if len(b) > 0 && b[0] == '-' {
		neg, i = true, 1
	}
	digits := 0
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		if whole > (math.MaxInt64/int64(time.Second)-9)/10 {
			return 0, false // past what a duration holds
		}
		whole = whole*10 + int64(b[i]-'0')
		digits++
	}
	if i < len(b) && b[i] == '.' {
		i++
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
			if scale < 1e9 {
				frac, scale = frac*10+int64(b[i]-'0'), scale*10
			}
			digits++
		}
	}
	if digits == 0 || i != len(b) {
		return 0, false
	}
	d := time.Duration(whole)*time.Second + time.Duration(frac*(1e9/scale))
	if neg {
		d = -d
	}
	return d, true
}

// parseTraceDuration reads a call's duration: milliseconds (ms true) or a
// Go duration.
func parseTraceDuration(b []byte, ms bool) (time.Duration, error) {
	if ms {
		s, ok := parseSeconds(b)
		if !ok || s < 0 {
			return 0, fmt.Errorf("%q is not a non-negative number of milliseconds", b)
		}
		return s / 1000, nil
	}
	d, err := time.ParseDuration(string(b))
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%q is not a non-negative duration (e.g. 120ms)", b)
	}
	return d, nil
}

// parseTenant reads a tenant id (CheckTenantID).
func parseTenant(b []byte) ([]byte, error) {
	if err := record.CheckTenantID(string(b)); err != nil {
		return nil, fmt.Errorf("tenant: %w", err)
	}
	return b, nil
}

// parseCount reads a non-negative whole number.
func parseCount(b []byte) (int64, error) {
	if len(b) == 0 {
		return 0, errors.New("empty count")
	}
	if b[0] == '-' {
		return 0, fmt.Errorf("negative count %s", b)
	}
	var v int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("%q is not a whole number", b)
		}
		if v > (math.MaxInt64-9)/10 {
			return 0, fmt.Errorf("%q is too large", b)
		}
		v = v*10 + int64(c-'0')
	}
	return v, nil
}
