package lambdalogs

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
	"testing"
	"time"

	"github.com/lambda-reuse/lambda-reuse/internal/testenv"
	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// A world the reader did not write: its own event loop and random numbers
// (no simulator, no schedule draws), environments placed most or least
// recently used, diurnal Poisson traffic, calls that fail and reset their
// environment, environments warm from before the window. It writes the
// logs Lambda would, and keeps the truth.

type worldEnv struct {
	stream    string
	created   float64 // s
	lastDone  float64
	maxLife   float64
	idleLimit float64
	calls     int
	gen       int  // generations that served in the window
	needInit  bool // its next call runs init (new, or reset)
	before    bool // warm from before the window
	served    bool
}

type worldCall struct {
	env          *worldEnv
	arrive       float64 // s
	initMS, durM float64 // ms
	failed       bool
	errType      string
	req          string
	reset        bool // it ran a reset's init
}

type worldTruth struct {
	envs, calls, failures, resets, leftCensored int
	median                                      float64
}

type world struct {
	rng   *rand.Rand
	calls []worldCall
	envs  []*worldEnv
	truth worldTruth
}

// newWorld runs hours of traffic at about rate calls a second (a day's
// cycle between 0.2 and 1.8 times it), placing calls mru or lru.
func newWorld(seed uint64, hours, rate float64, lru bool) *world {
	w := &world{rng: rand.New(rand.NewPCG(seed, 0xfeed))}
	hex := func() string {
		return fmt.Sprintf("%016x%016x", w.rng.Uint64(), w.rng.Uint64())
	}
	newEnv := func(at float64, before bool) *worldEnv {
		e := &worldEnv{stream: "2026/03/02/[$LATEST]" + hex(), created: at, lastDone: at, maxLife: 5400 + 3600*w.rng.Float64(),
			idleLimit: 300 + 600*w.rng.Float64(), needInit: !before, before: before}
		w.envs = append(w.envs, e)
		return e
	}
	var idle []*worldEnv
	for range 6 {
		e := newEnv(-w.rng.Float64()*1800, true)
		e.lastDone = -w.rng.Float64() * 60
		idle = append(idle, e)
	}
	type busy struct {
		env *worldEnv
		end float64
	}
	var running []busy
	end := hours * 3600
	peak := rate * 1.8
	for t := 0.0; ; {
		t += w.rng.ExpFloat64() / peak
		if t >= end {
			break
		}
		if w.rng.Float64() > (1+0.8*math.Sin(2*math.Pi*t/86400))/1.8 {
			continue // thinning: the diurnal rate
		}
		// Environments whose calls ended become idle.
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
		// Idle ones past their idle limit or their life are gone.
		alive := idle[:0]
		for _, e := range idle {
			if t-e.lastDone < e.idleLimit && t-e.created < e.maxLife {
				alive = append(alive, e)
			}
		}
		idle = alive
		var env *worldEnv
		if len(idle) > 0 {
			pick := 0
			for i, e := range idle {
				if (lru && e.lastDone < idle[pick].lastDone) || (!lru && e.lastDone > idle[pick].lastDone) {
					pick = i
				}
			}
			env = idle[pick]
			idle = slices.Delete(idle, pick, pick+1)
		} else {
			env = newEnv(t, false)
		}
		c := worldCall{env: env, arrive: t, durM: 20 + w.rng.ExpFloat64()*180, req: fmt.Sprintf("%08x-%04x-4%03x-a%03x-%012x", w.rng.Uint32(), w.rng.Uint32()&0xffff,
			w.rng.Uint32()&0xfff, w.rng.Uint32()&0xfff, w.rng.Uint64()&0xffffffffffff)}
		if env.needInit {
			c.initMS = 150 + w.rng.Float64()*400
			c.reset = env.served
			env.needInit = false
		}
		if !env.served || c.reset {
			env.gen++
		}
		if w.rng.Float64() < 0.01 {
			c.failed = true
			c.errType = []string{"Runtime.ExitError", "Runtime.OutOfMemory", "Sandbox.Timedout"}[w.rng.IntN(3)]
			env.needInit = true // Lambda resets it
		}
		env.served = true
		env.calls++
		// Round the call's times to what logs can say (a REPORT's Duration
		// to 0.01 ms), so the truth is what the logs hold.
		c.durM = math.Round(c.durM*100) / 100
		c.initMS = math.Round(c.initMS*100) / 100
		w.calls = append(w.calls, c)
		running = append(running, busy{env: env, end: t + (c.initMS+c.durM)/1000})
	}
	var per []float64
	for _, e := range w.envs {
		if e.calls == 0 {
			continue
		}
		w.truth.envs++
		per = append(per, float64(e.calls))
		w.truth.resets += e.gen - 1
		if e.before {
			w.truth.leftCensored++
		}
	}
	// The median by hand, not by the summary's own percentile function.
	slices.Sort(per)
	if n := len(per); n%2 == 1 {
		w.truth.median = per[n/2]
	} else if n > 0 {
		w.truth.median = (per[n/2-1] + per[n/2]) / 2
	}
	w.truth.calls = len(w.calls)
	for _, c := range w.calls {
		if c.failed {
			w.truth.failures++
		}
	}
	return w
}

