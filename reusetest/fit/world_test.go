package fit

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
)

// world is an execution-environment pool written for validation (c) alone:
// it shares no code with lambdasim (its own generator, its own idle list,
// its own lifetimes), and its shapes are ones lambdasim has no family for.
//   - maximum lifetime: 80 minutes plus an exponential of mean 25 minutes
//     (or, set by a test, uniform between two bounds);
//   - idle timeout: 9 minutes, fixed (or set by a test);
//   - placement: the idle environment that went idle last (a stack), or
//     the one idle longest, any at random, or the newest;
//   - init: 150 ms plus an exponential of mean 60 ms;
//   - work: the handler, plus (set by a test) a uniform extra;
//   - front door: 8 to 22 ms each way, triangular; overhead 2 ms;
//   - failures (set by a test): a share of calls fail, and the
//     environment's next call runs init again (a reset) in the same
//     environment: a new instance id in the same log stream, as Lambda's
//     logs show it.
type world struct {
	rng  *rand.Rand
	idle []*worldEnv // in the order they went idle: the last is on top
	busy []*worldEnv // unordered; few at a time
	n    int

	rule         string        // "stack" (the default), "queue", "any" or "youngest"
	idleTimeout  time.Duration // 0: 9 minutes
	lifeLo, life time.Duration // when life > 0, lifetimes uniform in [lifeLo, life]
	work         time.Duration // when > 0, each call works a further uniform [0, work)
	failShare    float64       // when > 0, the share of calls that fail and reset their environment
	all          []*worldEnv   // every environment, in creation order
}

type worldEnv struct {
	id          string
	created     time.Duration
	dies        time.Duration // created + maximum lifetime
	calls       int64
	freeAt      time.Duration // busy: when its call ends
	idleSince   time.Duration
	initialised time.Time
	lastDone    time.Duration // its last call's answer
	gen         int           // resets so far
	genCalls    int64         // calls of the current generation
	reset       bool          // its last call failed: the next runs init again
}

func newWorld(seed uint64) *world { return &world{rng: rand.New(rand.NewPCG(seed, 77))} }

func (w *world) exp(mean time.Duration) time.Duration {
	return time.Duration(w.rng.ExpFloat64() * float64(mean))
}

func (w *world) door() time.Duration {
	return 8*time.Millisecond + time.Duration((w.rng.Float64()+w.rng.Float64())/2*float64(14*time.Millisecond))
}

// run emits one record per call of schedule, in seq order.
func (w *world) run(schedule schedule.Schedule, emit func(*record.Record)) {
	epoch := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for seq := range schedule.Plan().Calls {
		due := schedule.Due(seq)
		arrive := due + w.door()
		// Calls that ended by now free their environments, in end order.
		for {
			k := -1
			for i, e := range w.busy {
				if e.freeAt <= arrive && (k < 0 || e.freeAt < w.busy[k].freeAt) {
					k = i
				}
			}
			if k < 0 {
				break
			}
			e := w.busy[k]
			w.busy = append(w.busy[:k], w.busy[k+1:]...)
			if e.freeAt < e.dies {
				e.idleSince = e.freeAt
				w.idle = append(w.idle, e)
			}
		}
		// Idle environments past their idle timeout or lifetime are gone.
		kept := w.idle[:0]
		for _, e := range w.idle {
			if arrive-e.idleSince < cmp.Or(w.idleTimeout, 9*time.Minute) && arrive < e.dies {
				kept = append(kept, e)
			}
		}
		w.idle = kept
		var e *worldEnv
		start := arrive
		if n := len(w.idle); n > 0 {
			k := n - 1
			switch w.rule {
			case "queue":
				k = 0
			case "any":
				k = w.rng.IntN(n)
			case "youngest":
				for i, c := range w.idle {
					if c.created > w.idle[k].created {
						k = i
					}
				}
			}
			e = w.idle[k]
			w.idle = append(w.idle[:k], w.idle[k+1:]...)
		} else {
			w.n++
			e = &worldEnv{id: fmt.Sprintf("world-%06d", w.n), created: arrive}
			e.dies = arrive + 80*time.Minute + w.exp(25*time.Minute)
			if w.life > 0 {
				e.dies = arrive + w.lifeLo + time.Duration(w.rng.Float64()*float64(w.life-w.lifeLo))
			}
			start += 150*time.Millisecond + w.exp(60*time.Millisecond)
			e.initialised = epoch.Add(start)
			w.all = append(w.all, e)
		}
		if e.reset {
			start += 150*time.Millisecond + w.exp(60*time.Millisecond)
			e.initialised, e.gen, e.genCalls, e.reset = epoch.Add(start), e.gen+1, 0, false
		}
		e.calls++
		e.genCalls++
		e.freeAt = start + schedule.HandlerTime(seq) + 2*time.Millisecond
		if w.work > 0 {
			e.freeAt += time.Duration(w.rng.Int64N(int64(w.work)))
		}
		w.busy = append(w.busy, e)
		r := record.Record{Seq: seq, Scheduled: epoch.Add(due), Sent: epoch.Add(due), Done: epoch.Add(e.freeAt + w.door()),
			Status: record.StatusOK, InstanceID: e.id, Invocation: e.calls, InitAt: e.initialised}
		e.lastDone = r.Done.Sub(epoch)
		if w.failShare > 0 {
			r.LogStream, r.Invocation = "2026/01/01/[$LATEST]"+e.id, e.genCalls
			if e.gen > 0 {
				r.InstanceID = fmt.Sprintf("%s.%d", e.id, e.gen)
			}
			if w.rng.Float64() < w.failShare {
				r.Status, r.ErrorClass, r.ErrorType, e.reset = record.StatusError, record.ClassFunctionError, "Runtime.ExitError", true
			}
		}
		emit(&r)
	}
}
