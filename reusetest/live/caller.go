package live

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/lambda-reuse/lambda-reuse/reusetest/endpoint"
	"github.com/lambda-reuse/lambda-reuse/reusetest/runner"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
)

// The environment variables that point a live run at a target.
const (
	EnvURL       = "LAMBDA_REUSE_URL"       // a Function URL or API Gateway URL
	EnvAuth      = "LAMBDA_REUSE_AUTH"      // "iam" to SigV4-sign URL calls
	EnvFunction  = "LAMBDA_REUSE_FUNCTION"  // a function name or ARN, for the Invoke API
	envQualifier = "LAMBDA_REUSE_QUALIFIER" // optional version or alias
	envShowPath  = "LAMBDA_REUSE_SHOW_PATH" // "1" names the target by its URL path's text, not a hash of it
)

// ErrNoEndpoint means neither endpoint variable is set: the live test skips.
var ErrNoEndpoint = fmt.Errorf("no live endpoint: set %s (a Function URL or API Gateway URL) or %s (a function name or ARN)", EnvURL, EnvFunction)

// Caller is a live endpoint: it makes calls and describes itself without secrets.
type Caller interface {
	runner.Caller
	Describe() string
}

// FrontDoor says what a target costs per request on top of Lambda.
type FrontDoor int

// The front doors.
const (
	FrontDoorInvoke     FrontDoor = iota // Invoke API or Function URL: no extra charge
	FrontDoorAPIGateway                  // API Gateway HTTP API
)

// credentialsHelp names what to set when no AWS credentials are found.
const credentialsHelp = "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary keys), " +
	"or AWS_PROFILE for a profile or SSO (after aws sso login), " +
	"or AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE for OIDC; and AWS_REGION"

// awsConfig loads the AWS settings and checks, before any call, that they
// hold credentials: a run without them would only record failures.
func awsConfig(ctx context.Context, what string) (aws.Config, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return aws.Config{}, fmt.Errorf("%s: load AWS config: %w", what, err)
	}
	if cfg.Credentials == nil {
		return aws.Config{}, fmt.Errorf("%s: no AWS credentials found: %s", what, credentialsHelp)
	}
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		// The SDK's reason names the providers it tried, never a secret.
		return aws.Config{}, fmt.Errorf("%s: no AWS credentials found: %s (%v)", what, credentialsHelp, err)
	}
	return cfg, nil
}

// NewCaller builds the target the environment names (getenv is os.Getenv
// in the test). AWS settings come from config.LoadDefaultConfig, so
// profiles, SSO, environment credentials, OIDC and AWS_ENDPOINT_URL_LAMBDA
// all work; a target that signs its calls (the Invoke API, or IAM auth) is
// refused before its first call when no credentials are found.
func NewCaller(ctx context.Context, getenv func(string) string, handlerMS int64) (Caller, FrontDoor, error) {
	rawURL, function := getenv(EnvURL), getenv(EnvFunction)
	switch {
	case rawURL == "" && function == "":
		return nil, 0, ErrNoEndpoint
	case rawURL != "" && function != "":
		return nil, 0, fmt.Errorf("both %s and %s are set: set one", EnvURL, EnvFunction)
	case function != "":
		cfg, err := awsConfig(ctx, "Invoke API ("+EnvFunction+")")
		if err != nil {
			return nil, 0, err
		}
		inv, err := endpoint.NewInvoke(cfg, function, getenv(envQualifier), handlerMS)
		return inv, FrontDoorInvoke, err
	}
	opts := endpoint.HTTPOptions{ShowPath: getenv(envShowPath) == "1"}
	switch auth := getenv(EnvAuth); auth {
	case "", "none":
	case "iam":
		cfg, err := awsConfig(ctx, "IAM auth ("+EnvAuth+"=iam)")
		if err != nil {
			return nil, 0, err
		}
		opts.AWS = &cfg
	default:
		return nil, 0, fmt.Errorf("%s=%q: want iam or nothing", EnvAuth, auth)
	}
	h, err := endpoint.NewHTTP(rawURL, handlerMS, opts)
	door := FrontDoorInvoke // Function URLs cost nothing extra
	if strings.Contains(rawURL, ".execute-api.") {
		door = FrontDoorAPIGateway
	}
	return h, door, err
}

// targetKey names files for a target: its redacted description reduced to
// letters, digits, dots and dashes.
func targetKey(description string) string {
	s := strings.TrimPrefix(strings.TrimPrefix(description, "https://"), "http://")
	if i := strings.IndexAny(s, "?("); i >= 0 {
		s = s[:i]
	}
	s = regexp.MustCompile(`[^A-Za-z0-9.-]+`).ReplaceAllString(s, "-")
	return strings.Trim(s, "-")
}

// PerCallHandler makes caller ask, call by call, for the handler time the
// schedule gives each call, when the calls differ (a trace with durations);
// it reports whether it did. Callers whose handler time is fixed are left
// as they are.
func PerCallHandler(caller Caller, sched schedule.Schedule) bool {
	pc, can := caller.(interface {
		PerCall(func(int64) time.Duration)
	})
	if !can || !schedule.VariedHandler(sched) {
		return false
	}
	pc.PerCall(sched.HandlerTime)
	return true
}

// AskLeak makes every call of caller ask the function to grow a global by
// kb KB (the probe's leak_kb; -reuse.leak), and reports whether it could:
// a target that builds its own calls' payloads can. 0 asks nothing.
func AskLeak(caller Caller, kb float64) bool {
	l, can := caller.(interface{ Leak(kb float64) })
	if !can || kb <= 0 {
		return false
	}
	l.Leak(kb)
	return true
}
