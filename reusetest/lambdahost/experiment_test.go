package lambdahost

import (
	"bytes"
	"cmp"
	"encoding/json"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lambda-reuse/lambda-reuse/internal/gobuild"
	"github.com/lambda-reuse/lambda-reuse/internal/loopback"
	"github.com/lambda-reuse/lambda-reuse/reusetest/endpoint"
	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdaapi"
	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdasim"
	"github.com/lambda-reuse/lambda-reuse/reusetest/live"
	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"github.com/lambda-reuse/lambda-reuse/reusetest/recordlog"
	"github.com/lambda-reuse/lambda-reuse/reusetest/runner"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// caller calls url through the HTTP target or the Invoke API (function
// name `function`), the latter with the SDK's settings for a loopback
// account made from nothing in the process's environment, so tests that
// use it can run in parallel.
func caller(t *testing.T, kind, url, function string, handlerMS int64) live.Caller {
	t.Helper()
	if kind == "http" {
		c, _, err := live.NewCaller(t.Context(), func(k string) string {
			if k == live.EnvURL {
				return url + "/"
			}
			return ""
		}, handlerMS)
		assert.NilError(t, err)
		return c
	}
	cfg, err := loopback.Config(t.Context(), url)
	assert.NilError(t, err)
	c, err := endpoint.NewInvoke(cfg, function, "", handlerMS)
	assert.NilError(t, err)
	return c
}

// experiment runs schedule (a plan, or an experiment's) against url and
// returns the summary, the log's successful calls per log stream and its ok
// records in seq order, checking every seq has one record.
func experiment(t *testing.T, kind, url, function string, schedule schedule.Schedule, opts runner.Options) (summary.Summary, map[string]int64, []record.Record) {
	t.Helper()
	plan := schedule.Plan()
	caller := caller(t, kind, url, function, plan.HandlerMS)
	logPath := filepath.Join(t.TempDir(), "run.jsonl")
	var out bytes.Buffer
	sum, _, err := (&live.Live{Schedule: schedule, Caller: caller, LogPath: logPath, Options: opts, Out: &out}).Run(t.Context(), nil)
	assert.NilError(t, err, out.String())

	f, err := os.Open(logPath)
	assert.NilError(t, err)
	defer f.Close()
	perStream := map[string]int64{}
	idOf := map[string]string{}
	var ok []record.Record
	st, _, err := recordlog.Read(f, nil, func(r *record.Record) {
		if r.Status != record.StatusOK {
			return
		}
		ok = append(ok, *r)
		perStream[r.LogStream]++
		if prev, ok := idOf[r.LogStream]; ok {
			assert.Check(t, is.Equal(prev, r.InstanceID), "one instance id per log stream")
		}
		idOf[r.LogStream] = r.InstanceID
	})
	assert.NilError(t, err)
	assert.Check(t, is.Equal(st.Count, plan.Calls), "every seq has one record")
	slices.SortFunc(ok, func(a, b record.Record) int { return cmp.Compare(a.Seq, b.Seq) })
	return sum, perStream, ok
}

// TestExperimentMatchesTheHostsCounts runs calls that overlap (about 4
// busy at once on a quiet machine) and checks the log against the host's
// own counts. The calls in flight are bounded: on a loaded machine slow
// cold starts would otherwise pile calls up, each arrival starting one
// more process, until the host's bound on environments throttles them. A
// slot that finds the bound reached is skipped, so every call is served
// or skipped, and no more environments start than calls can be in flight.
func TestExperimentMatchesTheHostsCounts(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{"http", "invoke"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			h := startHost(t, Options{})
			plan := schedule.Steady{Calls: 400, RatePerSec: 200, HandlerMS: 20}
			const inFlight = 8
			sum, perStream, _ := experiment(t, kind, h.URL(), "probe", plan, runner.Options{MaxInFlight: inFlight})
			truth := h.Counts()
			assert.Check(t, is.DeepEqual(perStream, truth.Calls), "calls per environment: log vs host")
			assert.Check(t, is.Equal(int64(sum.Instances.Count), truth.Started))
			assert.Check(t, is.Equal(int64(sum.Instances.ColdStarts), truth.Started))
			// The real probe says how it started (lambdahost sets on-demand):
			// every start is on the request path.
			assert.Check(t, is.DeepEqual(sum.Instances.Starts, &summary.Starts{RequestPath: int(truth.Started), TypeKnown: int(truth.Started)}))
			assert.Check(t, is.Equal(sum.Requests.OK+sum.Requests.ByStatus[record.StatusSkipped], plan.Calls), "%+v", sum.Requests)
			assert.Check(t, truth.Started <= inFlight, "environments started: %d", truth.Started)
			assert.Check(t, is.Equal(truth.Throttled, int64(0)))
			assert.Check(t, sum.Instances.Count > 1, "concurrent calls need several environments")
		})
	}
}

