package record

import (
	"errors"
	"fmt"
	"math"
	"time"
	"unicode/utf8"
)

// Status is the outcome of one scheduled call.
type Status string

// The statuses a record can have. Every scheduled call gets exactly one.
const (
	// StatusOK: the function answered and named its environment.
	StatusOK Status = "ok"
	// StatusError: the call failed (transport, HTTP or function error).
	StatusError Status = "error"
	// StatusThrottled: the platform refused the call (HTTP 429, TooManyRequestsException).
	StatusThrottled Status = "throttled"
	// StatusTimeout: no answer before the caller's timeout.
	StatusTimeout Status = "timeout"
	// StatusSkipped: the call was due but never sent, because the caller's
	// bound on calls in flight was reached.
	StatusSkipped Status = "skipped"
	// StatusCancelled: the call was in flight when the run was cancelled.
	StatusCancelled Status = "cancelled"
	// StatusInterrupted: the call was never sent because a stop cut its
	// unit (an idle trial, a burst) and sending it after the resume would
	// have changed the gap or pause the unit measures; the unit is left out
	// of its experiment's analysis and counted.
	StatusInterrupted Status = "interrupted"
)

// ErrorClass says why a call failed, coarsely enough to count.
type ErrorClass string

// The error classes.
const (
	ClassDNS           ErrorClass = "dns"
	ClassConnect       ErrorClass = "connect"
	ClassTLS           ErrorClass = "tls"
	ClassTimeout       ErrorClass = "timeout"
	ClassHTTP4xx       ErrorClass = "http_4xx"
	ClassHTTP5xx       ErrorClass = "http_5xx"
	ClassThrottled     ErrorClass = "throttled"
	ClassFunctionError ErrorClass = "function_error"
	ClassBadBody       ErrorClass = "bad_body"
	// ClassTenantMismatch: the environment said it serves another tenant
	// than the call's (tenant isolation broken).
	ClassTenantMismatch ErrorClass = "tenant_mismatch"
)

// InitType is how an execution environment started, as Lambda's runtime
// tells it in AWS_LAMBDA_INITIALIZATION_TYPE (docs/sources.md [S12]).
type InitType string

// The initialisation types Lambda documents.
const (
	// InitOnDemand is an environment initialised on demand: for a call, or
	// proactively ahead of one.
	InitOnDemand InitType = "on-demand"
	// InitProvisioned is a provisioned-concurrency environment, initialised
	// ahead on a published version or alias and kept ready.
	InitProvisioned InitType = "provisioned-concurrency"
	// InitSnapStart is an environment restored from a SnapStart snapshot.
	InitSnapStart InitType = "snap-start"
)

// ParseInitType is s as a documented InitType, or "" for anything else (an
// answer is an allow-list: an unknown value is not kept).
func ParseInitType(s string) InitType {
	switch t := InitType(s); t {
	case InitOnDemand, InitProvisioned, InitSnapStart:
		return t
	}
	return ""
}

// OnDemand reports an environment initialised on demand, or of no known
// type (taken as on demand): neither provisioned nor restored.
func (t InitType) OnDemand() bool {
	p := ParseInitType(string(t))
	return p == "" || p == InitOnDemand
}

// The tenant id's constraints, as the Invoke API states them: 1 to 256
// characters of letters, digits, spaces and ._:/=+-@ (docs/sources.md [S13]).
const maxTenantID = 256

// CheckTenantID reports why id cannot be a tenant id, or nil. A bad
// character is named as the character it is (its place counted in
// characters), or as the byte when id is not UTF-8 there.
func CheckTenantID(id string) error {
	if n := utf8.RuneCountInString(id); n == 0 || n > maxTenantID {
		return fmt.Errorf("a tenant id is 1 to %d characters, got %d", maxTenantID, n)
	}
	n := 0
	for i, c := range id {
		n++
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		switch c {
		case '.', '_', ':', '/', '=', '+', '-', '@', ' ':
			ok = true
		}
		if ok {
			continue
		}
		if _, size := utf8.DecodeRuneInString(id[i:]); c == utf8.RuneError && size == 1 {
			return fmt.Errorf("a tenant id holds letters, digits, spaces and ._:/=+-@ only; character %d is the byte %#02x, not UTF-8", n, id[i])
		}
		return fmt.Errorf("a tenant id holds letters, digits, spaces and ._:/=+-@ only; character %d is %q", n, c)
	}
	return nil
}

