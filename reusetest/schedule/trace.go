package schedule

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/lambda-reuse/lambda-reuse/internal/rfc3339"
	"github.com/lambda-reuse/lambda-reuse/reusetest/stats"
)

// KindTrace is Trace: calls replayed from a file of the user's traffic.
const KindTrace = "trace"

// TraceParams are a trace spec's own parameters.
type TraceParams struct {
	// TracePath and TraceSHA256 name the trace file and its content.
	TracePath   string `json:"trace_path,omitempty"`
	TraceSHA256 string `json:"trace_sha256,omitempty"`
	// Spread, Speed, the window and the interval are the trace's options
	// (see TraceOptions).
	Spread         string  `json:"spread,omitempty"`
	Speed          float64 `json:"speed,omitempty"`
	WindowStartMS  int64   `json:"window_start_ms,omitempty"`
	WindowLengthMS int64   `json:"window_length_ms,omitempty"`
	IntervalMS     int64   `json:"interval_ms,omitempty"`
}

var traceKind = Kind{
	Name:   KindTrace,
	Params: func() any { return new(TraceParams) },
	Build: func(spec ScheduleSpec) (Schedule, error) {
		p, err := paramsOf[TraceParams](spec)
		if err != nil {
			return nil, err
		}
		if err := checkMS(p.WindowStartMS, p.WindowLengthMS, p.IntervalMS); err != nil {
			return nil, err
		}
		t, err := OpenTrace(p.TracePath, TraceOptions{Spread: p.Spread, Seed: spec.Seed, Speed: p.Speed,
			Start: time.Duration(p.WindowStartMS) * time.Millisecond, Length: time.Duration(p.WindowLengthMS) * time.Millisecond,
			Interval: time.Duration(p.IntervalMS) * time.Millisecond, HandlerMS: spec.HandlerMS,
			MaxCalls: max(spec.Calls, DefaultMaxTraceCalls)})
		if err != nil {
			return nil, fmt.Errorf("schedule: the trace this run replays: %w", err)
		}
		if t.sha != p.TraceSHA256 {
			return nil, fmt.Errorf("schedule: trace %s changed since the run began (SHA-256 %.12s, was %.12s)", p.TracePath, t.sha, p.TraceSHA256)
		}
		return t, nil
	},
	Check: func(spec ScheduleSpec) error {
		p, err := paramsOf[TraceParams](spec)
		if err != nil {
			return err
		}
		if p.TracePath == "" {
			return errors.New("schedule: trace_path missing")
		}
		return checkMS(p.WindowStartMS, p.WindowLengthMS, p.IntervalMS)
	},
	Describe: func(s ScheduleSpec) string {
		p := describedParams[TraceParams](s)
		return fmt.Sprintf("trace %s: %d calls at %.4g/s on average (speed %g, spread %s, seed %d), default handler %d ms",
			filepath.Base(p.TracePath), s.Calls, s.RatePerSec, p.Speed, p.Spread, s.Seed, s.HandlerMS)
	},
	Example: func(dir string) (Schedule, error) {
		path := filepath.Join(dir, "example-trace.csv")
		if err := os.WriteFile(path, []byte("minute,count\n0,30\n1,0\n2,12\n9,40\n"), 0o644); err != nil {
			return nil, err
		}
		return OpenTrace(path, TraceOptions{Seed: 1, HandlerMS: 100, Speed: 600})
	},
}

// The spread rules of a counts trace: how an interval's calls fall in it.
const (
	// SpreadUniform puts exactly the interval's count n in it, call k at a
	// seeded uniform time within the k-th n-th of the interval (stratified:
	// uniform, without chance bunching), the default.
	SpreadUniform = "uniform"
	// spreadPoisson takes the count as the interval's mean: the number of
	// calls is a seeded Poisson draw, at independent uniform times (a
	// Poisson process whose rate is constant within each interval).
	spreadPoisson = "poisson"
	// SpreadEven spaces exactly the count evenly within the interval.
	SpreadEven = "even"
)