func TestRetiredEnvironmentsAreReallyGone(t *testing.T) {
	t.Parallel()
	// At 3000x, a 100-120 minute lifetime passes in 2-2.4 s: six seconds of
	// calls see generations replace each other. The idle timeout is an hour
	// (1.2 s real), so a busy machine's pauses between calls do not evict
	// environments before their lifetimes end.
	profile, err := lambdasim.LookupProfile(lambdasim.ProfileSeed2021)
	assert.NilError(t, err)
	profile.IdleTimeout = lambdasim.Fixed(time.Hour)
	h := startHost(t, Options{Scale: 3000, Profile: &profile})
	var mu sync.Mutex
	pids := map[string]int{}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { // watch which processes come and go
		defer close(done)
		for {
			for s, pid := range h.PIDs() {
				mu.Lock()
				pids[s] = pid
				mu.Unlock()
			}
			select {
			case <-stop:
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	}()
	plan := schedule.Steady{Calls: 600, RatePerSec: 100, HandlerMS: 5}
	sum, _, _ := experiment(t, "http", h.URL(), "probe", plan, runner.Options{})
	close(stop)
	<-done

	truth := h.Counts()
	assert.Check(t, truth.Retired[lambdasim.CauseLifetime] > 0, "lifetimes ran out: %v", truth.Retired)
	assert.Check(t, is.Equal(int64(sum.Instances.Count), truth.Started), "retired ones were replaced by new ids")
	live := h.PIDs()
	gone := 0
	for stream, pid := range pids {
		if _, ok := live[stream]; !ok {
			gone++
			assert.Check(t, processGone(pid), "retired environment %s: process %d still runs", stream, pid)
		}
	}
	assert.Check(t, gone > 0, "some environments retired during the run")
}

// TestBurstAndIdleExperimentsOnTheHost runs both experiments against real
// probe processes, the idle one at 300 times model speed (a model minute
// is 0.2 s), and checks them against the host's own counts.
func TestBurstAndIdleExperimentsOnTheHost(t *testing.T) {
	t.Parallel()
	t.Run("burst", func(t *testing.T) {
		h := startHost(t, Options{})
		b := schedule.Burst{Size: 6, Rounds: 2, Pause: time.Second, HandlerMS: 200}
		sum, perStream, _ := experiment(t, "http", h.URL(), "probe", b, runner.Options{})
		truth := h.Counts()
		assert.Check(t, is.DeepEqual(perStream, truth.Calls), "calls per environment: log vs host")
		assert.Check(t, is.Equal(int64(sum.Instances.Count), truth.Started))
		bursts := sum.Burst().Bursts
		assert.Check(t, is.Equal(bursts[0].NewEnvironments, truth.Started), "the first burst started every environment")
		assert.Check(t, is.Equal(bursts[0].Cold, b.Size), "six calls at once: six cold starts")
		assert.Check(t, is.Equal(bursts[1].NewEnvironments, int64(0)), "a second later, all six are warm")
		assert.Check(t, is.Equal(bursts[1].Cold, int64(0)))
		assert.Check(t, is.Equal(sum.Burst().ColdLatencyMS.Count+sum.Burst().WarmLatencyMS.Count, sum.Requests.OK))
	})
	t.Run("idle", func(t *testing.T) {
		// seed-2021 idle timeouts, 5m18s-7m, are 1.06-1.4 s here: a 0.2 s
		// gap (one model minute) keeps every environment, 2.5 s (12.5) none.
		h := startHost(t, Options{Scale: 300})
		idle, err := schedule.NewIdle(3, []time.Duration{200 * time.Millisecond, 2500 * time.Millisecond}, 1, 200, 1, 500*time.Millisecond)
		assert.NilError(t, err)
		sum, perStream, _ := experiment(t, "http", h.URL(), "probe", idle, runner.Options{})
		truth := h.Counts()
		assert.Check(t, is.DeepEqual(perStream, truth.Calls), "calls per environment: log vs host")
		assert.Check(t, is.Equal(int64(sum.Instances.Count), truth.Started))
		pts := sum.Idle().Points
		assert.Assert(t, is.Len(pts, 2))
		assert.Check(t, is.Equal(pts[0].Samples, int64(3)))
		assert.Check(t, is.Equal(pts[0].P, 1.0), "after a model minute all three are warm: %+v", pts[0])
		assert.Check(t, is.Equal(pts[1].P, 0.0), "after 12.5 model minutes none is: %+v", pts[1])
		assert.Check(t, truth.Retired[lambdasim.CauseIdle] >= 3, "the host retired them for idleness: %v", truth.Retired)
	})
}

// TestExperimentAgainstTheEmulator runs the experiment through the Invoke
// target against the AWS Runtime Interface Emulator: strictly one call at a
// time (it crashes on overlapping calls), one environment, consecutive
// invocations.
func TestExperimentAgainstTheEmulator(t *testing.T) {
	t.Parallel()
	rie, err := gobuild.Build(t.TempDir(), "aws-lambda-rie", gobuild.RIE)
	assert.NilError(t, err)
	addr, apiAddr := loopback.FreeAddr(t), loopback.FreeAddr(t)
	cmd := exec.Command(rie, "--runtime-interface-emulator-address", addr, "--runtime-api-address", apiAddr, probeBin)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "AWS_LAMBDA_FUNCTION_TIMEOUT=10"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	assert.NilError(t, cmd.Start())
	t.Cleanup(func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); cmd.Wait() })
	loopback.WaitListening(t, addr)

	// One call at a time: a slot that finds the call before it still
	// running (a slow cold start, a loaded machine) is honestly skipped,
	// never overlapped, so every call is served or skipped, none fails.
	// How many are skipped depends on the machine's speed, not on the
	// emulator: the test asks only for enough served calls to check
	// their order.
	plan := schedule.Steady{Calls: 30, RatePerSec: 10, HandlerMS: 1}
	sum, _, ok := experiment(t, "invoke", "http://"+addr, "function", plan, runner.Options{MaxInFlight: 1})
	assert.Check(t, is.Equal(sum.Requests.OK+sum.Requests.ByStatus[record.StatusSkipped], plan.Calls), "%v", sum.Requests.ByStatus)
	assert.Check(t, sum.Requests.OK >= 2, "%v", sum.Requests.ByStatus)
	assert.Check(t, is.Equal(sum.Instances.Count, 1))
	for i, r := range ok {
		assert.Check(t, is.Equal(r.Invocation, int64(i+1)), "consecutive invocations, seq %d", r.Seq)
	}
}

