package probe

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/lambda-reuse/lambda-reuse/probe/protocol"
)

// The protocol's names, for the probe's own code and its callers alike
// (package protocol holds them without the Lambda runtime).
const (
	MaxSleepMS      = protocol.MaxSleepMS
	ScheduledField  = protocol.ScheduledField
	ScheduledHeader = protocol.ScheduledHeader
	OrderField      = protocol.OrderField
	OrderHeader     = protocol.OrderHeader
	LeakField       = protocol.LeakField
	MaxLeakKB       = protocol.MaxLeakKB
)

// bootIDPath holds the kernel's boot id: the same for every environment on
// one host (or microVM) until it reboots.
const bootIDPath = "/proc/sys/kernel/random/boot_id"

// Identity describes one execution environment. It is fixed at init.
type Identity struct {
	InstanceID      string
	InitAt          time.Time
	BootID          string
	LogStream       string
	InitType        string
	MemoryMB        int
	FunctionVersion string
	Region          string
	// MaxConcurrency is AWS_LAMBDA_MAX_CONCURRENCY, set on Managed
	// Instances only: the most calls the environment serves at once; 0
	// when unset (or not a number from 1 to 1,048,576).
	MaxConcurrency int
}

// NewIdentity creates the identity of this process: a 128-bit random
// instance id from crypto/rand, the init time, the boot id (empty if
// unreadable) and the few Lambda settings the response reports, read from
// lambdacontext and two named environment variables, nothing else.
func NewIdentity(now time.Time) (Identity, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return Identity{}, fmt.Errorf("new identity: %w", err)
	}
	bootID, _ := os.ReadFile(bootIDPath)
	return Identity{
		InstanceID:      hex.EncodeToString(b[:]),
		InitAt:          now.UTC(),
		BootID:          strings.TrimSpace(string(bootID)),
		LogStream:       lambdacontext.LogStreamName,
		InitType:        os.Getenv("AWS_LAMBDA_INITIALIZATION_TYPE"),
		MemoryMB:        lambdacontext.MemoryLimitInMB,
		FunctionVersion: lambdacontext.FunctionVersion,
		Region:          os.Getenv("AWS_REGION"),
		MaxConcurrency:  maxConcurrency(os.Getenv("AWS_LAMBDA_MAX_CONCURRENCY")),
	}, nil
}

// maxConcurrency reads AWS_LAMBDA_MAX_CONCURRENCY: a whole number from 1
// to 1<<20, else 0 (not kept).
func maxConcurrency(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 1<<20 {
		return 0
	}
	return n
}

// Response is everything the probe returns: an allow-list.
type Response = protocol.Response

// Probe is the handler of one environment.
type Probe struct {
	id          Identity
	invocations atomic.Int64
	inFlight    atomic.Int64 // calls being served now
	leak        leak         // what calls asked the environment to leak
}

// leak is a global that calls grow on request (leak_kb) and nothing frees:
// it lives as long as the process, as a leaking function's globals do, to
// the next reset or the environment's end. It grows into address space
// reserved once, outside the Go heap, writing each page it reaches, so
// the process's resident memory grows by what was asked, to the page,
// with no allocator's rounding or collector's headroom on top; where no
// space can be reserved, it grows by heap allocations.
type leak struct {
	mu     sync.Mutex
	arena  []byte   // reserved space, resident as far as bytes reaches
	chunks [][]byte // heap allocations, where no space was reserved
	tried  bool     // the reservation was tried
	bytes  int64
	asked  bool
}

// grow adds n bytes to the global, up to capBytes in all, and returns what
// it holds. Every page of what it adds is written, so the memory is
// resident, not only reserved.
func (l *leak) grow(n, capBytes int64) int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.asked = true
	if n = min(n, capBytes-l.bytes); n <= 0 {
		return l.bytes
	}
	if !l.tried {
		l.tried = true
		l.arena, _ = reserve(capBytes) // nil where it cannot: heap chunks
	}
	ps := int64(pageSize)
	if end := l.bytes + n; end <= int64(len(l.arena)) {
		for off := l.bytes; off < end; off = (off/ps + 1) * ps {
			l.arena[off] = 1
		}
	} else {
		b := make([]byte, n)
		for i := 0; i < len(b); i += pageSize {
			b[i] = 1
		}
		l.chunks = append(l.chunks, b)
	}
	l.bytes += n
	return l.bytes
}

// held is what the global holds, and whether any call asked it to grow.
func (l *leak) held() (int64, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.bytes, l.asked
}

var pageSize = os.Getpagesize()

// leakCap is the most the leaked global may hold, in bytes: the
// function's memory size where the process knows it, else
// protocol.DefaultLeakCapMB.
func (p *Probe) leakCap() int64 {
	mb := int64(protocol.DefaultLeakCapMB)
	if p.id.MemoryMB > 0 {
		mb = int64(p.id.MemoryMB)
	}
	return mb << 20
}

// statmPath holds the process's memory in pages: total, resident, ...
const statmPath = "/proc/self/statm"