// spreads lists the spread rules, for flags and errors.
var spreads = []string{SpreadUniform, spreadPoisson, SpreadEven}

// TraceOptions say how a trace file becomes a schedule.
type TraceOptions struct {
	// Spread is how a counts trace's calls fall within their interval
	// (SpreadUniform when "").
	Spread string
	// Seed seeds the spread's draws.
	Seed uint64
	// Speed is trace seconds per run second: 10 replays a day in 2.4 hours,
	// 0.5 stretches it to two days. 0 means 1. Calls' durations are the
	// function's and are not scaled.
	Speed float64
	// Start and Length are the window of the trace to replay, in trace
	// time from its start (its first line's time when absolute); Length 0
	// runs to the end. A counts trace's window takes the intervals that
	// start within it.
	Start, Length time.Duration
	// Interval is a "start,count" trace's interval (one minute when 0).
	Interval time.Duration
	// HandlerMS is the handler time of calls that carry no duration.
	HandlerMS int64
	// MaxCalls caps the calls the replay makes (DefaultMaxTraceCalls when
	// 0): a count in a file never decides how long a run takes unasked.
	MaxCalls int64
}

// The trace's limits. A replay's memory is one entry per interval (counts)
// or per checkpointEvery calls (timestamps), and its length is its calls:
// both are capped, so no number in a file decides them.
const (
	// DefaultMaxTraceCalls is the default cap on a replay's calls
	// (TraceOptions.MaxCalls, -reuse.trace.maxcalls raises it): a day at
	// about 1,160 calls a second.
	DefaultMaxTraceCalls = 100_000_000
	// maxTraceIntervals caps a counts trace's intervals in the window:
	// four years of minutes.
	maxTraceIntervals = 1 << 21
	// maxTraceTime is the latest time a trace may hold, from its start.
	maxTraceTime = MaxScheduleTime
)

// checkpointEvery is how many calls apart a timestamps trace keeps a place
// to resume reading from: memory is one entry per that many calls.
const checkpointEvery = 4096

// ringSize is how many recent calls' handler times a timestamps trace keeps,
// so the handler time of a call a little behind the reader is at hand.
const ringSize = 1 << 14

// Trace is a schedule replayed from a trace file, streamed: opening reads
// the file once, checking every line (an error names the line and the
// problem, and nothing runs), and keeps only a place to resume from every
// checkpointEvery calls (timestamps) or one entry per interval (counts).
// Due and HandlerTime read on from the last call asked for, so asking in
// order is O(1) per call; asking out of order seeks back to a checkpoint.
// Safe for concurrent use.
type Trace struct {
	path   string
	sha    string
	opts   TraceOptions
	format traceFormat

	calls     int64
	span      time.Duration // the run's length: the window's end, or the last call's due
	handlerMS int64         // the plan's handler: the mean duration, or opts.HandlerMS
	zero      time.Duration // trace time zero, Unix ns, for absolute traces
	abs       bool
	durations bool // some lines carry a duration

	checkpoints []traceCheckpoint // timestamps: where call i*checkpointEvery's line starts
	intervals   []traceInterval   // counts: the window's intervals

	times   rfc3339.Reader // the fast reader of absolute times, used under mu (or while opening)
	mu      sync.Mutex
	err     error // the first failure reading the file on, under mu
	cur     *traceCursor
	ring    []ringEntry
	spacing spacingState
	intern  map[string]string // the tenant ids read so far, each kept once, under mu
}

type traceCheckpoint struct {
	offset int64
	line   int64
}

type traceInterval struct {
	start    time.Duration // trace time
	n        int64         // calls in it, after the spread rule
	firstSeq int64
}

type ringEntry struct {
	seq     int64
	handler time.Duration
	tenant  string
}