// TestTenantIsolationOnTheRealProbe: a host in tenant isolation mode runs
// a schedule whose calls carry 4 tenants, through the Invoke API and over
// HTTP. The real probe, given each call's tenant by the Runtime API, says
// it back; every call is served, no environment ever answers for two
// tenants (the log's records, tenant by instance id), and a call without a
// tenant is refused before any process sees it.
func TestTenantIsolationOnTheRealProbe(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{"invoke", "http"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			h := startHost(t, Options{TenantIsolation: true})
			s, err := schedule.WithTenants(schedule.Steady{Calls: 160, RatePerSec: 80, HandlerMS: 30}, schedule.Population{Count: 4, Popularity: schedule.PopularityUniform})
			assert.NilError(t, err)
			sum, _, ok := experiment(t, kind, h.URL(), "probe", s, runner.Options{})
			assert.Check(t, is.Equal(sum.Requests.OK, int64(160)), "%+v", sum.Requests)
			tenantOf := map[string]string{}
			perTenant := map[string]map[string]bool{}
			for _, r := range ok {
				if prev, seen := tenantOf[r.InstanceID]; seen {
					assert.Check(t, is.Equal(r.Tenant, prev), "environment %s served two tenants", r.InstanceID)
				}
				tenantOf[r.InstanceID] = r.Tenant
				if perTenant[r.Tenant] == nil {
					perTenant[r.Tenant] = map[string]bool{}
				}
				perTenant[r.Tenant][r.InstanceID] = true
			}
			assert.Check(t, is.Len(perTenant, 4), "every tenant served")
			assert.Check(t, is.Equal(len(tenantOf), int(h.Counts().Started)), "one process per environment")
			assert.Assert(t, sum.Tenants != nil)
			assert.Check(t, is.Equal(sum.Tenants.MixedEnvironments, 0))
			assert.Check(t, is.Equal(sum.Tenants.Environments, len(tenantOf)))
		})
	}

	h := startHost(t, Options{TenantIsolation: true})
	req, err := http.NewRequest(http.MethodPost, h.URL()+"/2015-03-31/functions/probe/invocations", strings.NewReader(`{}`))
	assert.NilError(t, err)
	req.Header.Set(lambdaapi.TenantHeader, "blue")
	resp, err := http.DefaultClient.Do(req)
	assert.NilError(t, err)
	var a answer
	assert.NilError(t, json.NewDecoder(resp.Body).Decode(&a))
	resp.Body.Close()
	assert.Check(t, is.Equal(a.TenantID, "blue"), "the probe reports the tenant its runtime was given")
	_, hd, body := invoke(t, h, `{}`)
	assert.Check(t, is.Equal(hd.Get("X-Amzn-ErrorType"), "InvalidParameterValueException"), "%s", body)
	assert.Check(t, is.Equal(h.Counts().Started, int64(1)), "the refused call started nothing")
}

