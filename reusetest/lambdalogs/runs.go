package lambdalogs

import (
	"bufio"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/lambda-reuse/lambda-reuse/internal/minheap"
	"github.com/lambda-reuse/lambda-reuse/reusetest/stats"
)

// item is one used event, fixed in size, so that any number of them sort
// in bounded memory: a chunk in memory, sorted runs spilled to temporary
// files only when a chunk fills, then merged.
type item struct {
	t       int64  // the event's time, Unix ms
	id      uint64 // a hash of its event id; 0 for none
	req     uint64 // a hash of its request id; 0 for none
	dur     int64  // a REPORT's Duration, µs
	stream  uint32 // its stream's index
	tenant  uint32 // its tenant's index + 1; 0 for none
	init    uint32 // an Init or Restore Duration, µs; 0 for none
	memUsed uint32 // MB
	memSize uint32 // MB
	errType uint16 // its error type's index + 1; 0 for none
	version uint16 // its function and version's index + 1; 0 for none
	seq     uint32 // its place in the export (the order a stream's events of one millisecond keep)
	kind    uint8
	status  uint8
	initTyp uint8 // one of the initType constants
	flags   uint8
}

// The item flags.
const (
	flagJSON   uint8 = 1 << iota // from a JSON message
	flagInvoke                   // an init run in the invoke phase
)

// The init types an item or call carries: record.InitType's, by number.
const (
	initUnknown uint8 = iota
	initOnDemand
	initProvisioned
	initSnapStart
)

// compareItems is the order of the pass: by time, then kind (a failure's
// line before its REPORT, a START before a REPORT of the same
// millisecond), then stream, then the order the export gave them. Log
// times are whole milliseconds, so calls of one stream can end in the
// same one; their REPORTs then keep the stream's own order, which
// CloudWatch Logs gives as the events were put (docs/sources.md [S15]),
// and every export of it keeps. The events of one millisecond, kind and
// stream are a group the pass takes together (duplicates are found in
// it).
func compareItems(a, b *item) int {
	return cmp.Or(cmp.Compare(a.t, b.t), cmp.Compare(a.kind, b.kind), cmp.Compare(a.stream, b.stream), cmp.Compare(a.seq, b.seq))
}

// sortKey is an item's place in compareItems order, small to sort: the
// chunk is sorted by its keys, then put in their order in place.
type sortKey struct {
	key int64  // mergeKey
	tie int64  // mergeTie
	i   uint32 // the item's index in the chunk
}

// hash64 is a hash of b (SplitMix64 over its 8-byte words): the same
// bytes give the same hash in every run, so sorted runs are reproducible.
func hash64(b []byte) uint64 {
	h := uint64(len(b)) * stats.Golden
	for len(b) >= 8 {
		w := uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 | uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
		h = stats.Mix64(h ^ w)
		b = b[8:]
	}
	var w uint64
	for i, c := range b {
		w |= uint64(c) << (8 * i)
	}
	h = stats.Mix64(h ^ w ^ 0xff)
	if h == 0 {
		h = 1 // 0 says none
	}
	return h
}

// defaultChunk is how many items are sorted in memory before a sorted run
// is spilled to a temporary file: 1 Mi items of 64 bytes, 64 MiB.
const defaultChunk = 1 << 20

// sorter takes items in any order and gives them back in compareItems
// order: from memory when they fit in one chunk, else merged from runs.
type sorter struct {
	chunk []item
	keys  []sortKey
	limit int
	dir   string
	runs  []string
	n     int64
}

// newSorter sorts in chunks of limit items, the first made for expect.
func newSorter(limit, expect int, dir string) *sorter {
	return &sorter{limit: limit, dir: dir, chunk: make([]item, 0, max(min(limit, expect), 1))}
}

// add takes one item, spilling a full chunk as a sorted run.
func (s *sorter) add(it *item) error {
	if len(s.chunk) >= s.limit {
		if err := s.spill(); err != nil {
			return err
		}
	}
	s.chunk = append(s.chunk, *it)
	s.n++
	return nil
}

