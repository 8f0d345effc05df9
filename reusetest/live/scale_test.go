package live

import (
	"bytes"
	"math"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdasim"
	"github.com/lambda-reuse/lambda-reuse/reusetest/reuse"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// TestServedPoolAgreesWithTheSimulator runs one model plan twice: in the
// in-process simulator, and live against simlambda at 1,000 times real
// speed through the HTTP target (1,000 calls a second for 12 s). The served pool
// runs its model on the times the caller scheduled, so real-time noise
// cannot sway it: instances, median reuse and median measured lifetime (in
// model time) agree within 10%.
func TestServedPoolAgreesWithTheSimulator(t *testing.T) {
	if testing.Short() {
		t.Skip("12 s of calls; skipped in -short mode")
	}
	if raceEnabled {
		t.Skip("a timing test: the race detector slows caller and server too much to keep to the schedule")
	}
	const scale = 1000
	// 200 model minutes (past the 100-120 min lifetimes), 5 calls busy at
	// once: 12 environments, whose medians fall among the long-lived ones
	// (across seeds 0-5 the simulator's median reuse varies by 1%). One call
	// a model second keeps the caller at 1,000 a second, with slack to spare
	// when the machine is busy (the test passed with two CPU burners).
	model := reuse.Plan{Calls: 12_000, RatePerSec: 1, HandlerMS: 5000}
	opts := lambdasim.Options{Profile: lambdasim.ProfileSeed2021, Seed: 5}

	sim, err := lambdasim.New(model, opts)
	assert.NilError(t, err)
	want, err := sim.Summarize(t.Context())
	assert.NilError(t, err)

	srv, err := lambdasim.NewServer(lambdasim.ServerOptions{Options: opts, Scale: scale})
	assert.NilError(t, err)
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	served := model
	served.RatePerSec *= scale // the handler is the model's: simlambda scales it
	caller, _, err := NewCaller(t.Context(), urlEnv(hs.URL+"/"), served.HandlerMS)
	assert.NilError(t, err)
	var out bytes.Buffer
	got, _, err := (&Live{Schedule: served, Caller: caller, LogPath: filepath.Join(t.TempDir(), "run.jsonl"), Out: &out}).Run(t.Context(), nil)
	assert.NilError(t, err, out.String())

	assert.Check(t, is.Equal(got.TimeScale, float64(scale)))
	assert.Check(t, got.Requests.OK >= served.Calls*99/100, "the caller kept up: %v", got.Requests.ByStatus)
	for _, m := range []reuse.Metric{reuse.MetricInstances, reuse.MetricReuseMedian, reuse.MetricLifetimeMedian} {
		w, g := m.Value(want), m.Value(got)
		t.Logf("%-22s simulator %10.1f  served at %dx %10.1f", m.Name, w, scale, g)
		assert.Check(t, math.Abs(g/w-1) <= 0.10, "%s: simulator %v, served %v", m.Name, w, g)
	}
}
