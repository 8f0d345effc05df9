// Package lambdaapi is Lambda's front door as this project serves it: the
// Invoke API path and its error envelope, and a Function URL's mapping of an
// HTTP request to its event and of the function's answer back to HTTP. The
// simulated endpoint (lambdasim.Server) and the local host of real processes
// (lambdahost.Host) both serve it through Handler, so the targets meet one
// surface, written once.
package lambdaapi

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
)

// The limits of every server this project runs (Harden): time to send a
// request's headers, and the whole request (the body is at most
// MaxPayload), time a kept-alive connection may sit idle, and the size of
// a request's headers. A client that trickles its headers or holds idle
// connections gets cut off; handlers may still take as long as their call.
const (
	ReadHeaderTimeout = 10 * time.Second
	ReadTimeout       = time.Minute
	IdleTimeout       = 2 * time.Minute
	MaxHeaderBytes    = 64 << 10
)

// Harden sets the limits above on srv where it has none, and returns it.
func Harden(srv *http.Server) *http.Server {
	if srv.ReadHeaderTimeout == 0 {
		srv.ReadHeaderTimeout = ReadHeaderTimeout
	}
	if srv.ReadTimeout == 0 {
		srv.ReadTimeout = ReadTimeout
	}
	if srv.IdleTimeout == 0 {
		srv.IdleTimeout = IdleTimeout
	}
	if srv.MaxHeaderBytes == 0 {
		srv.MaxHeaderBytes = MaxHeaderBytes
	}
	return srv
}

// The Invoke API path is invokePathPrefix + function name + invokePathSuffix
// (POST /2015-03-31/functions/{name}/invocations).
const (
	invokePathPrefix = "/2015-03-31/functions/"
	invokePathSuffix = "/invocations"
)

// MaxPayload is Lambda's synchronous payload limit, 6 MB, for requests and
// for the function's answer.
const MaxPayload = 6 << 20

// ScaleHeader is set on every answer of a served pool whose model clock runs
// faster than real time: model seconds per real second. A run that sees it
// summarizes in model time.
const ScaleHeader = "X-Lambda-Reuse-Scale"

// SetScale marks an answer with the model's time scale (nothing for 1).
func SetScale(w http.ResponseWriter, scale float64) {
	if scale > 0 && scale != 1 {
		w.Header().Set(ScaleHeader, strconv.FormatFloat(scale, 'g', -1, 64))
	}
}

// ProfileHeader is set on every answer of a served pool: the name of the
// model profile it runs, so that a run's prediction can use the same one.
const ProfileHeader = "X-Lambda-Reuse-Profile"

// SetProfile marks an answer with the model profile's name (nothing for "").
func SetProfile(w http.ResponseWriter, name string) {
	if name != "" {
		w.Header().Set(ProfileHeader, name)
	}
}

// DefaultVersion is the function version a Handler reports when none is set.
const DefaultVersion = "$LATEST"

// Result is what one invocation came to: the function's answer, or, when
// FunctionError is set, Lambda's error envelope (see ErrorPayload).
type Result struct {
	Payload       []byte
	FunctionError bool
}

// ErrThrottled is what a Function returns when it refuses a call at its
// concurrency limit: the front door answers 429 TooManyRequestsException.
var ErrThrottled = errors.New("throttled: concurrency limit reached")

// TenantHeader carries a call's tenant id to a function in tenant
// isolation mode, on the Invoke API (and from an API Gateway that maps a
// client's header to it) (docs/sources.md [S13]).
const TenantHeader = "X-Amz-Tenant-Id"

// Call is one invocation as the front door hands it on: the payload the
// function gets, and the tenant it is for ("" for a function without
// tenant isolation).
type Call struct {
	Payload []byte
	Tenant  string
}

// Function is what stands behind the front door. Invoke runs one call to
// completion (Lambda does not stop a call whose caller has left) and returns
// its result; ErrThrottled, or any other error, which the front door
// answers as a service error.
type Function interface {
	Invoke(call Call) (Result, error)
}

