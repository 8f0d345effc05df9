package lambdasim

import (
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
)

// timing is one call of a schedule: when it is due, and its handler time.
// (Its tenant, a function of its seq, is asked for as it reaches the pool:
// the model's heap of calls on their way stays small.)
type timing = schedule.Timing

// feed gives the model a schedule's calls in seq order, a batch at a time
// (schedule.Timings): one read from a file as it runs (schedule.Failing: a
// trace, parsed line by line) a batch ahead on a goroutine of its own, so
// the parsing leaves the model's core; any other schedule's as the model
// asks.
type feed struct {
	buf      []timing // the batch, from buf[i] on
	i        int
	sched    schedule.Schedule
	calls    int64 // the schedule's calls: none is asked for past them
	seq      int64 // the seq of the next batch's first call
	prefetch *prefetchFeed
}

func newFeed(sched schedule.Schedule, plan schedule.Plan) *feed {
	if _, ok := schedule.FailingOf(sched); ok {
		return &feed{prefetch: newPrefetch(sched, plan.Calls)}
	}
	return &feed{sched: sched, calls: plan.Calls}
}

// next is the next call's times; small enough to inline.
func (f *feed) next() timing {
	if f.i == len(f.buf) {
		f.fill()
	}
	f.i++
	return f.buf[f.i-1]
}

// fill reads the next batch: from the prefetching goroutine, or here.
func (f *feed) fill() {
	if f.prefetch != nil {
		f.buf, f.i = f.prefetch.batch(f.buf), 0
		return
	}
	n := int(min(feedBatch, max(1, f.calls-f.seq)))
	if cap(f.buf) < n {
		f.buf = make([]timing, n)
	}
	f.buf, f.i = f.buf[:n], 0
	schedule.Timings(f.sched, f.seq, f.buf)
	f.seq += int64(n)
}

func (f *feed) close() {
	if f.prefetch != nil {
		f.prefetch.close()
	}
}

// feedBatch is how many calls the feed reads at a time.
const feedBatch = 4096

type prefetchFeed struct {
	full, free chan []timing
	stop       chan struct{}
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
			b = b[:min(feedBatch, calls-seq)]
			schedule.Timings(s, seq, b)
			seq += int64(len(b))
			select {
			case f.full <- b:
			case <-f.stop:
				return
			}
		}
	}()
	return f
}

// batch hands back done, the batch read, and takes the next.
func (f *prefetchFeed) batch(done []timing) []timing {
	if done != nil {
		f.free <- done[:0]
	}
	return <-f.full // the model asks for no more calls than there are
}

func (f *prefetchFeed) close() { close(f.stop) }
