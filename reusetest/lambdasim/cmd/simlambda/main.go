// Command simlambda serves the simulated Lambda pool on a loopback address,
// as a Function URL (GET /?sleep_ms=N) and as the Invoke API for function
// "probe", so the live experiment can run against it without AWS:
//
//	go run ./reusetest/lambdasim/cmd/simlambda -addr 127.0.0.1:9000 -scale 100
//	LAMBDA_REUSE_URL=http://127.0.0.1:9000/ go test -tags=integration ./reusetest \
//	    -run TestLiveExperiment -v -reuse.calls=120000 -reuse.rate=1000
//
// Every answer carries X-Lambda-Reuse-Scale, so the run summarizes in model
// time; the model runs on the times the caller scheduled its calls.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"strings"

	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdaapi"
	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdasim"
	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9000", "listen address (keep it on loopback)")
	var opts lambdasim.ServerOptions
	flag.Float64Var(&opts.Scale, "scale", 1, fmt.Sprintf("model seconds per real second, %g to %g (up to 1000 agrees with the in-process simulator while the caller keeps up)", record.MinScale, record.MaxScale))
	flag.StringVar(&opts.Profile, "profile", lambdasim.DefaultProfile, "simulator profile: "+strings.Join(lambdasim.ProfileNames(), ", ")+", or a profile file's path")
	flag.StringVar(&opts.Placement, "placement", "", "placement among idle environments: "+strings.Join(lambdasim.PlacementNames(), ", ")+" (default: the profile's, else "+string(lambdasim.DefaultPlacement)+")")
	flag.Uint64Var(&opts.Seed, "seed", 0, "seed")
	flag.BoolVar(&opts.TenantIsolation, "tenant-isolation", false, "serve a function in tenant isolation mode: every call carries a tenant id (X-Amz-Tenant-Id), and each environment serves one tenant")
	flag.Float64Var(&opts.Faults.Throttle, "throttle", 0, "probability of an injected 429")
	flag.Float64Var(&opts.Faults.ServerError, "server-error", 0, "probability of an injected 5xx")
	flag.Parse()
	srv, err := lambdasim.NewServer(opts)
	if err != nil {
		log.Fatal(err)
	}
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "simlambda: serving on http://%s/ (Invoke API function \"probe\"), scale %g\n", l.Addr(), opts.Scale)
	for _, n := range srv.NotModelled() {
		fmt.Fprintf(os.Stderr, "simlambda: not modelled: the profile's %s\n", n)
	}
	log.Fatal(lambdaapi.Harden(&http.Server{Handler: srv}).Serve(l))
}