// OpenTrace reads and checks the trace file at path, or says what is wrong
// with it, naming each bad line (the first ten).
func OpenTrace(path string, opts TraceOptions) (*Trace, error) {
	if opts.Spread == "" {
		opts.Spread = SpreadUniform
	}
	if opts.Speed == 0 {
		opts.Speed = 1
	}
	if opts.Interval == 0 {
		opts.Interval = time.Minute
	}
	var errs []error
	if !slices.Contains(spreads, opts.Spread) {
		errs = append(errs, fmt.Errorf("spread %q: want %s", opts.Spread, strings.Join(spreads, ", ")))
	}
	if !(opts.Speed > 0) || math.IsInf(opts.Speed, 0) {
		errs = append(errs, fmt.Errorf("speed must be positive, got %v", opts.Speed))
	}
	if opts.Start < 0 || opts.Length < 0 || opts.Interval < 0 {
		errs = append(errs, errors.New("window start, length and interval must not be negative"))
	}
	if opts.MaxCalls == 0 {
		opts.MaxCalls = DefaultMaxTraceCalls
	}
	if opts.MaxCalls < 0 {
		errs = append(errs, fmt.Errorf("the cap on calls must be positive, got %d", opts.MaxCalls))
	}
	if err := checkHandler(opts.HandlerMS); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("trace %s: %w", path, err)
	}
	t := &Trace{path: path, opts: opts}
	t.reset()
	if err := t.scan(); err != nil {
		return nil, fmt.Errorf("trace %s: %w", path, err)
	}
	return t, nil
}

// isJSONL reports a JSON Lines trace, by its name.
func isJSONL(path string) bool {
	ext := strings.ToLower(filepath.Ext(path))
	return ext == ".jsonl" || ext == ".ndjson"
}

// lineReader reads a file's lines, counting them and their byte offsets.
type lineReader struct {
	r      *bufio.Reader
	offset int64 // of the next line
	n      int64 // lines read
}

// next returns the next non-empty line without its newline, and the offset
// where it starts; io.EOF at the end.
func (l *lineReader) next() ([]byte, int64, error) {
	for {
		b, err := l.r.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			return nil, 0, fmt.Errorf("line %d: longer than %d bytes", l.n+1, l.r.Size())
		}
		if len(b) == 0 && err != nil {
			return nil, 0, err
		}
		start := l.offset
		l.offset += int64(len(b))
		l.n++
		line := b
		for len(line) > 0 && (line[len(line)-1] == '\n' || line[len(line)-1] == '\r') {
			line = line[:len(line)-1]
		}
		if len(line) == 0 || line[0] == '#' {
			if err != nil {
				return nil, 0, err
			}
			continue
		}
		return line, start, nil
	}
}

// parse parses a data line in the trace's format.
func (t *Trace) parse(line []byte) (traceLine, error) {
	if t.format.jsonl {
		l, f, err := parseJSONL(line, &t.times)
		if err == nil && f.counts != t.format.counts {
			err = errors.New("a timestamps line in a counts trace, or the other way round")
		}
		if err == nil && (f.colTenant >= 0) != t.format.tenants() {
			err = errors.New("a tenant on some lines and not on others: when the first line has one, every call needs one")
		}
		return l, err
	}
	return t.format.parseCSV(line)
}

