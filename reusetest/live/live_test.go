package live

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/lambda-reuse/lambda-reuse/internal/loopback"
	"github.com/lambda-reuse/lambda-reuse/internal/testenv"
	"github.com/lambda-reuse/lambda-reuse/reusetest/endpoint"
	"github.com/lambda-reuse/lambda-reuse/reusetest/fit"
	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdasim"
	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"github.com/lambda-reuse/lambda-reuse/reusetest/recordlog"
	"github.com/lambda-reuse/lambda-reuse/reusetest/report"
	"github.com/lambda-reuse/lambda-reuse/reusetest/runner"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// secret stands in for a token in an endpoint URL: it must never be written.
const secret = "s3cr3t-t0k3n"

// servePool serves a simulated pool with opts on loopback for the rest of
// the test and returns it and its URL.
func servePool(t *testing.T, opts lambdasim.ServerOptions) (*lambdasim.Server, string) {
	t.Helper()
	sim, err := lambdasim.NewServer(opts)
	assert.NilError(t, err)
	return sim, testenv.Serve(t, sim)
}

// startSim serves a simulated pool on loopback, 100 times faster than real
// time (a 500 ms handler answers in 5 ms).
func startSim(t *testing.T, faults lambdasim.Faults) (*lambdasim.Server, string) {
	t.Helper()
	return servePool(t, lambdasim.ServerOptions{Scale: 100, Faults: faults})
}

// targetEnv returns the environment that points a live run at the
// simulated endpoint, through the HTTP target or the Invoke API.
func targetEnv(t *testing.T, kind, baseURL string) func(string) string {
	env := map[string]string{}
	switch kind {
	case "http":
		env[EnvURL] = baseURL + "/path" + secret + "/?token=" + secret // a token in the path too
	case "invoke":
		env[EnvFunction] = "probe"
		// The SDK reads these through config.LoadDefaultConfig; the secret
		// key is our canary, which must never be written anywhere.
		loopback.SetAWSEnv(t, baseURL)
		t.Setenv("AWS_SECRET_ACCESS_KEY", secret)
	}
	return func(k string) string { return env[k] }
}

// callerFor is NewCaller's target for a test that runs in parallel with
// others: the HTTP target as targetEnv's, or the Invoke API with the SDK's
// settings for a loopback account made from nothing in the process's
// environment (which t.Setenv may not change in a parallel test), its
// secret key the canary. The Invoke API through the environment, as a
// user's run reaches it, is TestLiveRunMatchesTheServersCounts's.
func callerFor(t *testing.T, kind, baseURL string, handlerMS int64) Caller {
	t.Helper()
	if kind == "http" {
		caller, _, err := NewCaller(t.Context(), targetEnv(t, kind, baseURL), handlerMS)
		assert.NilError(t, err)
		return caller
	}
	cfg, err := loopback.Config(t.Context(), baseURL)
	assert.NilError(t, err)
	cfg.Credentials = credentials.NewStaticCredentialsProvider("AKIDLOCALTEST", secret, "")
	caller, err := endpoint.NewInvoke(cfg, "probe", "", handlerMS)
	assert.NilError(t, err)
	return caller
}

// urlEnv is the environment of a run against url through the HTTP target.
func urlEnv(url string) func(string) string {
	return func(k string) string {
		if k == EnvURL {
			return url
		}
		return ""
	}
}

// runLive runs plan with caller, its log at logPath, and returns the
// summary, the result and the run's output.
func runLive(t *testing.T, caller Caller, plan schedule.Plan, logPath string, opts runner.Options) (summary.Summary, runner.Result, string) {
	t.Helper()
	var out bytes.Buffer
	opts.ProgressEvery = 100 * time.Millisecond
	l := &Live{Schedule: schedule.Steady(plan), Caller: caller, LogPath: logPath, Options: opts, Out: &out}
	sum, res, err := l.Run(t.Context(), nil)
	assert.NilError(t, err, "output:\n%s", out.String())
	return sum, res, out.String()
}

