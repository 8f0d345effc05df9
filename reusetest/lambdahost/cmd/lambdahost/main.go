// Command lambdahost runs a Lambda function binary (our probe, or yours)
// locally as a pool of real execution environments, one process each, and
// serves it on a loopback address as a Function URL and as the Invoke API:
//
//	GOOS=linux CGO_ENABLED=0 go build -tags lambda.norpc -o /tmp/bootstrap ./probe/cmd/bootstrap
//	go run ./reusetest/lambdahost/cmd/lambdahost -bootstrap /tmp/bootstrap -scale 5 -profile seed-2021
//	LAMBDA_REUSE_URL=http://127.0.0.1:9001/ go test -tags=integration ./reusetest \
//	    -run TestLiveExperiment -v -timeout 20m -reuse.calls=24000 -reuse.rate=50 -reuse.handler=100ms
//
// With -logs DIR, -logs-export FILE or -cloudwatch-endpoint URL it writes
// Lambda's own logs of every environment (docs/local-lambda.md, "Logs").
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdaapi"
	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdahost"
	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdahost/cloudwatch"
	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdasim"
	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
)

func main() {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	err := run(os.Args[1:], os.Stderr, sigs, nil)
	var usage usageError
	switch {
	case errors.Is(err, flag.ErrHelp):
	case errors.As(err, &usage):
		os.Exit(2) // the flag package has said what is wrong
	case err != nil:
		fmt.Fprintln(os.Stderr, "lambdahost:", err)
		os.Exit(1)
	}
}

// usageError is a command line the flags could not parse.
type usageError struct{ error }

// closeTimeout bounds the last sending of logs to CloudWatch at the end.
const closeTimeout = 30 * time.Second

