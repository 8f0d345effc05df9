package lambdahost

import (
	"io"
	"os"
	"sync"
	"syscall"
)

// output reads a process's stdout and stderr (one pipe, so their lines
// interleave as written) and writes each line to the environment's log
// stream, and the raw bytes to a copy (Options.Output).
//
// flush makes every byte the process wrote before it into log events, so
// that a call's lines come before its END: the reader and flush both read
// the non-blocking pipe under mu, and flush reads until the pipe is empty.
type output struct {
	r    *os.File
	rc   syscall.RawConn
	log  *streamLog
	copy io.Writer

	mu      sync.Mutex
	partial []byte // a line not yet ended
	buf     [32 << 10]byte
}

// newOutput makes the pipe a process writes its output to; start the
// reader (run) once the process has started, and close w.
func newOutput(log *streamLog, copy io.Writer) (o *output, w *os.File, err error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, nil, err
	}
	rc, err := r.SyscallConn()
	if err != nil {
		r.Close()
		w.Close()
		return nil, nil, err
	}
	return &output{r: r, rc: rc, log: log, copy: copy}, w, nil
}

// run reads until the process and every child holding the pipe have exited.
func (o *output) run() {
	defer o.r.Close()
	for {
		var n int
		var rerr error
		err := o.rc.Read(func(fd uintptr) bool {
			o.mu.Lock()
			defer o.mu.Unlock()
			n, rerr = syscall.Read(int(fd), o.buf[:])
			if n > 0 {
				o.consume(o.buf[:n])
			}
			return rerr != syscall.EAGAIN
		})
		switch {
		case err != nil:
			return
		case n > 0, rerr == syscall.EINTR:
			continue
		default: // end of file, or an error
			o.mu.Lock()
			if len(o.partial) > 0 {
				o.log.line(string(o.partial))
				o.partial = o.partial[:0]
			}
			o.mu.Unlock()
			return
		}
	}
}

// stop ends run, whatever still holds the pipe.
func (o *output) stop() { o.r.Close() }

// flush turns everything written to the pipe so far into events.
func (o *output) flush() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.rc.Control(func(fd uintptr) {
		for {
			n, err := syscall.Read(int(fd), o.buf[:])
			if n <= 0 || err != nil {
				return
			}
			o.consume(o.buf[:n])
		}
	})
}

// consume writes b's complete lines as events and keeps the rest; a line
// longer than maxLogMessage is cut. Called with mu held.
func (o *output) consume(b []byte) {
	if o.copy != nil {
		o.copy.Write(b)
	}
	for len(b) > 0 {
		i := 0
		for i < len(b) && b[i] != '\n' {
			i++
		}
		if i == len(b) { // no newline: keep it for later
			o.partial = append(o.partial, b...)
			for len(o.partial) >= maxLogMessage {
				o.log.line(string(o.partial[:maxLogMessage-1]))
				o.partial = append(o.partial[:0], o.partial[maxLogMessage-1:]...)
			}
			return
		}
		line := b[:i]
		if len(o.partial) > 0 {
			line = append(o.partial, line...)
			o.partial = o.partial[:0]
		}
		for len(line) >= maxLogMessage {
			o.log.line(string(line[:maxLogMessage-1]))
			line = line[maxLogMessage-1:]
		}
		o.log.line(string(line))
		b = b[i+1:]
	}
}
