// Command testfunc is the probe with failure switches, for the local host's
// tests: {"panic": true} panics in the handler, {"exit": true} exits the
// process, {"leak_kb": N} allocates N KB (at most MaxLeakKB) and keeps it
// for the life of the process, touching every page so that it is resident,
// and {"say": "text"} writes text to stdout and "stderr: text" to stderr;
// anything else goes to the probe. Never deploy it.
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

// MaxLeakKB bounds one call's leak (1 GB).
const MaxLeakKB = 1 << 20

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
	leaked [][]byte // what the leak switch keeps: a global, as a leaking handler's would be
}

func (s *switches) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	var sw struct {
		Panic, Exit bool
		LeakKB      int `json:"leak_kb"`
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
	if sw.LeakKB > 0 {
		b := make([]byte, min(sw.LeakKB, MaxLeakKB)<<10)
		for i := 0; i < len(b); i += 4096 {
			b[i] = 1 // resident, not just reserved
		}
		s.leaked = append(s.leaked, b)
	}
	return s.Probe.Invoke(ctx, payload)
}
