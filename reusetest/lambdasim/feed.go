package lambdasim

import (
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/reuse"
)

// timing is one call of a schedule: when it is due, and its handler time.
type timing struct{ due, handler time.Duration }

// feed gives the model a schedule's calls in seq order.
type feed interface {
	next() timing
	close()
}

// newFeed reads schedule directly, or, for a trace (a file parsed line by
// line), on a goroutine of its own a batch ahead, so that the parsing
// leaves the model's core.
func newFeed(schedule reuse.Schedule, calls int64) feed {
	if _, ok := schedule.(*reuse.Trace); ok {
		return newPrefetch(schedule, calls)
	}
	return &directFeed{s: schedule}
}

type directFeed struct {
	s   reuse.Schedule
	seq int64
}

func (f *directFeed) next() timing {
	t := timing{f.s.Due(f.seq), f.s.HandlerTime(f.seq)}
	f.seq++
	return t
}

func (f *directFeed) close() {}

// feedBatch is how many calls the prefetching goroutine reads at a time.
const feedBatch = 4096

type prefetchFeed struct {
	full, free chan []timing
	stop       chan struct{}
	cur        []timing
	i          int
}

func newPrefetch(s reuse.Schedule, calls int64) *prefetchFeed {
	f := &prefetchFeed{full: make(chan []timing, 2), free: make(chan []timing, 3), stop: make(chan struct{})}
	for range cap(f.free) {
		f.free <- make([]timing, 0, feedBatch)
	}
	go func() {
		defer close(f.full)
		for seq := int64(0); seq < calls; {
			var b []timing
			select {
			case b = <-f.free:
			case <-f.stop:
				return
			}
			for ; seq < calls && len(b) < feedBatch; seq++ {
				b = append(b, timing{s.Due(seq), s.HandlerTime(seq)})
			}
			select {
			case f.full <- b:
			case <-f.stop:
				return
			}
		}
	}()
	return f
}

func (f *prefetchFeed) next() timing {
	if f.i == len(f.cur) {
		if f.cur != nil {
			f.free <- f.cur[:0]
		}
		f.cur, f.i = <-f.full, 0 // the model asks for no more calls than there are
	}
	t := f.cur[f.i]
	f.i++
	return t
}

func (f *prefetchFeed) close() { close(f.stop) }