// TestALiveRunAsksTheProbeToLeak: a live run told to leak (-reuse.leak,
// live.AskLeak) asks the real probe for it in every call, through either
// front door; each record carries the process's resident memory and the
// function's memory size, and the summary's memory part finds the growth
// per call within 10% of the 1 MB asked. (The probe's own runtime grows
// too, by about 15 KB a call over a process's first few hundred calls: a
// leak of 100 KB over 300 calls measures about 0.11 MB a call.) The calls
// go one at a time, so they all reach one environment whatever the
// machine's speed (overlapping calls would spread them over several, none
// serving summary.MinCallsForGrowth); a slot that finds the call before it
// still running is skipped, and 400 slots leave the one environment its
// 100 calls with three in four skipped. Its 512 MB hold 400 calls' leak.
func TestALiveRunAsksTheProbeToLeak(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{"http", "invoke"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			h := startHost(t, Options{MemoryMB: 512})
			plan := schedule.Steady{Calls: 400, RatePerSec: 50, HandlerMS: 1}
			caller := caller(t, kind, h.URL(), "probe", plan.HandlerMS)
			assert.Assert(t, live.AskLeak(caller, 1024))
			var out bytes.Buffer
			sum, _, err := (&live.Live{Schedule: plan, Caller: caller, LogPath: filepath.Join(t.TempDir(), "run.jsonl"), Options: runner.Options{MaxInFlight: 1}, Out: &out}).Run(t.Context(), nil)
			assert.NilError(t, err, out.String())
			assert.Check(t, is.Contains(sum.Target, "(leak 1024 KB a call)"))
			m := sum.Memory
			assert.Assert(t, m != nil, "the records carry memory")
			assert.Check(t, is.Equal(m.SizeMB, 512))
			assert.Check(t, is.Equal(m.Environments, 1), "one call at a time: one environment")
			assert.Assert(t, m.GrowthMBPerCall != nil, "%+v", *m)
			asked := 1.0
			t.Logf("%d environments, %d generations measured, %d growing; growth per call median %v MB (p10 %v, p90 %v); asked %v; calls %v", m.Environments, m.Measured, m.Growing,
				m.GrowthMBPerCall.Median, m.GrowthMBPerCall.P10, m.GrowthMBPerCall.P90, asked, sum.Requests.ByStatus)
			assert.Check(t, math.Abs(m.GrowthMBPerCall.Median/asked-1) <= 0.10, "growth per call %v MB, asked %v", m.GrowthMBPerCall.Median, asked)
		})
	}
}

