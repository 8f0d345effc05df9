package probe

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

func testIdentity() Identity {
	return Identity{InstanceID: "0123456789abcdef0123456789abcdef", InitAt: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
		LogStream: "2026/11/01/[$LATEST]abc", MemoryMB: 128, FunctionVersion: "$LATEST", Region: "eu-west-1"}
}

func TestHandleDirectInvoke(t *testing.T) {
	p := New(testIdentity())
	ctx := lambdacontext.NewContext(t.Context(), &lambdacontext.LambdaContext{AwsRequestID: "req-1"})
	for i, payload := range []string{``, `null`, `{}`, `{"sleep_ms": 0}`, `{"sleep_ms": 20}`} {
		start := time.Now()
		out, err := p.Handle(ctx, json.RawMessage(payload))
		assert.NilError(t, err, "payload %q", payload)
		resp, ok := out.(Response)
		assert.Assert(t, ok, "payload %q: got %T", payload, out)
		assert.Check(t, is.Equal(resp.Invocation, int64(i+1)))
		assert.Check(t, is.Equal(resp.InstanceID, "0123456789abcdef0123456789abcdef"))
		assert.Check(t, is.Equal(resp.RequestID, "req-1"))
		assert.Check(t, is.Equal(resp.InitAt, "2026-11-01T00:00:00Z"))
		if payload == `{"sleep_ms": 20}` {
			assert.Check(t, is.Equal(resp.SleptMS, int64(20)))
			assert.Check(t, time.Since(start) >= 20*time.Millisecond)
		}
	}
}

func TestHandleRejectsBadInputAndKeepsWorking(t *testing.T) {
	p := New(testIdentity())
	for _, tc := range []struct{ payload, want string }{
		{`{"sleep_ms": -1}`, "sleep_ms must be between 0 and 60000, got -1"},
		{`{"sleep_ms": 60001}`, "sleep_ms must be between 0 and 60000, got 60001"},
		{`{"sleep_ms": 1.5}`, "sleep_ms must be a whole number of milliseconds"},
		{`{"sleep_ms": "fast"}`, "sleep_ms must be a whole number of milliseconds"},
		{`[1, 2]`, "payload is not a JSON object"},
		{`{"sleep_ms":`, "payload is not a JSON object"},
		{`{"leak_kb": -1}`, "leak_kb must be between 0 and 102400 (KB a call), got -1"},
		{`{"leak_kb": 102400.5}`, "leak_kb must be between 0 and 102400 (KB a call), got 102400.5"},
		{`{"leak_kb": 1e400}`, "leak_kb must be a number of KB"},
		{`{"leak_kb": "lots"}`, "leak_kb must be a number of KB"},
	} {
		_, err := p.Handle(t.Context(), json.RawMessage(tc.payload))
		assert.Check(t, errors.Is(err, ErrBadInput), "payload %q", tc.payload)
		assert.Check(t, is.ErrorContains(err, tc.want), "payload %q", tc.payload)
	}
	out, err := p.Handle(t.Context(), json.RawMessage(`{}`))
	assert.NilError(t, err)
	assert.Check(t, is.Equal(out.(Response).Invocation, int64(11)), "bad calls were served, and counted")
	assert.Check(t, is.Equal(out.(Response).LeakedKB, 0.0), "a bad call leaks nothing")
}

