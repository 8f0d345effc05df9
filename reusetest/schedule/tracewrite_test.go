package schedule

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// traceCall is one call a test writes with a TraceWriter.
type traceCall struct {
	start  int64
	d      time.Duration
	tenant string
}

// TestTraceWriterOpensAsOpenTrace: a trace a TraceWriter wrote opens from
// what it wrote exactly as OpenTrace opens the file, call by call, or with
// the same error: good traces of many calls (checkpoints), with tenants
// and without, times at the ends of what a Unix ns time holds, and traces
// OpenTrace refuses (a duration past the probe's, calls out of order, a
// span too long, no calls, more calls than the cap, a bad tenant).
func TestTraceWriterOpensAsOpenTrace(t *testing.T) {
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC).UnixNano()
	steady := func(n int, tenants bool, seed uint64) []traceCall {
		rng := rand.New(rand.NewPCG(seed, 2))
		at := day
		var out []traceCall
		for i := range n {
			at += rng.Int64N(int64(50 * time.Millisecond))
			c := traceCall{start: at, d: time.Duration(rng.Int64N(int64(2*time.Second))) / time.Microsecond * time.Microsecond}
			if i%7 == 0 {
				c.d = time.Duration(rng.Int64N(int64(MaxHandler)))
			}
			if tenants {
				c.tenant = fmt.Sprintf("tenant-%d", rng.IntN(40))
			}
			out = append(out, c)
		}
		return out
	}
	bad := func(calls []traceCall, i int, f func(*traceCall)) []traceCall {
		calls = append([]traceCall(nil), calls...)
		f(&calls[i])
		return calls
	}
	ten := steady(3*checkpointEvery+17, false, 1)
	for _, tc := range []struct {
		name     string
		comment  string
		tenants  bool
		calls    []traceCall
		maxCalls int64
		refused  bool // OpenTrace refuses it
	}{
		{name: "many calls", comment: "the calls of export.json, by start", calls: ten},
		{name: "tenants", comment: "a comment\nof two lines", tenants: true, calls: steady(checkpointEvery+3, true, 2)},
		{name: "one call", calls: steady(1, false, 3)},
		{name: "before 1970", calls: []traceCall{{start: -5e9 + 3, d: time.Millisecond}, {start: -1, d: 0}, {start: 2e9}}},
		{name: "the first time", calls: []traceCall{{start: math.MinInt64, d: 3 * time.Millisecond}}},
		{name: "the last time", calls: []traceCall{{start: math.MaxInt64, d: 3 * time.Millisecond}}},
		{name: "too long a duration", calls: bad(ten, 5, func(c *traceCall) { c.d = MaxHandler + time.Microsecond }), refused: true},
		{name: "out of order", calls: bad(ten, 9, func(c *traceCall) { c.start = day - 1 }), refused: true},
		{name: "too long a span", calls: bad(ten, len(ten)-1, func(c *traceCall) { c.start = ten[0].start + int64(maxTraceTime) + 1 }), refused: true},
		{name: "negative duration", calls: bad(ten, 2, func(c *traceCall) { c.d = -time.Millisecond }), refused: true},
		{name: "bad tenant", tenants: true, calls: bad(steady(10, true, 4), 3, func(c *traceCall) { c.tenant = "a,b" }), refused: true},
		{name: "spaced tenant", tenants: true, calls: bad(steady(10, true, 4), 3, func(c *traceCall) { c.tenant = " a " })},
		{name: "no calls", refused: true},
		{name: "past the cap", calls: ten, maxCalls: 5000, refused: true},
		{name: "at the cap", calls: ten, maxCalls: int64(len(ten))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "trace.csv")
			w, err := CreateTrace(path, tc.comment, tc.tenants)
			assert.NilError(t, err)
			for _, c := range tc.calls {
				assert.NilError(t, w.Add(c.start, c.d, c.tenant))
			}
			assert.NilError(t, w.Close())
			got, gotErr := w.Open(tc.maxCalls)
			want, wantErr := OpenTrace(path, TraceOptions{MaxCalls: tc.maxCalls})
			assert.Check(t, is.Equal(wantErr != nil, tc.refused), "OpenTrace: %v", wantErr)
			if wantErr != nil {
				assert.Check(t, is.Error(gotErr, wantErr.Error()))
				return
			}
			assert.NilError(t, gotErr)
			sameTrace(t, got, want)
			// Opened again, the same.
			again, err := w.Open(tc.maxCalls)
			assert.NilError(t, err)
			sameTrace(t, again, want)
		})
	}
}

// sameTrace checks that two traces are the same schedule: their facts,
// and every call's due time, handler time and tenant.
func sameTrace(t *testing.T, got, want *Trace) {
	t.Helper()
	assert.Check(t, is.Equal(got.sha, want.sha))
	assert.Check(t, is.DeepEqual(got.Spec(), want.Spec()))
	assert.Check(t, is.DeepEqual(got.Plan(), want.Plan()))
	assert.Check(t, is.Equal(got.calls, want.calls))
	assert.Check(t, is.Equal(got.span, want.span))
	assert.Check(t, is.Equal(got.zero, want.zero))
	assert.Check(t, is.Equal(got.abs, want.abs))
	assert.Check(t, is.Equal(got.durations, want.durations))
	assert.Check(t, slices.Equal(got.checkpoints, want.checkpoints), "checkpoints %v, want %v", got.checkpoints, want.checkpoints)
	assert.Check(t, slices.Equal(got.intervals, want.intervals))
	assert.Check(t, got.opts == want.opts, "options %+v, want %+v", got.opts, want.opts)
	gf, wf := got.format, want.format
	gf.times, wf.times = nil, nil
	assert.Check(t, gf == wf, "format %+v, want %+v", gf, wf)
	for i := range want.calls {
		assert.Check(t, is.Equal(got.Due(i), want.Due(i)), "call %d", i)
		assert.Check(t, is.Equal(got.HandlerTime(i), want.HandlerTime(i)), "call %d", i)
		assert.Check(t, is.Equal(got.Tenant(i), want.Tenant(i)), "call %d", i)
	}
	assert.NilError(t, got.Err())
}
