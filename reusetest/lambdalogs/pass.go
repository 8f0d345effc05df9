package lambdalogs

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lambda-reuse/lambda-reuse/internal/minheap"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
)

// call is one call as the pass makes it: fixed in size, so calls too can
// be kept on disk when there are many.
type call struct {
	start, done int64 // Unix ns: when the call began (its init's start when it waited for one), its REPORT's time
	initAt      int64 // Unix ns: when its generation's init began; 0 unknown
	inv         int64 // its 1-based place in its generation; 0 when the generation's start is unseen
	dur         int64 // its REPORT's Duration, µs
	gen         uint32
	stream      uint32
	tenant      uint32
	initUS      uint32
	memUsed     uint32
	memSize     uint32
	errType     uint16
	version     uint16
	status      uint8
	initTyp     uint8
	flags       uint8
}

// The call flags.
const (
	callUnseen uint8 = 1 << iota // its generation's start is not in the export
)

// streamState is what the pass holds of one stream: memory is per stream
// (environment), never per event.
type streamState struct {
	gen      uint32 // the current generation's index in Calls.gens + 1; 0 before any call
	genN     int    // generations so far
	unseen   bool   // the current generation's start is not in the export
	inv      int64  // calls of the current generation
	initAt   int64  // Unix ns of the current generation's init; 0 unknown
	initTyp  uint8
	init     pendingInit
	starts   []startNote
	fails    []failNote
	lastDone int64  // Unix ns
	calls    uint32 // its calls so far (wrapping): their order among calls that began together
	overlaps int64
	maxOver  int64 // ns
	version  uint16
	// The stream's last call, while it waits in the pass's reorder slab, so
	// that a failure's own line written after its REPORT still reaches it.
	lastCall int32 // its slab index + 1; 0 for none
	lastReq  uint64
}

// pendingInit is an init (or restore) seen and not yet taken by a call.
type pendingInit struct {
	set     bool
	at      int64 // Unix ns of its first line
	end     int64 // Unix ns of its last line before any call ran it
	initUS  uint32
	initTyp uint8
	// retried: it failed in the init phase or ran in the invoke phase, so
	// the call that takes it ran the init again itself: Lambda retries a
	// failed init in the next call (docs/sources.md [S15]).
	retried bool
	invoke  bool // a line of it was logged in the invoke phase
}

type startNote struct {
	req     uint64
	tenant  uint32
	version uint16
}

type failNote struct {
	req     uint64
	status  uint8
	errType uint16
}

// maxNotes bounds the STARTs and failure lines a stream holds waiting for
// their REPORT (a classic environment has one call at a time).
const maxNotes = 64

// addNote adds n to a stream's notes waiting for their REPORT; past
// maxNotes the oldest is given up, its event counted skipped.
func addNote[N any](c *Calls, notes []N, n N) []N {
	if len(notes) >= maxNotes {
		notes = notes[1:]
		c.logs.Skipped[reasonNoReport]++
		c.logs.Used--
	}
	return append(notes, n)
}

// The pass puts calls in start order by holding each until no call still
// to come can have begun before it: a call begins at most its duration
// and its init before its REPORT, and the reading saw the longest of
// those (maxSpanUS), so the calls held are those of that span, never all;
// or, when it waited for an init logged ahead of it, when that init began
// (at most proactiveGap before its start), so no call goes while an init
// that a call still to come may begin with is pending.

// lateLine is how long after its REPORT a failure's own line (an older
// log's "Task timed out …", written after the REPORT) still reaches its
// call: the calls are held that much longer.
const lateLine = time.Second

