package fit

import (
	"bufio"
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lambda-reuse/lambda-reuse/internal/testenv"
	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdalogs"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// A world of leaking and flat functions that neither the summary nor the
// fit wrote: its own event loop and random numbers (no simulator, no
// schedule), Poisson calls placed on the most recently used idle
// environment, environments that idle out or reach their age, some warm
// from before the window. A runtime generation (init or reset to the next
// reset or retirement) starts from its own memory and, where its
// function leaks, grows by its own amount each call. A call whose peak (the
// generation's memory, the call's growth and a passing 0 to 2 MB) would
// pass the memory size fails with Runtime.OutOfMemory, its REPORT saying
// the size as used; Lambda resets the environment, and its next call runs
// init in the same stream: a new generation. A REPORT's Max Memory Used is
// the most any call of the generation used so far. It writes the REPORT
// lines Lambda would (text or JSON format) and keeps the truth.

type memWorldOptions struct {
	hours, rate    float64
	sizeMB         int
	leakyShare     float64 // the share of environments whose function leaks: a mix below 1
	leakLo, leakHi float64 // a leaky generation's growth per call, MB: uniform
}

type mwEnv struct {
	stream              string
	leaky               bool
	created, lastDone   float64 // s
	maxLife, idleLimit  float64
	gen                 *mwGen
	needInit, served    bool
	calls               int
	fromBeforeTheWindow bool
}

type mwGen struct {
	leaky       bool
	leak, start float64 // MB a call, MB after init
	mem         float64
	high        int // the most MB a call of it used so far: what its REPORTs say
	calls       int
	seen        bool // its start is in the window
	oom         bool
}

type mwCall struct {
	env           *mwEnv
	at            float64 // s
	initMS, durMS float64
	usedMB        int
	oom           bool
	req           string
}

type memWorld struct {
	opts  memWorldOptions
	rng   *rand.Rand
	envs  []*mwEnv
	gens  []*mwGen
	calls []mwCall
}

func newMemWorld(seed uint64, opts memWorldOptions) *memWorld {
	w := &memWorld{opts: opts, rng: rand.New(rand.NewPCG(seed, 0x1eaf))}
	hex := func() string { return fmt.Sprintf("%016x%016x", w.rng.Uint64(), w.rng.Uint64()) }
	newGen := func(leaky bool) *mwGen {
		g := &mwGen{leaky: leaky, start: 60 + 30*w.rng.Float64(), seen: true}
		if leaky {
			g.leak = opts.leakLo + (opts.leakHi-opts.leakLo)*w.rng.Float64()
		}
		g.mem = g.start
		w.gens = append(w.gens, g)
		return g
	}
	newEnv := func(at float64) *mwEnv {
		e := &mwEnv{stream: "2026/03/02/[$LATEST]" + hex(), leaky: w.rng.Float64() < opts.leakyShare, created: at, lastDone: at,
			maxLife: 7200 + 7200*w.rng.Float64(), idleLimit: 300 + 600*w.rng.Float64(), needInit: true}
		w.envs = append(w.envs, e)
		return e
	}
	var idle []*mwEnv
	// Two environments warm from before the window, their generations
	// grown already: their starts are not in the logs.
	for range 2 {
		e := newEnv(-1800 * w.rng.Float64())
		e.fromBeforeTheWindow, e.needInit, e.lastDone = true, false, -30*w.rng.Float64()
		e.gen = newGen(e.leaky)
		e.gen.seen = false
		if e.leaky { // grown by up to 80% of the way to the limit
			e.gen.mem += 0.8 * w.rng.Float64() * (float64(opts.sizeMB) - e.gen.start)
		}
		idle = append(idle, e)
	}
	type busy struct {
		env *mwEnv
		end float64
	}
	var running []busy
	end := opts.hours * 3600
	for t := 0.0; ; {
		t += w.rng.ExpFloat64() / opts.rate
		if t >= end {
			break
		}
		keep := running[:0]
		for _, b := range running {
			if b.end <= t {
				b.env.lastDone = b.end
				idle = append(idle, b.env)
			} else {
				keep = append(keep, b)
			}
		}
		running = keep
		alive := idle[:0]
		for _, e := range idle {
			if t-e.lastDone < e.idleLimit && t-e.created < e.maxLife {
				alive = append(alive, e)
			}
		}
		idle = alive
		var env *mwEnv
		if len(idle) > 0 {
			pick := 0
			for i, e := range idle {
				if e.lastDone > idle[pick].lastDone {
					pick = i
				}
			}
			env = idle[pick]
			idle = slices.Delete(idle, pick, pick+1)
		} else {
			env = newEnv(t)
		}
		c := mwCall{env: env, at: t, durMS: math.Round((100+500*w.rng.Float64())*100) / 100,
			req: fmt.Sprintf("%08x-%04x-4%03x-a%03x-%012x", w.rng.Uint32(), w.rng.Uint32()&0xffff, w.rng.Uint32()&0xfff, w.rng.Uint32()&0xfff, w.rng.Uint64()&0xffffffffffff)}
		if env.needInit {
			c.initMS = math.Round((150+400*w.rng.Float64())*100) / 100
			env.gen = newGen(env.leaky)
			env.needInit = false
		}
		g := env.gen
		peak := g.mem + g.leak + 2*w.rng.Float64()
		if peak > float64(opts.sizeMB) {
			c.oom, c.usedMB = true, opts.sizeMB
			g.oom, env.needInit = true, true
		} else {
			// Max Memory Used is the most any call of the environment
			// used so far (docs/sources.md [S15]); a reset's new process
			// starts it again (an assumption: not documented).
			g.mem += g.leak
			g.high = max(g.high, int(math.Ceil(peak)))
			c.usedMB = g.high
		}
		g.calls++
		env.calls++
		env.served = true
		w.calls = append(w.calls, c)
		running = append(running, busy{env: env, end: t + (c.initMS+c.durMS)/1000})
	}
	return w
}

// memTruth is what the world knows of its generations that served
// summary.MinCallsForGrowth calls or more.
type memTruth struct {
	oom                 int
	measured, leaky     int
	growthMedian        float64 // of the leaky measured generations
	startMedian         float64 // of the measured generations whose start is in the window
	callsToLimitMedian  float64 // of the leaky measured generations whose start is in the window
	flatShareOfMeasured float64
	// reached is the share of the measured generations whose start is in
	// the window that ran out of memory: a lower bound of the share that
	// reaches the limit before it ends (others were cut short by the
	// window's end, or retired, and some of those would have).
	reached float64
}

func mwMedian(xs []float64) float64 {
	xs = slices.Clone(xs)
	slices.Sort(xs)
	n := len(xs)
	if n == 0 {
		return math.NaN()
	}
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}

func (w *memWorld) truth() memTruth {
	var t memTruth
	var growth, start, limit []float64
	for _, c := range w.calls {
		if c.oom {
			t.oom++
		}
	}
	seen, reached := 0, 0
	for _, g := range w.gens {
		if g.calls < summary.MinCallsForGrowth {
			continue
		}
		t.measured++
		if g.seen {
			start = append(start, g.start)
			seen++
			if g.oom {
				reached++
			}
		}
		if g.leaky {
			t.leaky++
			growth = append(growth, g.leak)
			if g.seen {
				limit = append(limit, (float64(w.opts.sizeMB)-g.start)/g.leak)
			}
		}
	}
	t.growthMedian, t.startMedian, t.callsToLimitMedian = mwMedian(growth), mwMedian(start), mwMedian(limit)
	t.flatShareOfMeasured = float64(t.measured-t.leaky) / float64(t.measured)
	t.reached = float64(reached) / float64(seen)
	return t
}

type mwEvent struct {
	LogStreamName string `json:"logStreamName"`
	Timestamp     int64  `json:"timestamp"`
	Message       string `json:"message"`
	IngestionTime int64  `json:"ingestionTime"`
	EventID       string `json:"eventId"`
}

// write writes the world's REPORT events, in time order, as `aws logs
// filter-log-events --filter-pattern REPORT` prints them, in text or JSON
// log format, to a file in dir.
func (w *memWorld) write(t testing.TB, dir string, jsonFormat bool) string {
	t0 := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC).UnixMilli()
	var evs []mwEvent
	for _, c := range w.calls {
		endMS := t0 + int64(math.Floor(c.at*1000+c.initMS+c.durMS))
		var msg string
		if jsonFormat {
			status, errType := "success", ""
			if c.oom {
				status, errType = "error", `,"errorType":"Runtime.OutOfMemory"`
			}
			metrics := fmt.Sprintf(`"durationMs":%.2f,"billedDurationMs":%d,"memorySizeMB":%d,"maxMemoryUsedMB":%d`, c.durMS, int(math.Ceil(c.durMS)), w.opts.sizeMB, c.usedMB)
			if c.initMS > 0 {
				metrics += fmt.Sprintf(`,"initDurationMs":%.2f`, c.initMS)
			}
			msg = fmt.Sprintf(`{"time":"x","type":"platform.report","record":{"requestId":%q,"status":%q%s,"metrics":{%s}}}`, c.req, status, errType, metrics)
		} else {
			msg = fmt.Sprintf("REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %d ms\tMemory Size: %d MB\tMax Memory Used: %d MB\t", c.req, c.durMS, int(math.Ceil(c.durMS)), w.opts.sizeMB, c.usedMB)
			if c.initMS > 0 {
				msg += fmt.Sprintf("Init Duration: %.2f ms\t", c.initMS)
			}
			if c.oom {
				msg += "Status: error\tError Type: Runtime.OutOfMemory\t"
			}
			msg += "\n"
		}
		evs = append(evs, mwEvent{LogStreamName: c.env.stream, Timestamp: endMS, Message: msg, IngestionTime: endMS + 300, EventID: fmt.Sprintf("%056d", len(evs)+1)})
	}
	slices.SortStableFunc(evs, func(a, b mwEvent) int { return cmp.Compare(a.Timestamp, b.Timestamp) })
	path := filepath.Join(dir, fmt.Sprintf("memory-export-%v.json", jsonFormat))
	f, err := os.Create(path)
	assert.NilError(t, err)
	bw := bufio.NewWriter(f)
	b, err := json.Marshal(struct {
		Events             []mwEvent `json:"events"`
		SearchedLogStreams []any     `json:"searchedLogStreams"`
	}{evs, []any{}})
	assert.NilError(t, err)
	bw.Write(append(b, '\n'))
	assert.NilError(t, bw.Flush())
	assert.NilError(t, f.Close())
	return path
}