// logCounts reads a log: calls per instance, and records per seq.
func logCounts(t *testing.T, path string) (map[string]int64, []int, []record.Record) {
	t.Helper()
	f, err := os.Open(path)
	assert.NilError(t, err)
	defer f.Close()
	perInstance := map[string]int64{}
	var recs []record.Record
	st, _, err := recordlog.Read(f, nil, func(r *record.Record) {
		if r.Status == record.StatusOK {
			perInstance[r.InstanceID]++
		}
		recs = append(recs, *r)
	})
	assert.NilError(t, err) // Read refuses duplicate seqs
	perSeq := make([]int, st.Plan.Calls)
	for _, r := range recs {
		perSeq[r.Seq]++
	}
	return perInstance, perSeq, recs
}

func TestLiveRunMatchesTheServersCounts(t *testing.T) {
	for _, kind := range []string{"http", "invoke"} {
		t.Run(kind, func(t *testing.T) {
			sim, url := startSim(t, lambdasim.Faults{})
			plan := schedule.Steady{Calls: 600, RatePerSec: 300, HandlerMS: 500}
			logPath := filepath.Join(t.TempDir(), "run.jsonl")
			// Through the environment, as a user's run: not in parallel.
			caller, _, err := NewCaller(t.Context(), targetEnv(t, kind, url), plan.HandlerMS)
			assert.NilError(t, err)
			sum, res, out := runLive(t, caller, plan.Plan(), logPath, runner.Options{})
			assert.Check(t, is.DeepEqual(res, runner.Result{Scheduled: 600, Next: 600}))

			truth := sim.Counts()
			perInstance, perSeq, recs := logCounts(t, logPath)
			for seq, n := range perSeq {
				assert.Assert(t, is.Equal(n, 1), "seq %d has %d records", seq, n)
			}
			// A loaded machine may make the scheduler reach a slot late, and
			// the runner then skips it by design: the call is never sent, so
			// the server never sees it and its record has no answer (no
			// scale). Every other call is served; how many are skipped
			// depends on the machine's speed, not on the server.
			why := "" // the first skipped call's reason
			sent := make([]bool, len(perSeq))
			for _, r := range recs {
				if r.Status == record.StatusSkipped {
					if why == "" {
						why = r.Error
					}
					assert.Check(t, r.Sent.IsZero() && r.Scale == 0, "seq %d: skipped, yet sent or answered", r.Seq)
					continue
				}
				sent[r.Seq] = true
				assert.Check(t, is.Equal(r.Status, record.StatusOK), "seq %d: %s", r.Seq, r.Error)
				// The endpoint declared its scale: every served record keeps
				// it, and the summary is in model time.
				assert.Check(t, is.Equal(r.Scale, 100.0), "seq %d", r.Seq)
			}
			t.Logf("%d of 600 calls served (%v); a skipped one says: %q", sum.Requests.OK, sum.Requests.ByStatus, why)
			assert.Check(t, is.Equal(sum.Requests.OK+sum.Requests.ByStatus[record.StatusSkipped], int64(600)), "%+v", sum.Requests)
			assert.Assert(t, sum.Requests.OK > 0, "no call was served")
			assert.Check(t, is.DeepEqual(perInstance, truth.Calls), "calls per instance, log vs server")
			assert.Check(t, is.Equal(sum.Instances.Count, len(truth.Calls)))
			assert.Check(t, is.Equal(int64(sum.Instances.ColdStarts), truth.Pool.Started))
			assert.Check(t, is.Equal(sum.TimeScale, 100.0))
			// In model time the calls come every 333 ms and work 500 ms: two
			// calls in a row that were both sent overlap, and need two
			// environments.
			for seq := 1; seq < len(sent); seq++ {
				if sent[seq-1] && sent[seq] {
					assert.Check(t, sum.Instances.Count > 1, "seqs %d and %d overlap in model time: they need two environments", seq-1, seq)
					break
				}
			}
			assert.Check(t, is.Contains(out, "progress: "))

			// No secret anywhere: log, output, summary.
			logBytes, err := os.ReadFile(logPath)
			assert.NilError(t, err)
			sumJSON, err := json.Marshal(sum)
			assert.NilError(t, err)
			fitted := fit.NewFitter(summary.NewSummarizer(plan, sum.Target, nil), plan, nil)
			for _, r := range recs {
				fitted.Add(&r)
			}
			fitRes, err := fitted.Fit(t.Context(), fit.Options{From: filepath.Base(logPath)})
			assert.NilError(t, err)
			key := targetKey(sum.Target)
			for what, b := range map[string]string{"log": string(logBytes), "output": out, "summary": string(sumJSON),
				"fitted profile": string(fitRes.File), "file name": key} {
				assert.Check(t, !strings.Contains(b, secret), "%s leaks the secret", what)
			}
			if kind == "http" {
				assert.Check(t, is.Contains(string(sumJSON), `/path-`))
				assert.Check(t, is.Contains(string(sumJSON), `?token=REDACTED`))
			}
		})
	}
}

