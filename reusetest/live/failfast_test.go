package live

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lambda-reuse/lambda-reuse/internal/loopback"
	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// forbidding answers 403 to every call after the first `ok` ones, which
// get a probe's answer. It counts the calls it saw.
func forbidding(t *testing.T, ok int64) (url string, calls *atomic.Int64) {
	calls = new(atomic.Int64)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= ok {
			w.Write([]byte(`{"instance_id":"i1","invocation":1}`))
			return
		}
		http.Error(w, `{"Message":"Forbidden"}`, http.StatusForbidden)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/", calls
}

func runAgainst(t *testing.T, url string, plan schedule.Plan, l Live) (sum summary.Summary, out, logPath string, err error) {
	t.Helper()
	caller, _, err := NewCaller(t.Context(), urlEnv(url), plan.HandlerMS)
	assert.NilError(t, err)
	var buf bytes.Buffer
	l.Schedule, l.Caller, l.Out = schedule.Steady(plan), caller, &buf
	l.LogPath = filepath.Join(t.TempDir(), "run.jsonl")
	sum, _, err = l.Run(t.Context(), nil)
	return sum, buf.String(), l.LogPath, err
}

func TestFailFastStopsARunWhoseCallsAllFail(t *testing.T) {
	t.Parallel()
	url, calls := forbidding(t, 0)
	plan := schedule.Steady{Calls: 2_000, RatePerSec: 200, HandlerMS: 0} // 10 s
	start := time.Now()
	sum, out, logPath, err := runAgainst(t, url, plan.Plan(), Live{StartupWindow: 300 * time.Millisecond})
	assert.Check(t, errors.Is(err, ErrFailFast), "%v", err)
	assert.Check(t, is.ErrorContains(err, "failed with http_4xx (HTTP 403 Forbidden)"))
	assert.Check(t, is.ErrorContains(err, "-reuse.failfast=false"))
	assert.Check(t, is.Contains(out, "fail-fast: "))
	assert.Check(t, time.Since(start) < 5*time.Second, "stopped early, not at the end of the schedule")

	// Every record made is kept: the log and the summary hold one per
	// scheduled call, and the server saw each sent call once.
	assert.Check(t, sum.Requests.Total > 0 && sum.Requests.Total < plan.Calls, "%d records", sum.Requests.Total)
	assert.Check(t, is.Equal(sum.Requests.ByErrorClass[record.ClassHTTP4xx], sum.Requests.Total))
	assert.Check(t, is.Equal(sum.Requests.Total, calls.Load()))
	_, perSeq, _ := logCounts(t, logPath)
	for seq := range sum.Requests.Total {
		assert.Assert(t, is.Equal(perSeq[seq], 1), "seq %d has %d records", seq, perSeq[seq])
	}
}

func TestFailFastNeverStopsARunThatHadASuccess(t *testing.T) {
	t.Parallel()
	url, _ := forbidding(t, 1)
	plan := schedule.Steady{Calls: 300, RatePerSec: 200, HandlerMS: 0}
	sum, _, _, err := runAgainst(t, url, plan.Plan(), Live{StartupWindow: 50 * time.Millisecond})
	assert.NilError(t, err)
	assert.Check(t, is.Equal(sum.Requests.Total, plan.Calls))
	assert.Check(t, is.Equal(sum.Requests.OK, int64(1)))
}

func TestFailFastCanBeTurnedOff(t *testing.T) {
	t.Parallel()
	url, _ := forbidding(t, 0)
	plan := schedule.Steady{Calls: 300, RatePerSec: 200, HandlerMS: 0}
	sum, out, _, err := runAgainst(t, url, plan.Plan(), Live{StartupWindow: 50 * time.Millisecond, NoFailFast: true})
	assert.NilError(t, err)
	assert.Check(t, is.Equal(sum.Requests.Total, plan.Calls))
	assert.Check(t, !bytes.Contains([]byte(out), []byte("fail-fast")))
}

func TestFailFastRule(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	fail := func(seq int64, class record.ErrorClass) *record.Record {
		at := t0.Add(time.Duration(seq) * time.Second)
		return &record.Record{Seq: seq, Scheduled: at, Sent: at, Done: at.Add(time.Millisecond), Status: record.StatusError, ErrorClass: class}
	}
	f := &failFast{window: 10 * time.Second}
	for seq := range int64(10) {
		assert.Check(t, !f.observe(fail(seq, record.ClassDNS)), "seq %d: within the start-up window", seq)
	}
	// A change of class starts the count again; skipped calls say nothing.
	for seq := int64(10); seq < 20; seq++ {
		assert.Check(t, !f.observe(fail(seq, record.ClassHTTP4xx)), "seq %d: a new streak, not yet 10 s long", seq)
		f.observe(&record.Record{Seq: seq, Status: record.StatusSkipped, Scheduled: t0})
	}
	assert.Check(t, f.observe(fail(20, record.ClassHTTP4xx)), "11 in a row over 10 s")
	assert.Check(t, !f.observe(fail(21, record.ClassHTTP4xx)), "trips once")

	g := &failFast{window: time.Second}
	g.observe(&record.Record{Status: record.StatusOK})
	for seq := range int64(100) {
		assert.Check(t, !g.observe(fail(seq, record.ClassHTTP4xx)), "never after a success")
	}
}

func TestSignedTargetsNeedCredentialsBeforeTheFirstCall(t *testing.T) {
	loopback.SetAWSEnv(t, "http://127.0.0.1:1") // instance metadata off: nothing leaves loopback
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	for name, env := range map[string]map[string]string{
		"iam":    {EnvURL: "http://127.0.0.1:1/", EnvAuth: "iam"},
		"invoke": {EnvFunction: "probe"},
	} {
		_, _, err := NewCaller(t.Context(), func(k string) string { return env[k] }, 0)
		assert.Check(t, is.ErrorContains(err, "no AWS credentials found"), name)
		for _, what := range []string{"AWS_ACCESS_KEY_ID", "AWS_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_REGION"} {
			assert.Check(t, is.ErrorContains(err, what), "%s: the error names %s", name, what)
		}
	}
}