// Handler serves the Invoke API for one function name, and every other path
// as a Function URL.
type Handler struct {
	// FunctionName is the one function the Invoke path serves.
	FunctionName string
	// Version is reported in X-Amz-Executed-Version (DefaultVersion).
	Version string
	// Function runs the calls.
	Function Function
	// NotFound, if set, is called for each Invoke call to an unknown
	// function or with a method other than POST.
	NotFound func()
	// Scale, when not 1, is the model's time scale, sent on every answer
	// (ScaleHeader).
	Scale float64
	// Profile, when set, names the model profile, sent on every answer
	// (ProfileHeader).
	Profile string
	// TenantIsolation is the function's tenant isolation mode: every call
	// must carry a tenant id (TenantHeader), and with it off none may, as
	// Lambda answers either mistake with InvalidParameterValueException.
	TenantIsolation bool
}

// tenant checks r's tenant id against the function's mode, and answers the
// call when it is wrong.
func (h *Handler) tenant(w http.ResponseWriter, r *http.Request) (string, bool) {
	id := r.Header.Get(TenantHeader)
	var err error
	switch {
	case h.TenantIsolation && id == "":
		err = errors.New("the function is in tenant isolation mode: a call needs a tenant id (" + TenantHeader + ")")
	case !h.TenantIsolation && id != "":
		err = errors.New("a tenant id was given to a function without tenant isolation")
	case id != "":
		err = record.CheckTenantID(id)
	}
	if err != nil {
		WriteAPIError(w, http.StatusBadRequest, "InvalidParameterValueException", err.Error())
		return "", false
	}
	return id, true
}

// isInvoke reports whether r is addressed to the Invoke API.
func isInvoke(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, invokePathPrefix) }

// ServeHTTP answers one call.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	SetScale(w, h.Scale)
	SetProfile(w, h.Profile)
	if isInvoke(r) {
		h.serveInvoke(w, r)
		return
	}
	tenant, ok := h.tenant(w, r)
	if !ok {
		return
	}
	event, err := functionURLEvent(r)
	if err != nil {
		writeBodyError(w, err)
		return
	}
	res, err := h.Function.Invoke(Call{Payload: event, Tenant: tenant})
	switch {
	case err != nil:
		WriteError(w, err)
	case res.FunctionError:
		WriteFunctionError(w, r, res.Payload)
	default:
		WriteFunctionURLResponse(w, res.Payload)
	}
}

func (h *Handler) serveInvoke(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, invokePathPrefix), invokePathSuffix)
	if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, invokePathSuffix) || name != h.FunctionName {
		if h.NotFound != nil {
			h.NotFound()
		}
		WriteAPIError(w, http.StatusNotFound, "ResourceNotFoundException", "Function not found: "+name)
		return
	}
	tenant, ok := h.tenant(w, r)
	if !ok {
		return
	}
	payload, err := readBody(r)
	if err != nil {
		writeBodyError(w, err)
		return
	}
	if len(bytes.TrimSpace(payload)) == 0 {
		payload = []byte("{}") // Lambda hands the function {} for an empty Invoke
	}
	res, err := h.Function.Invoke(Call{Payload: payload, Tenant: tenant})
	if err != nil {
		WriteError(w, err)
		return
	}
	version := h.Version
	if version == "" {
		version = DefaultVersion
	}
	w.Header().Set("X-Amz-Executed-Version", version)
	if res.FunctionError {
		WriteFunctionError(w, r, res.Payload)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	w.Write(res.Payload)
}

