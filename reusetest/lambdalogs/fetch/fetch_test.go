package fetch

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/lambda-reuse/lambda-reuse/internal/loopback"
	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdahost"
	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdahost/cloudwatch"
	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdalogs"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// tripwire is every HTTP(S) proxy of this test binary: a request that
// would leave loopback reaches it, and TestMain fails the run on any.
var tripwire *loopback.Tripwire

func TestMain(m *testing.M) { os.Exit(loopback.GuardedRun(m, &tripwire)) }

const group = "/aws/lambda/orders"

// world is a function's logs: streams of calls (INIT_START, START, END,
// REPORT), one environment failing once and reset, dated near now (moto
// refuses events older than 14 days).
type world struct {
	events []lambdalogs.Event // in time order, streams interleaved
}

func newWorld(streams, calls int, start time.Time) *world {
	w := &world{}
	const initStart = "INIT_START Runtime Version: provided:al2023.v100\tRuntime Version ARN: arn:aws:lambda:eu-west-1::runtime:0\n"
	for s := range streams {
		name := fmt.Sprintf("%s/[$LATEST]%032x", start.UTC().Format("2006/01/02"), 0xa0+s)
		at := start.Add(time.Duration(s) * 1300 * time.Millisecond)
		add := func(msg string) {
			w.events = append(w.events, lambdalogs.Event{LogStreamName: name, Timestamp: at.UnixMilli(), Message: msg})
		}
		add(initStart)
		initMS := 180
		for c := range calls {
			req := fmt.Sprintf("%08x-0000-4000-8000-%012x", s, c)
			init := ""
			if initMS > 0 {
				at = at.Add(time.Duration(initMS) * time.Millisecond)
				init = fmt.Sprintf("Init Duration: %d.00 ms\t", initMS)
				initMS = 0
			}
			add("START RequestId: " + req + " Version: $LATEST\n")
			dur := 3 + (s*7+c*13)%40
			at = at.Add(time.Duration(dur) * time.Millisecond)
			failed := ""
			if s == 2 && c == calls/2 {
				failed = "Status: error\tError Type: Runtime.ExitError\t"
			}
			add("END RequestId: " + req + "\n")
			add(fmt.Sprintf("REPORT RequestId: %s\tDuration: %d.00 ms\tBilled Duration: %d ms\tMemory Size: 128 MB\tMax Memory Used: 30 MB\t%s%s\n",
				req, dur, dur, init, failed))
			at = at.Add(time.Duration(4000+(c*37+s*11)%5000) * time.Millisecond)
			if failed != "" {
				// The environment is reset: the next call runs init again.
				add(initStart)
				initMS = 150
			}
		}
	}
	slices.SortStableFunc(w.events, func(a, b lambdalogs.Event) int { return cmp.Compare(a.Timestamp, b.Timestamp) })
	return w
}

// put sends the world's events to the group at endpoint through the
// local host's CloudWatch Logs sink (PutLogEvents).
func (w *world) put(t *testing.T, endpoint string, events []lambdalogs.Event) {
	t.Helper()
	cfg, err := config.LoadDefaultConfig(t.Context())
	assert.NilError(t, err)
	sink, err := cloudwatch.New(t.Context(), cfg, endpoint, group)
	assert.NilError(t, err)
	for _, e := range events {
		sink.Log(lambdahost.LogEvent{Stream: e.LogStreamName, Time: time.UnixMilli(e.Timestamp), Message: e.Message})
	}
	assert.NilError(t, sink.Close(t.Context()))
}

// writeFile writes events as an export file of its own, in their order.
func writeFile(t *testing.T, path string, events []lambdalogs.Event) {
	t.Helper()
	var b bytes.Buffer
	for i, e := range events {
		e.EventID = fmt.Sprintf("%056d", i+1)
		line, err := json.Marshal(e)
		assert.NilError(t, err)
		b.Write(append(line, '\n'))
	}
	assert.NilError(t, os.WriteFile(path, b.Bytes(), 0o644))
}

