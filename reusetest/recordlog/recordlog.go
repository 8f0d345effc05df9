// Package recordlog is the append-only JSON Lines log of a run: one record
// per line, and a header line at the start of each segment (each run or
// resumed run) holding the schedule and the redacted target. A crash leaves at
// most a cut-off last line, which Open drops before appending; reopening a
// log resumes it.
//
// Its files: recordlog.go (headers, State, Open, Writer, Read, Replay and
// the limits), codec.go (a record's fields as its line holds them, read
// from record.Record once), encode.go and decode.go (a record's line,
// written and read without reflection), and lock_*.go (one writer per
// log).
package recordlog

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
)

// Schema names the log format written now. schemaV1 logs (a plan, no
// schedule, in their headers) still read, as steady schedules.
const (
	Schema   = "lambda-reuse/log/v2"
	schemaV1 = "lambda-reuse/log/v1"
)

// Header opens a segment.
type Header struct {
	// Schema is Schema (or schemaV1 in older logs).
	Schema string `json:"schema"`
	// Segment counts segments from 0.
	Segment int `json:"segment"`
	// Schedule is the run's schedule; every segment of a log has the same.
	// Absent in schemaV1 headers, whose Plan is that of a steady schedule.
	Schedule *schedule.ScheduleSpec `json:"schedule,omitempty"`
	// Plan is the schedule in brief.
	Plan schedule.Plan `json:"plan"`
	// Target is the redacted endpoint description.
	Target string `json:"target"`
	// Started is when the segment started (UTC).
	Started time.Time `json:"started"`
	// FirstSeq is the first seq this segment schedules.
	FirstSeq int64 `json:"first_seq"`
}

// line is one log line: a header or a record.
type line struct {
	Header *Header `json:"header,omitempty"`
	*record.Record
}

// State is what a log already holds.
type State struct {
	// Segments is the number of segments written.
	Segments int
	// recorded marks every seq with a record (Has).
	recorded seqSet
	// Count is the number of records.
	Count int64
	// Next is one past the highest recorded seq: where a resumed run goes on.
	Next int64
	// Schedule, Plan (the schedule in brief) and Target are the log's,
	// from its first header.
	Schedule schedule.Schedule
	Plan     schedule.Plan
	Target   string
	// Last is the last segment's header: lost slots are dated from it.
	Last Header
}

// Scheduled is when seq was due in the last segment.
func (s *State) Scheduled(seq int64) time.Time {
	return s.Last.Started.Add(s.Schedule.Due(seq) - s.Schedule.Due(s.Last.FirstSeq))
}

// Has reports whether seq has a record.
func (s *State) Has(seq int64) bool { return s.recorded.has(seq) }

// Missing lists the seqs below Next that have no record: calls that were
// in flight when an earlier run was killed.
func (s *State) Missing() []int64 {
	var out []int64
	for seq := int64(0); seq < s.Next; seq++ {
		if !s.recorded.has(seq) {
			out = append(out, seq)
		}
	}
	return out
}

// ErrLogInUse is returned when another run has the log open for writing:
// two runs appending to one log would interleave their lines.
var ErrLogInUse = errors.New("log is in use")

// ErrLogMismatch is returned when a log was written for another schedule
// or endpoint.
var ErrLogMismatch = errors.New("log was written for another schedule or endpoint")

// ScheduleSpec is the schedule a header describes: its own, or a schemaV1
// header's plan as a steady schedule.
func (h *Header) ScheduleSpec() schedule.ScheduleSpec {
	if h.Schedule != nil {
		return *h.Schedule
	}
	return schedule.Steady(h.Plan).Spec()
}