func TestLiveFaultsAreClassified(t *testing.T) {
	t.Parallel()
	faults := lambdasim.Faults{FunctionError: 0.05, Throttle: 0.05, ServerError: 0.05, Slow: 0.05,
		Reset: 0.05, Malformed: 0.05, Oversized: 0.05, SlowDelay: 5 * time.Second}
	for _, kind := range []string{"http", "invoke"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			sim, url := startSim(t, faults)
			plan := schedule.Steady{Calls: 400, RatePerSec: 200, HandlerMS: 100}
			logPath := filepath.Join(t.TempDir(), "run.jsonl")
			// A served call answers in about a millisecond, a slow one
			// after 5 s: a 3 s timeout tells them apart on a loaded machine.
			sum, _, _ := runLive(t, callerFor(t, kind, url, plan.HandlerMS), plan.Plan(), logPath, runner.Options{Timeout: 3 * time.Second})
			_, perSeq, recs := logCounts(t, logPath)
			for seq, n := range perSeq {
				assert.Assert(t, is.Equal(n, 1), "seq %d has %d records", seq, n)
			}
			truth := sim.Counts()
			classes := map[record.ErrorClass]int64{}
			var malformed int64
			for _, r := range recs {
				classes[r.ErrorClass]++
				if r.ErrorClass == record.ClassBadBody && strings.Contains(r.Error, "JSON without an instance_id") {
					malformed++
				}
				if r.Status == record.StatusOK {
					assert.Check(t, r.InstanceID != "" && r.InstanceID != "too-late")
				}
			}
			f := truth.Faults
			want := map[record.ErrorClass]int64{
				record.ClassThrottled: f["throttle"],
				record.ClassTimeout:   f["slow"],
				record.ClassConnect:   f["reset"],
				record.ClassBadBody:   f["malformed"] + f["oversized"],
			}
			if kind == "http" {
				want[record.ClassHTTP5xx] = f["function_error"] + f["server_error"]
			} else {
				want[record.ClassFunctionError] = f["function_error"]
				want[record.ClassHTTP5xx] = f["server_error"]
			}
			var served int64
			for _, n := range truth.Calls {
				served += n
			}
			want[""] = served // the rest were served
			if kind == "invoke" {
				// Known and unexplained: under heavy parallel load, the SDK
				// occasionally reports a local "use of closed network
				// connection" while reading an oversized reply (in about 4
				// ms, so not a timeout), which is classified connect. Such
				// a call still has its one record, in the right family:
				// bad_body + connect must account for malformed, oversized
				// and reset replies exactly, and every malformed one is
				// bad_body.
				moved := min(want[record.ClassBadBody]-classes[record.ClassBadBody], f["oversized"])
				if moved > 0 && classes[record.ClassConnect] == want[record.ClassConnect]+moved {
					t.Logf("%d oversized replies surfaced as connect (known SDK behaviour under load)", moved)
					want[record.ClassBadBody] -= moved
					want[record.ClassConnect] += moved
				}
			}
			assert.Check(t, is.DeepEqual(classes, want), "error classes vs injected faults %v", f)
			assert.Check(t, is.Equal(malformed, f["malformed"]), "every malformed reply is bad_body")
			assert.Check(t, is.Equal(sum.Requests.OK, served))
			assert.Check(t, is.Equal(sum.Requests.Total, int64(400)))
			for k := range maps.Keys(f) {
				assert.Check(t, f[k] > 0, "fault %s was injected", k)
			}
		})
	}
}