func TestHandleHTTPEvents(t *testing.T) {
	p := New(testIdentity())
	v2 := func(query string) string {
		ev := events.LambdaFunctionURLRequest{Version: "2.0", RawPath: "/", RawQueryString: query,
			RequestContext: events.LambdaFunctionURLRequestContext{HTTP: events.LambdaFunctionURLRequestContextHTTPDescription{Method: "GET"}}}
		if k, v, ok := strings.Cut(query, "="); ok {
			ev.QueryStringParameters = map[string]string{k: v}
		}
		b, err := json.Marshal(ev)
		assert.NilError(t, err)
		return string(b)
	}
	t.Run("function url ok", func(t *testing.T) {
		out, err := p.Handle(t.Context(), json.RawMessage(v2("sleep_ms=5")))
		assert.NilError(t, err)
		resp, ok := out.(events.APIGatewayV2HTTPResponse)
		assert.Assert(t, ok, "got %T", out)
		assert.Check(t, is.Equal(resp.StatusCode, 200))
		assert.Check(t, is.Equal(resp.Headers["Content-Type"], "application/json"))
		var body Response
		assert.NilError(t, json.Unmarshal([]byte(resp.Body), &body))
		assert.Check(t, is.Equal(body.SleptMS, int64(5)))
		assert.Check(t, is.Equal(body.InstanceID, testIdentity().InstanceID))
	})
	t.Run("function url bad sleep", func(t *testing.T) {
		out, err := p.Handle(t.Context(), json.RawMessage(v2("sleep_ms=99999")))
		assert.NilError(t, err, "bad HTTP input is a 400, not a function error")
		resp := out.(events.APIGatewayV2HTTPResponse)
		assert.Check(t, is.Equal(resp.StatusCode, 400))
		assert.Check(t, is.Contains(resp.Body, `"error":"bad input: sleep_ms must be between 0 and 60000, got 99999"`))
	})
	t.Run("rest api v1", func(t *testing.T) {
		ev, err := json.Marshal(events.APIGatewayProxyRequest{HTTPMethod: "GET", Path: "/",
			QueryStringParameters: map[string]string{"sleep_ms": "1"}})
		assert.NilError(t, err)
		out, err := p.Handle(t.Context(), ev)
		assert.NilError(t, err)
		resp, ok := out.(events.APIGatewayProxyResponse)
		assert.Assert(t, ok, "got %T", out)
		assert.Check(t, is.Equal(resp.StatusCode, 200))
		assert.Check(t, is.Contains(resp.Body, `"slept_ms":1`))
	})
}

func TestHandleStopsAtTheDeadline(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := New(testIdentity()).Handle(ctx, json.RawMessage(`{"sleep_ms": 60000}`))
	assert.Check(t, errors.Is(err, context.DeadlineExceeded))
	assert.Check(t, time.Since(start) < 10*time.Second)
}

// Canary values for credentials: no response may contain them.
var canaries = map[string]string{
	"AWS_ACCESS_KEY_ID":     "AKIACANARYCANARY0001",
	"AWS_SECRET_ACCESS_KEY": "canary-secret-key-do-not-echo",
	"AWS_SESSION_TOKEN":     "canary-session-token-do-not-echo",
}

func assertNoCanary(t *testing.T, body []byte) {
	t.Helper()
	for name, v := range canaries {
		assert.Check(t, !strings.Contains(string(body), v), "response leaks %s", name)
	}
}

func TestResponsesHoldOnlyTheAllowList(t *testing.T) {
	for k, v := range canaries {
		t.Setenv(k, v)
	}
	id, err := NewIdentity(time.Now())
	assert.NilError(t, err)
	assert.Check(t, is.Len(id.InstanceID, 32))
	h := lambda.NewHandler(New(id).Handle)
	allowed := []string{"arch", "boot_id", "function_version", "go_version", "in_flight", "init_at", "init_type", "instance_id",
		"invocation", "log_stream", "memory_mb", "region", "request_id", "rss_mb", "slept_ms"}
	for _, payload := range []string{`{}`, `{"sleep_ms": -5}`, `{"requestContext":{"http":{"method":"GET"}},"queryStringParameters":{"sleep_ms":"x"}}`,
		`{"requestContext":{"http":{"method":"GET"}},"version":"2.0"}`} {
		out, err := h.Invoke(t.Context(), []byte(payload))
		if err != nil {
			assertNoCanary(t, []byte(err.Error()))
			continue
		}
		assertNoCanary(t, out)
		if payload == `{}` {
			var fields map[string]any
			assert.NilError(t, json.Unmarshal(out, &fields))
			var keys []string
			for k := range fields {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			assert.Check(t, is.DeepEqual(keys, allowed))
		}
	}
}

func TestInvokeTakesRawBytes(t *testing.T) {
	p := New(testIdentity())
	for _, payload := range []string{"", " \n", "null", "{}"} {
		b, err := p.Invoke(t.Context(), []byte(payload))
		assert.NilError(t, err, "payload %q", payload)
		var r Response
		assert.NilError(t, json.Unmarshal(b, &r), "payload %q: %s", payload, b)
		assert.Check(t, is.Equal(r.InstanceID, testIdentity().InstanceID))
		assert.Check(t, is.Equal(r.SleptMS, int64(0)))
	}
	_, err := p.Invoke(t.Context(), []byte(`{"sleep_ms": -5}`))
	assert.Check(t, errors.Is(err, ErrBadInput), "bad input is still a function error: %v", err)
}

// TestInFlightCountsOverlappingCalls: calls served at once in one
// environment (Managed Instances) each say how many were in flight when
// they started, themselves included, all under one instance id, with the
// runtime's AWS_LAMBDA_MAX_CONCURRENCY; a value that is not a count is
// not kept.
func TestInFlightCountsOverlappingCalls(t *testing.T) {
	t.Setenv("AWS_LAMBDA_MAX_CONCURRENCY", "8")
	id, err := NewIdentity(time.Now())
	assert.NilError(t, err)
	assert.Check(t, is.Equal(id.MaxConcurrency, 8))
	p := New(id)
	const n = 4
	answers := make([]Response, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			out, err := p.Handle(t.Context(), []byte(`{"sleep_ms": 300}`))
			assert.Check(t, err)
			answers[i] = out.(Response)
		})
	}
	wg.Wait()
	seen := map[int]bool{}
	for _, a := range answers {
		assert.Check(t, is.Equal(a.InstanceID, id.InstanceID))
		assert.Check(t, is.Equal(a.MaxConcurrency, 8))
		assert.Check(t, a.InFlight >= 1 && a.InFlight <= n, "in flight %d", a.InFlight)
		seen[a.InFlight] = true
	}
	assert.Check(t, seen[1], "the first call started alone: %v", seen)
	out, err := p.Handle(t.Context(), []byte(`{}`))
	assert.NilError(t, err)
	assert.Check(t, is.Equal(out.(Response).InFlight, 1), "alone again")

	for _, v := range []string{"", "0", "-3", "many", "99999999999"} {
		assert.Check(t, is.Equal(maxConcurrency(v), 0), v)
	}
}