// TestALiveRunOfALeakRunsOutOfMemory: the real probe asked for 1 MB a call
// on a host that ends a process past its 128 MB runs out of memory after
// about 120 calls, again and again; the live run's records name each
// failure Runtime.OutOfMemory (from the Invoke API's error), and its
// summary counts every one, a reset for each, and the growth per call
// within 10% of the leak. The calls go one at a time, to one environment
// whatever the machine's speed; two resets take about 240 calls served,
// which 600 slots leave with three in five skipped.
func TestALiveRunOfALeakRunsOutOfMemory(t *testing.T) {
	t.Parallel()
	h := startHost(t, Options{MemoryMB: 128})
	plan := schedule.Steady{Calls: 600, RatePerSec: 50, HandlerMS: 1}
	caller := caller(t, "invoke", h.URL(), "probe", plan.HandlerMS)
	assert.Assert(t, live.AskLeak(caller, 1024))
	var out bytes.Buffer
	logPath := filepath.Join(t.TempDir(), "run.jsonl")
	sum, _, err := (&live.Live{Schedule: plan, Caller: caller, LogPath: logPath, Options: runner.Options{MaxInFlight: 1}, Out: &out}).Run(t.Context(), nil)
	assert.NilError(t, err, out.String())
	resets := h.Counts().Resets[summary.OutOfMemory]
	// A reset shows in the summary when a call follows it: when the run's
	// last call sent is a failure, its reset has no call to show in.
	f, err := os.Open(logPath)
	assert.NilError(t, err)
	defer f.Close()
	lastSeq, lastFailed := int64(-1), false
	_, _, err = recordlog.Read(f, nil, func(r *record.Record) {
		if r.Status != record.StatusSkipped && r.Seq > lastSeq {
			lastSeq, lastFailed = r.Seq, r.Status != record.StatusOK
		}
	})
	assert.NilError(t, err)
	followed := resets
	if lastFailed {
		followed--
	}
	m := sum.Memory
	assert.Assert(t, m != nil)
	t.Logf("host: %d out-of-memory resets; summary: %d failures, %d resets, %d of %d generations grow, growth %+v; calls %v", resets, m.OutOfMemory, sum.Instances.Resets, m.Growing, m.Measured, m.GrowthMBPerCall, sum.Requests.ByStatus)
	assert.Check(t, resets >= 2, "the leak ran out of memory, more than once")
	assert.Check(t, is.Equal(m.OutOfMemory, resets), "every failure, named")
	assert.Check(t, is.Equal(sum.Requests.ByError[summary.OutOfMemory], resets))
	assert.Check(t, is.Equal(int64(sum.Instances.Resets), followed), "a reset for each failure a call followed (the last call sent failed: %v)", lastFailed)
	assert.Assert(t, m.GrowthMBPerCall != nil)
	assert.Check(t, math.Abs(m.GrowthMBPerCall.Median-1) <= 0.10, "growth per call %v MB, asked 1", m.GrowthMBPerCall.Median)
}
