// Command lambdahost runs a Lambda function binary (our probe, or yours)
// locally as a pool of real execution environments, one process each, and
// serves it on a loopback address as a Function URL and as the Invoke API:
//
//	GOOS=linux CGO_ENABLED=0 go build -tags lambda.norpc -o /tmp/bootstrap ./probe/cmd/bootstrap
//	go run ./reusetest/lambdahost/cmd/lambdahost -bootstrap /tmp/bootstrap -scale 5 -profile seed-2021
//	LAMBDA_REUSE_URL=http://127.0.0.1:9001/ go test -tags=integration ./reusetest \
//	    -run TestLiveExperiment -v -timeout 20m -reuse.calls=24000 -reuse.rate=50 -reuse.handler=100ms
package main

import (
	"flag"
	"fmt"
	"log"
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

	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdaapi"
	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdahost"
	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdasim"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9001", "listen address (keep it on loopback)")
	var opts lambdahost.Options
	flag.StringVar(&opts.Bootstrap, "bootstrap", "", "the function binary (required)")
	flag.StringVar(&opts.FunctionName, "function", "probe", "function name for the Invoke API")
	flag.DurationVar(&opts.Timeout, "timeout", lambdahost.DefaultTimeout, "function timeout")
	flag.Float64Var(&opts.Scale, "scale", 1, "model seconds per real second (lifetimes and idle timeouts)")
	flag.StringVar(&opts.Model.Profile, "profile", lambdasim.DefaultProfile, "pool model profile: "+strings.Join(lambdasim.ProfileNames(), ", ")+", or a profile file's path")
	flag.StringVar(&opts.Model.Placement, "placement", "", "placement among idle environments: "+strings.Join(lambdasim.PlacementNames(), ", ")+" (default: the profile's, else "+string(lambdasim.DefaultPlacement)+")")
	flag.Uint64Var(&opts.Model.Seed, "seed", 0, "model seed")
	flag.BoolVar(&opts.TenantIsolation, "tenant-isolation", false, "serve a function in tenant isolation mode: every call carries a tenant id (X-Amz-Tenant-Id), given to the process as Lambda-Runtime-Aws-Tenant-Id, and each environment serves one tenant")
	verbose := flag.Bool("v", false, "pass the function's output through")
	flag.Parse()
	if *verbose {
		opts.Output = os.Stderr
	}
	if opts.Scale > lambdahost.MaxFaithfulScale {
		fmt.Fprintf(os.Stderr, "lambdahost: warning: at -scale %g real-time noise sways the pool's decisions: measured against the simulator, instance counts stayed within about 25%% only up to -scale %g (docs/local-lambda.md, \"How fast a host may run\")\n",
			opts.Scale, float64(lambdahost.MaxFaithfulScale))
	}
	h, err := lambdahost.Start(opts)
	if err != nil {
		log.Fatal(err)
	}
	// Serve on the requested address by proxying to the host's own port.
	target, _ := url.Parse(h.URL())
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		h.Close()
		log.Fatal(err)
	}
	go lambdaapi.Harden(&http.Server{Handler: httputil.NewSingleHostReverseProxy(target)}).Serve(l)
	fmt.Fprintf(os.Stderr, "lambdahost: %s on http://%s/ (Invoke API function %q); Ctrl-C stops it and its processes\n",
		opts.Bootstrap, l.Addr(), opts.FunctionName)

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	tick := time.NewTicker(time.Minute)
	for {
		select {
		case <-sigs:
			h.Close()
			c := h.Counts()
			fmt.Fprintf(os.Stderr, "lambdahost: stopped; %d environments started, retired %s\n", c.Started, retiredText(c.Retired))
			return
		case <-tick.C:
			c := h.Counts()
			fmt.Fprintf(os.Stderr, "lambdahost: %d running, %d started, retired %s\n", c.Running, c.Started, retiredText(c.Retired))
		}
	}
}

// retiredText is the retirements by cause for people: "12 idle, 3 age",
// the causes in a fixed order, "none" when there were none.
func retiredText(by map[lambdasim.Cause]int64) string {
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
