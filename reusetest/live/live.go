package live

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/lambda-reuse/lambda-reuse/reusetest/recordlog"
	"github.com/lambda-reuse/lambda-reuse/reusetest/reuse"
	"github.com/lambda-reuse/lambda-reuse/reusetest/runner"
	"github.com/lambda-reuse/lambda-reuse/reusetest/target"
)

// The environment variables that point a live run at a target.
const (
	EnvURL       = "LAMBDA_REUSE_URL"       // a Function URL or API Gateway URL
	EnvAuth      = "LAMBDA_REUSE_AUTH"      // "iam" to SigV4-sign URL calls
	EnvFunction  = "LAMBDA_REUSE_FUNCTION"  // a function name or ARN, for the Invoke API
	EnvQualifier = "LAMBDA_REUSE_QUALIFIER" // optional version or alias
)

// ErrNoTarget means neither target variable is set: the live test skips.
var ErrNoTarget = fmt.Errorf("no live target: set %s (a Function URL or API Gateway URL) or %s (a function name or ARN)", EnvURL, EnvFunction)

// Caller is a live target: it makes calls and describes itself without secrets.
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
		return nil, 0, ErrNoTarget
	case rawURL != "" && function != "":
		return nil, 0, fmt.Errorf("both %s and %s are set: set one", EnvURL, EnvFunction)
	case function != "":
		cfg, err := awsConfig(ctx, "Invoke API ("+EnvFunction+")")
		if err != nil {
			return nil, 0, err
		}
		inv, err := target.NewInvoke(cfg, function, getenv(EnvQualifier), handlerMS)
		return inv, FrontDoorInvoke, err
	}
	opts := target.HTTPOptions{}
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
	h, err := target.NewHTTP(rawURL, handlerMS, opts)
	door := FrontDoorInvoke // Function URLs cost nothing extra
	if strings.Contains(rawURL, ".execute-api.") {
		door = FrontDoorAPIGateway
	}
	return h, door, err
}

// TargetKey names files for a target: its redacted description reduced to
// letters, digits, dots and dashes.
func TargetKey(description string) string {
	s := strings.TrimPrefix(strings.TrimPrefix(description, "https://"), "http://")
	if i := strings.IndexAny(s, "?("); i >= 0 {
		s = s[:i]
	}
	s = regexp.MustCompile(`[^A-Za-z0-9.-]+`).ReplaceAllString(s, "-")
	return strings.Trim(s, "-")
}

// Analysis consumes a run's records, each once: those already in a resumed
// log, then every new one. reuse.Summarizer is one; report.Collector (the
// summary and the charts' data in the same pass) is another.
type Analysis interface {
	Add(*reuse.Record)
	Summary() reuse.Summary
	// Instances is the number of environments seen so far, for progress lines.
	Instances() int
}

// Live is one live run: a schedule against a caller, logged to LogPath.
type Live struct {
	// Schedule says when each call is due (a reuse.Plan is one).
	Schedule reuse.Schedule
	Caller   Caller
	LogPath  string
	Options  runner.Options
	// Analysis receives every record of the log once (default: a
	// reuse.Summarizer of the run); Run returns its summary.
	Analysis Analysis
	// Out receives the plan, progress lines and the results table.
	Out io.Writer
	// Now is the clock (time.Now).
	Now func() time.Time
	// StartupWindow is how long a run whose calls all fail the same way
	// rides it out before fail-fast stops it (DefaultStartupWindow).
	StartupWindow time.Duration
	// NoFailFast turns the fail-fast rule off: the run goes to the end of
	// its schedule whatever its calls answer.
	NoFailFast bool
	// StopBy, if set, stops scheduling at that time and drains, as the
	// first signal does (so a go test -timeout deadline ends a run cleanly).
	StopBy time.Time
}

