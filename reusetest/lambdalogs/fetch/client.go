package fetch

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
)

// MaxAttempts is how often a page is asked for before a fetch gives up on
// it: throttling (FilterLogEvents allows an account a few calls a second)
// and other passing failures are retried with the SDK's standard retryer,
// its exponential backoff with jitter up to MaxBackoff between attempts.
const (
	MaxAttempts = 10
	MaxBackoff  = 20 * time.Second
)

// ClientOptions choose where a Client's credentials and region come from
// beyond what config.LoadDefaultConfig finds as the AWS CLI does (the
// environment, the shared config and credentials files, SSO, a role).
type ClientOptions struct {
	Region  string // "" is the environment's or the profile's
	Profile string // "" is AWS_PROFILE's, else the default profile
	// MaxBackoff bounds the wait between attempts (MaxBackoff when 0).
	MaxBackoff time.Duration
}

// Client is a CloudWatch Logs client that counts the throttled attempts
// its retryer saw.
type Client struct {
	api       cloudwatchlogs.FilterLogEventsAPIClient
	throttles *atomic.Int64
	// Region is the client's region; Where is the endpoint as
	// scheme://host when one was set (AWS_ENDPOINT_URL_CLOUDWATCH_LOGS,
	// AWS_ENDPOINT_URL), "" for AWS's own.
	Region, Where string
}

// NewClient makes a client as the AWS CLI would: credentials and region
// from config.LoadDefaultConfig (opts may name the region or profile),
// the endpoint from the standard AWS_ENDPOINT_URL_CLOUDWATCH_LOGS or
// AWS_ENDPOINT_URL when set. It checks that there are credentials before
// any call.
func NewClient(ctx context.Context, opts ClientOptions) (*Client, error) {
	throttles := new(atomic.Int64)
	backoff := cmp.Or(opts.MaxBackoff, MaxBackoff)
	load := []func(*config.LoadOptions) error{config.WithRetryer(func() aws.Retryer {
		std := retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = MaxAttempts
			o.MaxBackoff = backoff
			o.Backoff = retry.NewExponentialJitterBackoff(backoff)
			// A long fetch may be throttled many times: each retry waits
			// its backoff, never fails for want of a retry quota.
			o.RateLimiter = ratelimit.None
		})
		return &countingRetryer{RetryerV2: std, throttles: throttles}
	})}
	if opts.Region != "" {
		load = append(load, config.WithRegion(opts.Region))
	}
	if opts.Profile != "" {
		load = append(load, config.WithSharedConfigProfile(opts.Profile))
	}
	cfg, err := config.LoadDefaultConfig(ctx, load...)
	if err != nil {
		return nil, fmt.Errorf("AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return nil, errors.New("no region: give -region, or set AWS_REGION or a profile's region, as for the AWS CLI")
	}
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		return nil, fmt.Errorf("no AWS credentials found where the AWS CLI looks for them (the environment, the shared credentials and config files, a profile's SSO or role, the instance's role): %w", err)
	}
	client := cloudwatchlogs.NewFromConfig(cfg)
	c := &Client{api: client, throttles: throttles, Region: cfg.Region}
	if e := client.Options().BaseEndpoint; e != nil {
		c.Where = hostOnly(*e)
	}
	return c, nil
}

// hostOnly is an endpoint as scheme://host: a URL's path, query and user
// may hold secrets, and never reach a message.
func hostOnly(endpoint string) string {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		return "(an endpoint that is not a URL)"
	}
	return u.Scheme + "://" + u.Host
}

// countingRetryer is the standard retryer, counting the failed attempts
// that were throttled.
type countingRetryer struct {
	aws.RetryerV2
	throttles *atomic.Int64
}

func (r *countingRetryer) IsErrorRetryable(err error) bool {
	if retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err) == aws.TrueTernary {
		r.throttles.Add(1)
	}
	return r.RetryerV2.IsErrorRetryable(err)
}