// Read scans the log at r, passes each header (with the log's schedule,
// from its first header) to onHeader and each record to onRecord (either
// may be nil; onRecord must not keep the pointer, which is reused), and
// returns what the log holds. A last
// line without its newline (a run cut off mid-write) is ignored: end is the
// length of the complete lines. Any other bad line is an error.
func Read(r io.Reader, onHeader func(h *Header, schedule schedule.Schedule), onRecord func(*record.Record)) (st State, end int64, err error) {
	br := bufio.NewReaderSize(r, 64<<10)
	dec := newDecoder()
	rec := new(record.Record) // reused: onRecord must not keep it
	var long []byte
	for n := 1; ; n++ {
		b, rerr := readLine(br, &long)
		if rerr == io.EOF {
			return st, end, nil // b, if any, is a cut-off last line
		}
		if errors.Is(rerr, errLongLine) {
			return st, end, fmt.Errorf("read log: line %d: %w", n, rerr)
		}
		if rerr != nil {
			return st, end, fmt.Errorf("read log: %w", rerr)
		}
		var l line
		l.Record = rec
		if !dec.parse(b, rec) {
			*rec = record.Record{}
			if err := json.Unmarshal(b, &l); err != nil {
				return st, end, fmt.Errorf("read log: line %d: %w", n, err)
			}
		}
		end += int64(len(b))
		if h := l.Header; h != nil {
			if h.Schema != Schema && h.Schema != schemaV1 {
				return st, end, fmt.Errorf("read log: line %d: schema %q, want %q or %q", n, h.Schema, Schema, schemaV1)
			}
			if st.Segments == 0 {
				sched, err := schedule.FromSpec(h.ScheduleSpec())
				if err != nil {
					return st, end, fmt.Errorf("read log: line %d: %w", n, err)
				}
				st.Schedule, st.Plan, st.Target = sched, sched.Plan(), h.Target
			} else if !h.ScheduleSpec().Same(st.Schedule.Spec()) {
				return st, end, fmt.Errorf("read log: line %d: segment %d has another schedule", n, h.Segment)
			}
			st.Segments++
			st.Last = *h
			if onHeader != nil {
				onHeader(h, st.Schedule)
			}
			continue
		}
		if st.Segments == 0 {
			return st, end, fmt.Errorf("read log: line %d: record before any header", n)
		}
		seq := l.Record.Seq
		if seq < 0 || seq >= st.Plan.Calls {
			return st, end, fmt.Errorf("read log: line %d: seq %d outside the plan's %d calls", n, seq, st.Plan.Calls)
		}
		if st.recorded.has(seq) {
			return st, end, fmt.Errorf("read log: line %d: seq %d recorded twice", n, seq)
		}
		if err := l.Record.Check(); err != nil {
			return st, end, fmt.Errorf("read log: line %d: seq %d: %w", n, seq, err)
		}
		if f := l.Record.InFlight; int64(f) > st.Plan.Calls {
			return st, end, fmt.Errorf("read log: line %d: seq %d: in_flight %d: more calls at once than the plan's %d calls", n, seq, f, st.Plan.Calls)
		}
		if gap := max(st.Next, seq+1) - (st.Count + 1); gap > maxMissing {
			return st, end, fmt.Errorf("read log: line %d: seq %d leaves %d calls below it without a record: more than a run loses (%d): not a run's log", n, seq, gap, maxMissing)
		}
		st.recorded.set(seq)
		st.Count++
		st.Next = max(st.Next, seq+1)
		if onRecord != nil {
			onRecord(l.Record)
		}
	}
}

// maxLine is the longest line a log may hold: a record's line is a few
// hundred bytes, a header's a few thousand.
const maxLine = 1 << 20

// maxMissing is the most seqs below the highest recorded one a log may
// leave without a record: calls a killed run had in flight, never more
// than a run's bound on calls in flight times its segments.
const maxMissing = 1 << 20

var errLongLine = fmt.Errorf("longer than %d bytes: not a log line", maxLine)

// readLine reads one line, its newline included, of at most maxLine
// bytes; buf holds a line longer than the reader's buffer. At the end of
// the input it returns what is left and io.EOF.
func readLine(br *bufio.Reader, buf *[]byte) ([]byte, error) {
	b, err := br.ReadSlice('\n')
	if err != bufio.ErrBufferFull {
		return b, err
	}
	*buf = append((*buf)[:0], b...)
	for {
		b, err = br.ReadSlice('\n')
		if len(*buf)+len(b) > maxLine {
			return nil, errLongLine
		}
		*buf = append(*buf, b...)
		if err != bufio.ErrBufferFull {
			return *buf, err
		}
	}
}

// seqSet is a set of seqs in chunks of 65,536, so its memory follows the
// records held, not the calls a header claims.
type seqSet struct{ chunks map[int64]*[1024]uint64 }

func (s *seqSet) has(seq int64) bool {
	c := s.chunks[seq>>16]
	return c != nil && c[seq>>6&1023]&(1<<(seq&63)) != 0
}