// Run runs (or resumes) the schedule. Closing stop stops scheduling and drains;
// cancelling ctx cancels calls in flight. The summary covers every segment
// of the log.
func (l *Live) Run(ctx context.Context, stop <-chan struct{}) (reuse.Summary, runner.Result, error) {
	now := l.Now
	if now == nil {
		now = time.Now
	}
	desc := l.Caller.Describe()
	plan := l.Schedule.Plan()
	if err := os.MkdirAll(filepath.Dir(l.LogPath), 0o755); err != nil {
		return reuse.Summary{}, runner.Result{}, fmt.Errorf("live run: %w", err)
	}
	sum := l.Analysis
	if sum == nil {
		sum = reuse.NewSummarizer(l.Schedule, desc, nil)
	}
	ff := &failFast{window: l.StartupWindow}
	if ff.window <= 0 {
		ff.window = DefaultStartupWindow
	}
	w, st, err := recordlog.Open(l.LogPath, l.Schedule, desc, now(), func(r *reuse.Record) {
		sum.Add(r)
		ff.observe(r)
	})
	if err != nil {
		return reuse.Summary{}, runner.Result{}, err
	}
	defer w.Close()
	var lost []runner.Lost
	for _, seq := range st.Missing() {
		lost = append(lost, runner.Lost{Seq: seq, Scheduled: st.Scheduled(seq)})
	}

	remaining := plan.Calls - st.Next
	fmt.Fprintf(l.Out, "live run against %s\nplan: %s: %s in all\n",
		desc, l.Schedule.Spec(), reuse.HumanDuration(plan.Duration()))
	switch {
	case st.Count > 0 && remaining == 0 && len(lost) == 0:
		fmt.Fprintf(l.Out, "%s is complete: nothing to call; summarizing it (use another -reuse.log for a new run)\n", l.LogPath)
	case st.Count > 0:
		fmt.Fprintf(l.Out, "resuming %s: %d records in %d segments; %d lost in flight (recorded as cancelled); %d calls to go, about %v\n",
			l.LogPath, st.Count, st.Segments, len(lost), remaining, reuse.HumanDuration(time.Duration(float64(remaining)/plan.RatePerSec*1e9)))
	default:
		fmt.Fprintf(l.Out, "log: %s\n", l.LogPath)
	}
	opts := l.Options
	if n := atOnce(l.Schedule); opts.MaxInFlight == 0 && n > runner.DefaultMaxInFlight {
		opts.MaxInFlight = int(n) // a burst is sent whole, never partly skipped by the caller's own bound
	}
	userProgress := opts.Progress
	opts.Progress = func(p runner.Progress) {
		writeProgress(l.Out, p, sum.Instances())
		if userProgress != nil {
			userProgress(p)
		}
	}
	sink := &summarizingSink{w: w, sum: sum}
	r := runner.New(l.Schedule, l.Caller, sink, opts)
	if !l.NoFailFast {
		sink.failFast, sink.stop, sink.out = ff, r.Stop, l.Out
	}
	if stop != nil {
		go func() {
			select {
			case <-stop:
				r.Stop()
			case <-ctx.Done():
			}
		}()
	}
	if !l.StopBy.IsZero() {
		defer time.AfterFunc(l.StopBy.Sub(now()), func() {
			fmt.Fprintf(l.Out, "stopping before the test deadline; rerun with the same flags to resume\n")
			r.Stop()
		}).Stop()
	}
	res, err := r.Run(ctx, st.Next, lost)
	if err != nil {
		return reuse.Summary{}, res, err
	}
	if sink.failFast != nil && ff.tripped {
		return sum.Summary(), res, ff.err()
	}
	return sum.Summary(), res, nil
}

// atOnce is the most calls the schedule makes due at the same instant.
func atOnce(s reuse.Schedule) int64 {
	switch x := s.(type) {
	case reuse.Burst:
		return x.Size
	case *reuse.Idle:
		return x.Size
	}
	return 1
}

// summarizingSink writes each record to the log and to the analysis, and,
// when failFast is set, stops the run when its rule trips.
type summarizingSink struct {
	w        *recordlog.Writer
	sum      Analysis
	failFast *failFast
	stop     func()
	out      io.Writer
}

