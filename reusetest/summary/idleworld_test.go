package summary_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/lambda-reuse/lambda-reuse/internal/testenv"
	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
	"gotest.tools/v3/assert"
)

// idleWorld is an idle experiment's world written for this test alone,
// sharing no code with the simulator: its own random numbers (ChaCha8),
// its own bookkeeping of environments. Each environment has a maximum age
// drawn at its start; in each idle period it survives if a fresh idle
// timeout draw outlasts the period and it is still younger than its
// maximum age at the end. A phase's calls go to the surviving environments
// first, in a random order, then to new ones.
type idleWorld struct {
	rng      *rand.Rand
	idle     func(*rand.Rand) time.Duration // one idle timeout draw
	maxAge   func(*rand.Rand) time.Duration
	survival func(time.Duration) float64 // the truth: 1 - CDF of idle
	alive    []*worldEnv
	ids      int
	lastUse  map[*worldEnv]time.Duration
}

type worldEnv struct {
	id     string
	born   time.Duration
	maxAge time.Duration
}

// phase serves n calls sent at `at`, each working `work`: first it ends
// every environment that did not outlive its idle period or its age.
func (w *idleWorld) phase(sum *summary.Summarizer, firstSeq int64, n int64, at, work time.Duration) {
	var kept []*worldEnv
	for _, e := range w.alive {
		idleFor := at - w.lastUse[e]
		if w.idle(w.rng) > idleFor && at-e.born < e.maxAge {
			kept = append(kept, e)
		}
	}
	w.rng.Shuffle(len(kept), func(i, j int) { kept[i], kept[j] = kept[j], kept[i] })
	w.alive = kept
	for i := range n {
		var e *worldEnv
		if int(i) < len(kept) {
			e = kept[i]
		} else {
			w.ids++
			e = &worldEnv{id: fmt.Sprintf("world-%d", w.ids), born: at, maxAge: w.maxAge(w.rng)}
			w.alive = append(w.alive, e)
		}
		w.lastUse[e] = at + work
		sent := at
		sum.Add(&record.Record{Seq: firstSeq + i, Scheduled: worldTime(sent), Sent: worldTime(sent), Done: worldTime(sent + work), Status: record.StatusOK,
			InstanceID: e.id, Invocation: 1, InitAt: worldTime(e.born)})
	}
}

// worldTime turns a world's time into a record's.
func worldTime(d time.Duration) time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(d) }

// TestIdleSurvivalInAnIndependentWorld runs the idle experiment's schedule
// through the independent world, with an idle timeout spanning 10-70 min
// (uniform) and maximum ages uniform in 90-130 min: the idle survival must
// hold the truth within its 99.9% interval at every gap and its 95%
// interval at 90% of them, over twelve seeds, where P(warm) misses it.
func TestIdleSurvivalInAnIndependentWorld(t *testing.T) {
	if testenv.Race {
		t.Skip("twelve seeds of single-goroutine arithmetic, nothing shared: run in full without -race")
	}
	gaps := []time.Duration{5 * time.Minute, 15 * time.Minute, 25 * time.Minute, 35 * time.Minute, 45 * time.Minute, 55 * time.Minute, 65 * time.Minute}
	lo, hi := 10*time.Minute, 70*time.Minute
	var pairs, in95, rawMissed int
	for seed := range uint64(12) {
		s, err := schedule.NewIdle(20, gaps, 100, 500, seed, 0)
		assert.NilError(t, err)
		w := &idleWorld{rng: rand.New(rand.NewChaCha8([32]byte{byte(seed), 7})), lastUse: map[*worldEnv]time.Duration{},
			idle: func(r *rand.Rand) time.Duration { return lo + time.Duration(r.Float64()*float64(hi-lo)) },
			maxAge: func(r *rand.Rand) time.Duration {
				return 90*time.Minute + time.Duration(r.Float64()*float64(40*time.Minute))
			},
			survival: func(d time.Duration) float64 { return min(1, max(0, float64(hi-d)/float64(hi-lo))) }}
		sum := summary.NewSummarizer(s, "independent world", nil)
		for k := range s.Trials() {
			first := 2 * s.Size * k
			w.phase(sum, first, s.Size, s.Due(first), s.HandlerTime(0))
			w.phase(sum, first+s.Size, s.Size, s.Due(first+s.Size), s.HandlerTime(0))
		}
		wide, note := sum.IdleSurvival(3.29)
		assert.Check(t, note == "", note)
		got := sum.Summary().Idle()
		for g, gap := range gaps {
			want := w.survival(gap)
			var pt summary.IdlePoint
			for _, p := range got.Points {
				if p.GapMinutes == gap.Minutes() {
					pt = p
				}
			}
			if !assert.Check(t, pt.IdleSurvival != nil && wide[g] != nil, "seed %d, gap %v", seed, gap) {
				continue
			}
			pairs++
			if pt.IdleSurvival.Low <= want && want <= pt.IdleSurvival.High {
				in95++
			}
			if want < pt.Low || want > pt.High {
				rawMissed++
			}
			assert.Check(t, wide[g].Low-1e-3 <= want && want <= wide[g].High+1e-3, "seed %d, gap %v: %+v (99.9%%), true %.3f, raw %v",
				seed, gap, *wide[g], want, pt.P)
		}
	}
	t.Logf("independent world: true idle survival inside the 95%% interval at %d of %d gaps; the raw curve misses it at %d", in95, pairs, rawMissed)
	assert.Check(t, float64(in95) >= 0.9*float64(pairs), "inside the 95%% interval at %d of %d", in95, pairs)
	assert.Check(t, rawMissed > pairs/2, "the world must mix age retirement in: the raw curve missed only %d of %d", rawMissed, pairs)
}