// scan reads the whole file once: checks every line, counts the window's
// calls, and keeps the checkpoints or intervals.
func (t *Trace) scan() error {
	f, err := os.Open(t.path)
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha256.New()
	lr := &lineReader{r: bufio.NewReaderSize(io.TeeReader(f, h), 1<<16)}
	s := newTraceFacts(t)
	first := true
	var wide []int64
	for {
		line, offset, err := lr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if first && !isJSONL(t.path) {
			first = false
			if t.format, err = parseHeader(line); err != nil {
				return fmt.Errorf("line %d: %w", lr.n, err)
			}
			t.format.times = &t.times
			continue
		}
		if first {
			first = false
			if _, t.format, err = parseJSONL(line, &t.times); err != nil {
				return fmt.Errorf("line %d: %w", lr.n, err)
			}
			if t.format.counts && t.format.tenants() {
				return fmt.Errorf("line %d: a counts trace has no tenant (its counts have no calls to give tenants to; -reuse.tenants draws them)", lr.n)
			}
		}
		if t.format.wide {
			if wide != nil {
				return fmt.Errorf("line %d: a wide counts trace (minute columns) holds one function's row; this one has more: keep the row you want", lr.n)
			}
			if wide, err = t.parseWide(line); err != nil {
				return fmt.Errorf("line %d: %w", lr.n, err)
			}
			continue
		}
		l, err := t.parse(line)
		if err != nil {
			if s.bad(lr.n, err) {
				break
			}
			continue
		}
		if stop, err := s.add(&l, offset, lr.n); err != nil {
			return err
		} else if stop {
			break
		}
	}
	if first {
		return errors.New("empty: no header and no lines")
	}
	return s.finish(wide, hex.EncodeToString(h.Sum(nil)))
}

// traceFacts gathers what a trace's data lines say, line by line, and
// checks them: scan gives it the lines it reads, TraceWriter the lines it
// writes.
type traceFacts struct {
	t          *Trace
	errs       []error
	seen       bool
	prev, last time.Duration
	durSum     time.Duration
	durN       int64
	countSum   int64
	tenants    map[string]struct{}
}

func newTraceFacts(t *Trace) *traceFacts {
	return &traceFacts{t: t, tenants: map[string]struct{}{}}
}

// bad keeps the error of line n; true when enough are kept to stop.
func (s *traceFacts) bad(n int64, err error) bool {
	s.errs = append(s.errs, fmt.Errorf("line %d: %w", n, err))
	return len(s.errs) >= 10
}

// add takes data line n, which starts at offset: a bad line is kept (stop
// says when enough are), an error stops the reading.
func (s *traceFacts) add(l *traceLine, offset, n int64) (stop bool, err error) {
	t := s.t
	if !s.seen {
		t.abs = l.abs
		if t.abs {
			t.zero = l.at
		}
	}
	if l.abs != t.abs {
		return s.bad(n, errors.New("absolute and relative times mixed")), nil
	}
	at := l.at
	if t.abs {
		at -= t.zero
	}
	if at > maxTraceTime || at < -maxTraceTime {
		return s.bad(n, fmt.Errorf("time %v from the trace's start: more than the %v a trace may span", at, maxTraceTime)), nil
	}
	if s.seen && (at < s.prev || (t.format.counts && at == s.prev)) {
		return s.bad(n, fmt.Errorf("out of order: %v after %v (a trace must be sorted by time, intervals each once)", at, s.prev)), nil
	}
	s.seen, s.prev = true, at
	if !t.inWindow(at) {
		return false, nil
	}
	if t.format.counts {
		if err := t.addInterval(at, l.count, &s.countSum); err != nil {
			return false, fmt.Errorf("line %d: %w", n, err)
		}
		return false, nil
	}
	if t.calls >= t.opts.MaxCalls {
		return false, fmt.Errorf("line %d: %w", n, t.tooMany())
	}
	if t.calls%checkpointEvery == 0 {
		t.checkpoints = append(t.checkpoints, traceCheckpoint{offset: offset, line: n})
	}
	t.calls++
	if l.tenant != nil {
		if _, ok := s.tenants[string(l.tenant)]; !ok {
			if len(s.tenants) >= MaxTenants {
				return false, fmt.Errorf("line %d: more than %d distinct tenants in the window, the most a trace may name", n, MaxTenants)
			}
			s.tenants[string(l.tenant)] = struct{}{}
		}
	}
	if l.hasDur {
		s.durSum += l.duration
		s.durN++
		if l.duration > MaxHandler {
			if s.bad(n, fmt.Errorf("duration %v is above the most a probe call may sleep (%v)", l.duration, MaxHandler)) {
				return true, nil
			}
		}
	}
	s.last = at
	return false, nil
}

