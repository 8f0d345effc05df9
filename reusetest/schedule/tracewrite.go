package schedule

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// TraceWriter writes calls, in start order, as a timestamps trace (CSV:
// time, duration_ms, and tenant when asked) to a temporary file beside
// its path, put in place by Close. Open then opens it as OpenTrace would,
// from the lines as they were written, each checked by OpenTrace's own
// rules as it is written, without reading the file again.
type TraceWriter struct {
	path, tmp string
	f         *os.File
	h         hash.Hash
	w         *bufio.Writer
	t         *Trace
	facts     *traceFacts
	// written parses a line just written, its time column skipped: the
	// time is the one written (timeStamp writes every Unix ns time, years
	// 1677 to 2262, as what parseTraceTime reads back exactly).
	written traceFormat
	line    []byte
	stamp   timeStamp
	offset  int64 // the bytes written
	n       int64 // the lines written
	stop    bool  // enough bad lines are kept, or fatal: the rest are not checked
	fatal   error // what stopped the checking at once, as OpenTrace would stop
	err     error // the first failure to write
	closed  error // Close's answer, once closed
	done    bool
}

// CreateTrace begins a timestamps trace to be put at path: the comment
// its first line (on one line), a tenant column when tenants.
func CreateTrace(path, comment string, tenants bool) (*TraceWriter, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return nil, fmt.Errorf("trace %s: %w", path, err)
	}
	h := sha256.New()
	t := &Trace{path: path, opts: TraceOptions{Spread: SpreadUniform, Speed: 1, Interval: time.Minute, MaxCalls: math.MaxInt64}}
	w := &TraceWriter{path: path, tmp: f.Name(), f: f, h: h, w: bufio.NewWriterSize(io.MultiWriter(f, h), 1<<16), t: t,
		facts: newTraceFacts(t)}
	header := "time,duration_ms"
	if tenants {
		header += ",tenant"
	}
	if t.format, err = parseHeader([]byte(header)); err != nil {
		panic(err) // the header above is a timestamps trace's
	}
	t.format.times = &t.times
	w.written = t.format
	w.written.colTime = -1
	if comment != "" {
		w.put(append(append([]byte("# "), strings.NewReplacer("\n", " ", "\r", " ").Replace(comment)...), '\n'))
	}
	w.put([]byte(header + "\n"))
	return w, nil
}

// put writes one line, newline included.
func (w *TraceWriter) put(line []byte) {
	if w.err == nil {
		_, w.err = w.w.Write(line)
	}
	w.offset += int64(len(line))
	w.n++
}

// Add writes a call that starts at start (Unix ns) and lasts d, of tenant
// (when the trace has a tenant column); it fails only when writing does.
func (w *TraceWriter) Add(start int64, d time.Duration, tenant string) error {
	if w.err != nil {
		return w.err
	}
	line := w.stamp.append(w.line[:0], start)
	line = append(line, ',')
	line = strconv.AppendFloat(line, float64(d)/float64(time.Millisecond), 'f', -1, 64)
	if w.t.format.tenants() {
		line = append(line, ',')
		line = append(line, tenant...)
	}
	offset, n := w.offset, w.n+1
	w.line = append(line, '\n')
	w.put(w.line)
	if w.stop {
		return w.err
	}
	l, err := w.written.parseCSV(line)
	l.at, l.abs = time.Duration(start), true
	if err != nil {
		w.stop = w.facts.bad(n, err)
		return w.err
	}
	stop, err := w.facts.add(&l, offset, n)
	w.stop, w.fatal = stop || err != nil, err
	return w.err
}

// Close puts the trace at its path, or removes it and says why writing
// failed; called again, it says the same.
func (w *TraceWriter) Close() error {
	if w.done {
		return w.closed
	}
	w.done = true
	err := w.err
	if err == nil {
		err = w.w.Flush()
	}
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(w.tmp, w.path)
	}
	if err != nil {
		os.Remove(w.tmp)
		w.closed = fmt.Errorf("trace %s: %w", w.path, err)
	}
	return w.closed
}

// Abort removes the trace being written.
func (w *TraceWriter) Abort() {
	if !w.done {
		w.done = true
		w.f.Close()
		os.Remove(w.tmp)
		w.closed = fmt.Errorf("trace %s: not written", w.path)
	}
}

// Open is the trace Close put in place, as OpenTrace(path,
// TraceOptions{MaxCalls: maxCalls}) opens it, or the error OpenTrace
// gives (a trace both past the cap and with bad lines may be refused for
// either: its checks run without the cap).
func (w *TraceWriter) Open(maxCalls int64) (*Trace, error) {
	if !w.done {
		return nil, fmt.Errorf("trace %s: opened before it was closed", w.path)
	}
	if w.closed != nil {
		return nil, w.closed
	}
	if maxCalls == 0 {
		maxCalls = DefaultMaxTraceCalls
	}
	if maxCalls < 0 {
		return nil, fmt.Errorf("trace %s: the cap on calls must be positive, got %d", w.path, maxCalls)
	}
	if w.facts != nil {
		err := w.fatal
		if err == nil {
			err = w.facts.finish(nil, hex.EncodeToString(w.h.Sum(nil)))
		}
		w.facts = nil
		if err != nil {
			w.closed = fmt.Errorf("trace %s: %w", w.path, err)
			return nil, w.closed
		}
	}
	c := w.t.Clone()
	c.opts.MaxCalls = maxCalls
	if c.calls > maxCalls {
		// OpenTrace stops at the first line past the cap.
		return nil, fmt.Errorf("trace %s: line %d: %w", w.path, c.checkpoints[0].line+maxCalls, c.tooMany())
	}
	return c, nil
}

// timeStamp writes Unix ns times as RFC 3339 in UTC with nanoseconds
// (what time.RFC3339Nano writes, trailing zeros kept), formatting the
// date and time of day once per second: a trace's times come in order.
type timeStamp struct {
	sec    int64
	prefix []byte
}

func (s *timeStamp) append(b []byte, ns int64) []byte {
	sec, frac := ns/1e9, ns%1e9
	if frac < 0 {
		sec, frac = sec-1, frac+1e9
	}
	if s.prefix == nil || sec != s.sec {
		s.sec = sec
		s.prefix = time.Unix(sec, 0).UTC().AppendFormat(s.prefix[:0], "2006-01-02T15:04:05")
	}
	b = append(b, s.prefix...)
	b = append(b, '.')
	var digits [9]byte
	for i := 8; i >= 0; i-- {
		digits[i] = byte('0' + frac%10)
		frac /= 10
	}
	b = append(b, digits[:]...)
	return append(b, 'Z')
}
