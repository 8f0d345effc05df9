package endpoint

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"unicode"

	"github.com/lambda-reuse/lambda-reuse/probe/protocol"
	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdaapi"
	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
)

// maxBody is the most of a response body an endpoint reads (64 KiB); a longer
// body is a bad_body failure, read no further.
const maxBody = 64 << 10

// maxPlainID bounds the 2021 probe's plain-text id.
const maxPlainID = 128

// parseBody fills rec from a probe's answer: our probe's JSON (as
// record.Record.SetAnswer keeps it), or the 2021 probe's plain-text body
// (the id and nothing else). Lambda's function-error envelope
// (errorMessage, errorType), which some front doors pass on as a plain 200
// (the Runtime Interface Emulator always does), is a function error.
func parseBody(body []byte, rec *record.Record) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		var b protocol.Response
		if err := json.Unmarshal(trimmed, &b); err != nil || b.InstanceID == "" {
			if msg, ok := functionError(trimmed); ok {
				fail(rec, record.StatusError, record.ClassFunctionError, "function error: "+msg)
				rec.ErrorType = lambdaErrorType(trimmed)
				return
			}
			fail(rec, record.StatusError, record.ClassBadBody, "response is JSON without an instance_id")
			return
		}
		if rec.Tenant != "" && b.TenantID != "" && b.TenantID != rec.Tenant {
			// Isolation broken: the environment says it serves another
			// tenant. Neither id is repeated (either may be a customer's).
			fail(rec, record.StatusError, record.ClassTenantMismatch, "the environment answered for another tenant than the call's")
			return
		}
		rec.Status = record.StatusOK
		rec.SetAnswer(&b)
		return
	}
	if len(trimmed) == 0 || len(trimmed) > maxPlainID || strings.IndexFunc(string(trimmed), func(r rune) bool {
		return unicode.IsSpace(r) || !unicode.IsPrint(r)
	}) >= 0 {
		fail(rec, record.StatusError, record.ClassBadBody, fmt.Sprintf("response is neither probe JSON nor a plain-text id (%d bytes)", len(body)))
		return
	}
	rec.Status, rec.InstanceID = record.StatusOK, string(trimmed)
}

// functionError reports whether body is Lambda's function-error envelope,
// and its type and message, shortened and secret-free (the function wrote
// them, not the caller).
func functionError(body []byte) (string, bool) {
	var e lambdaapi.ErrorEnvelope
	if json.Unmarshal(body, &e) != nil || (e.ErrorType == "" && e.ErrorMessage == "") {
		return "", false
	}
	msg := e.ErrorMessage
	if msg == "" {
		msg = "(no errorMessage)"
	}
	if len(msg) > 200 {
		msg = msg[:200] + "..."
	}
	msg = strings.ToValidUTF8(msg, "?")
	if e.ErrorType != "" {
		msg = e.ErrorType + ": " + msg
	}
	return msg, true
}

// lambdaErrorType is the error type of Lambda's function-error envelope
// body when it names one of Lambda's own failures, as its logs name them
// (Runtime.OutOfMemory, Runtime.ExitError, Sandbox.Timedout: a "Runtime."
// or "Sandbox." prefix and up to 64 letters), for the record's ErrorType;
// "" for a type the function named itself, or none.
func lambdaErrorType(body []byte) string {
	var e lambdaapi.ErrorEnvelope
	if json.Unmarshal(body, &e) != nil {
		return ""
	}
	name, ok := strings.CutPrefix(e.ErrorType, "Runtime.")
	if !ok {
		name, ok = strings.CutPrefix(e.ErrorType, "Sandbox.")
	}
	if !ok || name == "" || len(name) > 64 || strings.IndexFunc(name, func(r rune) bool { return !unicode.IsLetter(r) || r > unicode.MaxASCII }) >= 0 {
		return ""
	}
	return e.ErrorType
}

func fail(rec *record.Record, st record.Status, class record.ErrorClass, msg string) {
	rec.Status, rec.ErrorClass, rec.Error = st, class, msg
}