func (s *seqSet) set(seq int64) {
	if s.chunks == nil {
		s.chunks = map[int64]*[1024]uint64{}
	}
	c := s.chunks[seq>>16]
	if c == nil {
		c = new([1024]uint64)
		s.chunks[seq>>16] = c
	}
	c[seq>>6&1023] |= 1 << (seq & 63)
}

// Writer appends to a log. It is not safe for concurrent use: a run has one
// writer.
type Writer struct {
	f    *os.File
	buf  *bufio.Writer
	enc  *json.Encoder // for headers
	line []byte        // a record's line, reused
}

// Open opens the log at path for schedule and target, creating it if need
// be, and starts a new segment. An existing log must have the same schedule
// and target, else ErrLogMismatch and nothing is written. Its records are
// passed to fn (nil to skip), so a summary can cover every segment.
//
// One run writes a log at a time: while a Writer is open, another Open of
// the same log fails at once with ErrLogInUse (naming the process that holds
// it, where the system tells) and touches nothing. The lock goes with the
// Writer's Close or its process's death.
func Open(path string, schedule schedule.Schedule, target string, now time.Time, fn func(*record.Record)) (*Writer, State, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, State{}, fmt.Errorf("open log: %w", err)
	}
	if err := lock(f); err != nil {
		f.Close()
		return nil, State{}, fmt.Errorf("open log %s: %w: wait for it to end or stop it (Ctrl-C), or use another -reuse.log", path, err)
	}
	spec := schedule.Spec()
	st, end, err := Read(f, nil, fn)
	if err == nil && st.Segments > 0 && (!st.Schedule.Spec().Same(spec) || st.Target != target) {
		err = fmt.Errorf("%w: the log has %s, endpoint %s; this run has %s, endpoint %s: use another -reuse.log, or the log's flags",
			ErrLogMismatch, st.Schedule.Spec(), st.Target, spec, target)
	}
	if err == nil {
		// Drop a cut-off last line, then append after the complete ones.
		err = f.Truncate(end)
	}
	if err == nil {
		_, err = f.Seek(end, io.SeekStart)
	}
	if err != nil {
		f.Close()
		return nil, State{}, fmt.Errorf("open log %s: %w", path, err)
	}
	if st.Segments == 0 {
		st.Schedule, st.Plan, st.Target = schedule, schedule.Plan(), target
	}
	w := &Writer{f: f, buf: bufio.NewWriterSize(f, 64<<10)}
	w.enc = json.NewEncoder(w.buf)
	h := Header{Schema: Schema, Segment: st.Segments, Schedule: &spec, Plan: st.Plan, Target: target, Started: now.UTC(), FirstSeq: st.Next}
	if err := w.enc.Encode(line{Header: &h}); err != nil {
		f.Close()
		return nil, State{}, fmt.Errorf("open log %s: %w", path, err)
	}
	if err := w.Sync(); err != nil {
		f.Close()
		return nil, State{}, err
	}
	return w, st, nil
}

// Append writes one record (buffered; see Sync).
func (w *Writer) Append(r *record.Record) error {
	line, err := appendRecord(w.line[:0], r)
	w.line = line
	if err == nil {
		_, err = w.buf.Write(line)
	}
	if err != nil {
		return fmt.Errorf("append to log: seq %d: %w", r.Seq, err)
	}
	return nil
}

// Sync flushes buffered records and fsyncs the file.
func (w *Writer) Sync() error {
	if err := w.buf.Flush(); err != nil {
		return fmt.Errorf("flush log: %w", err)
	}
	if err := w.f.Sync(); err != nil {
		return fmt.Errorf("sync log: %w", err)
	}
	return nil
}

// Close syncs and closes the log.
func (w *Writer) Close() error {
	err := w.Sync()
	if cerr := w.f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("close log: %w", cerr)
	}
	return err
}

// Replay reads the log at path: start is called with its first header and
// the schedule it describes, and returns the function that receives every
// record, of every segment.
func Replay(path string, start func(first *Header, schedule schedule.Schedule) func(*record.Record)) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("replay log: %w", err)
	}
	defer f.Close()
	var add func(*record.Record)
	onHeader := func(h *Header, schedule schedule.Schedule) {
		if add == nil {
			add = start(h, schedule)
		}
	}
	if _, _, err := Read(f, onHeader, func(r *record.Record) { add(r) }); err != nil {
		return fmt.Errorf("replay log %s: %w", path, err)
	}
	if add == nil {
		return fmt.Errorf("replay log %s: no header: empty, or not a log", path)
	}
	return nil
}
