package lambdaapi

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// fakeFunction records the payloads it is given and answers with its fields.
type fakeFunction struct {
	payloads []string
	tenants  []string
	answer   Result
	err      error
}

func (f *fakeFunction) Invoke(call Call) (Result, error) {
	f.payloads = append(f.payloads, string(call.Payload))
	f.tenants = append(f.tenants, call.Tenant)
	return f.answer, f.err
}

func serve(h *Handler, method, path, body string) *http.Response {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(method, path, strings.NewReader(body)))
	return w.Result()
}

func responseBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	assert.NilError(t, err)
	return string(b)
}

func TestInvokePath(t *testing.T) {
	fn := &fakeFunction{answer: Result{Payload: []byte(`{"instance_id":"a"}`)}}
	notFound := 0
	h := &Handler{FunctionName: "probe", Function: fn, NotFound: func() { notFound++ }}

	resp := serve(h, http.MethodPost, "/2015-03-31/functions/probe/invocations", `{"sleep_ms":1}`)
	assert.Check(t, is.Equal(resp.StatusCode, http.StatusOK))
	assert.Check(t, is.Equal(resp.Header.Get("X-Amz-Executed-Version"), "$LATEST"))
	assert.Check(t, is.Equal(responseBody(t, resp), `{"instance_id":"a"}`))

	// An empty Invoke reaches the function as {}, as on Lambda.
	serve(h, http.MethodPost, "/2015-03-31/functions/probe/invocations", "")
	assert.Check(t, is.DeepEqual(fn.payloads, []string{`{"sleep_ms":1}`, `{}`}))

	for _, tc := range []struct{ method, path string }{
		{http.MethodPost, "/2015-03-31/functions/other/invocations"},
		{http.MethodGet, "/2015-03-31/functions/probe/invocations"},
		{http.MethodPost, "/2015-03-31/functions/probe"},
	} {
		resp := serve(h, tc.method, tc.path, "{}")
		assert.Check(t, is.Equal(resp.StatusCode, http.StatusNotFound), "%s %s", tc.method, tc.path)
		assert.Check(t, is.Equal(resp.Header.Get("X-Amzn-ErrorType"), "ResourceNotFoundException"))
	}
	assert.Check(t, is.Equal(notFound, 3))
	assert.Check(t, is.Len(fn.payloads, 2), "refused calls never reach the function")

	big := serve(h, http.MethodPost, "/2015-03-31/functions/probe/invocations", strings.Repeat(" ", MaxPayload+1))
	assert.Check(t, is.Equal(big.StatusCode, http.StatusRequestEntityTooLarge))
	assert.Check(t, is.Len(fn.payloads, 2))
}

func TestErrorsByFrontDoor(t *testing.T) {
	envelope := ErrorPayload("Runtime.ExitError", "exited")
	fn := &fakeFunction{answer: Result{Payload: envelope, FunctionError: true}}
	h := &Handler{FunctionName: "probe", Function: fn}

	// A function error: 200 with X-Amz-Function-Error and the envelope
	// through the Invoke API, a 502 through a Function URL.
	resp := serve(h, http.MethodPost, "/2015-03-31/functions/probe/invocations", "{}")
	assert.Check(t, is.Equal(resp.StatusCode, http.StatusOK))
	assert.Check(t, is.Equal(resp.Header.Get("X-Amz-Function-Error"), "Unhandled"))
	var e ErrorEnvelope
	assert.NilError(t, json.Unmarshal([]byte(responseBody(t, resp)), &e))
	assert.Check(t, is.DeepEqual(e, ErrorEnvelope{ErrorMessage: "exited", ErrorType: "Runtime.ExitError"}))
	resp = serve(h, http.MethodGet, "/?sleep_ms=1", "")
	assert.Check(t, is.Equal(resp.StatusCode, http.StatusBadGateway))

	// Throttled: 429 TooManyRequestsException through either door; any
	// other refusal is a 500 ServiceException.
	fn.err = ErrThrottled
	for _, path := range []string{"/2015-03-31/functions/probe/invocations", "/"} {
		resp = serve(h, http.MethodPost, path, "{}")
		assert.Check(t, is.Equal(resp.StatusCode, http.StatusTooManyRequests), path)
		assert.Check(t, is.Equal(resp.Header.Get("X-Amzn-ErrorType"), "TooManyRequestsException"), path)
	}
	fn.err = io.ErrUnexpectedEOF
	resp = serve(h, http.MethodPost, "/2015-03-31/functions/probe/invocations", "{}")
	assert.Check(t, is.Equal(resp.StatusCode, http.StatusInternalServerError))
	assert.Check(t, is.Equal(resp.Header.Get("X-Amzn-ErrorType"), "ServiceException"))
}

