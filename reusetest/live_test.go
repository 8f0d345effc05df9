//go:build integration

package reusetest

import (
	"errors"
	"flag"
	"os"
	"testing"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/live"
)

// TestLiveExperiment runs the seed experiment (or the -reuse.* plan)
// against the endpoint named by LAMBDA_REUSE_URL or LAMBDA_REUSE_FUNCTION.
// All logic is in package live (RunExperiment), whose short tests exercise
// it against served pools; this only wires configuration to it.
func TestLiveExperiment(t *testing.T) { liveExperiment(t, "seed") }

// TestLiveIdleExperiment runs the idle-timeout experiment
// (-reuse.idle.*) against the endpoint.
func TestLiveIdleExperiment(t *testing.T) { liveExperiment(t, "idle") }

// TestLiveBurstExperiment runs the burst experiment (-reuse.burst.*)
// against the endpoint.
func TestLiveBurstExperiment(t *testing.T) { liveExperiment(t, "burst") }

// TestLiveTraceExperiment replays a trace (-reuse.trace and
// -reuse.trace.*) against the endpoint: the prediction for your own
// traffic, checked on your own function. Each call asks for its line's
// duration when the trace has them.
func TestLiveTraceExperiment(t *testing.T) { liveExperiment(t, "trace") }

// TestLiveRampExperiment runs the ramp (-reuse.ramp.*) against the
// endpoint: how it scales with traffic that grows, and what it throttles.
func TestLiveRampExperiment(t *testing.T) { liveExperiment(t, "ramp") }

// liveExperiment runs experiment name against the endpoint the environment
// names (live.RunExperiment), stopping in time for the test's deadline.
func liveExperiment(t *testing.T, name string) {
	schedule, err := flags.Schedule(name, root)
	if err != nil {
		t.Fatal(err)
	}
	opts := live.ExperimentOptions{Experiment: name, Root: root, Getenv: os.Getenv}
	if deadline, ok := t.Deadline(); ok {
		// Leave time to drain (one call timeout) and to write the summary.
		opts.StopBy = deadline.Add(-flags.CallTimeout - 30*time.Second)
	}
	if f := flag.Lookup("update"); f != nil && f.Value.String() == "true" {
		opts.Update = true
	}
	res, err := live.RunExperiment(t.Context(), os.Stdout, flags, schedule, opts)
	switch {
	case errors.Is(err, live.ErrNoEndpoint):
		t.Skip(err.Error())
	case err != nil:
		t.Fatal(err)
	case res.Stopped:
		t.Skipf("stopped at seq %d of %d: rerun with the same flags and -reuse.log %s to resume", res.Next, schedule.Plan().Calls, res.LogPath)
	case res.Drifted:
		t.Error("reuse behaviour drifted from the baseline beyond tolerance (table above); -update accepts this run")
	}
}
