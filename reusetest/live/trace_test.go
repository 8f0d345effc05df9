package live

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lambda-reuse/lambda-reuse/internal/testenv"
	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdasim"
	"github.com/lambda-reuse/lambda-reuse/reusetest/recordlog"
	"github.com/lambda-reuse/lambda-reuse/reusetest/runner"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// TestLiveReplaysATrace runs a trace with per-call durations through the
// HTTP target and the Invoke API against a served pool: one record per
// line, each call asking for its own line's duration.
func TestLiveReplaysATrace(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("time,duration_ms\n")
	var want []string
	for i := range 300 {
		fmt.Fprintf(&b, "%d.%02d,%d\n", i/100, i%100, i%7*10)
		want = append(want, strconv.Itoa(i%7*10))
	}
	path := filepath.Join(t.TempDir(), "trace.csv")
	assert.NilError(t, os.WriteFile(path, []byte(b.String()), 0o644))
	for _, kind := range []string{"http", "invoke"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			trace, err := schedule.OpenTrace(path, schedule.TraceOptions{Speed: 3, HandlerMS: 500})
			assert.NilError(t, err)
			sim, err := lambdasim.NewServer(lambdasim.ServerOptions{Scale: 100})
			assert.NilError(t, err)
			var mu sync.Mutex
			var got []string
			url := testenv.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				sleep := r.URL.Query().Get("sleep_ms")
				if r.Method == http.MethodPost { // the Invoke API: the payload says it
					body, _ := io.ReadAll(r.Body)
					sleep = strings.TrimPrefix(strings.SplitN(string(body), ",", 2)[0], `{"sleep_ms":`)
					r.Body = io.NopCloser(strings.NewReader(string(body)))
				}
				mu.Lock()
				got = append(got, sleep)
				mu.Unlock()
				sim.ServeHTTP(w, r)
			}))
			caller := callerFor(t, kind, url, trace.Plan().HandlerMS)
			assert.Assert(t, PerCallHandler(caller, trace), "a trace with durations asks call by call")
			logPath := filepath.Join(t.TempDir(), "run.jsonl")
			run := &Live{Schedule: trace, Caller: caller, LogPath: logPath, Out: io.Discard}
			sum, _, err := run.Run(t.Context(), nil)
			assert.NilError(t, err)
			assert.Check(t, is.Equal(sum.Requests.Total, int64(300)))
			assert.Check(t, is.Equal(sum.Requests.OK, int64(300)))
			assert.Check(t, sum.Trace() != nil && sum.Trace().ColdCalls > 0)
			slices.Sort(got)
			w := slices.Clone(want)
			slices.Sort(w)
			assert.Check(t, is.DeepEqual(got, w), "each call asked for its own line's duration")
			f, err := os.Open(logPath)
			assert.NilError(t, err)
			defer f.Close()
			st, _, err := recordlog.Read(f, nil, nil) // refuses a seq recorded twice
			assert.NilError(t, err)
			assert.Check(t, is.Equal(st.Count, int64(300)))
			assert.Check(t, is.Equal(st.Schedule.Spec().Kind, schedule.KindTrace))
		})
	}
}

// TestLiveStopsCleanlyWhenTheTraceChanges: a trace cut short while it is
// replayed stops the run: the calls sent are drained and recorded (each
// once), the summary stands and the error names the file; a resume
// refuses the changed file, and once it is restored finishes the replay
// with every seq once.
func TestLiveStopsCleanlyWhenTheTraceChanges(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("time,duration_ms\n")
	pad := "#" + strings.Repeat("x", 2000) + "\n" // past the reader's buffer, so a cut is seen
	for i := range 300 {
		fmt.Fprintf(&b, "%s%d.%02d,0\n", pad, i/100, i%100)
	}
	whole := []byte(b.String())
	path := filepath.Join(t.TempDir(), "trace.csv")
	assert.NilError(t, os.WriteFile(path, whole, 0o644))
	trace, err := schedule.OpenTrace(path, schedule.TraceOptions{HandlerMS: 0})
	assert.NilError(t, err)
	_, url := startSim(t, lambdasim.Faults{})
	caller, _, err := NewCaller(t.Context(), targetEnv(t, "http", url), 0)
	assert.NilError(t, err)
	logPath := filepath.Join(t.TempDir(), "run.jsonl")
	time.AfterFunc(700*time.Millisecond, func() { assert.Check(t, os.Truncate(path, int64(len(whole)/2))) })
	sum, res, err := (&Live{Schedule: trace, Caller: caller, LogPath: logPath, Out: io.Discard}).Run(t.Context(), nil)
	assert.Check(t, errors.Is(err, runner.ErrScheduleFailed), "%v", err)
	assert.Check(t, is.ErrorContains(err, path))
	assert.Check(t, res.Next > 0 && res.Next < 300, "%+v", res)
	assert.Check(t, is.Equal(sum.Requests.Total, res.Next), "every call scheduled has its record in the summary")

	// The cut file is refused...
	if cut, err := schedule.OpenTrace(path, schedule.TraceOptions{HandlerMS: 0}); err == nil {
		_, _, err = (&Live{Schedule: cut, Caller: caller, LogPath: logPath, Out: io.Discard}).Run(t.Context(), nil)
		assert.Check(t, err != nil, "a resume ran on a changed trace")
	}
	// ...and the restored one finishes the replay. (A trace's log reads
	// only beside the file it was written for.)
	assert.NilError(t, os.WriteFile(path, whole, 0o644))
	_, perSeq, _ := logCounts(t, logPath)
	for seq, n := range perSeq {
		want := 0
		if int64(seq) < res.Next {
			want = 1
		}
		assert.Check(t, is.Equal(n, want), "after the stop, seq %d has %d records", seq, n)
	}
	trace, err = schedule.OpenTrace(path, schedule.TraceOptions{HandlerMS: 0})
	assert.NilError(t, err)
	sum, _, err = (&Live{Schedule: trace, Caller: caller, LogPath: logPath, Out: io.Discard}).Run(t.Context(), nil)
	assert.NilError(t, err)
	assert.Check(t, is.Equal(sum.Requests.Total, int64(300)))
	_, perSeq, _ = logCounts(t, logPath)
	assert.Check(t, is.Len(perSeq, 300))
	for seq, n := range perSeq {
		assert.Check(t, is.Equal(n, 1), "seq %d has %d records", seq, n)
	}
}