func TestLiveRefusesALogOfAnotherPlan(t *testing.T) {
	t.Parallel()
	_, url := startSim(t, lambdasim.Faults{})
	logPath := filepath.Join(t.TempDir(), "run.jsonl")
	plan := schedule.Steady{Calls: 20, RatePerSec: 100, HandlerMS: 0}
	runLive(t, callerFor(t, "http", url, plan.HandlerMS), plan.Plan(), logPath, runner.Options{})
	before, err := os.ReadFile(logPath)
	assert.NilError(t, err)

	caller, _, err := NewCaller(t.Context(), targetEnv(t, "http", url), 0)
	assert.NilError(t, err)
	other := plan
	other.Calls = 30
	l := &Live{Schedule: other, Caller: caller, LogPath: logPath, Out: &bytes.Buffer{}}
	_, _, err = l.Run(t.Context(), nil)
	assert.Check(t, errors.Is(err, recordlog.ErrLogMismatch))
	after, err := os.ReadFile(logPath)
	assert.NilError(t, err)
	assert.Check(t, bytes.Equal(before, after), "nothing written")
}

// TestLiveRefusesASecondRunOnTheSameLog starts two runs on one log: the
// second is refused at once, and the first completes with a log that reads
// (every seq once), as if it had been alone.
func TestLiveRefusesASecondRunOnTheSameLog(t *testing.T) {
	t.Parallel()
	_, url := startSim(t, lambdasim.Faults{})
	logPath := filepath.Join(t.TempDir(), "run.jsonl")
	plan := schedule.Steady{Calls: 300, RatePerSec: 200, HandlerMS: 100}
	caller, _, err := NewCaller(t.Context(), targetEnv(t, "http", url), plan.HandlerMS)
	assert.NilError(t, err)
	first := make(chan error, 1)
	go func() {
		_, _, err := (&Live{Schedule: plan, Caller: caller, LogPath: logPath, Out: io.Discard}).Run(t.Context(), nil)
		first <- err
	}()
	deadline := time.Now().Add(10 * time.Second)
	for countLines(logPath) < 2 { // the header and a record: the first run is under way
		assert.Assert(t, time.Now().Before(deadline), "the first run wrote nothing")
		time.Sleep(5 * time.Millisecond)
	}
	var out bytes.Buffer
	_, _, err = (&Live{Schedule: plan, Caller: caller, LogPath: logPath, Out: &out}).Run(t.Context(), nil)
	assert.Check(t, errors.Is(err, recordlog.ErrLogInUse), "%v", err)
	assert.Check(t, is.ErrorContains(err, "use another -reuse.log"))
	assert.Check(t, is.Equal(out.String(), ""), "the refused run printed no plan and made no call")

	assert.NilError(t, <-first)
	_, perSeq, _ := logCounts(t, logPath)
	for seq, n := range perSeq {
		assert.Assert(t, is.Equal(n, 1), "seq %d has %d records", seq, n)
	}
}

func TestLiveStopThenResumeCompletesThePlan(t *testing.T) {
	t.Parallel()
	sim, url := startSim(t, lambdasim.Faults{})
	logPath := filepath.Join(t.TempDir(), "run.jsonl")
	plan := schedule.Steady{Calls: 300, RatePerSec: 200, HandlerMS: 100}
	caller, _, err := NewCaller(t.Context(), targetEnv(t, "http", url), plan.HandlerMS)
	assert.NilError(t, err)
	stop := make(chan struct{})
	time.AfterFunc(500*time.Millisecond, func() { close(stop) })
	var out bytes.Buffer
	_, res, err := (&Live{Schedule: plan, Caller: caller, LogPath: logPath, Out: &out}).Run(t.Context(), stop)
	assert.NilError(t, err)
	assert.Check(t, res.Stopped && res.Next > 0 && res.Next < 300, "%+v", res)

	// The resumed run's analysis sees the first segment's records too, each
	// once: the same summary as the whole log replayed.
	charts := report.NewCollector(summary.NewSummarizer(plan, caller.Describe(), nil), plan)
	sum, res2, err := (&Live{Schedule: plan, Caller: caller, LogPath: logPath, Out: &out, Analysis: charts}).Run(t.Context(), nil)
	assert.NilError(t, err)
	assert.Check(t, is.Equal(res2.Scheduled, 300-res.Next))
	replayed, err := report.FromLog(logPath)
	assert.NilError(t, err)
	assert.Check(t, is.DeepEqual(sum, replayed.Summary()))
	assert.Check(t, is.DeepEqual(sum, charts.Summary()))
	assert.Check(t, is.Contains(out.String(), "resuming "))
	_, perSeq, _ := logCounts(t, logPath)
	for seq, n := range perSeq {
		assert.Assert(t, is.Equal(n, 1), "seq %d has %d records", seq, n)
	}
	assert.Check(t, is.Equal(sum.Requests.Total, int64(300)), "the summary covers both segments")
	var served int64
	for _, n := range sim.Counts().Calls {
		served += n
	}
	assert.Check(t, is.Equal(sum.Requests.OK, served))
}