// logStyle is how a world's logs are written.
type logStyle struct {
	json, reportOnly, streamOrder, duplicates, oldFailures, lines bool
}

func (s logStyle) String() string {
	return fmt.Sprintf("json=%v report-only=%v stream-order=%v duplicates=%v old-failures=%v json-lines=%v", s.json, s.reportOnly, s.streamOrder, s.duplicates, s.oldFailures, s.lines)
}

type worldEvent struct {
	LogStreamName string `json:"logStreamName"`
	Timestamp     int64  `json:"timestamp"`
	Message       string `json:"message"`
	IngestionTime int64  `json:"ingestionTime"`
	EventID       string `json:"eventId"`
	order         int
}

// write writes the world's logs in style to a file in dir.
func (w *world) write(t *testing.T, dir string, style logStyle) string {
	t0 := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC).UnixMilli()
	var evs []worldEvent
	add := func(stream string, atMS float64, msg string) {
		ms := t0 + int64(math.Floor(atMS))
		evs = append(evs, worldEvent{LogStreamName: stream, Timestamp: ms, Message: msg, IngestionTime: ms + 300,
			EventID: fmt.Sprintf("%056d", len(evs)+1), order: len(evs)})
	}
	for _, c := range w.calls {
		s := c.env.stream
		arrive := c.arrive * 1000
		startMS := arrive + c.initMS
		endMS := startMS + c.durM
		status := "success"
		if c.failed {
			status = "error"
			if c.errType == "Sandbox.Timedout" {
				status = "timeout"
			}
		}
		if style.json {
			if !style.reportOnly {
				if c.initMS > 0 {
					phase := "init"
					if c.reset {
						phase = "invoke"
					}
					add(s, arrive, fmt.Sprintf(`{"time":"x","type":"platform.initStart","record":{"initializationType":"on-demand","phase":%q,"runtimeVersion":"python:3.12.v40","functionName":"shop","functionVersion":"$LATEST"}}`, phase))
				}
				add(s, startMS, fmt.Sprintf(`{"time":"x","type":"platform.start","record":{"requestId":%q,"version":"$LATEST"}}`, c.req))
				add(s, startMS+1, `{"timestamp":"x","level":"INFO","message":"handled"}`)
			}
			metrics := fmt.Sprintf(`"durationMs":%.2f,"billedDurationMs":%d,"memorySizeMB":512,"maxMemoryUsedMB":%d`, c.durM, int(math.Ceil(c.durM)), 80+c.env.calls%50)
			if c.initMS > 0 {
				metrics += fmt.Sprintf(`,"initDurationMs":%.2f`, c.initMS)
			}
			errType := ""
			if c.failed {
				errType = fmt.Sprintf(`,"errorType":%q`, c.errType)
			}
			add(s, endMS, fmt.Sprintf(`{"time":"x","type":"platform.report","record":{"requestId":%q,"status":%q%s,"metrics":{%s}}}`, c.req, status, errType, metrics))
			continue
		}
		if !style.reportOnly {
			if c.initMS > 0 {
				add(s, arrive, "INIT_START Runtime Version: python:3.12.v40\tRuntime Version ARN: arn:aws:lambda:eu-west-1::runtime:0123\n")
			}
			add(s, startMS, fmt.Sprintf("START RequestId: %s Version: $LATEST\n", c.req))
			add(s, startMS+1, "[INFO]\t2026-03-02T00:00:00.000Z\thandled the order\n")
			if c.failed && style.oldFailures {
				if status == "timeout" {
					add(s, endMS, fmt.Sprintf("2026-03-02T00:00:00.000Z %s Task timed out after %.2f seconds\n", c.req, c.durM/1000))
				} else {
					add(s, endMS, fmt.Sprintf("RequestId: %s Error: Runtime exited with error: signal: killed\n%s\n", c.req, c.errType))
				}
			}
			add(s, endMS, fmt.Sprintf("END RequestId: %s\n", c.req))
		}
		line := fmt.Sprintf("REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %d ms\tMemory Size: 512 MB\tMax Memory Used: %d MB\t", c.req, c.durM, int(math.Ceil(c.durM)), 80+c.env.calls%50)
		if c.initMS > 0 {
			line += fmt.Sprintf("Init Duration: %.2f ms\t", c.initMS)
		}
		if c.failed && !style.oldFailures {
			line += "Status: " + status + "\t"
			if status == "error" {
				line += "Error Type: " + c.errType + "\t"
			}
		}
		add(s, endMS, line+"\n")
	}
	if style.duplicates {
		for i := range len(evs) / 50 {
			evs = append(evs, evs[i*37%len(evs)])
		}
	}
	if style.streamOrder {
		slices.SortStableFunc(evs, func(a, b worldEvent) int { return cmp.Compare(a.LogStreamName, b.LogStreamName) })
	} else {
		slices.SortStableFunc(evs, func(a, b worldEvent) int {
			return cmp.Or(cmp.Compare(a.Timestamp, b.Timestamp), cmp.Compare(a.order, b.order))
		})
	}
	path := filepath.Join(dir, fmt.Sprintf("export-%d.json", len(style.String())^int(w.rng.Uint32())))
	f, err := os.Create(path)
	assert.NilError(t, err)
	bw := bufio.NewWriter(f)
	if style.lines {
		enc := json.NewEncoder(bw)
		for _, e := range evs {
			assert.NilError(t, enc.Encode(e))
		}
	} else {
		b, err := json.MarshalIndent(struct {
			Events             []worldEvent `json:"events"`
			SearchedLogStreams []any        `json:"searchedLogStreams"`
		}{evs, []any{}}, "", "    ")
		assert.NilError(t, err)
		bw.Write(b)
	}
	assert.NilError(t, bw.Flush())
	assert.NilError(t, f.Close())
	return path
}

