package endpoint

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/lambda-reuse/lambda-reuse/probe/protocol"
	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdaapi"
	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
)

// emptySHA256 is the SigV4 payload hash of a GET's empty body.
var emptySHA256 = func() string { h := sha256.Sum256(nil); return hex.EncodeToString(h[:]) }()

// HTTP calls a Function URL or API Gateway URL with GET ?sleep_ms=N.
type HTTP struct {
	url       *url.URL
	showPath  bool
	callURL   string // url with sleep_ms set, built once
	callBase  string // url without sleep_ms, ending in ? or &, for per-call handler times
	handlerMS int64
	handler   func(seq int64) time.Duration
	leakKB    float64 // what each call asks the function to leak (Leak); 0 none
	client    *http.Client
	signer    *v4.Signer
	creds     aws.CredentialsProvider
	region    string
}

// HTTPOptions configures an HTTP endpoint.
type HTTPOptions struct {
	// AWS, when set, signs every request with SigV4 for service "lambda"
	// (a Function URL with AWS_IAM auth), with its credentials and region.
	AWS *aws.Config
	// MaxConns bounds connections to the host; 0 means no bound. Idle
	// connections are kept alive for reuse.
	MaxConns int
	// ShowPath keeps the URL's path text in the endpoint's description
	// (redactQuery); by default it is hashed (redact).
	ShowPath bool
}

// NewHTTP returns an endpoint for rawURL, calling it with the plan's handler sleep.
func NewHTTP(rawURL string, handlerMS int64, opts HTTPOptions) (*HTTP, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		// err quotes the URL: say only what is wrong.
		return nil, fmt.Errorf("http endpoint: LAMBDA_REUSE_URL must be an http(s) URL with a host")
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConns = 0
	transport.MaxIdleConnsPerHost = 4096
	transport.MaxConnsPerHost = opts.MaxConns
	transport.IdleConnTimeout = 5 * time.Minute
	transport.DisableCompression = true // the probe's answers are small
	h := &HTTP{url: u, showPath: opts.ShowPath, client: &http.Client{Transport: transport, CheckRedirect: noRedirects}}
	call := *u
	q := call.Query()
	q.Del("sleep_ms")
	q.Del(protocol.LeakField)
	call.RawQuery = q.Encode()
	h.callBase = call.String() + "?"
	if call.RawQuery != "" {
		h.callBase = call.String() + "&"
	}
	h.handlerMS = handlerMS
	h.callURL = h.callBase + "sleep_ms=" + strconv.FormatInt(handlerMS, 10)
	if opts.AWS != nil {
		if opts.AWS.Region == "" {
			return nil, fmt.Errorf("http endpoint: IAM auth needs a region (AWS_REGION or a profile's region)")
		}
		h.signer, h.creds, h.region = v4.NewSigner(), opts.AWS.Credentials, opts.AWS.Region
	}
	return h, nil
}

// identity is the Transfer-Encoding of every request: see Call.
var identity = []string{"identity"}

// noBody is an empty request body that net/http cannot rewind. WriteTo
// spares net/http the 32 KiB buffer io.Copy would allocate to copy it.
type noBody struct{}

func (noBody) Read([]byte) (int, error)         { return 0, io.EOF }
func (noBody) WriteTo(io.Writer) (int64, error) { return 0, nil }
func (noBody) Close() error                     { return nil }

func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// PerCall makes each call ask for its own handler time (a trace's
// durations) instead of the one given at construction.
func (h *HTTP) PerCall(handler func(seq int64) time.Duration) { h.handler = handler }

// Leak makes every call ask the probe to grow its global by kb KB
// (leak_kb in the query); 0 asks nothing. Call it once, before the calls.
func (h *HTTP) Leak(kb float64) {
	if kb <= 0 || h.leakKB > 0 {
		return
	}
	h.leakKB = kb
	h.callBase += protocol.LeakField + "=" + leakText(kb) + "&"
	h.callURL = h.callBase + "sleep_ms=" + strconv.FormatInt(h.handlerMS, 10)
}

// CloseIdleConnections closes the connections kept alive for reuse.
func (h *HTTP) CloseIdleConnections() { h.client.CloseIdleConnections() }

// Describe is the redacted URL.
func (h *HTTP) Describe() string {
	d := redact(h.url)
	if h.showPath {
		d = redactQuery(h.url)
	}
	if h.signer != nil {
		d += " (IAM)"
	}
	return d + leakNote(h.leakKB)
}

// leakText is a leak in KB as a call asks for it: the shortest decimal.
func leakText(kb float64) string { return strconv.FormatFloat(kb, 'f', -1, 64) }

// leakNote is what an endpoint's description says of the leak its calls ask
// for: nothing for none. A run that asks another leak is another run (a
// record log refuses to resume it).
func leakNote(kb float64) string {
	if kb <= 0 {
		return ""
	}
	return " (leak " + leakText(kb) + " KB a call)"
}

// Call sends one GET and fills rec.
func (h *HTTP) Call(ctx context.Context, rec *record.Record) {
	// An empty but non-nil body, without GetBody, makes the request not
	// "replayable": net/http would otherwise silently resend a GET whose
	// reused connection broke after sending, and every resend is a hidden
	// extra invocation. Transfer-Encoding "identity" stops net/http from
	// probing that body on a goroutine (and, when the probe is slow under
	// load, sending the GET chunked): the GET goes out plain, with no body
	// and neither Content-Length nor Transfer-Encoding.
	callURL := h.callURL
	if h.handler != nil {
		callURL = h.callBase + "sleep_ms=" + strconv.FormatInt(h.handler(rec.Seq).Milliseconds(), 10)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, callURL, noBody{})
	if err != nil {
		fail(rec, record.StatusError, record.ClassConnect, "build request: bad URL")
		return
	}
	req.TransferEncoding = identity
	if rec.Tenant != "" {
		// The tenant, as a front door mapped to a tenant-isolated function
		// takes it (API Gateway maps a header to it); signed with the rest.
		req.Header[lambdaapi.TenantHeader] = []string{rec.Tenant}
	}
	if h.signer != nil {
		creds, err := h.creds.Retrieve(ctx)
		if err != nil {
			fail(rec, record.StatusError, record.ClassHTTP4xx, "sign request: no AWS credentials")
			return
		}
		if err := h.signer.SignHTTP(ctx, creds, req, emptySHA256, "lambda", h.region, time.Now()); err != nil {
			fail(rec, record.StatusError, record.ClassHTTP4xx, "sign request failed")
			return
		}
	}
	// When the call was scheduled, for a served pool to run its model on
	// (set after signing: an unsigned header, which SigV4 allows).
	req.Header[protocol.ScheduledHeader] = []string{rec.Scheduled.UTC().Format(time.RFC3339Nano)}
	if rec.Order != "" {
		req.Header[protocol.OrderHeader] = []string{rec.Order}
	}
	resp, err := h.client.Do(req)
	if err != nil {
		classify(rec, err)
		return
	}
	defer resp.Body.Close()
	body, err := readCapped(resp.Body)
	if err != nil {
		classify(rec, err)
		return
	}
	rec.Scale, rec.Profile = scaleOf(resp.Header), profileOf(resp.Header)
	if resp.StatusCode != http.StatusOK {
		classifyStatus(rec, resp.StatusCode)
		return
	}
	parseBody(body, rec)
}