func TestFunctionURLMapping(t *testing.T) {
	structured, err := json.Marshal(events.LambdaFunctionURLResponse{StatusCode: http.StatusTeapot,
		Headers: map[string]string{"X-Probe": "yes"}, Body: `{"instance_id":"a"}`})
	assert.NilError(t, err)
	fn := &fakeFunction{answer: Result{Payload: structured}}
	h := &Handler{FunctionName: "probe", Function: fn}

	resp := serve(h, http.MethodGet, "/some/path?sleep_ms=5&x=1&x=2", "")
	assert.Check(t, is.Equal(resp.StatusCode, http.StatusTeapot))
	assert.Check(t, is.Equal(resp.Header.Get("X-Probe"), "yes"))
	assert.Check(t, is.Equal(responseBody(t, resp), `{"instance_id":"a"}`))

	var ev events.LambdaFunctionURLRequest
	assert.NilError(t, json.Unmarshal([]byte(fn.payloads[0]), &ev))
	assert.Check(t, is.Equal(ev.Version, "2.0"))
	assert.Check(t, is.Equal(ev.RawPath, "/some/path"))
	assert.Check(t, is.DeepEqual(ev.QueryStringParameters, map[string]string{"sleep_ms": "5", "x": "1,2"}))
	assert.Check(t, is.Equal(ev.RequestContext.HTTP.Method, http.MethodGet))

	// An answer that is not a structured response is the body of a 200.
	fn.answer = Result{Payload: []byte("plain-id")}
	resp = serve(h, http.MethodGet, "/", "")
	assert.Check(t, is.Equal(resp.StatusCode, http.StatusOK))
	assert.Check(t, bytes.Equal([]byte(responseBody(t, resp)), []byte("plain-id")))
}

// TestHardenCutsOffSlowAndIdleClients: a client that never finishes its
// headers is cut off at the header timeout, an idle kept-alive connection
// at the idle timeout, and headers past the cap get 431.
func TestHardenCutsOffSlowAndIdleClients(t *testing.T) {
	srv := Harden(&http.Server{ReadHeaderTimeout: 200 * time.Millisecond, IdleTimeout: 300 * time.Millisecond,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })})
	assert.Check(t, srv.ReadTimeout == ReadTimeout && srv.MaxHeaderBytes == MaxHeaderBytes, "the unset limits get their defaults")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	assert.NilError(t, err)
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	closedWithin := func(conn net.Conn, d time.Duration) bool {
		conn.SetReadDeadline(time.Now().Add(d))
		_, err := io.ReadAll(conn)
		return err == nil // EOF: the server closed it; a deadline error: it did not
	}
	slow, err := net.Dial("tcp", ln.Addr().String())
	assert.NilError(t, err)
	defer slow.Close()
	_, err = io.WriteString(slow, "GET / HTTP/1.1\r\nHost: x\r\n") // and never the blank line
	assert.NilError(t, err)
	assert.Check(t, closedWithin(slow, 3*time.Second), "a client trickling its headers is cut off")

	idle, err := net.Dial("tcp", ln.Addr().String())
	assert.NilError(t, err)
	defer idle.Close()
	_, err = io.WriteString(idle, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	assert.NilError(t, err)
	br := bufio.NewReader(idle)
	resp, err := http.ReadResponse(br, nil)
	assert.NilError(t, err)
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	assert.Check(t, closedWithin(idle, 3*time.Second), "an idle kept-alive connection is closed")

	req, err := http.NewRequest(http.MethodGet, "http://"+ln.Addr().String()+"/", nil)
	assert.NilError(t, err)
	req.Header.Set("X-Big", strings.Repeat("a", 2*MaxHeaderBytes))
	resp, err = http.DefaultClient.Do(req)
	assert.NilError(t, err)
	resp.Body.Close()
	assert.Check(t, is.Equal(resp.StatusCode, http.StatusRequestHeaderFieldsTooLarge))
}

