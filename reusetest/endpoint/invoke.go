package endpoint

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go/logging"
	"github.com/lambda-reuse/lambda-reuse/probe/protocol"
	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
)

// Invoke calls a function through the Lambda Invoke API
// (POST /2015-03-31/functions/{name}/invocations) with {"sleep_ms": N}.
type Invoke struct {
	client    *lambda.Client
	function  string
	qualifier *string
	payload   []byte // {"sleep_ms":N,"scheduled":" : each call appends its time
	handlerMS int64
	handler   func(seq int64) time.Duration
	leakKB    float64 // what each call asks the function to leak (Leak); 0 none
}

// PerCall makes each call ask for its own handler time (a trace's
// durations) instead of the one given at construction.
func (inv *Invoke) PerCall(handler func(seq int64) time.Duration) { inv.handler = handler }

// Leak makes every call ask the probe to grow its global by kb KB (its
// leak_kb); 0 asks nothing.
func (inv *Invoke) Leak(kb float64) {
	inv.leakKB = kb
	inv.payload = inv.prefix(inv.handlerMS)
}

// prefix is a call's payload up to its scheduled time: {"sleep_ms":N,
// the leak asked for, and "scheduled":" .
func (inv *Invoke) prefix(handlerMS int64) []byte {
	b := fmt.Appendf(nil, `{"sleep_ms":%d,`, handlerMS)
	if inv.leakKB > 0 {
		b = fmt.Appendf(b, `%q:%s,`, protocol.LeakField, leakText(inv.leakKB))
	}
	return fmt.Appendf(b, `%q:"`, protocol.ScheduledField)
}

// NewInvoke returns an endpoint for function (a name or ARN) and an optional
// qualifier, with cfg from config.LoadDefaultConfig, so AWS_REGION,
// AWS_PROFILE and AWS_ENDPOINT_URL_LAMBDA work. SDK retries are off: a
// retry is a hidden extra invocation that would corrupt the counts.
func NewInvoke(cfg aws.Config, function, qualifier string, handlerMS int64) (*Invoke, error) {
	if function == "" {
		return nil, errors.New("invoke endpoint: no function name")
	}
	if cfg.Region == "" {
		return nil, errors.New("invoke endpoint: no region (set AWS_REGION or a profile's region)")
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = 4096
	client := lambda.NewFromConfig(cfg, func(o *lambda.Options) {
		o.Retryer = aws.NopRetryer{}
		o.Logger = logging.Nop{} // failures are in the records; no per-call warnings
		o.HTTPClient = &http.Client{Transport: cappedTransport{transport}}
	})
	inv := &Invoke{client: client, function: function, handlerMS: handlerMS}
	inv.payload = inv.prefix(handlerMS)
	if qualifier != "" {
		inv.qualifier = aws.String(qualifier)
	}
	return inv, nil
}

// Describe names the function and qualifier (neither is secret).
func (inv *Invoke) Describe() string {
	d := "invoke:" + inv.function
	if inv.qualifier != nil {
		d += ":" + *inv.qualifier
	}
	return d + leakNote(inv.leakKB)
}

// Call invokes the function once and fills rec.
func (inv *Invoke) Call(ctx context.Context, rec *record.Record) {
	// The payload says when the call was scheduled: a served pool runs its
	// model on it. The transport notes the time scale the answer declares.
	prefix := slices.Clip(inv.payload)
	if inv.handler != nil {
		prefix = inv.prefix(inv.handler(rec.Seq).Milliseconds())
	}
	payload := rec.Scheduled.UTC().AppendFormat(prefix, time.RFC3339Nano)
	payload = append(payload, '"')
	if rec.Order != "" {
		payload = fmt.Appendf(payload, ",%q:%q", protocol.OrderField, rec.Order)
	}
	payload = append(payload, '}')
	var served servedBy
	out, err := inv.client.Invoke(context.WithValue(ctx, scaleKey{}, &served), &lambda.InvokeInput{
		FunctionName: aws.String(inv.function),
		Qualifier:    inv.qualifier,
		Payload:      payload,
		TenantId:     tenantID(rec.Tenant),
	})
	rec.Scale, rec.Profile = served.scale, served.profile
	if err != nil {
		classifyInvoke(rec, err)
		return
	}
	if out.FunctionError != nil {
		msg, ok := functionError(out.Payload)
		if !ok {
			msg = "(no errorMessage)"
		}
		fail(rec, record.StatusError, record.ClassFunctionError, "function error: "+*out.FunctionError+": "+msg)
		rec.ErrorType = lambdaErrorType(out.Payload)
		return
	}
	parseBody(out.Payload, rec)
}

// tenantID is a call's tenant for the Invoke API: nil for none.
func tenantID(tenant string) *string {
	if tenant == "" {
		return nil
	}
	return aws.String(tenant)
}

func classifyInvoke(rec *record.Record, err error) {
	var throttled *types.TooManyRequestsException
	var respErr *awshttp.ResponseError
	switch {
	case errors.Is(err, errTooLarge):
		fail(rec, record.StatusError, record.ClassBadBody, errTooLarge.Error())
	case errors.As(err, &throttled):
		fail(rec, record.StatusThrottled, record.ClassThrottled, "TooManyRequestsException")
	case errors.As(err, &respErr) && respErr.HTTPStatusCode() >= 400:
		// An API error with its status: the SDK's message names the
		// operation and error code, not credentials.
		classifyStatus(rec, respErr.HTTPStatusCode())
		if code := apiErrorCode(err); code != "" {
			rec.Error += ": " + code
		}
	default:
		classify(rec, err)
	}
}

func apiErrorCode(err error) string {
	var coded interface{ ErrorCode() string }
	if errors.As(err, &coded) {
		return coded.ErrorCode()
	}
	return ""
}

// cappedTransport caps every response body at maxBody: reading past it is
// an error, so the SDK never holds a larger payload.
type cappedTransport struct{ next http.RoundTripper }

// scaleKey keys, in a call's context, where the transport notes the time
// scale and the model profile its answer declares (a *servedBy).
type scaleKey struct{}

// servedBy is what a served pool's answer declares of itself.
type servedBy struct {
	scale   float64
	profile string
}

func (c cappedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := c.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if served, ok := req.Context().Value(scaleKey{}).(*servedBy); ok {
		served.scale, served.profile = scaleOf(resp.Header), profileOf(resp.Header)
	}
	resp.Body = &cappedBody{ReadCloser: resp.Body, left: maxBody}
	return resp, nil
}

type cappedBody struct {
	io.ReadCloser
	left int64
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One byte more than allowed means the body is too large.
		var one [1]byte
		if n, _ := b.ReadCloser.Read(one[:]); n > 0 {
			return 0, errTooLarge
		}
		return 0, io.EOF
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	return n, err
}