func TestNewCallerNeedsOneTarget(t *testing.T) {
	t.Parallel()
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	_, _, err := NewCaller(context.Background(), env(nil), 0)
	assert.Check(t, errors.Is(err, ErrNoEndpoint))
	assert.Check(t, is.ErrorContains(err, "LAMBDA_REUSE_URL"))
	_, _, err = NewCaller(context.Background(), env(map[string]string{EnvURL: "http://x", EnvFunction: "f"}), 0)
	assert.Check(t, is.ErrorContains(err, "set one"))
	_, _, err = NewCaller(context.Background(), env(map[string]string{EnvURL: "http://x", EnvAuth: "basic"}), 0)
	assert.Check(t, is.ErrorContains(err, `LAMBDA_REUSE_AUTH="basic": want iam`))
	_, _, err = NewCaller(context.Background(), env(map[string]string{EnvURL: "ftp://u:" + secret + "@x"}), 0)
	assert.Check(t, is.ErrorContains(err, "must be an http(s) URL"))
	assert.Check(t, !strings.Contains(err.Error(), secret))
}

func TestCostEstimate(t *testing.T) {
	t.Parallel()
	// The seed plan: 600,000 x 0.5 s x 128 MB = 37,500 GB-s (docs/sources.md [S10]).
	arm, x86 := estimateCost(schedule.SeedSchedule().Plan(), 128, FrontDoorInvoke)
	assert.Check(t, is.Equal(round2(x86), 0.12+0.63))
	assert.Check(t, is.Equal(round2(arm), 0.12+0.50))
	arm, _ = estimateCost(schedule.SeedSchedule().Plan(), 128, FrontDoorAPIGateway)
	assert.Check(t, is.Equal(round2(arm), 0.12+0.50+0.60))
}

func round2(x float64) float64 { return float64(int64(x*100+0.5)) / 100 }

func TestLiveStopsByItsDeadline(t *testing.T) {
	t.Parallel()
	// StopBy is how the integration test ends before go test's -timeout.
	_, url := startSim(t, lambdasim.Faults{})
	plan := schedule.Steady{Calls: 1000, RatePerSec: 100, HandlerMS: 100} // 10 s
	caller, _, err := NewCaller(t.Context(), targetEnv(t, "http", url), plan.HandlerMS)
	assert.NilError(t, err)
	var out bytes.Buffer
	l := &Live{Schedule: plan, Caller: caller, LogPath: filepath.Join(t.TempDir(), "run.jsonl"), Out: &out,
		StopBy: time.Now().Add(500 * time.Millisecond)}
	start := time.Now()
	sum, res, err := l.Run(t.Context(), nil)
	assert.NilError(t, err)
	assert.Check(t, time.Since(start) < 5*time.Second, "stopped at its deadline, not at the end of the plan")
	assert.Check(t, res.Stopped && res.Next > 0 && res.Next < plan.Calls, "%+v", res)
	assert.Check(t, is.Equal(sum.Requests.Total, res.Next), "every scheduled call recorded")
	assert.Check(t, is.Contains(out.String(), "stopping before the test deadline; rerun with the same flags to resume"))
}