// readFile reads an export back, each event's eventId kept.
func readFile(t *testing.T, path string) []lambdalogs.Event {
	t.Helper()
	f, err := os.Open(path)
	assert.NilError(t, err)
	defer f.Close()
	var out []lambdalogs.Event
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 2<<20)
	for sc.Scan() {
		var e lambdalogs.Event
		assert.NilError(t, json.Unmarshal(sc.Bytes(), &e), "line %d: %q", len(out)+1, sc.Text())
		out = append(out, e)
	}
	assert.NilError(t, sc.Err())
	return out
}

// summaryOf is what reusereport -cloudwatch would write as summary.json.
// Both of a comparison name their trace the same (trace).
func summaryOf(t *testing.T, path, trace string) (summary.Summary, []byte) {
	t.Helper()
	c, err := lambdalogs.Read(path, lambdalogs.Options{})
	assert.NilError(t, err)
	defer c.Close()
	sum, err := c.Summarize(trace)
	assert.NilError(t, err)
	b, err := summary.MarshalSummary(sum)
	assert.NilError(t, err)
	return sum, b
}

// assertOnce checks that the file holds each event of want once (by
// eventId, and as want's events by stream, time and message).
func assertOnce(t *testing.T, got, want []lambdalogs.Event) {
	t.Helper()
	ids := map[string]int{}
	type key struct {
		stream, msg string
		ts          int64
	}
	keys := map[key]int{}
	for _, e := range got {
		ids[e.EventID]++
		keys[key{e.LogStreamName, e.Message, e.Timestamp}]++
	}
	for id, n := range ids {
		assert.Assert(t, n == 1, "event %s held %d times", id, n)
	}
	assert.Assert(t, is.Len(got, len(want)))
	for _, e := range want {
		assert.Assert(t, keys[key{e.LogStreamName, e.Message, e.Timestamp}] == 1, "event of %s at %d not held once: %q", e.LogStreamName, e.Timestamp, e.Message)
	}
}

func newClient(t *testing.T) *Client {
	t.Helper()
	c, err := NewClient(t.Context(), ClientOptions{MaxBackoff: 20 * time.Millisecond})
	assert.NilError(t, err)
	return c
}

// TestAFetchIsTheEventsPut puts more than 10,000 events into six streams
// of moto's CloudWatch Logs, which returns them stream by stream, fetches
// the group (two pages and a token), and reads both the fetch and the
// same events written as a file of their own, in time order: the same
// summary.
func TestAFetchIsTheEventsPut(t *testing.T) {
	endpoint := loopback.SharedMoto(t)
	loopback.FreshAccount(t, endpoint)
	start := time.Now().Add(-2 * time.Hour).Truncate(time.Second)
	w := newWorld(6, 600, start)
	assert.Assert(t, len(w.events) > pageEvents, "%d events: more than a page", len(w.events))
	w.put(t, endpoint, w.events)

	dir := t.TempDir()
	path := filepath.Join(dir, "fetched", "logs.jsonl")
	assert.NilError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	var progress bytes.Buffer
	res, err := Fetch(t.Context(), newClient(t), path, Options{Group: group, Since: start.Add(-time.Minute), Progress: &progress})
	assert.NilError(t, err)
	assert.Check(t, res.Complete && !res.Capped && !res.Resumed)
	assert.Check(t, is.Equal(res.Pages, int64(2)), "two pages: 10,000 events and the rest")
	assert.Check(t, is.Equal(res.Streams, 6))
	assert.Check(t, is.Equal(res.Events, int64(len(w.events))))
	got := readFile(t, path)
	assertOnce(t, got, w.events)
	ordered := slices.IsSortedFunc(got, func(a, b lambdalogs.Event) int { return cmp.Compare(a.Timestamp, b.Timestamp) })
	assert.Check(t, !ordered, "moto gave the events stream by stream")
	assert.Check(t, is.Contains(progress.String(), fmt.Sprintf("fetch %s: %d events, 6 streams, 2 pages", group, len(w.events))))

	own := filepath.Join(dir, "own", "logs.jsonl")
	assert.NilError(t, os.MkdirAll(filepath.Dir(own), 0o755))
	writeFile(t, own, w.events)
	trace := filepath.Join(dir, "trace.csv")
	fetched, fb := summaryOf(t, path, trace)
	_, ob := summaryOf(t, own, trace)
	assert.Check(t, is.Equal(string(fb), string(ob)), "the fetch's summary is the file's")
	assert.Check(t, is.Equal(fetched.Instances.Count, 6))
	assert.Check(t, is.Equal(fetched.Instances.Resets, 1))
	assert.Check(t, is.Equal(fetched.Requests.Total, int64(3600)))
}

