package live

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdasim"
	"github.com/lambda-reuse/lambda-reuse/reusetest/metric"
	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"github.com/lambda-reuse/lambda-reuse/reusetest/recordlog"
	"github.com/lambda-reuse/lambda-reuse/reusetest/runner"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// TestServedPoolAgreesWithTheSimulator runs one model plan twice: in the
// in-process simulator, and live against simlambda at 1,000 times real
// speed through the HTTP target (100 calls a second for 12 s). The served pool
// runs its model on the times the caller scheduled, so real-time noise
// cannot sway it: instances and median reuse agree within 10%, and the
// median measured lifetime (in model time) within 10% plus what the
// caller's measured delays can account for.
func TestServedPoolAgreesWithTheSimulator(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("12 s of calls; skipped in -short mode")
	}
	const scale = 1000
	// 200 model minutes (past the 100-120 min lifetimes), 5 calls busy at
	// once: 12 environments, whose medians fall among the long-lived ones
	// (across seeds 0-5 the simulator's median reuse varies by 1%). One call
	// every 10 model seconds keeps the caller at 100 a second: a machine
	// whose other work takes most of both cores still sends them all.
	model := schedule.Plan{Calls: 1200, RatePerSec: 0.1, HandlerMS: 50_000}
	opts := lambdasim.Options{Profile: lambdasim.ProfileSeed2021, Seed: 5}

	_, url := servePool(t, lambdasim.ServerOptions{Options: opts, Scale: scale})
	served := model
	served.RatePerSec *= scale // the handler is the model's: simlambda scales it
	caller, _, err := NewCaller(t.Context(), urlEnv(url+"/"), served.HandlerMS)
	assert.NilError(t, err)
	var out bytes.Buffer
	logPath := filepath.Join(t.TempDir(), "run.jsonl")
	// A loaded machine stalls the scheduler now and then; a slot it reaches
	// late is sent late, never skipped, so the served pool gets every call
	// whatever the machine's speed (it runs its model on the times the
	// calls were scheduled, which a late send keeps).
	runOpts := runner.Options{MaxLateness: time.Hour}
	got, _, err := (&Live{Schedule: schedule.Steady(served), Caller: caller, LogPath: logPath, Options: runOpts, Out: &out}).Run(t.Context(), nil)
	assert.NilError(t, err, out.String())
	assert.Check(t, is.Equal(got.TimeScale, float64(scale)))

	// A call may still be skipped when the calls in flight reach their
	// bound; both sides know which (the records say so, and the served pool
	// never saw them), so the simulator runs the calls that were sent.
	//
	// The measured lifetime is read from real times, the first call's send
	// and the last call's answer, at 1,000 times their length: how late a
	// loaded machine sent or read them is measured (against when each call
	// was due and could have been answered) and allowed for.
	var sent []int64
	ends := map[string]*[2]time.Duration{} // per environment: its first send's delay, its last answer's delay
	firstSent, lastDone := map[string]time.Time{}, map[string]time.Time{}
	handler := time.Duration(float64(model.HandlerMS) * float64(time.Millisecond) / scale)
	f, err := os.Open(logPath)
	assert.NilError(t, err)
	_, _, err = recordlog.Read(f, nil, func(r *record.Record) {
		if r.Status != record.StatusSkipped {
			sent = append(sent, r.Seq)
		}
		if r.Status != record.StatusOK {
			return
		}
		e := ends[r.InstanceID]
		if e == nil {
			e = &[2]time.Duration{}
			ends[r.InstanceID] = e
		}
		if t0, ok := firstSent[r.InstanceID]; !ok || r.Sent.Before(t0) {
			firstSent[r.InstanceID], e[0] = r.Sent, max(0, r.Sent.Sub(r.Scheduled))
		}
		if t1, ok := lastDone[r.InstanceID]; !ok || r.Done.After(t1) {
			lastDone[r.InstanceID], e[1] = r.Done, max(0, r.Done.Sub(r.Scheduled)-handler)
		}
	})
	f.Close()
	assert.NilError(t, err)
	slices.Sort(sent)
	t.Logf("the caller sent %d of %d calls (%v)", len(sent), served.Calls, got.Requests.ByStatus)
	assert.Assert(t, len(sent) >= int(served.Calls)/2, "too few calls were sent to compare")
	sim, err := lambdasim.New(subset{model, sent}, opts)
	assert.NilError(t, err)
	want, err := sim.Summarize(t.Context())
	assert.NilError(t, err)
	var delay time.Duration // the most an environment's measured lifetime can be off by, in real time
	for _, e := range ends {
		delay = max(delay, e[0]+e[1])
	}
	for _, m := range []metric.Metric{metric.MetricInstances, metric.MetricReuseMedian, metric.MetricLifetimeMedian} {
		w, g := m.Value(want), m.Value(got)
		tol := 0.10
		if m.Name == metric.MetricLifetimeMedian.Name {
			tol += delay.Minutes() * scale / w
		}
		t.Logf("%-22s simulator %10.1f  served at %dx %10.1f  (tolerance %.0f%%)", m.Name, w, scale, g, tol*100)
		assert.Check(t, math.Abs(g/w-1) <= tol, "%s: simulator %v, served %v", m.Name, w, g)
	}
}

// subset is the calls of a plan with the given seqs, in order.
type subset struct {
	plan schedule.Plan
	seqs []int64
}

func (s subset) Plan() schedule.Plan {
	p := s.plan
	p.Calls = int64(len(s.seqs))
	return p
}
func (s subset) Due(i int64) time.Duration { return schedule.Steady(s.plan).Due(s.seqs[i]) }
func (s subset) HandlerTime(i int64) time.Duration {
	return schedule.Steady(s.plan).HandlerTime(s.seqs[i])
}
func (s subset) Spec() schedule.ScheduleSpec { return schedule.Steady(s.Plan()).Spec() }
func (s subset) Validate() error             { return s.Plan().Validate() }
func (s subset) InModelTime(float64) (schedule.Schedule, error) {
	return nil, errors.New("a subset has no model-time form")
}