// The error types Lambda names a call by that ran out of memory and one
// that ran past the function's timeout, as its Invoke API answers them
// (docs/sources.md [S16]); a log's REPORT gives a timeout as its status,
// which its reader types "timeout".
const (
	ErrorOutOfMemory = "Runtime.OutOfMemory"
	ErrorTimedout    = "Sandbox.Timedout"
)

// MaxMemoryMB is the most memory a record may say its environment used or
// was configured with: 100 GB, beyond any function's 10,240 MB
// (docs/sources.md [S15]); an answer or a log that says more is not kept.
const MaxMemoryMB = 100 * 1024

// Record is what happened to one scheduled call. Simulated and live runs
// produce the same records, and one Summarizer reads them.
//
// A field is declared here once: the record log writes and reads it from
// its JSON tag (package recordlog's codec), and a field whose JSON name
// the probe's answer shares (protocol.Response), or whose answer tag names
// a field of the answer by its JSON name, is filled from the answer
// (SetAnswer). A new field is its line here and its use.
type Record struct {
	// Seq is the call's 0-based number in the plan.
	Seq int64 `json:"seq"`
	// Scheduled is when the call was due (UTC).
	Scheduled time.Time `json:"scheduled"`
	// Sent is when the call was sent (UTC); zero when it never was.
	Sent time.Time `json:"sent,omitzero"`
	// Done is when the answer, or the failure, arrived (UTC); zero when never sent.
	Done time.Time `json:"done,omitzero"`
	// Status is the outcome.
	Status Status `json:"status"`
	// InstanceID is the execution environment's id, as the probe reported it.
	InstanceID string `json:"instance_id,omitempty"`
	// Invocation is the environment's own 1-based count of calls served,
	// this one included; 0 when the probe did not say (the 2021 plain-text probe).
	Invocation int64 `json:"invocation,omitempty"`
	// LogStream is the environment's CloudWatch log stream, a second,
	// independent environment id.
	LogStream string `json:"log_stream,omitempty"`
	// BootID is the kernel boot id of the host (or microVM) that served the call.
	BootID string `json:"boot_id,omitempty"`
	// InitAt is when the environment was initialised, by its own clock (the
	// probe's init_at); zero when it did not say.
	InitAt time.Time `json:"init_at,omitzero"`
	// InitType is how the environment started, as the runtime told it
	// (AWS_LAMBDA_INITIALIZATION_TYPE, the probe's init_type): one of the
	// InitType constants, empty when it did not say.
	InitType InitType `json:"init_type,omitempty"`
	// Tenant is the tenant the call was made for (a function in tenant
	// isolation mode), from the schedule; empty when calls carry none. An
	// environment that answers for another tenant fails the call.
	Tenant string `json:"tenant,omitempty"`
	// InFlight is how many calls its environment was serving when this one
	// started, itself included (the probe's in_flight), kept when the
	// environment serves more than one at a time: Managed Instances, or
	// more than 1; 0 otherwise.
	InFlight int `json:"in_flight,omitempty"`
	// MaxConcurrency is the most calls its environment serves at once, as
	// the runtime told it (AWS_LAMBDA_MAX_CONCURRENCY, set on Managed
	// Instances only); 0 when not set.
	MaxConcurrency int `json:"max_concurrency,omitempty"`
	// Scale is the time scale the endpoint declared (model seconds per real
	// second) on a served pool whose clock runs fast; 0 for a real endpoint.
	Scale float64 `json:"scale,omitempty"`
	// Profile is the model profile a served pool declared running; empty
	// for a real endpoint.
	Profile string `json:"profile,omitempty"`
	// ErrorClass says why the call failed; empty when it did not.
	ErrorClass ErrorClass `json:"error_class,omitempty"`
	// Error is a short, secret-free description of the failure.
	Error string `json:"error,omitempty"`
	// ErrorType is the function error's type as Lambda named it (its
	// REPORT line's Error Type, a platform.report's errorType: e.g.
	// Runtime.OutOfMemory, Runtime.ExitError, or "timeout" for a call that
	// ran past the function's timeout); empty when the call did not fail in
	// the function or no type was given.
	ErrorType string `json:"error_type,omitempty"`
	// InitMS is the init (or SnapStart restore) duration, in milliseconds,
	// that Lambda reported with this call: the call ran its environment's
	// init or restore; 0 when it did not say.
	InitMS float64 `json:"init_ms,omitempty"`
	// MemoryUsedMB is the environment's memory by the end of this call, in
	// MB (2^20 bytes): the most it had used as Lambda's logs report it (Max
	// Memory Used, whole MB), or the probe's resident memory (its rss_mb,
	// to the KB); 0 when not reported.
	MemoryUsedMB float64 `json:"memory_used_mb,omitempty" answer:"rss_mb"`
	// MemorySizeMB is the function's configured memory (Memory Size, the
	// probe's memory_mb); 0 when not reported.
	MemorySizeMB int `json:"memory_size_mb,omitempty" answer:"memory_mb"`
	// StartUnseen is true when the records do not show the start of this
	// call's environment: a log stream whose first call in the records ran
	// no init (it started before the records begin, or was initialised
	// ahead with its init outside them). The environment is left-censored:
	// not started in the run, its start type unknown, its lifetime and calls
	// lower bounds.
	StartUnseen bool `json:"start_unseen,omitempty"`
	// Order is the call's place in its run segment's sending order,
	// "RUN/N" (probe.OrderHeader), set by the runner as it sends the call;
	// targets pass it on so that a served pool takes calls in that order.
	// Not logged.
	Order string `json:"-"`
}