// residentMB is the process's resident memory in MB (2^20 bytes), to the
// KB; 0 when it cannot be read (not Linux).
func residentMB() float64 {
	b, err := os.ReadFile(statmPath)
	if err != nil {
		return 0
	}
	fields := strings.Fields(string(b))
	if len(fields) < 2 {
		return 0
	}
	pages, err := strconv.ParseInt(fields[1], 10, 64)
	if err != nil || pages < 0 {
		return 0
	}
	return kbToMB(pages * int64(pageSize) >> 10)
}

// kbToMB is kb kilobytes in MB, to three decimals.
func kbToMB(kb int64) float64 { return float64(kb*1000/1024) / 1000 }

// New returns the probe of the environment id describes.
func New(id Identity) *Probe { return &Probe{id: id} }

// event is the part of an incoming payload the probe reads: a direct
// Invoke payload ({"sleep_ms": 500}), or a Function URL / API Gateway
// HTTP API v2 or REST (v1) proxy event with ?sleep_ms=500.
type event struct {
	SleepMS               json.RawMessage   `json:"sleep_ms"`
	LeakKB                json.RawMessage   `json:"leak_kb"`
	Scheduled             string            `json:"scheduled"`
	Order                 string            `json:"order"`
	Headers               map[string]string `json:"headers"`
	RequestContext        json.RawMessage   `json:"requestContext"`
	HTTPMethod            string            `json:"httpMethod"`
	Version               string            `json:"version"`
	QueryStringParameters map[string]string `json:"queryStringParameters"`
}

func (e *event) isHTTP() bool { return len(e.RequestContext) > 0 || e.HTTPMethod != "" }

// isV1 reports an API Gateway REST (payload format 1.0) event, which wants
// a v1 proxy response.
func (e *event) isV1() bool { return e.HTTPMethod != "" && e.Version != "2.0" }

// ErrBadInput is wrapped by every error about the caller's input.
var ErrBadInput = errors.New("bad input")

// Request is one decoded call: how long to sleep, and how to shape the
// answer for the front door it came through.
type Request struct {
	// SleepMS is the sleep asked for, 0 to MaxSleepMS.
	SleepMS int64
	// LeakBytes is what the call asks the environment's global to grow by
	// (leak_kb, in bytes), 0 to MaxLeakKB KB.
	LeakBytes int64
	// Scheduled is when the caller scheduled the call, if it said so
	// (ScheduledField or ScheduledHeader); zero otherwise.
	Scheduled time.Time
	// Order is the call's place in its run's sending order (OrderField or
	// OrderHeader), "" when it did not say.
	Order string
	ev    event
}

// ParseRequest decodes a payload: a direct Invoke payload ({"sleep_ms":
// 500, "leak_kb": 100}, every field optional, empty or null allowed) or a
// Function URL / API Gateway event with ?sleep_ms=500&leak_kb=100. An error wraps ErrBadInput; the Request
// still knows its front door, for BadInput.
func ParseRequest(payload []byte) (Request, error) {
	var req Request
	trimmed := bytes.TrimSpace(payload)
	if len(trimmed) > 0 && !bytes.Equal(trimmed, []byte("null")) {
		if err := json.Unmarshal(trimmed, &req.ev); err != nil {
			return req, fmt.Errorf("%w: payload is not a JSON object: %v", ErrBadInput, err)
		}
	}
	ms, err := req.ev.sleepMS()
	req.SleepMS = ms
	if err == nil {
		req.LeakBytes, err = req.ev.leakBytes()
	}
	at := req.ev.Scheduled
	if v, ok := req.ev.Headers[strings.ToLower(ScheduledHeader)]; ok && req.ev.isHTTP() {
		at = v
	}
	if t, perr := time.Parse(time.RFC3339Nano, at); perr == nil {
		req.Scheduled = t
	}
	req.Order = req.ev.Order
	if v, ok := req.ev.Headers[strings.ToLower(OrderHeader)]; ok && req.ev.isHTTP() {
		req.Order = v
	}
	return req, err
}

// Reply is the probe's answer resp, shaped for the call's front door: an
// HTTP response with resp as its JSON body, or resp itself.
func (r Request) Reply(resp Response) any {
	if r.ev.isHTTP() {
		return httpResponse(&r.ev, http.StatusOK, resp)
	}
	return resp
}

// BadInput is the answer to a call whose input was bad (err from
// ParseRequest): an HTTP 400 with {"error": ...} for HTTP events, else err
// itself, which Lambda reports as a function error.
func (r Request) BadInput(err error) (any, error) {
	if r.ev.isHTTP() {
		return httpResponse(&r.ev, http.StatusBadRequest, map[string]string{"error": err.Error()}), nil
	}
	return nil, err
}