// finish checks and sets what the lines say in all (a wide counts trace's
// row, the file's SHA-256).
func (s *traceFacts) finish(wide []int64, sha string) error {
	t := s.t
	if err := errors.Join(s.errs...); err != nil {
		return err
	}
	t.sha = sha
	last := s.last
	if t.calls > 0 {
		t.span = t.runTime(last)
	}
	for i, n := range wide {
		if at := time.Duration(i) * time.Minute; t.inWindow(at) {
			if err := t.addInterval(at, n, &s.countSum); err != nil {
				return fmt.Errorf("minute %d: %w", i+1, err)
			}
		}
	}
	if t.format.counts {
		t.spreadCounts()
		if t.calls > t.opts.MaxCalls { // a Poisson draw above its counts
			return t.tooMany()
		}
	}
	t.handlerMS = t.opts.HandlerMS
	if s.durN > 0 {
		t.handlerMS, t.durations = (s.durSum / time.Duration(s.durN)).Milliseconds(), true
	}
	// The run lasts the window (or up to its last call, or its last
	// interval's end) at the speed, checked before it is a duration that
	// could wrap.
	length := float64(last - t.opts.Start)
	if n := len(t.intervals); n > 0 {
		length = max(length, float64(t.intervals[n-1].start+t.opts.Interval-t.opts.Start))
	}
	if t.opts.Length > 0 {
		length = float64(t.opts.Length)
	}
	if err := checkSpan(length/t.opts.Speed/1e9, fmt.Sprintf("at speed %g, the trace's %v would", t.opts.Speed, time.Duration(length))); err != nil {
		return err
	}
	if t.opts.Length > 0 {
		t.span = time.Duration(float64(t.opts.Length) / t.opts.Speed)
	}
	if t.calls == 0 {
		return errors.New("no calls in the window")
	}
	t.span = max(t.span, time.Millisecond)
	return nil
}

// addInterval keeps a counts trace's interval, its calls summed into sum
// against the cap.
func (t *Trace) addInterval(at time.Duration, n int64, sum *int64) error {
	if len(t.intervals) >= maxTraceIntervals {
		return fmt.Errorf("more than %d intervals in the window: replay a part of it (-reuse.trace.start, -reuse.trace.length)", maxTraceIntervals)
	}
	if n > t.opts.MaxCalls-*sum {
		return t.tooMany()
	}
	*sum += n
	t.intervals = append(t.intervals, traceInterval{start: at, n: n})
	return nil
}

// tooMany is the error of a replay past its cap on calls.
func (t *Trace) tooMany() error {
	return fmt.Errorf("the window holds more than %d calls, the cap (-reuse.trace.maxcalls raises it; -reuse.trace.start and -reuse.trace.length replay a part)", t.opts.MaxCalls)
}

// parseWide reads the one data row of an Azure-2019-shaped trace.
func (t *Trace) parseWide(line []byte) ([]int64, error) {
	cols := strings.Split(string(line), ",")
	if len(cols) != t.format.columns {
		return nil, fmt.Errorf("%d columns, the header has %d", len(cols), t.format.columns)
	}
	var out []int64
	for i := t.format.colFirstMinute; i < len(cols); i++ {
		n, err := parseCount([]byte(strings.TrimSpace(cols[i])))
		if err != nil {
			return nil, fmt.Errorf("minute %d: %w", i-t.format.colFirstMinute+1, err)
		}
		out = append(out, n)
	}
	return out, nil
}

// inWindow reports whether trace time at is in the window.
func (t *Trace) inWindow(at time.Duration) bool {
	return at >= t.opts.Start && (t.opts.Length == 0 || at < t.opts.Start+t.opts.Length)
}