// summarize reads an export and summarizes it as reusereport does.
func summarize(t *testing.T, path string, opts Options) (summary.Summary, *Calls) {
	t.Helper()
	c, err := Read(path, opts)
	assert.NilError(t, err)
	t.Cleanup(func() { c.Close() })
	sum, err := c.Summarize(filepath.Join(t.TempDir(), "trace.csv"))
	assert.NilError(t, err)
	return sum, c
}

func TestSummaryOfAWorldTheCodeDidNotWrite(t *testing.T) {
	styles := []logStyle{
		{}, {reportOnly: true}, {streamOrder: true, duplicates: true}, {oldFailures: true, lines: true},
		{json: true}, {json: true, reportOnly: true, streamOrder: true}, {json: true, duplicates: true, lines: true},
	}
	for _, lru := range []bool{false, true} {
		w := newWorld(uint64(7+b2i(lru)), 4, 1, lru)
		tr := w.truth
		t.Logf("lru=%v truth: %+v", lru, tr)
		assert.Assert(t, tr.resets > 5 && tr.leftCensored > 0 && tr.envs > 10, "the world has resets, warm environments and many environments")
		for _, style := range styles {
			t.Run(fmt.Sprintf("lru=%v %s", lru, style), func(t *testing.T) {
				got, c := summarize(t, w.write(t, t.TempDir(), style), Options{Chunk: 1 << 14})
				assert.Check(t, is.Equal(got.Instances.Count, tr.envs), "environments")
				assert.Check(t, is.Equal(got.Requests.Total, int64(tr.calls)), "calls")
				assert.Check(t, is.Equal(got.Reuse.Median, tr.median), "median calls per environment")
				assert.Check(t, is.Equal(got.Requests.Failed, int64(tr.failures)), "failures")
				assert.Check(t, is.Equal(got.Instances.Resets, tr.resets), "resets")
				assert.Check(t, is.Equal(got.Instances.LeftCensored, tr.leftCensored), "left-censored")
				assert.Check(t, is.Equal(got.Instances.ColdStarts, tr.envs-tr.leftCensored), "cold starts: the resets are none")
				var byType int64
				for _, n := range got.Requests.ByError {
					byType += n
				}
				assert.Check(t, is.Equal(byType, int64(tr.failures)), "every failure has its type")
				assert.Check(t, got.Trace() != nil, "the trace section")
				if got.Trace() != nil {
					assert.Check(t, is.Equal(got.Trace().ColdCalls, int64(tr.envs-tr.leftCensored)), "cold calls by hour: resets are not cold starts")
				}
				if style.duplicates {
					assert.Check(t, c.Logs().Skipped[reasonDuplicate] > 0)
				}
			})
		}
	}
}