// readExport reads an export into a Fitter, as reusereport -fit does.
func readExport(t *testing.T, path string) *Fitter {
	t.Helper()
	calls, err := lambdalogs.Read(path, lambdalogs.Options{})
	assert.NilError(t, err)
	t.Cleanup(func() { calls.Close() })
	sched, err := calls.Schedule(filepath.Join(t.TempDir(), "trace.csv"))
	assert.NilError(t, err)
	f := NewFitter(summary.NewSummarizer(sched, calls.Target(), nil), sched, nil)
	assert.NilError(t, calls.Replay(f.Add))
	return f
}

func near(got, want, tol float64) bool { return math.Abs(got/want-1) <= tol }

// TestMemoryOfALeakingWorld: the logs of a world whose every function
// leaks 0.15 to 0.25 MB a call, read, summarized and fitted: every
// out-of-memory failure counted, every generation of 100 calls or more
// found to grow, the median growth per call, starting memory and calls to
// the limit within 10% of the world's, and the fitted profile's memory
// part saying the same; in text and JSON log formats.
func TestMemoryOfALeakingWorld(t *testing.T) {
	w := newMemWorld(34, memWorldOptions{hours: 8, rate: 2, sizeMB: 512, leakyShare: 1, leakLo: 0.15, leakHi: 0.25})
	tr := w.truth()
	t.Logf("truth: %+v (%d calls, %d environments, %d generations)", tr, len(w.calls), len(w.envs), len(w.gens))
	assert.Assert(t, tr.oom >= 5 && tr.leaky >= 5, "the world runs out of memory, often")
	for _, jsonFormat := range []bool{false, true} {
		t.Run(fmt.Sprintf("json=%v", jsonFormat), func(t *testing.T) {
			f := readExport(t, w.write(t, t.TempDir(), jsonFormat))
			sum := f.Summary()
			m := sum.Memory
			assert.Assert(t, m != nil)
			t.Logf("memory part: %+v growth %+v start %+v limit %+v reach %v", *m, *m.GrowthMBPerCall, *m.StartMB, *m.CallsToLimit, *m.ReachLimitShare)
			assert.Check(t, is.Equal(m.OutOfMemory, int64(tr.oom)), "every out-of-memory failure")
			assert.Check(t, is.Equal(sum.Requests.ByError[summary.OutOfMemory], int64(tr.oom)))
			assert.Check(t, is.Equal(sum.Instances.Resets, tr.oom), "each failure reset its environment")
			assert.Check(t, is.Equal(m.Measured, tr.measured))
			assert.Check(t, is.Equal(m.Growing, tr.leaky), "every leaking generation of 100 calls or more grows")
			assert.Check(t, is.Equal(m.SizeMB, 512))
			assert.Check(t, near(m.GrowthMBPerCall.Median, tr.growthMedian, 0.10), "growth per call %v, truth %v", m.GrowthMBPerCall.Median, tr.growthMedian)
			assert.Check(t, near(m.CallsToLimit.Median, tr.callsToLimitMedian, 0.10), "calls to the limit %v, truth %v", m.CallsToLimit.Median, tr.callsToLimitMedian)
			assert.Check(t, near(m.StartMB.Median, tr.startMedian, 0.10), "start %v, truth %v", m.StartMB.Median, tr.startMedian)
			assert.Check(t, !strings.Contains(m.Answer(), "only"), "no mix: %s", m.Answer())
			assert.Check(t, *m.ReachLimitShare >= tr.reached && *m.ReachLimitShare <= 1, "expected to reach the limit: %v; %v of generations did", *m.ReachLimitShare, tr.reached)

			mf := fitMemory(sum, f.sum.MemoryGenerations(), "the world")
			assert.Assert(t, mf.mem != nil, mf.why)
			assert.Check(t, is.Equal(mf.mem.SizeMB, 512))
			g, s := mf.mem.GrowthMBPerCall.Quantile(0.5), mf.mem.StartMB.Quantile(0.5)
			assert.Check(t, near(g, tr.growthMedian, 0.10), "fitted growth per call %v, truth %v", g, tr.growthMedian)
			assert.Check(t, near(s, tr.startMedian, 0.10), "fitted start %v, truth %v", s, tr.startMedian)
		})
	}
}