// TestAStoppedFetchGoesOnWithEveryEventOnce stops a fetch after three
// pages (its context cancelled), leaves half a line after them as a kill
// in the middle of a write would, and runs it again: every event once,
// and the summary of the events written whole.
func TestAStoppedFetchGoesOnWithEveryEventOnce(t *testing.T) {
	endpoint := loopback.SharedMoto(t)
	loopback.FreshAccount(t, endpoint)
	start := time.Now().Add(-3 * time.Hour).Truncate(time.Second)
	w := newWorld(5, 500, start)
	w.put(t, endpoint, w.events)
	client := newClient(t)
	path := filepath.Join(t.TempDir(), "logs.jsonl")
	opts := Options{Group: group, Since: start.Add(-time.Minute), PageLimit: 997}

	ctx, cancel := context.WithCancel(t.Context())
	opts.AfterPage = func(s Status) {
		if s.Pages == 3 {
			cancel()
		}
	}
	res, err := Fetch(ctx, client, path, opts)
	assert.Check(t, is.ErrorContains(err, "fetch stopped"))
	assert.Check(t, is.ErrorContains(err, "run the same command again to continue"))
	assert.Check(t, !res.Complete)
	assert.Check(t, is.Equal(res.Pages, int64(3)))
	held := readFile(t, path)
	assert.Check(t, is.Len(held, 3*997), "the stopped fetch's file is whole pages, valid JSON Lines")

	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	assert.NilError(t, err)
	f.WriteString(`{"logStreamName":"2026/01/01/[$LATEST]x","timestamp":17`)
	f.Close()

	opts.AfterPage = nil
	res, err = Fetch(t.Context(), client, path, opts)
	assert.NilError(t, err)
	assert.Check(t, res.Complete && res.Resumed)
	assert.Check(t, is.Equal(res.Events, int64(len(w.events)-3*997)))
	assert.Check(t, is.Equal(res.Held, int64(len(w.events))))
	assertOnce(t, readFile(t, path), w.events)
	own := filepath.Join(t.TempDir(), "logs.jsonl")
	writeFile(t, own, w.events)
	trace := filepath.Join(t.TempDir(), "trace.csv")
	_, fb := summaryOf(t, path, trace)
	_, ob := summaryOf(t, own, trace)
	assert.Check(t, is.Equal(string(fb), string(ob)))

	// The same again: the window goes on to now, with nothing new in it.
	res, err = Fetch(t.Context(), client, path, opts)
	assert.NilError(t, err)
	assert.Check(t, res.Complete && res.Resumed)
	assert.Check(t, is.Equal(res.Events, int64(0)))
	assertOnce(t, readFile(t, path), w.events)
}

// TestMaxEventsBoundsAFetch: each run takes at most -max-events, and runs
// again take the rest, every event once.
func TestMaxEventsBoundsAFetch(t *testing.T) {
	endpoint := loopback.SharedMoto(t)
	loopback.FreshAccount(t, endpoint)
	start := time.Now().Add(-time.Hour).Truncate(time.Second)
	w := newWorld(3, 300, start)
	w.put(t, endpoint, w.events)
	client := newClient(t)
	path := filepath.Join(t.TempDir(), "logs.jsonl")
	opts := Options{Group: group, Since: start.Add(-time.Minute), MaxEvents: 1500, PageLimit: 1000}
	runs := 0
	for {
		runs++
		res, err := Fetch(t.Context(), client, path, opts)
		assert.NilError(t, err)
		if res.Complete {
			assert.Check(t, is.Equal(res.Events, int64(len(w.events)%1500)))
			break
		}
		assert.Check(t, res.Capped)
		assert.Check(t, is.Equal(res.Events, int64(1500)), "run %d", runs)
		assert.Assert(t, runs < 10)
	}
	assert.Check(t, is.Equal(runs, (len(w.events)+1499)/1500))
	assertOnce(t, readFile(t, path), w.events)
}

