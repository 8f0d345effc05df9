package endpoint

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/lambda-reuse/lambda-reuse/internal/testenv"
	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

func TestRedact(t *testing.T) {
	u, err := url.Parse("https://user:pa55@abc.lambda-url.eu-west-1.on.aws/path?token=s3cret&a=1")
	assert.NilError(t, err)
	got := redact(u)
	// The path's hash, as sha256sum gives it: printf /path | sha256sum
	assert.Check(t, is.Equal(got, "https://abc.lambda-url.eu-west-1.on.aws/path-379c9f23?a=REDACTED&token=REDACTED"))
	assert.Check(t, is.Equal(redactQuery(u), "https://abc.lambda-url.eu-west-1.on.aws/path?a=REDACTED&token=REDACTED"))
	// A secret in the path never shows; two paths stay apart.
	s, err := url.Parse("https://abc.lambda-url.eu-west-1.on.aws/pathSECRET/?token=x")
	assert.NilError(t, err)
	assert.Check(t, !strings.Contains(redact(s), "SECRET"), redact(s))
	assert.Check(t, redact(s) != got)
	root, err := url.Parse("https://abc.lambda-url.eu-west-1.on.aws/")
	assert.NilError(t, err)
	assert.Check(t, is.Equal(redact(root), "https://abc.lambda-url.eu-west-1.on.aws/"))
}

func TestParseBody(t *testing.T) {
	tests := []struct {
		body  string
		want  record.Record
		class record.ErrorClass
	}{
		{`{"instance_id":"abc","invocation":3,"log_stream":"ls","boot_id":"b"}`,
			record.Record{Status: record.StatusOK, InstanceID: "abc", Invocation: 3, LogStream: "ls", BootID: "b"}, ""},
		{`{"instance_id":"abc","invocation":1,"init_at":"2026-11-27T08:00:00.5+01:00"}`,
			record.Record{Status: record.StatusOK, InstanceID: "abc", Invocation: 1, InitAt: time.Date(2026, 11, 27, 7, 0, 0, 5e8, time.UTC)}, ""},
		{`{"instance_id":"abc","init_at":"not a time"}`, record.Record{Status: record.StatusOK, InstanceID: "abc"}, ""},
		{`{"instance_id":"abc","init_type":"provisioned-concurrency"}`, record.Record{Status: record.StatusOK, InstanceID: "abc", InitType: record.InitProvisioned}, ""},
		{`{"instance_id":"abc","init_type":"warm-from-a-friend"}`, record.Record{Status: record.StatusOK, InstanceID: "abc"}, ""}, // only documented types
		{"Xy7Qp2Lm9A\n", record.Record{Status: record.StatusOK, InstanceID: "Xy7Qp2Lm9A"}, ""},                                    // the 2021 probe
		{`{"instance_id": 5}`, record.Record{}, record.ClassBadBody},
		{`{"hello":"world"}`, record.Record{}, record.ClassBadBody},
		{"two words", record.Record{}, record.ClassBadBody},
		{"", record.Record{}, record.ClassBadBody},
		{strings.Repeat("x", 200), record.Record{}, record.ClassBadBody},
		// Lambda's function-error envelope, as the emulator passes it on
		// (a 200 without X-Amz-Function-Error): a function error.
		{`{"errorMessage":"Task timed out after 3.00 seconds","errorType":"Sandbox.Timedout"}`, record.Record{ErrorType: "Sandbox.Timedout"}, record.ClassFunctionError},
		{`{"errorType":"Runtime.ExitError"}`, record.Record{ErrorType: "Runtime.ExitError"}, record.ClassFunctionError},
		{`{"errorMessage":"RequestId: r Error: Runtime exited with error: signal: killed","errorType":"Runtime.OutOfMemory"}`, record.Record{ErrorType: "Runtime.OutOfMemory"}, record.ClassFunctionError},
		// A type the function named itself is not Lambda's: not kept.
		{`{"errorMessage":"no such order","errorType":"*errors.errorString"}`, record.Record{}, record.ClassFunctionError},
		{`{"errorMessage":"x","errorType":"Runtime.Out Of Memory; secret=1"}`, record.Record{}, record.ClassFunctionError},
	}
	for _, tc := range tests {
		var got record.Record
		parseBody([]byte(tc.body), &got)
		if tc.class != "" {
			assert.Check(t, is.Equal(got.ErrorClass, tc.class), "body %q", tc.body)
			assert.Check(t, is.Equal(got.Status, record.StatusError), "body %q", tc.body)
			if tc.class == record.ClassFunctionError {
				assert.Check(t, is.Contains(got.Error, "function error: "), "body %q", tc.body)
			}
			assert.Check(t, is.Equal(got.ErrorType, tc.want.ErrorType), "body %q: Lambda's own error types are kept", tc.body)
			continue
		}
		assert.Check(t, is.DeepEqual(got, tc.want), "body %q", tc.body)
	}

	// A call of a tenant: the environment's own tenant must be the call's.
	for _, tc := range []struct {
		body  string
		class record.ErrorClass
	}{
		{`{"instance_id":"abc","tenant_id":"blue-7"}`, ""},
		{`{"instance_id":"abc"}`, ""}, // a probe that does not say
		{`{"instance_id":"abc","tenant_id":"red-9"}`, record.ClassTenantMismatch},
	} {
		got := record.Record{Tenant: "blue-7"}
		parseBody([]byte(tc.body), &got)
		assert.Check(t, is.Equal(got.ErrorClass, tc.class), tc.body)
		assert.Check(t, is.Equal(got.Tenant, "blue-7"))
		assert.Check(t, !strings.Contains(got.Error, "red-9") && !strings.Contains(got.Error, "blue-7"), "no tenant id in the error: %q", got.Error)
		assert.Check(t, !got.Served() || tc.class == "")
	}
}

