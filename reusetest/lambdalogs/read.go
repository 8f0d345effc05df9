package lambdalogs

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"github.com/lambda-reuse/lambda-reuse/reusetest/stats"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
)

// Options say how an export is read.
type Options struct {
	// Names has records and outputs name each log stream in full; by
	// default they carry "ls-" and the first 12 hex digits of the name's
	// SHA-256, a short, stable id that says nothing of the account.
	Names bool
	// Function and Version choose the calls of one function and version
	// when the export holds several ("" takes any); an export of several
	// is refused without a choice, never mixed.
	Function, Version string
	// TempDir holds the sorted runs of an export too large to sort in
	// memory ("" is the system's).
	TempDir string
	// Chunk is how many events are sorted in memory before a sorted run is
	// spilled to disk (defaultChunk when 0).
	Chunk int
	// TracePath, when set, is where the calls' start times are written as
	// a timestamps trace while they are read (Calls.Schedule of the same
	// path then opens it from what was written): a second pass over the
	// calls, and over the trace, saved.
	TracePath string
	// Progress, when set, is told how the reading goes at least every
	// ProgressEvery (2 s when 0), and once at the end.
	Progress      io.Writer
	ProgressEvery time.Duration
}

// overlapSlack is how far a call may seem to start before the previous
// call of its stream ended and still be taken as after it: log times are
// whole milliseconds and a REPORT is written a moment after its call ends.
// One classic environment serves one call at a time (docs/sources.md [S15]).
const overlapSlack = 10 * time.Millisecond

// proactiveGap is how long before a call's start an init must have begun
// to be taken as ahead of it (provisioned, or proactive): the summary's
// ProactiveThreshold, so a call does not wait for an init that began
// earlier.
const proactiveGap = summary.ProactiveThreshold

// maxStreams bounds the log streams (environments) an export may hold.
const maxStreams = 1 << 22

// maxEvents bounds the events an export may hold: each keeps its place in
// it (a stream's events of one millisecond keep their order).
const maxEvents = 1<<32 - 1

// maxNamed bounds the distinct error types, tenants and function versions
// kept by name; past it they are counted under one name.
const maxNamed = 1 << 12

// Calls are the calls read from an export, in the order they started:
// each a record (Replay), their starts a timestamps trace (WriteTrace).
type Calls struct {
	logs      summary.LogsRead
	streams   []string // each stream's label (its hash, or its name)
	gens      []string // each generation's instance id
	errTypes  []string
	tenants   []string
	store     *callStore
	hasTenant bool // every call carried a tenant
	capped    int64
	traced    string                // the trace written while reading, or ""
	written   *schedule.TraceWriter // its writer, to open it
}

// Logs describes what was read.
func (c *Calls) Logs() summary.LogsRead {
	l := c.logs
	l.Skipped = maps.Clone(c.logs.Skipped)
	return l
}

// Len is the number of calls.
func (c *Calls) Len() int64 { return c.store.n }

// Close removes any temporary file the calls were kept in.
func (c *Calls) Close() error { return c.store.close() }

// Read reads the export at path, in either format, whole or REPORT-only,
// its events in any order, and returns its calls. A malformed or refused
// event is skipped, counted and named; an export that cannot be read past
// a point, holds calls of several functions or versions with no choice
// made, or holds overlapping calls in one stream is refused.
func Read(path string, opts Options) (*Calls, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	size := int64(-1)
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		size = st.Size()
	}
	c, err := read(f, size, filepath.Base(path), opts)
	if err != nil {
		return nil, fmt.Errorf("logs %s: %w", path, err)
	}
	return c, nil
}

// reader is one reading of an export.
type reader struct {
	opts    Options
	logs    *summary.LogsRead
	sorter  *sorter
	jp      jsonParser
	msg     message
	streams map[string]uint32
	cache   streamCache
	keys    []string // each stream's key in streams
	labels  []string
	names   []streamName // what each stream's name says
	// versions is each stream's function and version, from its name.
	versions []streamVersion
	errIdx   map[string]uint16
	errs     []string
	verIdx   map[string]uint16
	vers     []string
	tenIdx   map[string]uint32
	others   map[uint16]bool // versions named by messages and not chosen
	tens     []string
	formats  [2]bool
	// reports counts the REPORT items, and maxSpanUS is the longest a
	// call took with its init (µs): what the pass needs to know ahead.
	reports   int64
	maxSpanUS int64
	// badTenants counts the tenant ids refused (record.CheckTenantID),
	// badTenant says why the first was.
	badTenants int64
	badTenant  string
}