// TestLeakGrowsResidentMemory: a call that asks for leak_kb grows the
// environment's global by that much, resident (its pages written), and
// every answer reports the process's resident memory from /proc; past its
// cap (the function's memory size) the global grows no more and the
// answer says what it holds.
func TestLeakGrowsResidentMemory(t *testing.T) {
	if residentMB() == 0 {
		t.Skip("no /proc/self/statm: resident memory is read on Linux, as on Lambda")
	}
	id := testIdentity()
	id.MemoryMB = 64
	p := New(id)
	call := func(payload string) Response {
		t.Helper()
		out, err := p.Handle(t.Context(), json.RawMessage(payload))
		assert.NilError(t, err, payload)
		return out.(Response)
	}
	before := call(`{}`)
	assert.Check(t, before.RSSMB > 1, "resident memory %v MB", before.RSSMB)
	assert.Check(t, is.Equal(before.LeakedKB, 0.0), "nothing asked, nothing said")
	for range 10 {
		call(`{"leak_kb": 1024}`)
	}
	after := call(`{"leak_kb": 0.5}`)
	assert.Check(t, is.Equal(after.LeakedKB, 10*1024+0.5))
	grew := after.RSSMB - before.RSSMB
	assert.Check(t, grew >= 9.5 && grew < 14, "10 MB leaked, resident memory grew %.3f MB (%v to %v)", grew, before.RSSMB, after.RSSMB)

	// Through a Function URL's query string too.
	out, err := p.Handle(t.Context(), json.RawMessage(`{"requestContext":{"http":{"method":"GET"}},"version":"2.0","queryStringParameters":{"leak_kb":"2048"}}`))
	assert.NilError(t, err)
	var viaURL Response
	assert.NilError(t, json.Unmarshal([]byte(out.(events.APIGatewayV2HTTPResponse).Body), &viaURL))
	assert.Check(t, is.Equal(viaURL.LeakedKB, 12*1024+0.5))

	// The cap: 64 MB in all, however much is asked.
	for range 60 {
		call(`{"leak_kb": 10240}`)
	}
	capped := call(`{"leak_kb": 10240}`)
	assert.Check(t, is.Equal(capped.LeakedKB, 64*1024.0), "the global stops at the function's memory size")
	assert.Check(t, capped.RSSMB-before.RSSMB < 64+8, "resident memory stays within the cap: %v to %v MB", before.RSSMB, capped.RSSMB)
}

// TestLeakCapWithoutAMemorySize: a process that does not know its
// memory size caps the global at protocol.DefaultLeakCapMB.
func TestLeakCapWithoutAMemorySize(t *testing.T) {
	id := testIdentity()
	id.MemoryMB = 0
	p := New(id)
	assert.Check(t, is.Equal(p.leakCap(), int64(128<<20)))
	id.MemoryMB = 3008
	assert.Check(t, is.Equal(New(id).leakCap(), int64(3008<<20)))
}