// functionURLEvent is the event a Function URL hands the function for r: an
// HTTP API payload format 2.0 request with the path, the query and the
// headers (names lower-cased, values joined by commas, as Lambda does).
func functionURLEvent(r *http.Request) ([]byte, error) {
	body, err := readBody(r)
	if err != nil {
		return nil, err
	}
	q := map[string]string{}
	for k, v := range r.URL.Query() {
		q[k] = strings.Join(v, ",")
	}
	hd := map[string]string{}
	for k, v := range r.Header {
		hd[strings.ToLower(k)] = strings.Join(v, ",")
	}
	ev := events.LambdaFunctionURLRequest{Version: "2.0", RawPath: r.URL.Path, RawQueryString: r.URL.RawQuery,
		QueryStringParameters: q, Headers: hd, RequestContext: events.LambdaFunctionURLRequestContext{
			HTTP: events.LambdaFunctionURLRequestContextHTTPDescription{Method: r.Method, Path: r.URL.Path}}}
	if len(body) > 0 {
		ev.Body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString(body), true
	}
	b, _ := json.Marshal(ev) // strings and maps of strings: cannot fail
	return b, nil
}

// errTooLarge is a body past MaxPayload.
var errTooLarge = fmt.Errorf("request body over %d bytes", MaxPayload)

// readBody reads r's body, up to MaxPayload.
func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, MaxPayload+1))
	if err != nil {
		return nil, fmt.Errorf("the request body could not be read: %w", err)
	}
	if len(b) > MaxPayload {
		return nil, errTooLarge
	}
	return b, nil
}

// writeBodyError answers a body that could not be read: 413 past the
// payload limit, else 400 (a malformed body is the caller's fault, not the
// function's).
func writeBodyError(w http.ResponseWriter, err error) {
	if errors.Is(err, errTooLarge) {
		WriteAPIError(w, http.StatusRequestEntityTooLarge, "RequestTooLargeException", err.Error())
		return
	}
	WriteAPIError(w, http.StatusBadRequest, "InvalidRequestContentException", err.Error())
}

// WriteFunctionURLResponse answers a Function URL call with the function's
// answer: a structured response ({"statusCode": ..., "headers": ...,
// "body": ...}) becomes that HTTP response; anything else is the body of a
// 200 as it is.
func WriteFunctionURLResponse(w http.ResponseWriter, payload []byte) {
	var resp events.LambdaFunctionURLResponse
	if err := json.Unmarshal(payload, &resp); err != nil || resp.StatusCode == 0 {
		w.Header().Set("Content-Type", "application/json")
		w.Write(payload)
		return
	}
	for k, v := range resp.Headers {
		w.Header().Set(k, v)
	}
	w.WriteHeader(resp.StatusCode)
	io.WriteString(w, resp.Body)
}

// ErrorEnvelope is Lambda's function-error object: what a function's
// unhandled error, a crash or a timeout turns into.
type ErrorEnvelope struct {
	ErrorMessage string `json:"errorMessage"`
	ErrorType    string `json:"errorType"`
}

// ErrorPayload is the error envelope of errType and msg, as JSON.
func ErrorPayload(errType, msg string) []byte {
	b, _ := json.Marshal(ErrorEnvelope{ErrorMessage: msg, ErrorType: errType})
	return b
}

// WriteFunctionError answers a call whose function failed with the error
// envelope payload: through the Invoke API a 200 with X-Amz-Function-Error
// and the envelope; through a Function URL a 502.
func WriteFunctionError(w http.ResponseWriter, r *http.Request, payload []byte) {
	if !isInvoke(r) {
		WriteAPIError(w, http.StatusBadGateway, "FunctionError", "Internal Server Error")
		return
	}
	w.Header().Set("X-Amz-Function-Error", "Unhandled")
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	w.Write(payload)
}

// WriteError answers a call the service refused: 429 for ErrThrottled, else
// a 500 ServiceException.
func WriteError(w http.ResponseWriter, err error) {
	if errors.Is(err, ErrThrottled) {
		WriteAPIError(w, http.StatusTooManyRequests, "TooManyRequestsException", "Rate Exceeded.")
		return
	}
	WriteAPIError(w, http.StatusInternalServerError, "ServiceException", err.Error())
}

// WriteAPIError answers as the Lambda API does, so the AWS SDK decodes the
// error type.
func WriteAPIError(w http.ResponseWriter, status int, errType, msg string) {
	w.Header().Set("X-Amzn-ErrorType", errType)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"Type": "User", "message": msg, "__type": errType})
}