// streamName is what a stream's name says of its function and version.
type streamName struct {
	function, version string
	known             bool
	managed           bool // a Managed Instances stream ("…/managed-instances")
}

// streamVersion is a stream's function and version, as its name says.
type streamVersion struct {
	known   bool   // worked out
	other   bool   // not the one chosen: its events are skipped
	version uint16 // the function and version's index + 1; 0 for none
}

// parseStreamName reads YYYY/MM/DD/[VERSION]hex or
// YYYY/MM/DD/FUNCTION[VERSION]hex.
func parseStreamName(name string) streamName {
	if strings.HasSuffix(name, "/managed-instances") {
		return streamName{managed: true}
	}
	if len(name) < 12 || name[4] != '/' || name[7] != '/' || name[10] != '/' {
		return streamName{}
	}
	rest := name[11:]
	i, j := strings.IndexByte(rest, '['), strings.IndexByte(rest, ']')
	if i < 0 || j < i {
		return streamName{}
	}
	return streamName{function: rest[:i], version: rest[i+1 : j], known: true}
}

// label is how records and outputs name a stream: its hash, or its name.
func label(name string, names bool) string {
	if names {
		return name
	}
	return StreamLabel(name)
}

// StreamLabel is a log stream's short name in outputs: "ls-" and the first
// 12 hex digits of the name's SHA-256, stable, saying nothing of the
// account.
func StreamLabel(name string) string {
	sum := sha256.Sum256([]byte(name))
	return "ls-" + hex.EncodeToString(sum[:6])
}

func read(r io.Reader, size int64, file string, opts Options) (*Calls, error) {
	if opts.Chunk <= 0 {
		opts.Chunk = defaultChunk
	}
	if opts.ProgressEvery <= 0 {
		opts.ProgressEvery = 2 * time.Second
	}
	logs := &summary.LogsRead{File: file, Skipped: map[string]int64{}, Names: opts.Names}
	br, err := skipBOM(r)
	if err != nil {
		return nil, err
	}
	if err := checkJSON(br); err != nil {
		return nil, err
	}
	r = br
	// A size tells about how many items the chunk needs: a REPORT event
	// as the CLI prints it is 400 bytes or more, START and END events about
	// 250. The chunk grows past the guess (up to opts.Chunk) when the events
	// are smaller. Sized for the smallest (80 bytes), it would be five times
	// what a REPORT-only export needs: memory zeroed and never used, the
	// benchmark's peak resident size about twice as large.
	chunk := opts.Chunk
	if size >= 0 {
		chunk = int(min(int64(chunk), size/256+16))
	}
	rd := &reader{opts: opts, logs: logs, sorter: newSorter(opts.Chunk, chunk, opts.TempDir), streams: map[string]uint32{},
		errIdx: map[string]uint16{}, verIdx: map[string]uint16{}, tenIdx: map[string]uint32{}, others: map[uint16]bool{}}
	defer rd.sorter.close()
	// One goroutine scans the export's JSON into batches of events, this
	// one parses their messages: the two halves of the work on two cores.
	started := time.Now()
	lastProgress := started
	var ev rawEvent
	var offset atomic.Int64
	var more bool
	batches, stop, errc := scanBatches(r, &offset, &more)
	defer close(stop)
	for b := range batches {
		for i := range b.evs {
			b.event(i, &ev)
			logs.Events++
			if logs.Events > maxEvents {
				return nil, fmt.Errorf("event %d: more than %d events, the most an export may hold: export a shorter time", ev.index, int64(maxEvents))
			}
			if err := rd.take(&ev); err != nil {
				return nil, err
			}
			if opts.Progress != nil && logs.Events%(1<<14) == 0 && time.Since(lastProgress) >= opts.ProgressEvery {
				lastProgress = time.Now()
				off := offset.Load()
				of := ""
				if size > 0 {
					of = fmt.Sprintf(" of %d MB (%.0f%%)", size>>20, 100*float64(off)/float64(size))
				}
				fmt.Fprintf(opts.Progress, "logs: read %d events, %d MB%s, %d streams, in %v\n", logs.Events, off>>20, of,
					len(rd.labels), time.Since(started).Round(time.Second))
			}
		}
		b.recycle()
	}
	if err := <-errc; err != nil {
		return nil, cutShort(err, size)
	}
	logs.Partial = more
	if logs.Events == 0 {
		return nil, errors.New("no event: want the JSON `aws logs filter-log-events` prints, or JSON Lines of its events")
	}
	if logs.Used == 0 {
		return nil, noCallError(logs)
	}
	for i, name := range []string{"text", "json"} {
		if rd.formats[i] {
			logs.Formats = append(logs.Formats, name)
		}
	}
	c, err := rd.pass()
	if err != nil {
		return nil, err
	}
	if opts.Progress != nil {
		fmt.Fprintf(opts.Progress, "logs: %d events read, %d used, %d calls in %d streams, in %v\n", c.logs.Events, c.logs.Used, c.store.n,
			c.logs.Streams, time.Since(started).Round(time.Millisecond))
	}
	return c, nil
}