func (s *summarizingSink) Append(r *reuse.Record) error {
	if err := s.w.Append(r); err != nil {
		return err
	}
	s.sum.Add(r)
	if s.failFast != nil && s.failFast.observe(r) {
		fmt.Fprintf(s.out, "fail-fast: %d calls in a row failed with %s and none succeeded: stopping; draining calls in flight\n",
			s.failFast.streak, s.failFast.class)
		s.stop()
	}
	return nil
}

func (s *summarizingSink) Sync() error { return s.w.Sync() }

func writeProgress(w io.Writer, p runner.Progress, instances int) {
	eta := "-"
	if rate := p.Rate(); rate > 0 {
		eta = (time.Duration(float64(p.Total-p.Done)/rate) * time.Second).Round(time.Second).String()
	}
	var errs []string
	for _, class := range slices.Sorted(maps.Keys(p.ByClass)) {
		errs = append(errs, fmt.Sprintf("%s %d", class, p.ByClass[class]))
	}
	if skipped := p.ByStatus[reuse.StatusSkipped]; skipped > 0 {
		errs = append(errs, fmt.Sprintf("skipped %d", skipped))
	}
	if len(errs) == 0 {
		errs = []string{"none"}
	}
	fmt.Fprintf(w, "progress: %d/%d done, %.1f/s, %d instances seen, errors: %s, ETA %s\n",
		p.Done, p.Total, p.Rate(), instances, strings.Join(errs, ", "), eta)
}

// Prices, US East (N. Virginia) list prices (README, Sources [S10], read
// 2026): requests $0.20 per million;
// duration per GB-second $0.0000166667 (x86) or $0.0000133334 (arm64);
// API Gateway HTTP API $1.00 per million. Free tier, the Init phase and
// CloudWatch Logs are not counted.
const (
	PricePerRequest      = 0.20 / 1e6
	PricePerGBSecondX86  = 0.0000166667
	PricePerGBSecondArm  = 0.0000133334
	PricePerAPIGWRequest = 1.00 / 1e6
	PricesAsOf           = "2026 (README, Sources [S10])"
	DefaultProbeMemoryMB = 128
)

// EstimateCost is the list-price cost of plan against a probe of memoryMB
// on arm64 (the deploy default) and x86, through the given front door.
func EstimateCost(plan reuse.Plan, memoryMB int, door FrontDoor) (arm, x86 float64) {
	calls := float64(plan.Calls)
	gbSeconds := calls * plan.Handler().Seconds() * float64(memoryMB) / 1024
	base := calls * PricePerRequest
	if door == FrontDoorAPIGateway {
		base += calls * PricePerAPIGWRequest
	}
	return base + gbSeconds*PricePerGBSecondArm, base + gbSeconds*PricePerGBSecondX86
}

// WriteCostEstimate prints the cost estimate line.
func WriteCostEstimate(w io.Writer, plan reuse.Plan, door FrontDoor) {
	arm, x86 := EstimateCost(plan, DefaultProbeMemoryMB, door)
	via := "Invoke API or Function URL (no front-door charge)"
	if door == FrontDoorAPIGateway {
		via = "API Gateway HTTP API ($1.00 per million)"
	}
	fmt.Fprintf(w, "estimated cost at list prices of %s: $%.2f on arm64, $%.2f on x86, %d MB, via %s; free tier, Init billing and logs not counted\n",
		PricesAsOf, arm, x86, DefaultProbeMemoryMB, via)
}

// HandleSignals wires SIGINT and SIGTERM: the first closes stop (stop
// scheduling, drain), the second cancels the returned context (cancel calls
// in flight). release undoes it.
func HandleSignals(ctx context.Context, out io.Writer) (context.Context, <-chan struct{}, func()) {
	ctx, cancel := context.WithCancel(ctx)
	stop := make(chan struct{})
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-sigs:
			fmt.Fprintf(out, "%v: stopping; draining calls in flight (again to cancel them)\n", s)
			close(stop)
		case <-done:
			return
		}
		select {
		case s := <-sigs:
			fmt.Fprintf(out, "%v: cancelling calls in flight\n", s)
			cancel()
		case <-done:
		}
	}()
	return ctx, stop, func() { signal.Stop(sigs); close(done); cancel() }
}