// Handle serves one call: it counts it, grows the environment's leaked
// global as asked, sleeps as asked (cut short if the call's deadline
// passes) and reports the environment and its resident memory. Direct invocations
// get a Response (or an error, which Lambda reports as a function error);
// HTTP events get an HTTP response with the Response as JSON body, or a 400
// with {"error": ...}. Bad input never harms the environment.
func (p *Probe) Handle(ctx context.Context, payload json.RawMessage) (any, error) {
	n := p.invocations.Add(1)
	inFlight := p.inFlight.Add(1)
	defer p.inFlight.Add(-1)
	req, err := ParseRequest(payload)
	if err != nil {
		return req.BadInput(err)
	}
	if req.LeakBytes > 0 {
		p.leak.grow(req.LeakBytes, p.leakCap())
	}
	timer := time.NewTimer(time.Duration(req.SleepMS) * time.Millisecond)
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-ctx.Done():
		return nil, fmt.Errorf("sleep %d ms: %w", req.SleepMS, ctx.Err())
	}
	resp := p.response(ctx, n, req.SleepMS)
	resp.InFlight = int(inFlight)
	return req.Reply(resp), nil
}

// Invoke is the probe as a lambda.Handler: the payload's raw bytes in, the
// answer's JSON out. Taking the bytes itself, the probe serves a zero-byte
// payload (what the Runtime Interface Emulator passes for an empty Invoke;
// Lambda passes {}) as a call with no sleep: aws-lambda-go's JSON decoding
// of a typed handler's argument would fail it with EOF before the handler ran.
func (p *Probe) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	resp, err := p.Handle(ctx, payload)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // as aws-lambda-go encodes a handler's answer
	if err := enc.Encode(resp); err != nil {
		return nil, fmt.Errorf("encode answer: %w", err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

func (p *Probe) response(ctx context.Context, n, sleptMS int64) Response {
	var requestID, tenant string
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		requestID, tenant = lc.AwsRequestID, lc.TenantID
	}
	return Response{
		InstanceID:      p.id.InstanceID,
		Invocation:      n,
		InitAt:          p.id.InitAt.Format(time.RFC3339Nano),
		LogStream:       p.id.LogStream,
		BootID:          p.id.BootID,
		RequestID:       requestID,
		InitType:        p.id.InitType,
		TenantID:        tenant,
		MaxConcurrency:  p.id.MaxConcurrency,
		MemoryMB:        p.id.MemoryMB,
		FunctionVersion: p.id.FunctionVersion,
		Region:          p.id.Region,
		Arch:            runtime.GOARCH,
		GoVersion:       runtime.Version(),
		SleptMS:         sleptMS,
		RSSMB:           residentMB(),
		LeakedKB:        p.leakedKB(),
	}
}

// leakedKB is what the leaked global holds, in KB to the byte, or 0 when
// no call asked it to grow.
func (p *Probe) leakedKB() float64 {
	n, asked := p.leak.held()
	if !asked {
		return 0
	}
	return float64(n) / 1024
}

// sleepMS reads sleep_ms from the payload or the query string: a whole
// number from 0 to MaxSleepMS; absent means 0.
func (e *event) sleepMS() (int64, error) {
	raw := strings.TrimSpace(string(e.SleepMS))
	if q, ok := e.QueryStringParameters["sleep_ms"]; ok && e.isHTTP() {
		raw = q
	}
	if raw == "" || raw == "null" {
		return 0, nil
	}
	ms, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: sleep_ms must be a whole number of milliseconds, got %.40q", ErrBadInput, raw)
	}
	if ms < 0 || ms > MaxSleepMS {
		return 0, fmt.Errorf("%w: sleep_ms must be between 0 and %d, got %d", ErrBadInput, MaxSleepMS, ms)
	}
	return ms, nil
}

// leakBytes reads leak_kb from the payload or the query string: a number
// of KB (1,024 bytes) from 0 to MaxLeakKB, decimals allowed, in bytes
// (rounded); absent means 0.
func (e *event) leakBytes() (int64, error) {
	raw := strings.TrimSpace(string(e.LeakKB))
	if q, ok := e.QueryStringParameters[LeakField]; ok && e.isHTTP() {
		raw = q
	}
	if raw == "" || raw == "null" {
		return 0, nil
	}
	kb, err := strconv.ParseFloat(raw, 64)
	if err != nil || math.IsNaN(kb) {
		return 0, fmt.Errorf("%w: leak_kb must be a number of KB, got %.40q", ErrBadInput, raw)
	}
	if kb < 0 || kb > MaxLeakKB {
		return 0, fmt.Errorf("%w: leak_kb must be between 0 and %d (KB a call), got %g", ErrBadInput, MaxLeakKB, kb)
	}
	return int64(math.Round(kb * 1024)), nil
}

func httpResponse(ev *event, status int, body any) any {
	b, err := json.Marshal(body)
	if err != nil { // cannot happen for the types above
		b, status = []byte(`{"error":"internal"}`), http.StatusInternalServerError
	}
	headers := map[string]string{"Content-Type": "application/json", "Cache-Control": "no-store"}
	if ev.isV1() {
		return events.APIGatewayProxyResponse{StatusCode: status, Headers: headers, Body: string(b)}
	}
	return events.APIGatewayV2HTTPResponse{StatusCode: status, Headers: headers, Body: string(b)}
}