// sortChunk sorts the chunk, cheaply when it is in order already (an
// export AWS interleaved by time).
func (s *sorter) sortChunk() {
	// An export in time order (as AWS returns one) needs only its events
	// of one millisecond and kind put in stream order.
	sorted := true
	for i := 1; i < len(s.chunk) && sorted; i++ {
		a, b := &s.chunk[i-1], &s.chunk[i]
		sorted = a.t < b.t || a.t == b.t && a.kind <= b.kind
	}
	if sorted {
		for i := 1; i < len(s.chunk); i++ {
			for j := i; j > 0 && compareItems(&s.chunk[j-1], &s.chunk[j]) > 0; j-- {
				s.chunk[j-1], s.chunk[j] = s.chunk[j], s.chunk[j-1]
			}
		}
		return
	}
	keys := s.keys[:0]
	if cap(keys) < len(s.chunk) {
		keys = make([]sortKey, 0, cap(s.chunk))
	}
	for i := range s.chunk {
		it := &s.chunk[i]
		keys = append(keys, sortKey{key: mergeKey(it), tie: mergeTie(it), i: uint32(i)})
	}
	slices.SortFunc(keys, func(a, b sortKey) int {
		return cmp.Or(cmp.Compare(a.key, b.key), cmp.Compare(a.tie, b.tie))
	})
	// Put the items in the keys' order in place, a cycle at a time: the
	// item at j comes from keys[j].i.
	const done = ^uint32(0)
	for j := range keys {
		if keys[j].i == done || keys[j].i == uint32(j) {
			continue
		}
		tmp := s.chunk[j]
		cur := j
		for {
			src := keys[cur].i
			keys[cur].i = done
			if src == uint32(j) {
				s.chunk[cur] = tmp
				break
			}
			s.chunk[cur] = s.chunk[src]
			cur = int(src)
		}
	}
	s.keys = keys
}

// spill writes the chunk as a sorted run to a temporary file, each item
// packed (runCodec): about half its size in memory.
func (s *sorter) spill() error {
	s.sortChunk()
	f, err := os.CreateTemp(s.dir, "lambdalogs-run-*")
	if err != nil {
		return fmt.Errorf("a sorted run to disk: %w", err)
	}
	s.runs = append(s.runs, f.Name())
	w := bufio.NewWriterSize(f, 1<<16)
	var enc runCodec
	var buf []byte
	for i := range s.chunk {
		buf = enc.append(buf[:0], &s.chunk[i])
		w.Write(buf) // an error stays in w: Flush says it
	}
	werr := w.Flush()
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return fmt.Errorf("a sorted run to disk: %w", werr)
	}
	s.chunk = s.chunk[:0]
	return nil
}

// runCodec packs the items of a sorted run, each against the one before
// it: varints for the numbers (the time and the place as differences),
// the hashes and the one-byte fields as they are.
type runCodec struct {
	prev item
}

// maxPacked is the most bytes an item packs into.
const maxPacked = 3*binary.MaxVarintLen64 + 2*8 + 7*binary.MaxVarintLen32 + 4

// append packs it onto b.
func (c *runCodec) append(b []byte, it *item) []byte {
	b = binary.AppendVarint(b, it.t-c.prev.t)
	b = binary.LittleEndian.AppendUint64(b, it.id)
	b = binary.LittleEndian.AppendUint64(b, it.req)
	b = binary.AppendVarint(b, it.dur)
	b = binary.AppendUvarint(b, uint64(it.stream))
	b = binary.AppendUvarint(b, uint64(it.tenant))
	b = binary.AppendUvarint(b, uint64(it.init))
	b = binary.AppendUvarint(b, uint64(it.memUsed))
	b = binary.AppendUvarint(b, uint64(it.memSize))
	b = binary.AppendUvarint(b, uint64(it.errType))
	b = binary.AppendUvarint(b, uint64(it.version))
	b = binary.AppendVarint(b, int64(it.seq)-int64(c.prev.seq))
	b = append(b, it.kind, it.status, it.initTyp, it.flags)
	c.prev = *it
	return b
}

// read unpacks the item at the start of b into it and says how many bytes
// it took: 0 when b does not start with a whole one.
func (c *runCodec) read(b []byte, it *item) int {
	d := packed{b: b}
	it.t = c.prev.t + d.varint()
	it.id = d.fixed()
	it.req = d.fixed()
	it.dur = d.varint()
	it.stream = uint32(d.uvarint())
	it.tenant = uint32(d.uvarint())
	it.init = uint32(d.uvarint())
	it.memUsed = uint32(d.uvarint())
	it.memSize = uint32(d.uvarint())
	it.errType = uint16(d.uvarint())
	it.version = uint16(d.uvarint())
	it.seq = uint32(int64(c.prev.seq) + d.varint())
	if d.bad || len(d.b)-d.n < 4 {
		return 0
	}
	it.kind, it.status, it.initTyp, it.flags = d.b[d.n], d.b[d.n+1], d.b[d.n+2], d.b[d.n+3]
	c.prev = *it
	return d.n + 4
}