// TestMemoryOfAMixedWorld: half the environments run a function that
// leaks, half one that does not, in one window. The summary's growth is
// the leaking generations' (never a slope between the two that is true of
// neither), and it says that only some generations grow; the fitted
// growth keeps the mix: a flat share at 0, the rest at the leak.
func TestMemoryOfAMixedWorld(t *testing.T) {
	w := newMemWorld(35, memWorldOptions{hours: 8, rate: 3, sizeMB: 512, leakyShare: 0.5, leakLo: 0.08, leakHi: 0.12})
	tr := w.truth()
	t.Logf("truth: %+v (%d calls, %d environments, %d generations)", tr, len(w.calls), len(w.envs), len(w.gens))
	assert.Assert(t, tr.leaky >= 3 && tr.measured-tr.leaky >= 3, "both kinds of generation, measured")
	f := readExport(t, w.write(t, t.TempDir(), false))
	sum := f.Summary()
	m := sum.Memory
	assert.Assert(t, m != nil && m.GrowthMBPerCall != nil)
	t.Logf("memory part: %d of %d grow; growth %+v; %s", m.Growing, m.Measured, *m.GrowthMBPerCall, m.Answer())
	assert.Check(t, is.Equal(m.OutOfMemory, int64(tr.oom)))
	assert.Check(t, is.Equal(m.Measured, tr.measured))
	assert.Check(t, is.Equal(m.Growing, tr.leaky), "the leaking generations grow, the flat ones do not")
	assert.Check(t, near(m.GrowthMBPerCall.Median, tr.growthMedian, 0.10), "growth per call %v: the leak's %v, not a blend", m.GrowthMBPerCall.Median, tr.growthMedian)
	assert.Check(t, is.Contains(m.Answer(), fmt.Sprintf("only %d of the %d generations of 100 calls or more grow", tr.leaky, tr.measured)), "the mix is said: %s", m.Answer())

	mf := fitMemory(sum, f.sum.MemoryGenerations(), "the world")
	assert.Assert(t, mf.mem != nil, mf.why)
	flat := tr.flatShareOfMeasured
	assert.Check(t, mf.mem.GrowthMBPerCall.Quantile(flat/2) < 0.01, "the flat share draws no growth: %v at %v", mf.mem.GrowthMBPerCall.Quantile(flat/2), flat/2)
	leak := mf.mem.GrowthMBPerCall.Quantile(flat + (1-flat)/2)
	assert.Check(t, near(leak, tr.growthMedian, 0.10), "the leaking share draws the leak: %v, truth %v", leak, tr.growthMedian)
	assert.Check(t, is.Contains(mf.params[2].Basis, "a mix, kept as one"))
}