// TestMalformedBodiesAre400: a body that cannot be read (a broken chunked
// encoding, over a real connection) is the caller's fault: 400 on both
// paths, before the function runs; a body past the payload limit is 413.
func TestMalformedBodiesAre400(t *testing.T) {
	fn := &fakeFunction{answer: Result{Payload: []byte(`{"instance_id":"a"}`)}}
	srv := httptest.NewServer(&Handler{FunctionName: "probe", Function: fn})
	t.Cleanup(srv.Close)
	for _, path := range []string{"/anything", invokePathPrefix + "probe" + invokePathSuffix} {
		conn, err := net.Dial("tcp", srv.Listener.Addr().String())
		assert.NilError(t, err)
		fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nnot a chunk\r\n0\r\n\r\n", path)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		assert.NilError(t, err)
		assert.Check(t, is.Equal(resp.StatusCode, http.StatusBadRequest), path)
		conn.Close()
	}
	assert.Check(t, is.Len(fn.payloads, 0), "the function ran on a malformed body")
	big := serve(&Handler{FunctionName: "probe", Function: fn}, http.MethodPost, "/anything", strings.Repeat("x", MaxPayload+1))
	assert.Check(t, is.Equal(big.StatusCode, http.StatusRequestEntityTooLarge))
}

// TestTenantIsolationAtTheFrontDoor: a function in tenant isolation mode
// gets each call's tenant id from X-Amz-Tenant-Id, on the Invoke API and
// over HTTP; a call without one, a call with one to a function without
// the mode, and a bad id are refused with InvalidParameterValueException
// before the function runs.
func TestTenantIsolationAtTheFrontDoor(t *testing.T) {
	fn := &fakeFunction{answer: Result{Payload: []byte(`{"instance_id":"a"}`)}}
	isolated := &Handler{FunctionName: "probe", Function: fn, TenantIsolation: true}
	plain := &Handler{FunctionName: "probe", Function: fn}
	call := func(h *Handler, path, tenant string) *http.Response {
		r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(`{}`))
		if tenant != "" {
			r.Header.Set(TenantHeader, tenant)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Result()
	}
	const invoke = "/2015-03-31/functions/probe/invocations"
	assert.Check(t, is.Equal(call(isolated, invoke, "blue").StatusCode, http.StatusOK))
	assert.Check(t, is.Equal(call(isolated, "/", "acme:eu/1").StatusCode, http.StatusOK))
	assert.Check(t, is.Equal(call(plain, invoke, "").StatusCode, http.StatusOK))
	assert.Check(t, is.DeepEqual(fn.tenants, []string{"blue", "acme:eu/1", ""}))

	for _, tc := range []struct {
		h      *Handler
		tenant string
		want   string
	}{
		{isolated, "", "needs a tenant id"},
		{plain, "blue", "a tenant id was given to a function without tenant isolation"},
		{isolated, "a;b", "letters, digits, spaces"},
	} {
		resp := call(tc.h, invoke, tc.tenant)
		assert.Check(t, is.Equal(resp.StatusCode, http.StatusBadRequest))
		assert.Check(t, is.Equal(resp.Header.Get("X-Amzn-ErrorType"), "InvalidParameterValueException"))
		assert.Check(t, is.Contains(responseBody(t, resp), tc.want))
	}
	assert.Check(t, is.Len(fn.tenants, 3), "no refused call reached the function")
}