// packed reads the fields of a packed item in turn; bad once one is cut
// short.
type packed struct {
	b   []byte
	n   int
	bad bool
}

func (d *packed) varint() int64 {
	v, k := binary.Varint(d.b[d.n:])
	if k <= 0 {
		d.bad = true
		return 0
	}
	d.n += k
	return v
}

func (d *packed) uvarint() uint64 {
	v, k := binary.Uvarint(d.b[d.n:])
	if k <= 0 {
		d.bad = true
		return 0
	}
	d.n += k
	return v
}

func (d *packed) fixed() uint64 {
	if len(d.b)-d.n < 8 {
		d.bad = true
		return 0
	}
	v := binary.LittleEndian.Uint64(d.b[d.n:])
	d.n += 8
	return v
}

// each gives every item in order to f (stopping at its first error), then
// removes the runs.
func (s *sorter) each(f func(*item) error) error {
	defer s.close()
	if len(s.runs) == 0 {
		s.sortChunk()
		for i := range s.chunk {
			if err := f(&s.chunk[i]); err != nil {
				return err
			}
		}
		return nil
	}
	if len(s.chunk) > 0 {
		if err := s.spill(); err != nil {
			return err
		}
	}
	s.chunk = nil // the runs hold it all now
	readers := make([]*runReader, len(s.runs))
	var h minheap.Heap[int]
	for i, path := range s.runs {
		r, err := openRun(path)
		if err != nil {
			return err
		}
		defer r.f.Close()
		readers[i] = r
		if ok, err := r.next(); err != nil {
			return err
		} else if ok {
			h.Push(mergeKey(&r.cur), mergeTie(&r.cur), i)
		}
	}
	for h.Len() > 0 {
		i := h.Pop().Value
		r := readers[i]
		// The run's items up to the next run's first go on without the heap.
		for {
			if err := f(&r.cur); err != nil {
				return err
			}
			ok, err := r.next()
			if err != nil {
				return err
			}
			if !ok {
				break
			}
			if h.Len() > 0 {
				top := h.Peek()
				if o := readers[top.Value]; compareItems(&r.cur, &o.cur) > 0 {
					h.Push(mergeKey(&r.cur), mergeTie(&r.cur), i)
					break
				}
			}
		}
	}
	return nil
}

// mergeKey and mergeTie are compareItems' keys as the merge's heap orders
// them: time and kind, then stream (below maxStreams) and place.
func mergeKey(it *item) int64 { return it.t<<3 | int64(it.kind) }
func mergeTie(it *item) int64 { return int64(it.stream)<<32 | int64(it.seq) }

// close removes the runs.
func (s *sorter) close() {
	for _, p := range s.runs {
		os.Remove(p)
	}
	s.runs = nil
}

// runReader reads one sorted run.
type runReader struct {
	f   *os.File
	r   *bufio.Reader
	dec runCodec
	cur item
}

func openRun(path string) (*runReader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("a sorted run: %w", err)
	}
	return &runReader{f: f, r: bufio.NewReaderSize(f, 1<<16)}, nil
}

// next reads the run's next item into cur; false at its end.
func (r *runReader) next() (bool, error) {
	ok, err := nextPacked(r.r, maxPacked, func(b []byte) int { return r.dec.read(b, &r.cur) })
	if err != nil {
		return false, fmt.Errorf("a sorted run: %w", err)
	}
	return ok, nil
}

// nextPacked reads the next packed value from r, at most max bytes, with
// read (which says how many bytes it took, 0 for a value cut short); false
// at the end.
func nextPacked(r *bufio.Reader, max int, read func([]byte) int) (bool, error) {
	b, err := r.Peek(max)
	if len(b) == 0 {
		if errors.Is(err, io.EOF) {
			return false, nil
		}
		return false, err
	}
	n := read(b)
	if n == 0 {
		if err == nil || errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return false, err
	}
	r.Discard(n)
	return true, nil
}