// scaleOf reads the time scale a served pool declares (lambdaapi.ScaleHeader);
// 0 when there is none or it is not a number in the range a served pool
// declares (record.MinScale to record.MaxScale): no endpoint of ours
// sends another, and a record must read back.
func scaleOf(h http.Header) float64 {
	v := h.Get(lambdaapi.ScaleHeader)
	if v == "" {
		return 0
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || !(f >= record.MinScale && f <= record.MaxScale) {
		return 0
	}
	return f
}

// profileOf reads the model profile a served pool declares
// (lambdaapi.ProfileHeader): a name of letters, digits, '.', '_' and '-'
// of at most 64 characters, else "" (nothing else reaches the records).
func profileOf(h http.Header) string {
	v := h.Get(lambdaapi.ProfileHeader)
	if len(v) > 64 {
		return ""
	}
	for _, c := range v {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return ""
		}
	}
	return v
}

// errTooLarge marks a body over maxBody.
var errTooLarge = errors.New("response body over the 64 KiB cap")

// readCapped reads at most maxBody bytes of r, and fails on more.
func readCapped(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxBody+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxBody {
		return nil, errTooLarge
	}
	return b, nil
}

// classify turns a transport error into a record. Messages come from the
// error's innermost causes, never from url.Error (which quotes the URL).
func classify(rec *record.Record, err error) {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var dns *net.DNSError
	var opErr *net.OpError
	var recordErr tls.RecordHeaderError
	var verifyErr *tls.CertificateVerificationError
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var netErr net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &netErr) && netErr.Timeout()):
		fail(rec, record.StatusTimeout, record.ClassTimeout, "no answer within the timeout")
	case errors.Is(err, context.Canceled):
		fail(rec, record.StatusCancelled, "", "cancelled")
	case errors.As(err, &dns):
		fail(rec, record.StatusError, record.ClassDNS, "dns: "+dns.Err)
	case errors.As(err, &recordErr) || errors.As(err, &verifyErr) || errors.As(err, &unknownCA) || errors.As(err, &hostErr):
		fail(rec, record.StatusError, record.ClassTLS, "tls: "+err.Error())
	case errors.Is(err, errTooLarge):
		fail(rec, record.StatusError, record.ClassBadBody, err.Error())
	case errors.As(err, &opErr) && opErr.Op == "dial":
		fail(rec, record.StatusError, record.ClassConnect, "connect: "+opErr.Err.Error())
	case errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		fail(rec, record.StatusError, record.ClassConnect, "connection closed mid-call: "+err.Error())
	default:
		fail(rec, record.StatusError, record.ClassConnect, "transport: "+err.Error())
	}
}

// classifyStatus turns a non-200 HTTP answer into a record.
func classifyStatus(rec *record.Record, status int) {
	text := fmt.Sprintf("HTTP %d %s", status, http.StatusText(status))
	switch {
	case status == http.StatusTooManyRequests:
		fail(rec, record.StatusThrottled, record.ClassThrottled, text)
	case status >= 500:
		fail(rec, record.StatusError, record.ClassHTTP5xx, text)
	default:
		fail(rec, record.StatusError, record.ClassHTTP4xx, text)
	}
}

// redact describes u without secrets, so the description can go into
// logs, headers, file names, summaries and reports: no user-info, every
// query value replaced, and the path (which may hold a token) replaced by
// "/path-" and the first 8 hex digits of its SHA-256, which tells two paths
// on one host apart without saying them.
func redact(u *url.URL) string { return describe(u, false) }

// redactQuery is redact keeping the path's text: for a user who asks for
// it (EnvShowPath), knowing their path holds no secret.
func redactQuery(u *url.URL) string { return describe(u, true) }

func describe(u *url.URL, showPath bool) string {
	r := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}
	if !showPath && u.Path != "" && u.Path != "/" {
		sum := sha256.Sum256([]byte(u.EscapedPath()))
		r.Path = "/path-" + hex.EncodeToString(sum[:4])
	}
	s := r.String()
	if q := u.Query(); len(q) > 0 {
		keys := make([]string, 0, len(q))
		for k := range q {
			keys = append(keys, k+"=REDACTED")
		}
		sort.Strings(keys)
		s += "?" + strings.Join(keys, "&")
	}
	return s
}