// TestLiveRunsAPoissonSchedule runs Poisson arrivals live, with the report's
// collector as the analysis: the scheduler and the writer both ask the
// schedule for due times (go test -race checks they may), and every call
// has one record.
func TestLiveRunsAPoissonSchedule(t *testing.T) {
	t.Parallel()
	_, url := startSim(t, lambdasim.Faults{})
	sched := schedule.NewPoisson(schedule.Plan{Calls: 300, RatePerSec: 300, HandlerMS: 100}, 7)
	caller, _, err := NewCaller(t.Context(), urlEnv(url+"/"), 100)
	assert.NilError(t, err)
	charts := report.NewCollector(summary.NewSummarizer(sched, caller.Describe(), nil), sched)
	logPath := filepath.Join(t.TempDir(), "run.jsonl")
	sum, _, err := (&Live{Schedule: sched, Caller: caller, LogPath: logPath, Out: io.Discard, Analysis: charts}).Run(t.Context(), nil)
	assert.NilError(t, err)
	assert.Check(t, is.Equal(sum.Requests.Total, int64(300)))
	assert.Assert(t, sum.Schedule != nil)
	assert.Check(t, is.Equal(sum.Schedule.Kind, schedule.KindPoisson))
	_, perSeq, recs := logCounts(t, logPath)
	for seq, n := range perSeq {
		assert.Assert(t, is.Equal(n, 1), "seq %d has %d records", seq, n)
	}
	first := recs[0].Scheduled.Add(-sched.Due(recs[0].Seq))
	for _, r := range recs {
		assert.Check(t, r.Scheduled.Equal(first.Add(sched.Due(r.Seq))), "seq %d due on the Poisson schedule", r.Seq)
	}
}

// TestLiveTenantsAgainstAServedPool: a schedule with tenants, against a
// served pool in tenant isolation mode, through both targets, stopped and
// resumed: every call gets one record with its tenant, the pool served
// each environment's calls for one tenant, the resumed summary is the
// whole log's, and a resume with another population is refused.
func TestLiveTenantsAgainstAServedPool(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{"http", "invoke"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			sim, url := servePool(t, lambdasim.ServerOptions{Scale: 100, TenantIsolation: true})
			plan := schedule.Steady{Calls: 400, RatePerSec: 200, HandlerMS: 100}
			s, err := schedule.WithTenants(plan, schedule.Population{Count: 8, Popularity: schedule.PopularityZipf})
			assert.NilError(t, err)
			caller := callerFor(t, kind, url, plan.HandlerMS)
			logPath := filepath.Join(t.TempDir(), "run.jsonl")
			stop := make(chan struct{})
			time.AfterFunc(700*time.Millisecond, func() { close(stop) })
			var out bytes.Buffer
			_, res, err := (&Live{Schedule: s, Caller: caller, LogPath: logPath, Out: &out}).Run(t.Context(), stop)
			assert.NilError(t, err, out.String())
			assert.Check(t, res.Stopped && res.Next > 0 && res.Next < 400, "%+v", res)

			other, err := schedule.WithTenants(plan, schedule.Population{Count: 9, Popularity: schedule.PopularityZipf})
			assert.NilError(t, err)
			_, _, err = (&Live{Schedule: other, Caller: caller, LogPath: logPath, Out: &out}).Run(t.Context(), nil)
			assert.Check(t, err != nil, "a log of another population is refused")

			sum, _, err := (&Live{Schedule: s, Caller: caller, LogPath: logPath, Out: &out}).Run(t.Context(), nil)
			assert.NilError(t, err, out.String())
			replayed, err := report.FromLog(logPath)
			assert.NilError(t, err)
			assert.Check(t, is.DeepEqual(sum.Tenants, replayed.Summary().Tenants))
			assert.Check(t, is.Equal(sum.Requests.Total, int64(400)))
			assert.Check(t, is.Equal(sum.Requests.OK, int64(400)), "%+v", sum.Requests)

			_, perSeq, recs := logCounts(t, logPath)
			for seq, n := range perSeq {
				assert.Assert(t, is.Equal(n, 1), "seq %d has %d records", seq, n)
			}
			want := schedule.TenantOf(s)
			tenantOf := map[string]string{}
			for _, r := range recs {
				assert.Check(t, is.Equal(r.Tenant, want(r.Seq)), "seq %d", r.Seq)
				if prev, ok := tenantOf[r.InstanceID]; ok {
					assert.Check(t, is.Equal(r.Tenant, prev), "environment %s served two tenants", r.InstanceID)
				}
				tenantOf[r.InstanceID] = r.Tenant
			}
			assert.Assert(t, sum.Tenants != nil)
			assert.Check(t, is.Equal(sum.Tenants.MixedEnvironments, 0))
			assert.Check(t, is.Equal(sum.Tenants.Environments, len(sim.Counts().Calls)))
		})
	}
}