// run serves until stop delivers; ready, if set, gets the address served
// once the host is up.
func run(args []string, stderr io.Writer, stop <-chan os.Signal, ready chan<- string) error {
	fs := flag.NewFlagSet("lambdahost", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:9001", "listen address (keep it on loopback)")
	var opts lambdahost.Options
	fs.StringVar(&opts.Bootstrap, "bootstrap", "", "the function binary (required)")
	fs.StringVar(&opts.FunctionName, "function", "probe", "function name for the Invoke API")
	fs.DurationVar(&opts.Timeout, "timeout", lambdahost.DefaultTimeout, "function timeout")
	fs.IntVar(&opts.MemoryMB, "memory", lambdahost.DefaultMemoryMB, fmt.Sprintf("memory size in MB (%d to %d): a process whose resident memory passes it is reset (Runtime.OutOfMemory); what the default -max-environments gives each", lambdahost.MinMemoryMB, lambdahost.MaxMemoryMB))
	fs.IntVar(&opts.MaxEnvironments, "max-environments", 0, fmt.Sprintf("the most environments (processes) alive at once; past it a call that needs a new one is answered 429, as Lambda answers past a concurrency limit (default: sized to this machine: its memory over -memory MB each, within the address space left under ulimit -v at %d MB each and ulimit -u at %d threads each, at most %d; here, at 128 MB, %d; more than those limits allow is refused)",
		lambdahost.HostBytesPerEnvironment>>20, lambdahost.ThreadsPerEnvironment, lambdahost.MaxDefaultEnvironments, lambdahost.DefaultMaxEnvironments(lambdahost.DefaultMemoryMB)))
	fs.Float64Var(&opts.Scale, "scale", 1, fmt.Sprintf("model seconds per real second (lifetimes and idle timeouts), %g to %g", record.MinScale, record.MaxScale))
	fs.StringVar(&opts.Model.Profile, "profile", lambdasim.DefaultProfile, "pool model profile: "+strings.Join(lambdasim.ProfileNames(), ", ")+", or a profile file's path")
	fs.StringVar(&opts.Model.Placement, "placement", "", "placement among idle environments: "+strings.Join(lambdasim.PlacementNames(), ", ")+" (default: the profile's, else "+string(lambdasim.DefaultPlacement)+")")
	fs.Uint64Var(&opts.Model.Seed, "seed", 0, "model seed")
	fs.BoolVar(&opts.TenantIsolation, "tenant-isolation", false, "serve a function in tenant isolation mode: every call carries a tenant id (X-Amz-Tenant-Id), given to the process as Lambda-Runtime-Aws-Tenant-Id, and each environment serves one tenant")
	format := fs.String("log-format", string(lambdahost.LogText), "format of Lambda's own log lines: text or json")
	logsDir := fs.String("logs", "", "write Lambda's logs into this folder, a file per log stream (environment)")
	export := fs.String("logs-export", "", "write Lambda's logs into this new file, one JSON Lines event a line as `aws logs filter-log-events` prints them (what reusereport -cloudwatch reads)")
	endpoint := fs.String("cloudwatch-endpoint", "", "send Lambda's logs to the CloudWatch Logs API at this URL (scheme://host[:port]), with the AWS SDK's credentials and region")
	group := fs.String("log-group", "", "the log group of -cloudwatch-endpoint (default /aws/lambda/FUNCTION)")
	verbose := fs.Bool("v", false, "pass the function's output through")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if *verbose {
		opts.Output = stderr
	}
	var err error
	if opts.LogFormat, err = lambdahost.ParseLogFormat(*format); err != nil {
		return fmt.Errorf("-log-format: %w", err)
	}
	if *group != "" && *endpoint == "" {
		return errors.New("-log-group names the group of -cloudwatch-endpoint, which is not set")
	}
	if *group == "" {
		*group = "/aws/lambda/" + opts.FunctionName
	}
	if opts.Scale > lambdahost.MaxFaithfulScale {
		fmt.Fprintf(stderr, "lambdahost: warning: at -scale %g real-time noise sways the pool's decisions: measured against the simulator, instance counts stayed within about 25%% only up to -scale %g (docs/local-lambda.md, \"How fast a host may run\")\n",
			opts.Scale, float64(lambdahost.MaxFaithfulScale))
	}

	// The log sinks, each checked before any call; an export file is
	// removed again if the host does not start.
	var sinks lambdahost.Sinks
	var closers []func() error
	serving, exportMade := false, false
	defer func() {
		for _, c := range closers {
			c()
		}
		if !serving && exportMade {
			os.Remove(*export)
		}
	}()
	if *logsDir != "" {
		s, err := lambdahost.CreateDir(*logsDir)
		if err != nil {
			return err
		}
		sinks, closers = append(sinks, s), append(closers, s.Close)
	}
	if *export != "" {
		s, err := lambdahost.CreateExport(*export)
		if err != nil {
			return err
		}
		exportMade = true
		sinks, closers = append(sinks, s), append(closers, s.Close)
	}
	if *endpoint != "" {
		ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
		defer cancel()
		cfg, err := config.LoadDefaultConfig(ctx)
		if err != nil {
			return fmt.Errorf("-cloudwatch-endpoint: the AWS SDK's configuration: %w", err)
		}
		s, err := cloudwatch.New(ctx, cfg, *endpoint, *group)
		if err != nil {
			return err
		}
		sinks, closers = append(sinks, s), append(closers, func() error {
			ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
			defer cancel()
			return s.Close(ctx)
		})
	}
	switch len(sinks) {
	case 0:
	case 1:
		opts.Logs = sinks[0]
	default:
		opts.Logs = sinks
	}

	h, err := lambdahost.Start(opts)
	if err != nil {
		return err
	}
	defer h.Close()
	// Serve on the requested address by proxying to the host's own port.
	target, _ := url.Parse(h.URL())
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := lambdaapi.Harden(&http.Server{Handler: httputil.NewSingleHostReverseProxy(target)})
	go srv.Serve(l)
	defer srv.Close()
	fmt.Fprintf(stderr, "lambdahost: %s on http://%s/ (Invoke API function %q), at most %d environments; Ctrl-C stops it and its processes\n",
		opts.Bootstrap, l.Addr(), opts.FunctionName, h.MaxEnvironments())
	serving = true
	if ready != nil {
		ready <- l.Addr().String()
	}

	tick := time.NewTicker(time.Minute)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			h.Close()
			c := h.Counts()
			fmt.Fprintf(stderr, "lambdahost: stopped; %d environments started, %s, retired %s\n", c.Started, resetsText(c.Resets), countsText(c.Retired))
			var errs []error
			for _, c := range closers {
				errs = append(errs, c())
			}
			closers = nil
			return errors.Join(errs...)
		case <-tick.C:
			c := h.Counts()
			fmt.Fprintf(stderr, "lambdahost: %d running, %d started, %s, retired %s\n", c.Running, c.Started, resetsText(c.Resets), countsText(c.Retired))
		}
	}
}

// resetsText is the resets for people: "no resets", "3 resets (2
// Runtime.ExitError, 1 Sandbox.Timedout)".
func resetsText(by map[string]int64) string {
	var n int64
	for _, k := range by {
		n += k
	}
	switch n {
	case 0:
		return "no resets"
	case 1:
		return "1 reset (" + countsText(by) + ")"
	}
	return fmt.Sprintf("%d resets (%s)", n, countsText(by))
}

// countsText is counts by kind for people: "12 idle, 3 age", the kinds
// in a fixed order, "none" when there were none.
func countsText[K ~string](by map[K]int64) string {
	var parts []string
	for _, c := range slices.Sorted(maps.Keys(by)) {
		if n := by[c]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, c))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}