// TestAFetchGoesOnAfterItsWindow: a whole window's file, fetched again to
// a later end, takes the events after the window only.
func TestAFetchGoesOnAfterItsWindow(t *testing.T) {
	endpoint := loopback.SharedMoto(t)
	loopback.FreshAccount(t, endpoint)
	start := time.Now().Add(-2 * time.Hour).Truncate(time.Second)
	w := newWorld(4, 200, start)
	w.put(t, endpoint, w.events)
	mid := time.UnixMilli(w.events[len(w.events)/2].Timestamp)
	client := newClient(t)
	path := filepath.Join(t.TempDir(), "logs.jsonl")
	res, err := Fetch(t.Context(), client, path, Options{Group: group, Since: start.Add(-time.Minute), Until: mid})
	assert.NilError(t, err)
	assert.Check(t, res.Complete)
	first := res.Events
	assert.Check(t, first >= int64(len(w.events)/2) && first < int64(len(w.events)))
	res, err = Fetch(t.Context(), client, path, Options{Group: group, Since: start.Add(-time.Minute), Until: mid})
	assert.NilError(t, err)
	assert.Check(t, res.UpToDate && res.Complete, "the same window again: nothing to fetch")
	res, err = Fetch(t.Context(), client, path, Options{Group: group, Since: start.Add(-time.Minute)})
	assert.NilError(t, err)
	assert.Check(t, res.Complete && res.Resumed)
	assert.Check(t, is.Equal(res.From, mid.Add(time.Millisecond).UTC()))
	assert.Check(t, is.Equal(res.Events, int64(len(w.events))-first))
	assertOnce(t, readFile(t, path), w.events)

	_, err = Fetch(t.Context(), client, path, Options{Group: "/aws/lambda/other", Since: start})
	assert.Check(t, is.ErrorContains(err, "holds log group /aws/lambda/orders's events"))
	_, err = Fetch(t.Context(), client, path, Options{Group: group, Since: start.Add(-time.Hour)})
	assert.Check(t, is.ErrorContains(err, "a start before it would leave a gap"))
}

// front is a proxy in front of moto that can answer FilterLogEvents
// itself: throttle it, refuse a token, hold it, or ask moto for AWS's
// time order (interleaved).
type front struct {
	*httptest.Server
	calls      atomic.Int64
	throttled  atomic.Int64
	mu         sync.Mutex
	answer     func(n int64, body map[string]any) (code int, errType string) // "" passes it on
	hold       func(n int64)
	interleave bool
}

func newFront(t *testing.T, moto string) *front {
	u, err := url.Parse(moto)
	assert.NilError(t, err)
	fr := &front{}
	proxy := httputil.NewSingleHostReverseProxy(u)
	fr.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.Header.Get("X-Amz-Target"), ".FilterLogEvents") {
			proxy.ServeHTTP(w, r)
			return
		}
		n := fr.calls.Add(1)
		body, _ := io.ReadAll(r.Body)
		var req map[string]any
		json.Unmarshal(body, &req)
		fr.mu.Lock()
		answer, hold, interleave := fr.answer, fr.hold, fr.interleave
		fr.mu.Unlock()
		if hold != nil {
			hold(n)
		}
		if answer != nil {
			if code, errType := answer(n, req); errType != "" {
				if errType == "ThrottlingException" {
					fr.throttled.Add(1)
				}
				w.Header().Set("Content-Type", "application/x-amz-json-1.1")
				w.Header().Set("X-Amzn-ErrorType", errType)
				w.WriteHeader(code)
				fmt.Fprintf(w, `{"__type":%q,"message":"from the test's front"}`, errType)
				return
			}
		}
		if interleave {
			req["interleaved"] = true
			body, _ = json.Marshal(req)
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(fr.Close)
	return fr
}