// The range of a time scale a served pool may declare (ScaleHeader): from
// a thousandth of real time to a model day per real second. Within it
// every duration a summary scales stays far from overflowing.
const (
	MinScale = 1e-3
	MaxScale = 1e5
)

// The times a record may hold: from 1970 to 2262, where a time in Unix
// nanoseconds, and the difference of any two, fits an int64.
var (
	minTime = time.Unix(0, 0)
	maxTime = time.Unix(0, math.MaxInt64)
)

// Check reports every field of r outside the range a run can give it, each
// named with its value and the range: a time outside 1970 to 2262; an
// invocation count below 0; max_concurrency below 1 when given; in_flight
// below 1 when given, or above the max_concurrency given beside it; a
// scale outside MinScale to MaxScale when given; memory used or a memory
// size outside 0 to MaxMemoryMB. Readers of records a person could have
// written (the record log) check each as it is read.
func (r *Record) Check() error {
	var errs []error
	for _, t := range []struct {
		name string
		at   time.Time
	}{{"scheduled", r.Scheduled}, {"sent", r.Sent}, {"done", r.Done}, {"init_at", r.InitAt}} {
		if !t.at.IsZero() && (t.at.Before(minTime) || t.at.After(maxTime)) {
			errs = append(errs, fmt.Errorf("%s %s: a record's times are from 1970 to 2262", t.name, t.at.UTC().Format(time.RFC3339Nano)))
		}
	}
	if r.Invocation < 0 {
		errs = append(errs, fmt.Errorf("invocation %d: the environment's count of calls is at least 1 (0 when not said)", r.Invocation))
	}
	if r.MaxConcurrency < 0 {
		errs = append(errs, fmt.Errorf("max_concurrency %d: at least 1 when given", r.MaxConcurrency))
	}
	switch {
	case r.InFlight < 0:
		errs = append(errs, fmt.Errorf("in_flight %d: at least 1 (the call itself) when given", r.InFlight))
	case r.MaxConcurrency > 0 && r.InFlight > r.MaxConcurrency:
		errs = append(errs, fmt.Errorf("in_flight %d: above the max_concurrency %d its environment said", r.InFlight, r.MaxConcurrency))
	}
	if r.Scale != 0 && !(r.Scale >= MinScale && r.Scale <= MaxScale) {
		errs = append(errs, fmt.Errorf("scale %g: a served pool declares a time scale from %g to %g", r.Scale, MinScale, MaxScale))
	}
	if !(r.MemoryUsedMB >= 0 && r.MemoryUsedMB <= MaxMemoryMB) {
		errs = append(errs, fmt.Errorf("memory_used_mb %g: from 0 to %d MB", r.MemoryUsedMB, MaxMemoryMB))
	}
	if r.MemorySizeMB < 0 || r.MemorySizeMB > MaxMemoryMB {
		errs = append(errs, fmt.Errorf("memory_size_mb %d: from 0 to %d MB", r.MemorySizeMB, MaxMemoryMB))
	}
	return errors.Join(errs...)
}

// Served reports whether an execution environment answered the call, so the
// record counts towards reuse, lifetime and concurrency.
func (r *Record) Served() bool {
	return r.InstanceID != "" && !r.Sent.IsZero() && !r.Done.IsZero()
}