func call(t *testing.T, h *HTTP) record.Record {
	t.Helper()
	var rec record.Record
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	h.Call(ctx, &rec)
	return rec
}

func TestHTTPEndpointClassifies(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) {
		assert.Check(t, is.Equal(r.URL.Query().Get("sleep_ms"), "500"))
		assert.Check(t, is.Equal(r.URL.Query().Get("keep"), "me"), "the URL's own query is kept")
		w.Write([]byte(`{"instance_id":"i1","invocation":1}`))
	})
	mux.HandleFunc("/429", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(429) })
	mux.HandleFunc("/403", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(403) })
	mux.HandleFunc("/503", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) })
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) { w.Write(make([]byte, maxBody+1)) })
	mux.HandleFunc("/edge", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(strings.Repeat(" ", maxBody-3) + "abc")) // exactly at the cap
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	for path, want := range map[string]record.ErrorClass{"/429": record.ClassThrottled, "/403": record.ClassHTTP4xx,
		"/503": record.ClassHTTP5xx, "/big": record.ClassBadBody} {
		h, err := NewHTTP(srv.URL+path, 500, HTTPOptions{})
		assert.NilError(t, err)
		assert.Check(t, is.Equal(call(t, h).ErrorClass, want), path)
	}
	h, err := NewHTTP(srv.URL+"/ok?keep=me", 500, HTTPOptions{})
	assert.NilError(t, err)
	assert.Check(t, is.DeepEqual(call(t, h), record.Record{Status: record.StatusOK, InstanceID: "i1", Invocation: 1}))
	h, err = NewHTTP(srv.URL+"/edge", 0, HTTPOptions{})
	assert.NilError(t, err)
	assert.Check(t, is.Equal(call(t, h).InstanceID, "abc"), "a body of exactly 64 KiB is read")

	// Nothing listens on a closed server's port: connect.
	closed := httptest.NewServer(mux)
	closed.Close()
	h, err = NewHTTP(closed.URL, 0, HTTPOptions{})
	assert.NilError(t, err)
	rec := call(t, h)
	assert.Check(t, is.Equal(rec.ErrorClass, record.ClassConnect))
	assert.Check(t, !strings.Contains(rec.Error, closed.URL), "no URL in the message: %s", rec.Error)
}

func TestHTTPEndpointSignsWithSigV4(t *testing.T) {
	creds := credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret-key-never-sent", "session-token")
	var got *http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Clone(context.Background())
		w.Write([]byte(`{"instance_id":"i1"}`))
	}))
	defer srv.Close()
	cfg := aws.Config{Region: "eu-west-1", Credentials: creds}
	h, err := NewHTTP(srv.URL+"/", 500, HTTPOptions{AWS: &cfg})
	assert.NilError(t, err)
	assert.Check(t, is.Equal(h.Describe(), srv.URL+"/ (IAM)"))
	assert.Check(t, is.Equal(call(t, h).Status, record.StatusOK))

	auth := got.Header.Get("Authorization")
	assert.Check(t, strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"), auth)
	assert.Check(t, is.Contains(auth, "/eu-west-1/lambda/aws4_request"))
	assert.Check(t, is.Equal(got.Header.Get("X-Amz-Security-Token"), "session-token"))
	// Re-sign the request as received, at its own X-Amz-Date: the same
	// signature means the server's AWS would accept it.
	when, err := time.Parse("20060102T150405Z", got.Header.Get("X-Amz-Date"))
	assert.NilError(t, err)
	check, err := http.NewRequest(http.MethodGet, srv.URL+got.URL.RequestURI(), nil)
	assert.NilError(t, err)
	c, err := creds.Retrieve(t.Context())
	assert.NilError(t, err)
	assert.NilError(t, v4.NewSigner().SignHTTP(t.Context(), c, check, emptySHA256, "lambda", "eu-west-1", when))
	assert.Check(t, is.Equal(check.Header.Get("Authorization"), auth))
}

func TestNewHTTPRejectsBadURLs(t *testing.T) {
	for _, u := range []string{"", "not a url", "ftp://host/", "http:///nohost", "://x"} {
		_, err := NewHTTP(u, 0, HTTPOptions{})
		assert.Check(t, is.ErrorContains(err, "must be an http(s) URL"), "%q", u)
	}
	_, err := NewHTTP("https://x/", 0, HTTPOptions{AWS: &aws.Config{}})
	assert.Check(t, is.ErrorContains(err, "needs a region"))
}