// lines is a writer that says when it has a line.
type lines struct {
	mu    sync.Mutex
	b     strings.Builder
	first chan struct{}
	once  sync.Once
}

func (l *lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b.Write(p)
	if bytes.Contains(p, []byte("\n")) {
		l.once.Do(func() { close(l.first) })
	}
	return len(p), nil
}

func (l *lines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestThrottlingIsRetriedAndShown: every other FilterLogEvents is
// throttled; the SDK's retryer asks again after its backoff, the fetch
// takes every event once, and the progress line counts the throttles. A
// page held back shows a progress line is printed while waiting for it.
func TestThrottlingIsRetriedAndShown(t *testing.T) {
	moto := loopback.SharedMoto(t)
	fr := newFront(t, moto)
	loopback.FreshAccount(t, moto)
	start := time.Now().Add(-time.Hour).Truncate(time.Second)
	w := newWorld(3, 400, start)
	w.put(t, moto, w.events)
	t.Setenv("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", fr.URL)
	progress := &lines{first: make(chan struct{})}
	fr.answer = func(n int64, _ map[string]any) (int, string) {
		if n%2 == 1 {
			return 400, "ThrottlingException"
		}
		return 0, ""
	}
	fr.hold = func(n int64) {
		if n == 2 {
			select {
			case <-progress.first:
			case <-time.After(time.Minute):
			}
		}
	}
	path := filepath.Join(t.TempDir(), "logs.jsonl")
	res, err := Fetch(t.Context(), newClient(t), path, Options{Group: group, Since: start.Add(-time.Minute), PageLimit: 1000,
		Progress: progress, ProgressEvery: 20 * time.Millisecond})
	assert.NilError(t, err)
	assert.Check(t, res.Complete)
	assert.Check(t, res.Throttles > 0 && res.Throttles == fr.throttled.Load(), "%d throttles counted, %d answered", res.Throttles, fr.throttled.Load())
	assert.Check(t, is.Equal(res.Pages, int64((len(w.events)+999)/1000)))
	assertOnce(t, readFile(t, path), w.events)
	out := progress.String()
	assert.Check(t, is.Contains(out, "no event yet"), "a line while the first page was held back")
	assert.Check(t, is.Contains(out, fmt.Sprintf("%d throttled", res.Throttles)))
}

// TestAnExpiredPlaceGoesOnAfterTheLastEvent: a token lasts 24 hours; a
// fetch stopped and run again after that is refused its token. With the
// events in time order (as AWS returns them: moto asked to interleave),
// it goes on after the last event held, every event once; with them
// stream by stream it says it cannot.
func TestAnExpiredPlaceGoesOnAfterTheLastEvent(t *testing.T) {
	for _, interleave := range []bool{true, false} {
		t.Run(fmt.Sprintf("interleaved=%v", interleave), func(t *testing.T) {
			moto := loopback.SharedMoto(t)
			fr := newFront(t, moto)
			fr.interleave = interleave
			loopback.FreshAccount(t, moto)
			start := time.Now().Add(-time.Hour).Truncate(time.Second)
			w := newWorld(4, 300, start)
			w.put(t, moto, w.events)
			t.Setenv("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", fr.URL)
			client := newClient(t)
			path := filepath.Join(t.TempDir(), "logs.jsonl")
			ctx, cancel := context.WithCancel(t.Context())
			opts := Options{Group: group, Since: start.Add(-time.Minute), PageLimit: 500, AfterPage: func(s Status) {
				if s.Pages == 2 {
					cancel()
				}
			}}
			_, err := Fetch(ctx, client, path, opts)
			assert.Assert(t, is.ErrorContains(err, "fetch stopped"))
			fr.mu.Lock()
			fr.answer = func(_ int64, req map[string]any) (int, string) {
				if _, ok := req["nextToken"]; ok && fr.calls.Load() == 3 {
					return 400, "InvalidParameterException"
				}
				return 0, ""
			}
			fr.mu.Unlock()
			opts.AfterPage = nil
			res, err := Fetch(t.Context(), client, path, opts)
			if !interleave {
				assert.Check(t, is.ErrorContains(err, "did not come in time order"))
				return
			}
			assert.NilError(t, err)
			assert.Check(t, res.Complete)
			assertOnce(t, readFile(t, path), w.events)
		})
	}
}

// TestTheFetchReachesOnlyTheEndpointItIsGiven: with AWS_ENDPOINT_URL
// alone (the variable for every service) the fetch reaches moto; with no
// endpoint set, the SDK would call AWS, and the tripwire gets that
// request instead, so its silence in the other tests means something.
func TestTheFetchReachesOnlyTheEndpointItIsGiven(t *testing.T) {
	moto := loopback.SharedMoto(t)
	loopback.FreshAccount(t, moto)
	start := time.Now().Add(-time.Hour).Truncate(time.Second)
	w := newWorld(1, 20, start)
	w.put(t, moto, w.events)
	t.Setenv("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", "")
	t.Setenv("AWS_ENDPOINT_URL", moto)
	c := newClient(t)
	assert.Check(t, is.Equal(c.Where, moto))
	res, err := Fetch(t.Context(), c, filepath.Join(t.TempDir(), "logs.jsonl"), Options{Group: group, Since: start.Add(-time.Minute)})
	assert.NilError(t, err)
	assert.Check(t, is.Equal(res.Events, int64(len(w.events))))

	t.Setenv("AWS_ENDPOINT_URL", "")
	c, err = NewClient(t.Context(), ClientOptions{MaxBackoff: time.Millisecond})
	assert.NilError(t, err)
	assert.Check(t, is.Equal(c.Where, ""))
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	_, err = Fetch(ctx, c, filepath.Join(t.TempDir(), "logs.jsonl"), Options{Group: group, Since: start})
	assert.Check(t, err != nil)
	hits := tripwire.Take()
	assert.Assert(t, len(hits) > 0, "the request to AWS did not reach the tripwire")
	assert.Check(t, is.Equal(hits[0], "CONNECT logs.eu-west-1.amazonaws.com:443"))
}

func TestBadOptionsAreRefusedBeforeAnyCall(t *testing.T) {
	loopback.FreshAccount(t, "http://127.0.0.1:1")
	c := newClient(t)
	path := filepath.Join(t.TempDir(), "logs.jsonl")
	now := time.Now()
	for _, o := range []struct {
		opts Options
		want string
	}{
		{Options{Group: "aws lambda orders", Since: now.Add(-time.Hour)}, `log group "aws lambda orders": want 1 to 512 of letters`},
		{Options{Group: group}, "no start"},
		{Options{Group: group, Since: now.Add(-time.Hour), MaxEvents: -1}, "-max-events -1"},
		{Options{Group: group, Since: now.Add(-time.Hour), Until: now.Add(-2 * time.Hour)}, "is empty: its end must come after its start"},
	} {
		_, err := Fetch(t.Context(), c, path, o.opts)
		assert.Check(t, is.ErrorContains(err, o.want))
	}
	_, err := os.Stat(path)
	assert.Check(t, os.IsNotExist(err), "nothing written")
	assert.NilError(t, os.WriteFile(path, []byte("{}\n"), 0o644))
	_, err = Fetch(t.Context(), c, path, Options{Group: group, Since: now.Add(-time.Hour)})
	assert.Check(t, is.ErrorContains(err, "exists and no fetch's state is beside it"))

	t.Setenv("AWS_REGION", "")
	_, err = NewClient(t.Context(), ClientOptions{})
	assert.Check(t, is.ErrorContains(err, "no region: give -region"))
	t.Setenv("AWS_REGION", "eu-west-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	_, err = NewClient(t.Context(), ClientOptions{})
	assert.Check(t, is.ErrorContains(err, "no AWS credentials found where the AWS CLI looks for them"))
}