// runTime is trace time at as a due time in the run.
func (t *Trace) runTime(at time.Duration) time.Duration {
	return time.Duration(float64(at-t.opts.Start) / t.opts.Speed)
}

// spreadCounts fixes each interval's calls (a Poisson draw under
// spreadPoisson) and their first seq, and the run's calls and span.
func (t *Trace) spreadCounts() {
	var seq int64
	for i := range t.intervals {
		iv := &t.intervals[i]
		if t.opts.Spread == spreadPoisson {
			iv.n = poissonDraw(float64(iv.n), t.opts.Seed, int64(i))
		}
		iv.firstSeq = seq
		seq += iv.n
	}
	t.calls = seq
	if n := len(t.intervals); n > 0 {
		t.span = t.runTime(t.intervals[n-1].start + t.opts.Interval)
	}
}

// hashUniform is a uniform draw in (0, 1) that is a hash (SplitMix64) of
// the seed, a and b: indexable, like the Poisson schedule's gaps.
func hashUniform(seed uint64, a, b int64) float64 {
	return stats.Uniform(stats.Mix64(seed ^ uint64(a)*0xd1b54a32d192ed03 + uint64(b+1)*stats.Golden))
}

// poissonDraw is a seeded Poisson draw of mean m: by inversion for small
// means, by the normal approximation (rounded, at least 0) for large ones.
func poissonDraw(m float64, seed uint64, i int64) int64 {
	if m <= 0 {
		return 0
	}
	if m > 500 {
		u1, u2 := hashUniform(seed, i, -1), hashUniform(seed, i, -2)
		z := math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*u2)
		return max(0, int64(math.Round(m+z*math.Sqrt(m))))
	}
	u := hashUniform(seed, i, -1)
	p := math.Exp(-m)
	cdf, k := p, int64(0)
	for u > cdf && k < 10_000 {
		k++
		p *= m / float64(k)
		cdf += p
	}
	return k
}

// Plan is the trace in brief: its calls, their mean rate over the run, and
// the mean handler time.
func (t *Trace) Plan() Plan {
	return Plan{Calls: t.calls, RatePerSec: float64(t.calls) / t.span.Seconds(), HandlerMS: t.handlerMS}
}

// Spec describes the schedule; the file's SHA-256 lets a resume refuse a
// trace that changed.
func (t *Trace) Spec() ScheduleSpec {
	p := t.Plan()
	return ScheduleSpec{Kind: KindTrace, Calls: p.Calls, RatePerSec: p.RatePerSec, HandlerMS: t.opts.HandlerMS, Seed: t.opts.Seed,
		Params: &TraceParams{TracePath: t.path, TraceSHA256: t.sha, Spread: t.opts.Spread, Speed: t.opts.Speed,
			WindowStartMS: t.opts.Start.Milliseconds(), WindowLengthMS: t.opts.Length.Milliseconds(), IntervalMS: t.opts.Interval.Milliseconds()}}
}

// InModelTime is the trace replayed factor times slower: its speed
// divided, its span stretched.
func (t *Trace) InModelTime(factor float64) (Schedule, error) {
	c := t.Clone()
	c.opts.Speed /= factor
	c.span = stretch(c.span, factor)
	return c, nil
}

// Validate reports nothing: OpenTrace checked the file.
func (t *Trace) Validate() error { return nil }

// VariedHandler reports a timestamps trace whose lines carry durations:
// its calls' handler times differ.
func (t *Trace) VariedHandler() bool { return t.durations }

// Path is the trace file's path.
func (t *Trace) Path() string { return t.path }

// Options are the trace's options, defaults filled in.
func (t *Trace) Options() TraceOptions { return t.opts }

// Counts reports a counts trace (calls per interval), not timestamps.
func (t *Trace) Counts() bool { return t.format.counts }