// TestFitWritesTheMemoryPart: -fit of a leaking world's logs writes a
// profile whose memory part reads back, sourced, and is simulated (no
// not-modelled note).
func TestFitWritesTheMemoryPart(t *testing.T) {
	w := newMemWorld(36, memWorldOptions{hours: 3, rate: 2, sizeMB: 1024, leakyShare: 1, leakLo: 0.3, leakHi: 0.4})
	f := readExport(t, w.write(t, t.TempDir(), false))
	res, err := f.Fit(t.Context(), Options{From: "world.json", NoCallerTime: true, Seeds: 1})
	assert.NilError(t, err)
	assert.Assert(t, res.Profile.Memory != nil)
	assert.Check(t, is.Equal(res.Profile.Memory.SizeMB, 1024))
	assert.Check(t, is.Equal(res.Fitted["memory.growth_mb_per_call"] != "", true))
	assert.Check(t, is.Contains(string(res.File), `"growth_mb_per_call"`))
	assert.Check(t, is.Contains(string(res.File), "fitted to world.json: each runtime generation's growth per call"))
	assert.Check(t, is.Len(res.Profile.NotModelled(), 0))
}

// TestWriteTheLeakExport writes testdata/logs/leak-export.json, the export
// docs/globals.md walks through: two hours of a world whose function
// leaks 0.4 to 0.6 MB a call at 512 MB, REPORT-only. Run with
// LAMBDALOGS_EXAMPLE=1 to write it again.
func TestWriteTheLeakExport(t *testing.T) {
	if os.Getenv("LAMBDALOGS_EXAMPLE") == "" {
		t.Skip("LAMBDALOGS_EXAMPLE is not set: the example export is not written again")
	}
	w := newMemWorld(2026, memWorldOptions{hours: 2, rate: 0.6, sizeMB: 512, leakyShare: 1, leakLo: 0.4, leakHi: 0.6})
	t.Logf("truth: %+v (%d calls, %d environments, %d generations)", w.truth(), len(w.calls), len(w.envs), len(w.gens))
	path := w.write(t, t.TempDir(), false)
	b, err := os.ReadFile(path)
	assert.NilError(t, err)
	assert.NilError(t, os.WriteFile(testenv.Testdata(t, "logs", "leak-export.json"), b, 0o644))
}
