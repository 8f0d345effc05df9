// Command testfunc is the probe with failure switches, for the local host's
// tests: {"panic": true} panics in the handler, {"exit": true} exits the
// process, and {"say": "text"} writes text to stdout and "stderr: text" to
// stderr; anything else goes to the probe, {"leak_kb": N} included (the
// probe's own leak: N KB kept resident for the life of the process, at
// most probe.MaxLeakKB a call and the function's memory size in all).
// Never deploy it.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/lambda-reuse/lambda-reuse/probe"
)

func main() {
	id, err := probe.NewIdentity(time.Now())
	if err != nil {
		log.Fatal(err)
	}
	lambda.Start(&switches{Probe: probe.New(id)}) // a lambda.Handler, as the probe
}

// switches is the probe with its failure switches in front.
type switches struct {
	*probe.Probe
}

func (s *switches) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	var sw struct {
		Panic, Exit bool
		Say         string
	}
	json.Unmarshal(payload, &sw) // not an object: no switch
	if sw.Say != "" {
		fmt.Println(sw.Say)
		fmt.Fprintln(os.Stderr, "stderr: "+sw.Say)
	}
	if sw.Panic {
		panic("testfunc: asked to panic")
	}
	if sw.Exit {
		os.Exit(3)
	}
	return s.Probe.Invoke(ctx, payload)
}