func TestTLSAndDNSFailuresAreClassified(t *testing.T) {
	// A real TLS server whose certificate nobody trusts.
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	h, err := NewHTTP(srv.URL+"/?token=s3cret", 0, HTTPOptions{})
	assert.NilError(t, err)
	rec := call(t, h)
	assert.Check(t, is.Equal(rec.ErrorClass, record.ClassTLS), rec.Error)
	assert.Check(t, !strings.Contains(rec.Error, "s3cret"))

	// A failed lookup, as net/http reports it (no resolver is reached here).
	var dns record.Record
	classify(&dns, &url.Error{Op: "Get", URL: "https://abc.lambda-url.eu-west-1.on.aws/?token=s3cret",
		Err: &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "abc.lambda-url.eu-west-1.on.aws", IsNotFound: true}}})
	assert.Check(t, is.Equal(dns.ErrorClass, record.ClassDNS))
	assert.Check(t, is.Equal(dns.Error, "dns: no such host"))
}

// TestHTTPEndpointNeverResendsACall serves the first request on a connection
// and hangs up on the second after reading it, the way a crashed front end
// would. net/http resends an idempotent GET in that case, on a new
// connection, and a resend is a hidden extra invocation: the endpoint must
// make exactly one request per call, and send a plain GET (no body, no
// Transfer-Encoding, no Content-Length) while doing so.
func TestHTTPEndpointNeverResendsACall(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	assert.NilError(t, err)
	defer ln.Close()
	var (
		mu       sync.Mutex
		requests []string // each request's head, as received
	)
	go testenv.ServeRaw(ln, func(head []byte, served int) []byte {
		mu.Lock()
		requests = append(requests, string(head))
		mu.Unlock()
		if served == 1 {
			return nil // a reset, not a clean close
		}
		return []byte("HTTP/1.1 200 OK\r\nContent-Length: 19\r\n\r\n{\"instance_id\":\"i\"}")
	})
	h, err := NewHTTP("http://"+ln.Addr().String()+"/", 0, HTTPOptions{})
	assert.NilError(t, err)
	assert.Check(t, is.Equal(call(t, h).Status, record.StatusOK))
	rec := call(t, h) // on the reused connection, which the server drops
	assert.Check(t, is.Equal(rec.Status, record.StatusError))
	assert.Check(t, is.Equal(rec.ErrorClass, record.ClassConnect))
	// A resend would happen inside that call, and the server notes each
	// request before it answers: the list is complete.
	mu.Lock()
	defer mu.Unlock()
	assert.Check(t, is.Len(requests, 2), "one request per call, never a resend")
	for _, r := range requests {
		assert.Check(t, strings.HasPrefix(r, "GET /?sleep_ms=0 HTTP/1.1\r\n"), r)
		for _, h := range []string{"transfer-encoding", "content-length"} {
			assert.Check(t, !strings.Contains(strings.ToLower(r), h), "a plain GET, without %s: %q", h, r)
		}
	}
}

// TestEndpointsAskForTheLeak: an endpoint told to leak asks for it in every
// call, in the Invoke payload or the URL's query (any leak_kb the URL had
// is replaced), and says so in its description, so a record log of another
// leak is another run's.
func TestEndpointsAskForTheLeak(t *testing.T) {
	var mu sync.Mutex
	var queries, payloads []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		queries, payloads = append(queries, r.URL.RawQuery), append(payloads, string(b))
		mu.Unlock()
		w.Write([]byte(`{"instance_id":"i1","rss_mb":80.5,"memory_mb":512}`))
	}))
	defer srv.Close()

	h, err := NewHTTP(srv.URL+"/?leak_kb=9&keep=me", 20, HTTPOptions{})
	assert.NilError(t, err)
	h.Leak(102.4)
	rec := call(t, h)
	assert.Check(t, is.Equal(rec.MemoryUsedMB, 80.5))
	assert.Check(t, is.Equal(rec.MemorySizeMB, 512))
	h.PerCall(func(int64) time.Duration { return 30 * time.Millisecond })
	call(t, h)
	assert.Check(t, is.DeepEqual(queries, []string{"keep=me&leak_kb=102.4&sleep_ms=20", "keep=me&leak_kb=102.4&sleep_ms=30"}))
	assert.Check(t, is.Equal(h.Describe(), redact(h.url)+" (leak 102.4 KB a call)"))

	cfg := aws.Config{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKID", "secret", ""), BaseEndpoint: aws.String(srv.URL)}
	inv, err := NewInvoke(cfg, "probe", "", 20)
	assert.NilError(t, err)
	inv.Leak(100)
	rec = record.Record{Scheduled: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	inv.Call(t.Context(), &rec)
	assert.Check(t, is.Equal(rec.Status, record.StatusOK), rec.Error)
	assert.Check(t, is.Equal(payloads[len(payloads)-1], `{"sleep_ms":20,"leak_kb":100,"scheduled":"2026-01-02T03:04:05Z"}`))
	assert.Check(t, is.Equal(inv.Describe(), "invoke:probe (leak 100 KB a call)"))
}