// TestRecordsCarryTheWorldsCalls checks call by call: each record's
// environment, failure and reset against the world's.
func TestRecordsCarryTheWorldsCalls(t *testing.T) {
	w := newWorld(11, 2, 1, false)
	c, recs := readAll(t, w.write(t, t.TempDir(), logStyle{}), Options{Names: true})
	_ = c
	assert.Assert(t, is.Len(recs, len(w.calls)))
	calls := slices.Clone(w.calls)
	slices.SortStableFunc(calls, func(a, b worldCall) int { return cmp.Compare(a.arrive, b.arrive) })
	for i, r := range recs {
		want := calls[i]
		assert.Check(t, is.Equal(r.LogStream, want.env.stream), "call %d", i)
		assert.Check(t, is.Equal(r.Status != record.StatusOK, want.failed), "call %d", i)
		assert.Check(t, is.Equal(r.InitMS, want.initMS), "call %d", i)
		// The call began when it arrived (its init's start, if it ran one),
		// to the millisecond the logs keep.
		got, exact := r.Sent.UnixMicro(), time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC).UnixMicro()+int64(math.Round(want.arrive*1e6))
		assert.Check(t, got-exact <= 1000 && exact-got <= 1000, "call %d: began %v, arrived %v", i, got, exact)
	}
}

// TestWriteTheExampleExport writes testdata/logs/example-export.json, the
// export docs/your-function.md walks through: three hours of a world the
// reader did not write, REPORT-only, as `aws logs filter-log-events
// --filter-pattern REPORT` prints it (compacted). Run with
// LAMBDALOGS_EXAMPLE=1 to write it again.
func TestWriteTheExampleExport(t *testing.T) {
	if os.Getenv("LAMBDALOGS_EXAMPLE") == "" {
		t.Skip("LAMBDALOGS_EXAMPLE is not set: the example export is not written again")
	}
	w := newWorld(2026, 3, 0.15, false)
	t.Logf("truth: %+v", w.truth)
	path := w.write(t, t.TempDir(), logStyle{reportOnly: true})
	b, err := os.ReadFile(path)
	assert.NilError(t, err)
	// Compact, as `jq -c` leaves it: a smaller file of the same events.
	var export any
	assert.NilError(t, json.Unmarshal(b, &export))
	b, err = json.Marshal(export)
	assert.NilError(t, err)
	b = append(b, '\n')
	out := testenv.Testdata(t, "logs", "example-export.json")
	assert.NilError(t, os.MkdirAll(filepath.Dir(out), 0o755))
	assert.NilError(t, os.WriteFile(out, b, 0o644))
}