// maxBadNamed is how many malformed or refused events are named one by one.
const maxBadNamed = 10

// skip counts an event skipped for reason; a malformed or refused one is
// named (its index, its stream's hash) too.
func (rd *reader) skip(ev *rawEvent, reason, detail string) {
	rd.logs.Skipped[reason]++
	if detail != "" && len(rd.logs.Bad) < maxBadNamed {
		where := fmt.Sprintf("event %d", ev.index)
		if len(ev.stream) > 0 {
			where += " in stream " + label(string(ev.stream), rd.opts.Names)
		}
		rd.logs.Bad = append(rd.logs.Bad, where+": "+detail)
	}
}

// The reasons for skipping an event, beside the message's.
const (
	reasonMalformedEvent   = "malformed event"
	reasonMalformedMessage = "malformed message"
	reasonImpossible       = "impossible value (refused)"
	reasonTooLong          = "message longer than 1 MiB"
	reasonDuplicate        = "duplicate event id"
	reasonOtherVersion     = "another function or version (-function, -version)"
	reasonNoReport         = "START or failure line without its REPORT"
	reasonImpossibleTime   = "time outside 2014 to 2200 (refused)"
)

// Lambda began in November 2014; no Lambda log is older, and none is
// dated past 2200.
var (
	minEventMS = time.Date(2014, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	maxEventMS = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
)

// take turns one event into an item for the sorter, or counts it skipped.
func (rd *reader) take(ev *rawEvent) error {
	switch {
	case ev.bad != "":
		rd.skip(ev, reasonMalformedEvent, ev.bad)
		return nil
	case ev.tooLong:
		rd.skip(ev, reasonTooLong, "")
		return nil
	case len(ev.stream) == 0:
		rd.skip(ev, reasonMalformedEvent, "an empty logStreamName (a stream's name has 1 to 512 characters)")
		return nil
	case ev.ts < minEventMS || ev.ts >= maxEventMS:
		rd.skip(ev, reasonImpossibleTime, fmt.Sprintf("timestamp %d ms", ev.ts))
		return nil
	}
	m := &rd.msg
	if reason := parseMessage(ev.message, m, &rd.jp); reason != "" {
		rd.skip(ev, reason, "")
		return nil
	}
	if m.bad != "" {
		reason := reasonMalformedMessage
		if strings.HasPrefix(m.bad, "impossible value") {
			reason = reasonImpossible
		}
		rd.skip(ev, reason, m.bad)
		return nil
	}
	rd.formats[b2i(m.json)] = true
	key := ev.stream
	if len(m.instance) > 0 {
		// Managed Instances: calls of many environments in one stream, told
		// apart by the instance id their records carry.
		key = append(append(append([]byte(nil), key...), '\x00'), m.instance...)
	}
	st, ok := rd.stream(key)
	if !ok {
		if len(rd.labels) >= maxStreams {
			return fmt.Errorf("event %d: more than %d log streams, the most an export may hold", ev.index, maxStreams)
		}
		st = uint32(len(rd.labels))
		k := string(key)
		rd.streams[k] = st
		rd.keys = append(rd.keys, k)
		name := string(ev.stream)
		lbl := label(name, rd.opts.Names)
		if len(m.instance) > 0 {
			lbl = label(name+"/"+string(m.instance), rd.opts.Names)
		}
		rd.labels = append(rd.labels, lbl)
		rd.names = append(rd.names, parseStreamName(name))
		rd.versions = append(rd.versions, streamVersion{})
	}
	it := item{t: ev.ts, stream: st, seq: uint32(ev.index), kind: m.kind, status: m.status, dur: m.durUS, init: uint32(m.initUS),
		memUsed: uint32(m.memUsed), memSize: uint32(m.memSize)}
	if len(ev.eventID) > 0 {
		it.id = hash64(ev.eventID)
	}
	if len(m.req) > 0 {
		it.req = hash64(m.req)
	}
	if m.json {
		it.flags |= flagJSON
	}
	if string(m.phase) == "invoke" {
		it.flags |= flagInvoke
	}
	switch string(m.initType) {
	case string(record.InitOnDemand):
		it.initTyp = initOnDemand
	case string(record.InitProvisioned):
		it.initTyp = initProvisioned
	case string(record.InitSnapStart):
		it.initTyp = initSnapStart
	}
	if m.kind == kindRestore || m.restore {
		it.initTyp = initSnapStart
	}
	if m.errType != nil {
		it.errType = rd.intern16(rd.errIdx, &rd.errs, m.errType)
	}
	if len(m.tenant) > 0 {
		if err := record.CheckTenantID(string(m.tenant)); err != nil {
			if rd.badTenants++; rd.badTenant == "" {
				rd.badTenant = fmt.Sprintf("event %d in stream %s: %v", ev.index, label(string(ev.stream), rd.opts.Names), err)
			}
		} else {
			it.tenant = rd.intern32(rd.tenIdx, &rd.tens, m.tenant)
		}
	}
	// The function and version: the stream's name says (worked out once
	// for the stream), else the message.
	if sv := &rd.versions[st]; sv.known {
		if sv.other {
			rd.skip(ev, reasonOtherVersion, "")
			return nil
		}
		it.version = sv.version
	} else if name := rd.names[st]; name.known {
		*sv = streamVersion{known: true}
		if name.version != "" || name.function != "" {
			sv.other = !rd.chosen(name.function, name.version)
			if !sv.other {
				sv.version = rd.intern16(rd.verIdx, &rd.vers, []byte(name.function+"["+name.version+"]"))
			}
		}
		if sv.other {
			rd.skip(ev, reasonOtherVersion, "")
			return nil
		}
		it.version = sv.version
	} else if function, version := string(m.function), string(m.version); version != "" || function != "" {
		if m.kind == kindStart || m.kind == kindReport || m.kind == kindInit {
			it.version = rd.intern16(rd.verIdx, &rd.vers, []byte(function+"["+version+"]"))
		}
		if !rd.chosen(function, version) {
			if it.version == 0 {
				rd.skip(ev, reasonOtherVersion, "")
				return nil
			}
			// Kept to say its stream's version: the pass skips the
			// stream's calls (their REPORTs may name none).
			rd.others[it.version] = true
		}
	}
	rd.logs.Used++
	if it.kind == kindReport {
		rd.reports++
		rd.maxSpanUS = max(rd.maxSpanUS, it.dur+int64(it.init))
	}
	return rd.sorter.add(&it)
}

// streamCache is a small cache of the streams by name, before the map.
type streamCache [64]struct {
	key string
	st  uint32
}

// stream is the index of the stream (or Managed Instances environment)
// key names, and whether it is known.
func (rd *reader) stream(key []byte) (uint32, bool) {
	var w uint64
	if len(key) >= 8 {
		w = binary.LittleEndian.Uint64(key[len(key)-8:])
	}
	slot := &rd.cache[(w^uint64(len(key)))*stats.Golden>>58]
	if len(slot.key) > 0 && string(key) == slot.key {
		return slot.st, true
	}
	st, ok := rd.streams[string(key)]
	if ok {
		slot.key, slot.st = rd.keys[st], st
	}
	return st, ok
}

// chosen reports whether calls of function and version are read.
func (rd *reader) chosen(function, version string) bool {
	return (rd.opts.Function == "" || function == "" || function == rd.opts.Function) &&
		(rd.opts.Version == "" || version == "" || version == rd.opts.Version)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// intern16 is the index + 1 of s in a bounded table of names; past
// maxNamed the last index stands for the rest.
func (rd *reader) intern16(idx map[string]uint16, names *[]string, s []byte) uint16 {
	if i, ok := idx[string(s)]; ok {
		return i
	}
	if len(*names) >= maxNamed {
		return uint16(len(*names))
	}
	*names = append(*names, string(s))
	i := uint16(len(*names))
	idx[string(s)] = i
	return i
}

// intern32 is intern16 for tenants.
func (rd *reader) intern32(idx map[string]uint32, names *[]string, s []byte) uint32 {
	if i, ok := idx[string(s)]; ok {
		return i
	}
	if len(*names) >= maxNamed*64 {
		return uint32(len(*names))
	}
	*names = append(*names, string(s))
	i := uint32(len(*names))
	idx[string(s)] = i
	return i
}

// versionsError refuses an export of several functions or versions, each
// named with its calls, and says how to choose one.
func versionsError(counts map[string]int64) error {
	keys := slices.SortedFunc(maps.Keys(counts), func(a, b string) int { return cmp.Or(cmp.Compare(counts[b], counts[a]), cmp.Compare(a, b)) })
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s: %d calls", k, counts[k])
	}
	return fmt.Errorf("the export holds calls of %d functions or versions (%s); their environments differ, so they are never mixed: choose one with -version VERSION (and -function NAME where the names differ)",
		len(keys), strings.Join(parts, ", "))
}

// WriteTrace writes the calls' start times as a timestamps trace (CSV:
// time, duration_ms, and tenant when every call carried one) to path,
// whole or not at all. A call longer than the probe may sleep is written
// as that long (Capped says how many).
func (c *Calls) WriteTrace(path string, maxHandler time.Duration) error {
	_, err := c.writeTrace(path, maxHandler)
	return err
}

// writeTrace is WriteTrace, its writer kept to open the trace.
func (c *Calls) writeTrace(path string, maxHandler time.Duration) (*schedule.TraceWriter, error) {
	tw, err := newTraceWriter(path, c.logs.File, c.hasTenant, c.tenants, maxHandler)
	if err != nil {
		return nil, err
	}
	err = c.store.each(tw.add)
	c.capped = tw.capped
	if err := tw.finish(err); err != nil {
		return nil, err
	}
	return tw.w, nil
}

// traceWriter writes calls as a timestamps trace (schedule.TraceWriter).
type traceWriter struct {
	path    string
	w       *schedule.TraceWriter
	tenants []string // by index, when the trace has a tenant column
	max     time.Duration
	capped  int64
}

func newTraceWriter(path, from string, withTenants bool, tenants []string, maxHandler time.Duration) (*traceWriter, error) {
	w, err := schedule.CreateTrace(path, "the calls of "+from+", by start (lambda-reuse lambdalogs)", withTenants)
	if err != nil {
		return nil, err
	}
	tw := &traceWriter{path: path, w: w, max: maxHandler}
	if withTenants {
		tw.tenants = tenants
	}
	return tw, nil
}

// add writes one call's line.
func (tw *traceWriter) add(cl *call) error {
	d := time.Duration(cl.dur) * time.Microsecond
	if d > tw.max {
		d = tw.max
		tw.capped++
	}
	var tenant string
	if tw.tenants != nil && cl.tenant > 0 {
		tenant = tw.tenants[cl.tenant-1]
	}
	return tw.w.Add(cl.start, d, tenant)
}

// finish puts the trace in place, or removes it on err.
func (tw *traceWriter) finish(err error) error {
	if err != nil {
		tw.w.Abort()
		return fmt.Errorf("trace %s: %w", tw.path, err)
	}
	return tw.w.Close()
}

// abort removes the trace being written.
func (tw *traceWriter) abort() { tw.w.Abort() }

// Capped is how many calls the last WriteTrace wrote shorter than they
// ran (longer than the probe may sleep).
func (c *Calls) Capped() int64 { return c.capped }

// HasTenants reports calls that all carried a tenant (the trace has a
// tenant column).
func (c *Calls) HasTenants() bool { return c.hasTenant }

// Replay gives every call, in start order, as a record to emit: seq its
// place in that order, Scheduled and Sent its start, Done its REPORT's
// time. emit must not keep the record.
func (c *Calls) Replay(emit func(*record.Record)) error {
	var seq int64
	var r record.Record
	return c.store.each(func(cl *call) error {
		r = record.Record{Seq: seq, Status: record.StatusOK, LogStream: c.streams[cl.stream], InstanceID: c.gens[cl.gen],
			Invocation: cl.inv, InitMS: float64(cl.initUS) / 1000, MemoryUsedMB: float64(cl.memUsed), MemorySizeMB: int(cl.memSize),
			StartUnseen: cl.flags&callUnseen != 0}
		r.Scheduled = time.Unix(0, cl.start).UTC()
		r.Sent, r.Done = r.Scheduled, time.Unix(0, cl.done).UTC()
		if cl.initAt != 0 {
			r.InitAt = time.Unix(0, cl.initAt).UTC()
		}
		switch cl.initTyp {
		case initOnDemand:
			r.InitType = record.InitOnDemand
		case initProvisioned:
			r.InitType = record.InitProvisioned
		case initSnapStart:
			r.InitType = record.InitSnapStart
		}
		if cl.tenant > 0 {
			r.Tenant = c.tenants[cl.tenant-1]
		}
		if cl.status != statusOK {
			r.Status, r.ErrorClass = record.StatusError, record.ClassFunctionError
			r.ErrorType = "unspecified"
			if cl.errType > 0 {
				r.ErrorType = c.errTypes[cl.errType-1]
			}
			r.Error = "function error: " + r.ErrorType
		}
		seq++
		emit(&r)
		return nil
	})
}

// Target is how summaries name what the records came from.
func (c *Calls) Target() string { return "Lambda logs " + c.logs.File }

// Schedule writes the calls' start times as a timestamps trace to path
// (WriteTrace; not again when the reading wrote it there, TracePath) and
// opens it as the calls' schedule: the trace kind's, so the summary's
// trace section (cold starts by hour) follows the calls and a replay of
// it is the function's own traffic. The trace is opened from what was
// written (schedule.TraceWriter), without reading it again.
func (c *Calls) Schedule(path string) (*schedule.Trace, error) {
	if err := c.checkSpan(); err != nil {
		return nil, err
	}
	w := c.written
	if path != c.traced || w == nil {
		var err error
		if w, err = c.writeTrace(path, schedule.MaxHandler); err != nil {
			return nil, err
		}
	}
	return w.Open(max(c.store.n, schedule.DefaultMaxTraceCalls))
}

// Summarize is the summary of the calls (Schedule's trace written to
// tracePath), with what was read (Logs): what reusereport -cloudwatch
// writes as summary.json.
func (c *Calls) Summarize(tracePath string) (summary.Summary, error) {
	sched, err := c.Schedule(tracePath)
	if err != nil {
		return summary.Summary{}, err
	}
	s := summary.NewSummarizer(sched, c.Target(), nil)
	if err := c.Replay(s.Add); err != nil {
		return summary.Summary{}, err
	}
	sum, logs := s.Summary(), c.Logs()
	sum.Logs = &logs
	return sum, nil
}

// IsExport reports whether the file at path looks like an export of
// Lambda logs (its first object's first key is an export's or an event's)
// rather than a record log.
func IsExport(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	r, err := skipBOM(f)
	if err != nil {
		return true, nil // an export, refused with its reason when read
	}
	x := newExportReader(io.LimitReader(r, 1<<16))
	if err := x.expect('{'); err != nil {
		return false, nil
	}
	key, _, err := x.str(nil, 64)
	if err != nil {
		return false, nil
	}
	switch string(key) {
	case "events", "searchedLogStreams", "nextToken", "NextToken", "logStreamName", "timestamp", "message", "eventId", "ingestionTime":
		return true, nil
	}
	return false, nil
}
