package lambdahost

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdalogs"
)

// sinkFlush is how often the file sinks write what they hold; they also
// write whenever they hold more than sinkBuffer bytes, and on Close.
const sinkFlush = time.Second

const sinkBuffer = 1 << 20

// ExportSink writes every stream's events into one JSON Lines file, a
// lambdalogs.Event a line (its eventId 56 decimal digits, unique in the
// file), in the order they come (time order within a stream):
// the file `reusereport -cloudwatch` reads.
type ExportSink struct {
	path string
	f    *os.File

	mu   sync.Mutex
	buf  []byte
	seq  int64
	err  error
	stop chan struct{}
	done chan struct{}
}

// CreateExport creates an export file at path; it refuses a file that
// exists already, so that no two runs mix.
func CreateExport(path string) (*ExportSink, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("logs export %s exists already: name a new file", path)
		}
		return nil, fmt.Errorf("logs export: %w", err)
	}
	s := &ExportSink{path: path, f: f, stop: make(chan struct{}), done: make(chan struct{})}
	go flushEvery(s.stop, s.done, s.flush)
	return s, nil
}

// Log adds ev to the file.
func (s *ExportSink) Log(ev LogEvent) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	now := time.Now()
	ms := ev.Time.UnixMilli()
	b, _ := json.Marshal(lambdalogs.Event{LogStreamName: ev.Stream, Timestamp: ms, Message: ev.Message,
		IngestionTime: max(ms, now.UnixMilli()), EventID: fmt.Sprintf("%020d%036d", ms, s.seq)}) // strings and numbers: cannot fail
	s.buf = append(append(s.buf, b...), '\n')
	if len(s.buf) > sinkBuffer {
		s.writeLocked()
	}
}

func (s *ExportSink) flush() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writeLocked()
}

// writeLocked writes the buffer: whole lines, so that the file is valid
// JSON Lines between writes.
func (s *ExportSink) writeLocked() {
	if len(s.buf) == 0 {
		return
	}
	if _, err := s.f.Write(s.buf); err != nil && s.err == nil {
		s.err = fmt.Errorf("logs export %s: %w", s.path, err)
	}
	s.buf = s.buf[:0]
}

// Close writes what it holds and closes the file; it returns the first
// error of any write.
func (s *ExportSink) Close() error {
	close(s.stop)
	<-s.done
	s.flush()
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.f.Close(); err != nil && s.err == nil {
		s.err = err
	}
	return s.err
}

// DirSink writes each stream to a file of its own in a folder: the stream
// name with "/" as "-", and ".log" (2026/05/01/[$LATEST]1f…c2 is
// 2026-05-01-[$LATEST]1f…c2.log); each line is an event's time (UTC, to
// the millisecond), a tab and its message.
type DirSink struct {
	dir string

	mu      sync.Mutex
	pending map[string][]byte // by stream
	size    int
	err     error
	stop    chan struct{}
	done    chan struct{}
}

// CreateDir makes a folder sink, creating dir if it is missing.
func CreateDir(dir string) (*DirSink, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("logs folder: %w", err)
	}
	s := &DirSink{dir: dir, pending: map[string][]byte{}, stop: make(chan struct{}), done: make(chan struct{})}
	go flushEvery(s.stop, s.done, s.flush)
	return s, nil
}

// StreamFile is the file name DirSink gives a stream.
func StreamFile(stream string) string { return strings.ReplaceAll(stream, "/", "-") + ".log" }

// Log adds ev to its stream's file.
func (s *DirSink) Log(ev LogEvent) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.pending[ev.Stream]
	n := len(b)
	b = ev.Time.UTC().AppendFormat(b, "2006-01-02T15:04:05.000Z")
	b = append(append(b, '\t'), ev.Message...)
	if !strings.HasSuffix(ev.Message, "\n") {
		b = append(b, '\n')
	}
	s.pending[ev.Stream] = b
	s.size += len(b) - n
	if s.size > sinkBuffer {
		s.writeLocked()
	}
}

func (s *DirSink) flush() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writeLocked()
}

// writeLocked appends each stream's pending lines to its file; no file
// stays open between writes, however many streams there are.
func (s *DirSink) writeLocked() {
	for _, stream := range slices.Sorted(maps.Keys(s.pending)) {
		if err := appendFile(filepath.Join(s.dir, StreamFile(stream)), s.pending[stream]); err != nil && s.err == nil {
			s.err = fmt.Errorf("logs folder: %w", err)
		}
	}
	clear(s.pending)
	s.size = 0
}

func appendFile(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Close writes what it holds; it returns the first error of any write.
func (s *DirSink) Close() error {
	close(s.stop)
	<-s.done
	s.flush()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// flushEvery calls flush every sinkFlush until stop is closed, then closes done.
func flushEvery(stop <-chan struct{}, done chan<- struct{}, flush func()) {
	defer close(done)
	t := time.NewTicker(sinkFlush)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			flush()
		case <-stop:
			return
		}
	}
}
