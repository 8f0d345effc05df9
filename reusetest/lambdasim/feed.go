package lambdasim

import (
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
)

// timing is one call of a schedule: when it is due, and its handler time.
// (Its tenant, a function of its seq, is asked for as it reaches the pool:
// the model's heap of calls on their way stays small.)
type timing struct{ due, handler time.Duration }

// feed gives the model a schedule's calls in seq order: one read from a
// file as it runs (schedule.Failing: a trace, parsed line by line) a batch
// ahead on a goroutine of its own, so the parsing leaves the model's core;
// any other schedule's asked for one by one.
type feed struct {
	sched    schedule.Schedule
	prefetch *prefetchFeed
	seq      int64
}

func newFeed(sched schedule.Schedule, plan schedule.Plan) *feed {
	if _, ok := schedule.FailingOf(sched); ok {
		return &feed{prefetch: newPrefetch(sched, plan.Calls)}
	}
	return &feed{sched: sched}
}

func (f *feed) next() timing {
	if f.prefetch != nil {
		return f.prefetch.next()
	}
	t := timing{f.sched.Due(f.seq), f.sched.HandlerTime(f.seq)}
	f.seq++
	return t
}

func (f *feed) close() {
	if f.prefetch != nil {
		f.prefetch.close()
	}
}

// feedBatch is how many calls the prefetching goroutine reads at a time.
const feedBatch = 4096

type prefetchFeed struct {
	full, free chan []timing
	stop       chan struct{}
	cur        []timing
	i          int
}

func newPrefetch(s schedule.Schedule, calls int64) *prefetchFeed {
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