// pass takes the sorted items once, in time order, and makes the calls.
func (rd *reader) pass() (*Calls, error) {
	c := &Calls{logs: *rd.logs, streams: rd.labels, errTypes: rd.errs, tenants: rd.tens, store: newCallStore(rd.opts.TempDir, rd.reports)}
	reachNS := (rd.maxSpanUS + 1000) * 1000 // and a millisecond: log times are whole ones
	states := make([]streamState, len(rd.labels))
	// Calls that began in the same nanosecond go out in their streams'
	// order by name, then each stream's own: how an export interleaves its
	// streams never changes the order of the calls (nor their trace).
	rank := make([]int64, len(rd.labels))
	for i, name := range slices.Sorted(maps.Keys(rd.streams)) {
		rank[rd.streams[name]] = int64(i)
	}
	// Calls wait, in a slab, until every call still to come began after
	// them; the heap orders their slab indexes by start.
	var ready minheap.Heap[int32]
	// The streams' pending inits by when they began (stale entries are
	// dropped when met: the stream's init is another, or too old to be a
	// call's start).
	var inits minheap.Heap[int32]
	var slab []call
	var free []int32
	var slabStream []uint32 // the stream of each slab entry
	versions := map[uint16]int64{}
	var group eventGroup
	tenants, withTenant := int64(0), int64(0)
	first, last := int64(0), int64(0)
	// The trace is written as the calls come, with a tenant column when
	// the export named tenants (rewritten without when a call had none).
	var tw *traceWriter
	if rd.opts.TracePath != "" {
		var err error
		if tw, err = newTraceWriter(rd.opts.TracePath, rd.logs.File, len(rd.tens) > 0, rd.tens, schedule.MaxHandler); err != nil {
			return nil, err
		}
		defer func() {
			if tw != nil {
				tw.abort()
			}
		}()
	}
	// The calls are kept, and the trace written, on a goroutine of their
	// own while the pass goes on.
	cw := newCallWriter(c.store, tw)
	defer cw.finish()
	emit := func(cl *call) {
		if first == 0 || cl.start < first {
			first = cl.start
		}
		last = max(last, cl.done)
		if cl.tenant > 0 {
			withTenant++
		}
		tenants++
		cw.add(cl)
	}
	release := func() {
		i := ready.Pop().Value
		if st := &states[slabStream[i]]; st.lastCall == i+1 {
			st.lastCall = 0
		}
		free = append(free, i)
		emit(&slab[i]) // copied before the slab entry is reused
	}
	err := rd.sorter.each(func(it *item) error {
		if dup, err := group.seen(it, rd.labels); err != nil {
			return err
		} else if dup {
			c.logs.Used--
			c.logs.Skipped[reasonDuplicate]++
			return nil
		}
		st := &states[it.stream]
		if it.version != 0 {
			st.version = it.version
		}
		nowNS := it.t * 1e6
		switch it.kind {
		case kindInit, kindRestore:
			if !st.init.set {
				st.init = pendingInit{set: true, at: nowNS}
				inits.Push(nowNS, int64(it.stream), int32(it.stream))
			}
			st.init.initUS = max(st.init.initUS, it.init)
			if it.flags&flagInvoke == 0 {
				st.init.end = nowNS
			}
			st.init.retried = st.init.retried || it.status != statusOK || it.flags&flagInvoke != 0
			st.init.invoke = st.init.invoke || it.flags&flagInvoke != 0
			if it.initTyp != initUnknown {
				st.init.initTyp = it.initTyp
			}
		case kindStart:
			st.starts = addNote(c, st.starts, startNote{req: it.req, tenant: it.tenant, version: it.version})
		case kindFailure:
			if st.lastCall != 0 && (it.req != 0 && it.req == st.lastReq ||
				it.req == 0 && len(st.starts) == 0 && nowNS-slab[st.lastCall-1].done <= int64(overlapSlack)) {
				// The line came after its REPORT, as older logs write it
				// (2015's, naming no request, right after it).
				if cl := &slab[st.lastCall-1]; cl.status == statusOK || cl.errType == 0 {
					if cl.status == statusOK {
						cl.status = it.status
					}
					if cl.errType == 0 {
						cl.errType = it.errType
					}
				}
				return nil
			}
			st.fails = addNote(c, st.fails, failNote{req: it.req, status: it.status, errType: it.errType})
		case kindReport:
			if len(rd.others) > 0 && rd.others[st.version] {
				// A call of a version not chosen, its START said (the
				// stream's name says none): skipped with its notes.
				n := int64(1 + len(st.starts) + len(st.fails))
				st.starts, st.fails = st.starts[:0], st.fails[:0]
				c.logs.Used -= n
				c.logs.Skipped[reasonOtherVersion] += n
				return nil
			}
			cl := rd.report(c, st, it)
			versions[st.version]++
			var i int32
			if n := len(free); n > 0 {
				i, free = free[n-1], free[:n-1]
				slab[i], slabStream[i] = cl, it.stream
			} else {
				i = int32(len(slab))
				slab, slabStream = append(slab, cl), append(slabStream, it.stream)
			}
			st.calls++
			ready.Push(cl.start, rank[it.stream]<<32|int64(st.calls), i)
			st.lastCall, st.lastReq = i+1, it.req
		}
		// Calls that began before any call still to come can go, in start order.
		bound := nowNS - reachNS - int64(lateLine)
		for inits.Len() > 0 {
			top := inits.Peek()
			if pi := &states[top.Value].init; pi.set && pi.at == top.Key && (top.Key >= bound-int64(proactiveGap) || pi.retried && pi.end >= bound-int64(proactiveGap)) {
				bound = min(bound, top.Key)
				break
			}
			inits.Pop()
		}
		for ready.Len() > 0 && ready.Peek().Key < bound {
			release()
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for ready.Len() > 0 {
		release()
	}
	if err := cw.finish(); err != nil {
		return nil, err
	}
	for i := range states {
		st := &states[i]
		n := int64(len(st.starts) + len(st.fails))
		if n > 0 {
			c.logs.Skipped[reasonNoReport] += n
			c.logs.Used -= n
		}
		if st.genN > 0 {
			c.logs.Streams++
		}
	}
	if len(c.logs.Skipped) == 0 {
		c.logs.Skipped = nil
	}
	c.logs.Calls = c.store.n
	if first != 0 {
		c.logs.First, c.logs.Last = time.Unix(0, first).UTC(), time.Unix(0, last).UTC()
	}
	c.hasTenant = tenants > 0 && withTenant == tenants
	if rd.badTenants > 0 {
		c.logs.Notes = append(c.logs.Notes, fmt.Sprintf("%d tenant ids refused, their calls kept without a tenant (the first: %s)", rd.badTenants, rd.badTenant))
	}
	if withTenant > 0 && !c.hasTenant {
		c.logs.Notes = append(c.logs.Notes, fmt.Sprintf("%d of the %d calls carried a tenant id: the trace has no tenant column, the summary no tenants part (a trace's tenants are every call's or none)", withTenant, tenants))
	}
	if err := rd.checkOverlaps(states); err != nil {
		c.Close()
		return nil, err
	}
	delete(versions, 0)
	if len(versions) > 1 {
		counts := map[string]int64{}
		for v, n := range versions {
			counts[rd.vers[v-1]] += n
		}
		if len(counts) > 1 {
			c.Close()
			return nil, versionsError(counts)
		}
	}
	for v := range versions {
		fn, ver, _ := strings.Cut(strings.TrimSuffix(rd.vers[v-1], "]"), "[")
		c.logs.Function, c.logs.Version = fn, ver
	}
	if c.store.n == 0 {
		c.Close()
		return nil, fmt.Errorf("no call: %d events read, none a REPORT (or platform.report) of a call; skipped: %v", c.logs.Events, c.logs.Skipped)
	}
	// The trace takes its place only once the calls are taken: a refused
	// export leaves none (nor replaces one there before).
	if tw != nil {
		if err := c.checkSpan(); err != nil {
			c.Close()
			return nil, err
		}
		if c.hasTenant == (tw.tenants != nil) {
			c.capped = tw.capped
			if err = tw.finish(nil); err == nil {
				c.written = tw.w
			}
		} else {
			tw.abort()
			c.written, err = c.writeTrace(rd.opts.TracePath, schedule.MaxHandler)
		}
		tw = nil
		if err != nil {
			c.Close()
			return nil, err
		}
		c.traced = rd.opts.TracePath
	}
	return c, nil
}

// callWriter keeps the calls the pass makes, in their order, in the call
// store and writes them to the trace (when one is written): on a
// goroutine of its own, a batch at a time.
type callWriter struct {
	store     *callStore
	tw        *traceWriter
	cur       []call
	out, free chan []call
	done      chan error
	err       error
	finished  bool
}

// callBatch is how many calls go to the callWriter's goroutine at a time.
const callBatch = 4096

func newCallWriter(store *callStore, tw *traceWriter) *callWriter {
	w := &callWriter{store: store, tw: tw, out: make(chan []call, 2), free: make(chan []call, 3), done: make(chan error, 1)}
	for range 3 {
		w.free <- make([]call, 0, callBatch)
	}
	w.cur = <-w.free
	go func() {
		var err error
		for b := range w.out {
			for i := 0; i < len(b) && err == nil; i++ {
				if w.tw != nil {
					err = w.tw.add(&b[i])
				}
				if err == nil {
					err = w.store.add(&b[i])
				}
			}
			w.free <- b[:0]
		}
		if err == nil {
			err = w.store.flush()
		}
		w.done <- err
	}()
	return w
}

// add takes one call (copied).
func (w *callWriter) add(cl *call) {
	w.cur = append(w.cur, *cl)
	if len(w.cur) == cap(w.cur) {
		w.out <- w.cur
		w.cur = <-w.free
	}
}

// finish waits until every call taken is kept and written, the store
// flushed, and says the first error; called again, it says it again.
func (w *callWriter) finish() error {
	if !w.finished {
		w.finished = true
		if len(w.cur) > 0 {
			w.out <- w.cur
		}
		close(w.out)
		w.err = <-w.done
	}
	return w.err
}

// maxGroup bounds the events of one stream, millisecond and kind (a START,
// a REPORT, …) an export may hold: one environment serves one call at a
// time, so even its shortest calls end a handful to a millisecond.
const maxGroup = 1 << 12

// eventGroup is the event ids of the events of one millisecond, kind and
// stream, which the sort keeps together: an event id seen twice in it is
// a duplicate (an event exported twice is the same in all three).
type eventGroup struct {
	t      int64
	stream uint32
	kind   uint8
	ids    []uint64
	set    map[uint64]struct{} // the ids, once there are many
}

// seen reports whether it is a duplicate of an event of its group, and
// adds it to the group; a group past maxGroup is refused.
func (g *eventGroup) seen(it *item, labels []string) (bool, error) {
	if it.t != g.t || it.stream != g.stream || it.kind != g.kind || len(g.ids) == 0 {
		g.t, g.stream, g.kind = it.t, it.stream, it.kind
		g.ids = g.ids[:0]
		clear(g.set)
	}
	if it.id == 0 {
		return false, nil
	}
	if g.set != nil && len(g.ids) > 16 {
		if _, ok := g.set[it.id]; ok {
			return true, nil
		}
	} else if slices.Contains(g.ids, it.id) {
		return true, nil
	}
	if len(g.ids) >= maxGroup {
		return false, fmt.Errorf("stream %s holds more than %d events of one kind in the millisecond %s, the most an export may hold; one environment cannot write so many",
			labels[it.stream], maxGroup, time.UnixMilli(it.t).UTC().Format("2006-01-02T15:04:05.000Z"))
	}
	g.ids = append(g.ids, it.id)
	if len(g.ids) > 16 {
		if g.set == nil {
			g.set = make(map[uint64]struct{}, maxGroup)
		}
		if len(g.set) == 0 {
			for _, id := range g.ids {
				g.set[id] = struct{}{}
			}
		} else {
			g.set[it.id] = struct{}{}
		}
	}
	return false, nil
}

// report makes the call a REPORT ends.
func (rd *reader) report(c *Calls, st *streamState, it *item) call {
	done := it.t * 1e6
	start := done - it.dur*1000
	cl := call{done: done, dur: it.dur, stream: it.stream, initUS: it.init, memUsed: it.memUsed, memSize: it.memSize,
		status: it.status, errType: it.errType, version: st.version}
	// Its START (the tenant), and a failure's own line.
	for i, s := range st.starts {
		if s.req == it.req {
			cl.tenant = s.tenant
			st.starts = append(st.starts[:i], st.starts[i+1:]...)
			break
		}
	}
	if it.tenant != 0 {
		cl.tenant = it.tenant
	}
	for i, f := range st.fails {
		if f.req == it.req || f.req == 0 {
			if cl.status == statusOK {
				cl.status = f.status
			}
			if cl.errType == 0 {
				cl.errType = f.errType
			}
			st.fails = append(st.fails[:i], st.fails[i+1:]...)
			break
		}
	}
	if cl.status != statusOK && cl.errType == 0 && cl.status == statusTimeout {
		cl.errType = rd.intern16(rd.errIdx, &rd.errs, timeoutType)
		c.errTypes = rd.errs
	}
	// A new generation: the call ran an init (its REPORT says so), or an
	// init began before it started; the stream's first call starts one
	// whose start is unseen unless so.
	ran := it.init > 0
	// An init logged in the invoke phase after the call's start ran inside
	// the call.
	inCall := st.init.set && st.init.invoke && st.init.at > start && st.init.at < done
	ahead := st.init.set && st.init.at <= start || inCall
	cl.start = start
	if ran || ahead || st.gen == 0 {
		st.genN++
		c.gens = append(c.gens, rd.labels[it.stream]+"#"+strconv.Itoa(st.genN))
		st.gen = uint32(len(c.gens))
		st.inv = 0
		st.unseen = !ran && !ahead
		st.initAt, st.initTyp = 0, initUnknown
		switch {
		case ahead:
			st.initAt, st.initTyp = st.init.at, st.init.initTyp
			if cl.initUS == 0 {
				cl.initUS = st.init.initUS
			}
			switch {
			case inCall:
				st.initAt = start
			case start-st.init.at < int64(proactiveGap), st.init.retried && start-st.init.end < int64(proactiveGap):
				// The call waited for this init (and its retry): it began
				// when the init did.
				cl.start = st.init.at
			case st.init.retried:
				// A failed init retried by the call, long after: the call
				// waited for the retry alone.
				st.initAt = start
			}
		case ran:
			cl.start = start - int64(it.init)*1000
			st.initAt, st.initTyp = cl.start, it.initTyp
		}
		if ran && st.initTyp == initUnknown {
			st.initTyp = it.initTyp // a Restore Duration's snap-start
		}
		st.init = pendingInit{}
	}
	st.inv++
	cl.gen, cl.initAt, cl.initTyp = st.gen-1, st.initAt, st.initTyp
	if st.unseen {
		cl.flags |= callUnseen
	} else {
		cl.inv = st.inv
	}
	if st.lastDone != 0 {
		if over := st.lastDone - cl.start; over > int64(overlapSlack) {
			st.overlaps++
			st.maxOver = max(st.maxOver, over)
		}
	}
	st.lastDone = max(st.lastDone, done)
	return cl
}

// checkOverlaps refuses an export with a stream whose calls overlap:
// several environments in one stream whose records do not tell them apart.
func (rd *reader) checkOverlaps(states []streamState) error {
	var worst int
	var n int
	for i := range states {
		if states[i].overlaps > 0 {
			n++
			if states[worst].overlaps == 0 || states[i].overlaps > states[worst].overlaps {
				worst = i
			}
		}
	}
	if n == 0 {
		return nil
	}
	st := &states[worst]
	why := "one classic execution environment serves one call at a time, so these calls came from several environments that share the stream"
	if rd.names[worst].managed {
		why = "a Lambda Managed Instances stream holds every environment of its capacity provider, and its records here carry no instanceId to tell them apart"
	}
	return fmt.Errorf("%d log streams hold overlapping calls (stream %s: %d calls began more than %v before the previous one ended, by up to %v): %s; "+
		"one environment with them all would be false, so the export is refused (leave such streams out of the export)",
		n, rd.labels[worst], st.overlaps, overlapSlack, time.Duration(st.maxOver).Round(time.Millisecond), why)
}

// callStore keeps the calls in start order: in memory up to memCalls, on
// a temporary file beyond, each packed (callCodec).
type callStore struct {
	dir  string
	mem  []call
	f    *os.File
	w    *bufio.Writer
	enc  callCodec
	buf  []byte
	n    int64
	done bool
}

// memCalls is how many calls are kept in memory before they go to a
// temporary file: 256 Ki calls of 80 bytes, 20 MiB.
const memCalls = 1 << 18

// newCallStore is a store for about n calls.
func newCallStore(dir string, n int64) *callStore {
	return &callStore{dir: dir, mem: make([]call, 0, min(n, memCalls))}
}

func (s *callStore) add(cl *call) error {
	s.n++
	if s.f == nil && len(s.mem) < memCalls {
		s.mem = append(s.mem, *cl)
		return nil
	}
	if s.f == nil {
		f, err := os.CreateTemp(s.dir, "lambdalogs-calls-*")
		if err != nil {
			return fmt.Errorf("calls to disk: %w", err)
		}
		s.f, s.w = f, bufio.NewWriterSize(f, 1<<16)
		for i := range s.mem {
			s.put(&s.mem[i])
		}
		s.mem = nil
	}
	return s.put(cl)
}

// put writes one call to the file.
func (s *callStore) put(cl *call) error {
	s.buf = s.enc.append(s.buf[:0], cl)
	if _, err := s.w.Write(s.buf); err != nil {
		return fmt.Errorf("calls to disk: %w", err)
	}
	return nil
}

// flush ends the adding.
func (s *callStore) flush() error {
	s.done = true
	if s.w != nil {
		return s.w.Flush()
	}
	return nil
}

// each gives every call, in order, to f.
func (s *callStore) each(f func(*call) error) error {
	if s.f == nil {
		for i := range s.mem {
			if err := f(&s.mem[i]); err != nil {
				return err
			}
		}
		return nil
	}
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	r := bufio.NewReaderSize(s.f, 1<<16)
	var dec callCodec
	var cl call
	read := func(b []byte) int { return dec.read(b, &cl) }
	for {
		ok, err := nextPacked(r, maxPackedCall, read)
		if err != nil {
			return fmt.Errorf("calls from disk: %w", err)
		}
		if !ok {
			return nil
		}
		if err := f(&cl); err != nil {
			return err
		}
	}
}

func (s *callStore) close() error {
	s.mem = nil
	if s.f == nil {
		return nil
	}
	name := s.f.Name()
	s.f.Close()
	s.f = nil
	return os.Remove(name)
}

// callCodec packs calls in start order, each against the one before it
// (runCodec's way): varints, the times as differences.
type callCodec struct {
	prev call
}

// maxPackedCall is the most bytes a call packs into.
const maxPackedCall = 5*binary.MaxVarintLen64 + 8*binary.MaxVarintLen32 + 3

// append packs cl onto b.
func (c *callCodec) append(b []byte, cl *call) []byte {
	b = binary.AppendVarint(b, cl.start-c.prev.start)
	b = binary.AppendVarint(b, cl.done-cl.start)
	b = binary.AppendVarint(b, cl.initAt-c.prev.initAt)
	b = binary.AppendVarint(b, cl.inv)
	b = binary.AppendVarint(b, cl.dur)
	b = binary.AppendUvarint(b, uint64(cl.gen))
	b = binary.AppendUvarint(b, uint64(cl.stream))
	b = binary.AppendUvarint(b, uint64(cl.tenant))
	b = binary.AppendUvarint(b, uint64(cl.initUS))
	b = binary.AppendUvarint(b, uint64(cl.memUsed))
	b = binary.AppendUvarint(b, uint64(cl.memSize))
	b = binary.AppendUvarint(b, uint64(cl.errType))
	b = binary.AppendUvarint(b, uint64(cl.version))
	b = append(b, cl.status, cl.initTyp, cl.flags)
	c.prev = *cl
	return b
}

// read unpacks the call at the start of b into cl and says how many bytes
// it took: 0 when b does not start with a whole one.
func (c *callCodec) read(b []byte, cl *call) int {
	d := packed{b: b}
	cl.start = c.prev.start + d.varint()
	cl.done = cl.start + d.varint()
	cl.initAt = c.prev.initAt + d.varint()
	cl.inv = d.varint()
	cl.dur = d.varint()
	cl.gen = uint32(d.uvarint())
	cl.stream = uint32(d.uvarint())
	cl.tenant = uint32(d.uvarint())
	cl.initUS = uint32(d.uvarint())
	cl.memUsed = uint32(d.uvarint())
	cl.memSize = uint32(d.uvarint())
	cl.errType = uint16(d.uvarint())
	cl.version = uint16(d.uvarint())
	if d.bad || len(d.b)-d.n < 3 {
		return 0
	}
	cl.status, cl.initTyp, cl.flags = d.b[d.n], d.b[d.n+1], d.b[d.n+2]
	c.prev = *cl
	return d.n + 3
}
