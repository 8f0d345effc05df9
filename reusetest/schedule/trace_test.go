package schedule

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lambda-reuse/lambda-reuse/internal/testenv"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// exampleTrace is the path of an example trace: the module's
// testdata/traces, where the docs point users and the trace experiment
// finds its default, so these tests read the very files users start from.
func exampleTrace(t testing.TB, name string) string {
	t.Helper()
	return testenv.Testdata(t, "traces", name)
}

func writeTrace(t testing.TB, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	assert.NilError(t, os.WriteFile(path, []byte(content), 0o644))
	return path
}

// dues reads every call's due time in order, checking order as it goes.
func dues(t *testing.T, tr *Trace) []time.Duration {
	t.Helper()
	out := make([]time.Duration, tr.Plan().Calls)
	for i := range out {
		out[i] = tr.Due(int64(i))
		if i > 0 && out[i] < out[i-1] {
			t.Fatalf("call %d due %v before call %d's %v", i, out[i], i-1, out[i-1])
		}
	}
	return out
}

// TestExampleTraces: each example file opens, replays every call of it in
// order, and the counts traces place each call in its own minute.
func TestExampleTraces(t *testing.T) {
	for _, tc := range []struct {
		file  string
		calls int64
	}{
		{"timestamps.csv", 6923}, {"timestamps.jsonl", 1500},
		{"counts-per-minute.csv", 13372}, {"azure-2019-shape.csv", 13372}, {"counts-per-minute.jsonl", -1},
	} {
		tr, err := OpenTrace(exampleTrace(t, tc.file), TraceOptions{HandlerMS: 100})
		assert.NilError(t, err, tc.file)
		if tc.calls > 0 {
			assert.Check(t, is.Equal(tr.Plan().Calls, tc.calls), tc.file)
		}
		d := dues(t, tr)
		assert.Check(t, d[len(d)-1] <= tr.Plan().Duration(), tc.file)
	}
	// The same counts in the long and the wide (Azure 2019) shapes give the
	// same schedule.
	long, err := OpenTrace(exampleTrace(t, "counts-per-minute.csv"), TraceOptions{Seed: 3})
	assert.NilError(t, err)
	wide, err := OpenTrace(exampleTrace(t, "azure-2019-shape.csv"), TraceOptions{Seed: 3})
	assert.NilError(t, err)
	assert.Check(t, is.DeepEqual(dues(t, long), dues(t, wide)))

	// Absolute times: the trace starts at its first line's time; each call
	// carries its duration.
	ts, err := OpenTrace(exampleTrace(t, "timestamps.csv"), TraceOptions{HandlerMS: 100})
	assert.NilError(t, err)
	zero, ok := ts.Zero()
	assert.Check(t, ok && zero.Equal(time.Date(2026, 3, 2, 8, 0, 0, 833486000, time.UTC)), "zero %v", zero)
	assert.Check(t, is.Equal(ts.Due(0), time.Duration(0)))
	assert.Check(t, is.Equal(ts.HandlerTime(0), 63*time.Millisecond))
}

// TestTraceSpreadRules: uniform and even put each interval's exact count
// inside it; poisson draws counts around it; speed and window shape the run.
func TestTraceSpreadRules(t *testing.T) {
	path := writeTrace(t, "c.csv", "minute,count\n0,100\n1,0\n2,50\n")
	for _, spread := range []string{SpreadUniform, SpreadEven} {
		tr, err := OpenTrace(path, TraceOptions{Spread: spread, Seed: 1})
		assert.NilError(t, err)
		assert.Check(t, is.Equal(tr.Plan().Calls, int64(150)))
		d := dues(t, tr)
		for i, due := range d {
			if i < 100 {
				assert.Assert(t, due >= 0 && due < time.Minute, "%s: call %d at %v", spread, i, due)
			} else {
				assert.Assert(t, due >= 2*time.Minute && due < 3*time.Minute, "%s: call %d at %v", spread, i, due)
			}
		}
		if spread == SpreadEven {
			assert.Check(t, is.Equal(d[1]-d[0], 600*time.Millisecond))
		}
	}
	// Poisson: 1,440 intervals of mean 20: the total is within 3% of 28,800.
	var b strings.Builder
	b.WriteString("minute,count\n")
	for m := range 1440 {
		fmt.Fprintf(&b, "%d,20\n", m)
	}
	tr, err := OpenTrace(writeTrace(t, "p.csv", b.String()), TraceOptions{Spread: spreadPoisson, Seed: 5})
	assert.NilError(t, err)
	n := tr.Plan().Calls
	assert.Check(t, n > 27_936 && n < 29_664, "poisson total %d", n)

	// Speed 60 replays the three minutes in three seconds; the window keeps
	// minute 2 alone, starting the run at its start.
	fast, err := OpenTrace(path, TraceOptions{Spread: SpreadEven, Speed: 60})
	assert.NilError(t, err)
	assert.Check(t, is.Equal(fast.Due(100), 2*time.Second+10*time.Millisecond), "(120 s + 0.6 s) / 60")
	win, err := OpenTrace(path, TraceOptions{Spread: SpreadEven, Start: 2 * time.Minute, Length: time.Minute})
	assert.NilError(t, err)
	assert.Check(t, is.Equal(win.Plan().Calls, int64(50)))
	assert.Check(t, is.Equal(win.Due(0), 600*time.Millisecond))
	assert.Check(t, is.Equal(win.Plan().Duration(), time.Minute))
}