// Zero is the trace's start as a wall time, when its times are absolute.
func (t *Trace) Zero() (time.Time, bool) {
	if !t.abs {
		return time.Time{}, false
	}
	return time.Unix(0, int64(t.zero+t.opts.Start)).UTC(), true
}

// Copy is Clone as a Schedule (Copier).
func (t *Trace) Copy() Schedule { return t.Clone() }

// Clone returns the same schedule with a reader of its own, so runs in
// parallel do not share one.
func (t *Trace) Clone() *Trace {
	c := &Trace{path: t.path, sha: t.sha, opts: t.opts, format: t.format, calls: t.calls, span: t.span, handlerMS: t.handlerMS,
		zero: t.zero, abs: t.abs, durations: t.durations, checkpoints: t.checkpoints, intervals: t.intervals}
	c.format.times = &c.times // a reader of its own
	c.reset()
	return c
}

// reset empties the reader's state.
func (t *Trace) reset() {
	t.ring = make([]ringEntry, ringSize)
	for i := range t.ring {
		t.ring[i].seq = -1
	}
	t.spacing = spacingState{interval: -1}
	t.intern = map[string]string{}
}

// Due is when call seq is due.
func (t *Trace) Due(seq int64) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	due, _ := t.call(seq)
	return due
}

// HandlerTime is call seq's duration from the trace, or the default.
func (t *Trace) HandlerTime(seq int64) time.Duration {
	if t.format.counts {
		return time.Duration(t.opts.HandlerMS) * time.Millisecond
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if e := t.ring[seq&(ringSize-1)]; e.seq == seq {
		return e.handler
	}
	_, h := t.call(seq)
	return h
}

// HasTenants reports a trace whose lines carry tenants (a tenant column).
func (t *Trace) HasTenants() bool { return t.format.tenants() }

// Tenant is call seq's tenant, from its line; "" without a tenant column.
func (t *Trace) Tenant(seq int64) string {
	if !t.format.tenants() {
		return ""
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if e := t.ring[seq&(ringSize-1)]; e.seq == seq {
		return e.tenant
	}
	t.call(seq)
	if e := t.ring[seq&(ringSize-1)]; e.seq == seq {
		return e.tenant
	}
	return ""
}

// call returns call seq's due time and handler time; t.mu is held.
func (t *Trace) call(seq int64) (time.Duration, time.Duration) {
	if seq < 0 || seq >= t.calls {
		return t.span, time.Duration(t.opts.HandlerMS) * time.Millisecond
	}
	if t.format.counts {
		return t.countsDue(seq), time.Duration(t.opts.HandlerMS) * time.Millisecond
	}
	if t.err != nil {
		return t.span, time.Duration(t.opts.HandlerMS) * time.Millisecond
	}
	c := t.cur
	if c == nil || seq < c.seq || seq-c.seq > checkpointEvery {
		var err error
		if c, err = t.seek(seq); err != nil {
			// The file was checked when opened: it changed or went away since.
			return t.fail(fmt.Errorf("trace %s: changed or gone since it was opened: %w", t.path, err))
		}
		t.cur = c
	}
	for {
		line, _, err := c.lr.next()
		if err == io.EOF {
			return t.fail(fmt.Errorf("trace %s: changed since it was opened: it ends at line %d, before call %d", t.path, c.lr.n, seq))
		}
		if err != nil {
			return t.fail(fmt.Errorf("trace %s: changed since it was opened: %w", t.path, err))
		}
		l, err := t.parse(line)
		if err != nil {
			return t.fail(fmt.Errorf("trace %s: changed since it was opened: line %d: %w", t.path, c.lr.n, err))
		}
		at := l.at
		if t.abs {
			at -= t.zero
		}
		h := time.Duration(t.opts.HandlerMS) * time.Millisecond
		if l.hasDur {
			h = l.duration
		}
		due := t.runTime(at)
		var tenant string
		if l.tenant != nil {
			if tenant = t.intern[string(l.tenant)]; tenant == "" {
				if len(t.intern) >= MaxTenants {
					return t.fail(fmt.Errorf("trace %s: changed since it was opened: more than %d distinct tenants", t.path, MaxTenants))
				}
				tenant = string(l.tenant)
				t.intern[tenant] = tenant
			}
		}
		t.ring[c.seq&(ringSize-1)] = ringEntry{seq: c.seq, handler: h, tenant: tenant}
		c.seq++
		if c.seq-1 == seq {
			return due, h
		}
	}
}

// fail keeps the first failure to read the trace on (Err) and gives the
// call the trace's end: a run checks Err and stops. t.mu is held.
func (t *Trace) fail(err error) (time.Duration, time.Duration) {
	if t.err == nil {
		t.err = err
	}
	if t.cur != nil {
		t.cur.f.Close()
		t.cur = nil
	}
	return t.span, time.Duration(t.opts.HandlerMS) * time.Millisecond
}

// Err is the first failure to read the trace since it was opened (the
// file changed, or went away), or nil: the calls asked for since are not
// the trace's, and a run that sees it stops.
func (t *Trace) Err() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.err
}

// traceCursor reads a timestamps trace on from a checkpoint.
type traceCursor struct {
	f   *os.File
	lr  *lineReader
	seq int64 // the call the next line holds
}

// seek opens a reader at the checkpoint at or before seq.
func (t *Trace) seek(seq int64) (*traceCursor, error) {
	if t.cur != nil {
		t.cur.f.Close()
		t.cur = nil
	}
	cp := t.checkpoints[seq/checkpointEvery]
	f, err := os.Open(t.path)
	if err != nil {
		return nil, err
	}
	if _, err := f.Seek(cp.offset, io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	return &traceCursor{f: f, lr: &lineReader{r: bufio.NewReaderSize(f, 1<<16), offset: cp.offset, n: cp.line - 1},
		seq: seq / checkpointEvery * checkpointEvery}, nil
}

// countsDue places call seq within its interval by the spread rule.
func (t *Trace) countsDue(seq int64) time.Duration {
	i := t.spacing.at
	if iv := t.intervals[i]; seq < iv.firstSeq || seq >= iv.firstSeq+iv.n {
		i, _ = slices.BinarySearchFunc(t.intervals, seq, func(iv traceInterval, s int64) int {
			switch {
			case s < iv.firstSeq:
				return 1
			case s >= iv.firstSeq+iv.n:
				return -1
			}
			return 0
		})
		t.spacing.at = i
	}
	iv := t.intervals[i]
	k := seq - iv.firstSeq
	var frac float64
	switch t.opts.Spread {
	case SpreadEven:
		frac = (float64(k) + 0.5) / float64(iv.n)
	case SpreadUniform:
		frac = (float64(k) + hashUniform(t.opts.Seed, int64(i), k)) / float64(iv.n)
	default:
		frac = t.orderStat(int64(i), k, iv.n)
	}
	return t.runTime(iv.start + time.Duration(frac*float64(t.opts.Interval)))
}

// orderStat is the k-th smallest (from 0) of n seeded uniform draws in
// interval i: the sum of k+1 of n+1 hashed exponential spacings over their
// total. Asking in order within an interval is O(1) after an O(n) total.
func (t *Trace) orderStat(i, k, n int64) float64 {
	c := &t.spacing
	if c.interval != i || k < c.k {
		c.interval, c.k, c.sum, c.total = i, -1, 0, 0
		for j := range n + 1 {
			c.total += -math.Log(hashUniform(t.opts.Seed, i, j))
		}
	}
	for c.k < k {
		c.k++
		c.sum += -math.Log(hashUniform(t.opts.Seed, i, c.k))
	}
	return c.sum / c.total
}

// spacingState is the counts reader's place: the interval of the last call
// asked for, and the order-statistic walk within an interval (poisson).
type spacingState struct {
	at          int
	interval, k int64
	sum, total  float64
}