// TestLiveAgainstAServedManagedPool: a served pool of Managed Instances
// answers with each call's in-flight count and the capacity, through both
// targets; the live summary has no start on the request path and the
// calls-at-once part, as the in-process model of the same schedule has.
func TestLiveAgainstAServedManagedPool(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{"http", "invoke"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			_, url := servePool(t, lambdasim.ServerOptions{Scale: 100, Options: lambdasim.Options{Profile: lambdasim.ProfileManaged2026}})
			plan := schedule.Steady{Calls: 600, RatePerSec: 300, HandlerMS: 2000}
			sum, _, _ := runLive(t, callerFor(t, kind, url, plan.HandlerMS), plan.Plan(), filepath.Join(t.TempDir(), "run.jsonl"), runner.Options{})
			assert.Check(t, is.Equal(sum.Requests.OK, int64(600)), "%+v", sum.Requests)
			st := sum.Instances.Starts
			assert.Check(t, is.Equal(st.RequestPath, 0), "%+v", *st)
			assert.Check(t, is.Equal(st.Managed, sum.Instances.ColdStarts))
			m := sum.Multi
			assert.Assert(t, m != nil)
			assert.Check(t, is.Equal(m.MaxConcurrency, 64))
			assert.Check(t, m.InFlight.Max > 1 && m.InFlight.Max <= 64, "%+v", *m)
		})
	}
}

// TestLiveAgainstAServedPoolThatFails: a served pool whose profile has a
// memory part answers the call that would take a generation past its size
// as Lambda and the local host do (through the Invoke API
// Runtime.OutOfMemory in Lambda's error envelope, through a Function URL a
// 502), and the next call starts a new generation in the same
// environment: the live summary counts the failures and the resets. One
// environment serves a call a second; every generation starts at 100 MB
// and grows 3 MB a call at 128 MB, so by hand every 10th call fails.
func TestLiveAgainstAServedPoolThatFails(t *testing.T) {
	t.Parallel()
	p, err := lambdasim.LookupProfile(lambdasim.ProfileSeed2021)
	assert.NilError(t, err)
	var pf lambdasim.ProfileFile
	assert.NilError(t, json.Unmarshal(p.File, &pf))
	pf.Name = "leaky"
	pf.Memory = &lambdasim.MemoryFile{SizeMB: &lambdasim.CountFile{Value: 128, Source: "test"},
		StartMB: lambdasim.FixedAmount(100).File("test"), GrowthMBPerCall: lambdasim.FixedAmount(3).File("test")}
	raw, err := json.Marshal(pf)
	assert.NilError(t, err)
	path := filepath.Join(t.TempDir(), "leaky.json")
	assert.NilError(t, os.WriteFile(path, raw, 0o644))
	for _, kind := range []string{"http", "invoke"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			_, url := servePool(t, lambdasim.ServerOptions{Scale: 100, Options: lambdasim.Options{Profile: path}})
			plan := schedule.Steady{Calls: 300, RatePerSec: 100, HandlerMS: 100} // a call a model second at scale 100
			sum, _, _ := runLive(t, callerFor(t, kind, url, plan.HandlerMS), plan.Plan(), filepath.Join(t.TempDir(), "run.jsonl"), runner.Options{})
			assert.Assert(t, is.Equal(sum.Instances.Count, 1), "one environment serves every call")
			assert.Check(t, is.Equal(sum.Requests.Failed, int64(30)), "%+v", sum.Requests)
			if kind == "invoke" {
				assert.Check(t, is.Equal(sum.Requests.ByError["Runtime.OutOfMemory"], int64(30)), "%+v", sum.Requests)
			} else { // a Function URL answers a failed function 502, its error type unsaid
				assert.Check(t, is.Equal(sum.Requests.ByErrorClass[record.ClassHTTP5xx], int64(30)), "%+v", sum.Requests)
			}
			assert.Check(t, is.Equal(sum.Instances.Resets, 29), "the last failure is the run's last call: no generation follows it")
			assert.Assert(t, sum.Generations != nil)
			assert.Check(t, is.Equal(sum.Generations.Count, 30))
			assert.Check(t, is.Equal(sum.Generations.Reuse.Max, int64(9)), "9 calls answered a generation")
			assert.Assert(t, sum.Memory != nil)
			assert.Check(t, is.Equal(sum.Memory.SizeMB, 128))
		})
	}
}