// TestTraceReadsOutOfOrder: asking for calls out of order (a resume, a
// report) gives what reading in order gives, across checkpoints.
func TestTraceReadsOutOfOrder(t *testing.T) {
	var b strings.Builder
	b.WriteString("time,duration\n")
	for i := range 3 * checkpointEvery {
		fmt.Fprintf(&b, "%d.%03d,%dms\n", i/10, i%10*100, i%97)
	}
	path := writeTrace(t, "ts.csv", b.String())
	tr, err := OpenTrace(path, TraceOptions{})
	assert.NilError(t, err)
	inOrder := dues(t, tr)
	other := tr.Clone()
	for _, seq := range []int64{2*checkpointEvery + 5, 3, checkpointEvery, 3*checkpointEvery - 1, 0, checkpointEvery - 1} {
		assert.Check(t, is.Equal(other.Due(seq), inOrder[seq]), "seq %d", seq)
		assert.Check(t, is.Equal(other.HandlerTime(seq), time.Duration(seq%97)*time.Millisecond), "seq %d", seq)
	}
}

// TestBadTracesAreNamed: each problem names its line, and nothing opens.
func TestBadTracesAreNamed(t *testing.T) {
	for _, tc := range []struct{ name, content, want string }{
		{"unsorted", "time\n1\n3\n2\n", "line 4: out of order: 2s after 3s"},
		{"negative count", "minute,count\n0,5\n1,-2\n", "line 3: column 2: negative count -2"},
		{"unparseable", "time,duration_ms\n1,20\nsoon,20\n", `line 3: column 1: "soon" is not a time`},
		{"bad duration", "time,duration_ms\n1,twenty\n", `line 2: column 2: "twenty" is not a non-negative number`},
		{"mixed", "time\n2026-01-01T00:00:00Z\n5\n", "line 3: absolute and relative times mixed"},
		{"columns", "time,duration_ms\n1,2,3\n", "line 2: 3 columns, the header has 2"},
		{"no header", "12\n13\n", `line 1: header: want a "time"`},
		{"duplicate interval", "minute,count\n0,1\n0,2\n", "line 3: out of order"},
		{"two functions", "f,1,2\na,1,2\nb,3,4\n", "line 3: a wide counts trace"},
		{"empty", "", "empty"},
		{"nothing in window", "time\n1\n", ""},
	} {
		opts := TraceOptions{}
		if tc.name == "nothing in window" {
			opts.Start, tc.want = time.Hour, "no calls in the window"
		}
		_, err := OpenTrace(writeTrace(t, "bad.csv", tc.content), opts)
		assert.Check(t, is.ErrorContains(err, tc.want), tc.name)
	}
	_, err := OpenTrace(writeTrace(t, "bad.jsonl", "{\"time\": 1}\n{\"time\": 2, \"colour\": 3}\n"), TraceOptions{})
	assert.Check(t, is.ErrorContains(err, "line 2: colour: unknown key"))
	_, err = OpenTrace(exampleTrace(t, "timestamps.csv"), TraceOptions{Spread: "lumpy", Speed: -1})
	assert.Check(t, is.ErrorContains(err, `spread "lumpy"`))
	assert.Check(t, is.ErrorContains(err, "speed must be positive"))
}

// TestTraceSpecRoundTrip: a log's header re-opens the trace it names, and
// refuses it once the file changed.
func TestTraceSpecRoundTrip(t *testing.T) {
	path := writeTrace(t, "c.csv", "minute,count\n0,10\n1,20\n")
	tr, err := OpenTrace(path, TraceOptions{Seed: 9, HandlerMS: 250, Speed: 2})
	assert.NilError(t, err)
	again, err := FromSpec(tr.Spec())
	assert.NilError(t, err)
	assert.Check(t, again.Spec().Same(tr.Spec()))
	assert.Check(t, is.Equal(again.Due(17), tr.Due(17)))
	assert.Check(t, is.Equal(again.HandlerTime(3), 250*time.Millisecond))
	assert.NilError(t, os.WriteFile(path, []byte("minute,count\n0,10\n1,21\n"), 0o644))
	_, err = FromSpec(tr.Spec())
	assert.Check(t, is.ErrorContains(err, "changed since the run began"))
}

// BenchmarkTrace reads a trace's schedule in order: calls per second for a
// counts-per-minute trace and for a file of timestamps (the file is made
// once per run of the benchmark, outside the timing).
func BenchmarkTrace(b *testing.B) {
	dir := b.TempDir()
	var sb strings.Builder
	sb.WriteString("minute,count\n")
	for m := range 1440 {
		fmt.Fprintf(&sb, "%d,%d\n", m, 700)
	}
	counts := filepath.Join(dir, "counts.csv")
	assert.NilError(b, os.WriteFile(counts, []byte(sb.String()), 0o644))
	f, err := os.Create(filepath.Join(dir, "ts.csv"))
	assert.NilError(b, err)
	fmt.Fprintln(f, "time,duration_ms")
	const lines = 1_000_000
	for i := range lines {
		fmt.Fprintf(f, "%d.%06d,%d\n", i/1000, i%1000*1000, 50+i%200)
	}
	assert.NilError(b, f.Close())
	for _, c := range []struct{ name, path string }{{"counts", counts}, {"timestamps", f.Name()}} {
		b.Run(c.name, func(b *testing.B) {
			var calls int64
			for b.Loop() {
				tr, err := OpenTrace(c.path, TraceOptions{HandlerMS: 100})
				if err != nil {
					b.Fatal(err)
				}
				n := tr.Plan().Calls
				for seq := range n {
					tr.Due(seq)
					tr.HandlerTime(seq)
				}
				calls += n
			}
			b.ReportMetric(float64(calls)/b.Elapsed().Seconds(), "calls/s")
		})
	}
}

// TestInModelTime: a served pool at scale 100 sees every schedule's times
// stretched a hundredfold, handler times unchanged.
func TestInModelTime(t *testing.T) {
	tr, err := OpenTrace(exampleTrace(t, "timestamps.csv"), TraceOptions{Speed: 100})
	assert.NilError(t, err)
	idle, err := NewIdle(2, []time.Duration{time.Second}, 2, 200, 1, 0)
	assert.NilError(t, err)
	for _, s := range []Schedule{Steady{Calls: 10, RatePerSec: 100, HandlerMS: 500}, NewPoisson(Plan{Calls: 10, RatePerSec: 100, HandlerMS: 500}, 3),
		Burst{Size: 2, Rounds: 3, Pause: time.Second, HandlerMS: 500}, idle, tr} {
		m, err := InModelTime(s, 100)
		assert.NilError(t, err)
		if i, ok := m.(*Idle); ok { // its due times hold the handler, which is not stretched
			assert.Check(t, is.DeepEqual(i.Gaps, []time.Duration{100 * time.Second}))
			assert.Check(t, is.Equal(i.Settle, 100*defaultSettle))
			continue
		}
		for _, seq := range []int64{1, 3, 5} {
			assert.Check(t, (m.Due(seq)-100*s.Due(seq)).Abs() <= time.Microsecond, "%s seq %d: %v vs 100 x %v", s.Spec().Kind, seq, m.Due(seq), s.Due(seq))
			assert.Check(t, is.Equal(m.HandlerTime(seq), s.HandlerTime(seq)))
		}
		assert.Check(t, is.Equal(m.Plan().Calls, s.Plan().Calls))
	}
}

// TestHostileTracesAreRefusedBeforeAnyCall: counts that sum past int64 or
// past the cap, times past what a trace may span (which would wrap), and
// more intervals than a replay keeps are refused when the trace is
// opened, each naming the line and the limit.
func TestHostileTracesAreRefusedBeforeAnyCall(t *testing.T) {
	for _, tc := range []struct {
		name, content string
		opts          TraceOptions
		want          []string
	}{
		{"counts past int64", "minute,count\n" + func() string {
			var b strings.Builder
			for i := range 12 {
				fmt.Fprintf(&b, "%d,922337203685477579\n", i)
			}
			return b.String()
		}(), TraceOptions{}, []string{"line 2", "more than 100000000 calls", "-reuse.trace.maxcalls"}},
		{"a trillion calls", "minute,count\n0,1000000000000\n", TraceOptions{Spread: spreadPoisson}, []string{"line 2", "the cap"}},
		{"past a raised cap", "minute,count\n0,5\n1,6\n", TraceOptions{MaxCalls: 10}, []string{"line 3", "more than 10 calls"}},
		{"timestamps past the cap", "time\n0\n1\n2\n", TraceOptions{MaxCalls: 2}, []string{"line 4", "more than 2 calls"}},
		{"a minute that would wrap", "minute,count\n307445735,1\n", TraceOptions{}, []string{"line 2", "minute 307445735", "may span"}},
		{"seconds that would wrap", "time\n9223372037\n", TraceOptions{}, []string{"line 2"}},
		{"seconds past the span", "time\n0\n400000000\n", TraceOptions{}, []string{"line 3", "may span"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := OpenTrace(writeTrace(t, "trace.csv", tc.content), tc.opts)
			assert.Assert(t, err != nil)
			for _, w := range tc.want {
				assert.Check(t, is.ErrorContains(err, w))
			}
		})
	}
	t.Run("too many intervals", func(t *testing.T) {
		var b strings.Builder
		b.WriteString("minute,count\n")
		for i := range maxTraceIntervals + 1 {
			b.WriteString(strconv.Itoa(i))
			b.WriteString(",0\n")
		}
		_, err := OpenTrace(writeTrace(t, "trace.csv", b.String()), TraceOptions{})
		assert.Check(t, is.ErrorContains(err, fmt.Sprintf("more than %d intervals", maxTraceIntervals)))
	})
}
