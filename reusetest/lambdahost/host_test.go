package lambdahost

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lambda-reuse/lambda-reuse/probe"

	"github.com/lambda-reuse/lambda-reuse/internal/gobuild"
	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdaapi"
	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdasim"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// The function binaries, built once per test binary by TestMain.
var probeBin, testFuncBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "lambdahost-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	probeBin, err = gobuild.Build(dir, "bootstrap", gobuild.Probe)
	if err == nil {
		testFuncBin, err = gobuild.Build(dir, "testfunc", gobuild.TestFunc)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func startHost(t *testing.T, opts Options) *Host {
	t.Helper()
	if opts.Bootstrap == "" {
		opts.Bootstrap = probeBin
	}
	h, err := Start(opts)
	assert.NilError(t, err)
	t.Cleanup(func() {
		before := h.Counts().Retired[lambdasim.CauseCrash]
		h.Close()
		after := h.Counts()
		assert.Check(t, is.Equal(after.Running, 0), "processes left behind")
		assert.Check(t, is.Equal(after.Retired[lambdasim.CauseCrash], before), "stopping is not crashing")
	})
	return h
}

// answer is the probe's response.
type answer = probe.Response

func invoke(t *testing.T, h *Host, payload string) (answer, http.Header, []byte) {
	t.Helper()
	resp, err := http.Post(h.URL()+"/2015-03-31/functions/probe/invocations", "application/json", bytes.NewReader([]byte(payload)))
	assert.NilError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	assert.NilError(t, err)
	var a answer
	if resp.Header.Get("X-Amz-Function-Error") == "" {
		assert.NilError(t, json.Unmarshal(body, &a), "body %s", body)
	}
	return a, resp.Header, body
}

func TestConcurrentCallsGetSeparateEnvironments(t *testing.T) {
	t.Parallel()
	h := startHost(t, Options{})
	const n = 4
	answers := make([]answer, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { answers[i], _, _ = invoke(t, h, `{"sleep_ms": 300}`) })
	}
	wg.Wait()
	ids, streams := map[string]bool{}, map[string]bool{}
	for _, a := range answers {
		ids[a.InstanceID], streams[a.LogStream] = true, true
		assert.Check(t, is.Equal(a.Invocation, int64(1)))
		assert.Check(t, is.Equal(a.MemoryMB, 128))
	}
	assert.Check(t, is.Len(ids, n), "distinct instance ids")
	assert.Check(t, is.Len(streams, n), "distinct log streams")
	assert.Check(t, is.Equal(h.Counts().Started, int64(n)))
	assert.Check(t, is.Len(h.PIDs(), n), "one process each")

	// Sequential calls now reuse them, each counting on consecutively.
	seen := map[string][]int64{}
	for range 12 {
		a, _, _ := invoke(t, h, `{}`)
		seen[a.InstanceID] = append(seen[a.InstanceID], a.Invocation)
	}
	for id, invs := range seen {
		assert.Check(t, ids[id], "a known environment")
		for i, inv := range invs {
			assert.Check(t, is.Equal(inv, invs[0]+int64(i)), "consecutive invocations in %s: %v", id, invs)
		}
	}
	assert.Check(t, is.Equal(h.Counts().Started, int64(n)), "no new environments")
}

// TestATimeoutResetsTheEnvironment: a call past the function timeout is
// answered with Lambda's timeout error and its process killed; the
// environment is reset, not replaced: the next call has the same log
// stream, a new process (a new instance id, counting from 1).
func TestATimeoutResetsTheEnvironment(t *testing.T) {
	t.Parallel()
	h := startHost(t, Options{Timeout: time.Second})
	first, _, _ := invoke(t, h, `{}`)
	pid := h.PIDs()[first.LogStream]
	_, hdr, body := invoke(t, h, `{"sleep_ms": 5000}`)
	assert.Check(t, is.Equal(hdr.Get("X-Amz-Function-Error"), "Unhandled"))
	assert.Check(t, is.Contains(string(body), `"errorType":"Sandbox.Timedout"`))
	assert.Check(t, is.Contains(string(body), "Task timed out after 1.00 seconds"))
	assert.Check(t, processGone(pid), "the timed-out process was killed")
	next, _, _ := invoke(t, h, `{}`)
	assert.Check(t, is.Equal(next.LogStream, first.LogStream), "the same environment")
	assert.Check(t, next.InstanceID != first.InstanceID, "a new process")
	assert.Check(t, is.Equal(next.Invocation, int64(1)))
	c := h.Counts()
	assert.Check(t, is.DeepEqual(c.Resets, map[string]int64{"Sandbox.Timedout": 1}))
	assert.Check(t, is.Equal(c.Retired[lambdasim.CauseTimeout], int64(0)), "reset, not retired")
	assert.Check(t, is.Equal(c.Started, int64(1)))
}

// TestACrashResetsTheEnvironment: a process that exits during a call (an
// os.Exit, or a Go panic, after which aws-lambda-go exits) resets its
// environment: the call fails (Runtime.ExitError for an exit; the panic's
// own error, which the function posted before exiting), and the next call
// runs in the same log stream on a new process.
func TestACrashResetsTheEnvironment(t *testing.T) {
	t.Parallel()
	for _, sw := range []string{"panic", "exit"} {
		t.Run(sw, func(t *testing.T) {
			h := startHost(t, Options{Bootstrap: testFuncBin})
			first, _, _ := invoke(t, h, `{}`)
			_, hdr, body := invoke(t, h, fmt.Sprintf(`{%q: true}`, sw))
			assert.Check(t, is.Equal(hdr.Get("X-Amz-Function-Error"), "Unhandled"))
			if sw == "exit" {
				assert.Check(t, is.Contains(string(body), `"errorType":"Runtime.ExitError"`))
				assert.Check(t, is.Contains(string(body), "Runtime exited with error: exit status 3"))
			} else {
				assert.Check(t, is.Contains(string(body), "testfunc: asked to panic"))
			}
			next, _, _ := invoke(t, h, `{}`)
			assert.Check(t, is.Equal(next.LogStream, first.LogStream), "the same environment after a %s", sw)
			assert.Check(t, next.InstanceID != first.InstanceID && next.InstanceID != "", "a new process after a %s", sw)
			assert.Check(t, is.Equal(next.Invocation, int64(1)))
			c := h.Counts()
			assert.Check(t, is.DeepEqual(c.Resets, map[string]int64{"Runtime.ExitError": 1}))
			assert.Check(t, is.Equal(c.Retired[lambdasim.CauseCrash], int64(0)), "reset, not retired")
			assert.Check(t, is.Equal(c.FunctionErrors, int64(1)))
			assert.Check(t, is.Equal(c.Started, int64(1)))
		})
	}
}

func TestProcessesGetNoSecretsOfTheCaller(t *testing.T) {
	t.Setenv("AWS_SECRET_ACCESS_KEY", "canary-secret-do-not-pass")
	h := startHost(t, Options{})
	a, _, body := invoke(t, h, `{}`)
	assert.Check(t, a.InstanceID != "")
	pid := h.PIDs()[a.LogStream]
	env, err := os.ReadFile(filepath.Join("/proc", fmt.Sprint(pid), "environ"))
	assert.NilError(t, err)
	assert.Check(t, !bytes.Contains(env, []byte("canary-secret")), "the caller's environment leaked into the function")
	assert.Check(t, bytes.Contains(env, []byte("AWS_LAMBDA_LOG_STREAM_NAME="+a.LogStream)))
	assert.Check(t, !bytes.Contains(body, []byte("canary-secret")))
}

func TestStartNeedsABinary(t *testing.T) {
	t.Parallel()
	_, err := Start(Options{})
	assert.Check(t, is.ErrorContains(err, "names no function binary"))
	_, err = Start(Options{Bootstrap: "/nonexistent/bootstrap"})
	assert.Check(t, err != nil)
	_, err = Start(Options{Bootstrap: probeBin, Scale: 1e308})
	assert.Check(t, is.ErrorContains(err, "scale must be from 0.001 to 100000 model seconds per real second, got 1e+308"))
}

func TestStartRefusesAMemorySizeLambdaHasNot(t *testing.T) {
	t.Parallel()
	for _, mb := range []int{64, 10241, -1} {
		_, err := Start(Options{Bootstrap: probeBin, MemoryMB: mb})
		assert.Check(t, is.ErrorContains(err, fmt.Sprintf("memory size %d MB: Lambda takes 128 to 10240 MB", mb)))
	}
	_, err := Start(Options{Bootstrap: probeBin, LogFormat: "xml"})
	assert.Check(t, is.ErrorContains(err, `unknown log format "xml" (known: text, json)`))
}

// processGone reports whether pid has exited (and been reaped), waiting a little.
func processGone(pid int) bool {
	for range 100 {
		if err := syscall.Kill(pid, 0); err != nil {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

func TestAProcessKilledWhileIdleIsReplacedTransparently(t *testing.T) {
	t.Parallel()
	h := startHost(t, Options{})
	first, _, _ := invoke(t, h, `{}`)
	pid := h.PIDs()[first.LogStream]
	assert.NilError(t, syscall.Kill(pid, syscall.SIGKILL))
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if _, alive := h.PIDs()[first.LogStream]; !alive {
			break // the host has seen it exit
		}
		assert.Assert(t, time.Now().Before(deadline), "the host never saw process %d exit", pid)
	}
	next, hdr, body := invoke(t, h, `{}`)
	assert.Check(t, is.Equal(hdr.Get("X-Amz-Function-Error"), ""), "the next call succeeds: %s", body)
	assert.Check(t, next.InstanceID != first.InstanceID && next.InstanceID != "")
	assert.Check(t, is.Equal(h.Counts().Retired[lambdasim.CauseCrash], int64(1)))
}

// TestHostCutsOffATricklingClient: the host's front door has the limits of
// every server here (lambdaapi.Harden): a client that never finishes its
// headers does not hold a connection past the header timeout.
func TestHostCutsOffATricklingClient(t *testing.T) {
	t.Parallel()
	h := startHost(t, Options{})
	conn, err := net.Dial("tcp", strings.TrimPrefix(h.URL(), "http://"))
	assert.NilError(t, err)
	defer conn.Close()
	_, err = io.WriteString(conn, "POST /2015-03-31/functions/probe/invocations HTTP/1.1\r\nHost: x\r\n")
	assert.NilError(t, err)
	conn.SetReadDeadline(time.Now().Add(lambdaapi.ReadHeaderTimeout + 5*time.Second))
	start := time.Now()
	_, err = io.ReadAll(conn)
	assert.NilError(t, err, "the host closed the connection (not the test's deadline)")
	assert.Check(t, time.Since(start) >= lambdaapi.ReadHeaderTimeout/2, "not before its time either")
}

// TestProvisionedEnvironmentsSayHowTheyStarted: with provisioned
// concurrency in the profile, the host starts those processes before any
// call, and the real probe in them reports init_type
// provisioned-concurrency; calls beyond them spill to on-demand processes,
// which report on-demand.
func TestProvisionedEnvironmentsSayHowTheyStarted(t *testing.T) {
	t.Parallel()
	p, err := lambdasim.LookupProfile(lambdasim.ProfileSeed2021)
	assert.NilError(t, err)
	p.Provisioned = 2
	h := startHost(t, Options{Profile: &p})
	const n = 3
	answers := make([]answer, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { answers[i], _, _ = invoke(t, h, `{"sleep_ms": 500}`) })
	}
	wg.Wait()
	types := map[string]int{}
	for _, a := range answers {
		types[a.InitType]++
	}
	assert.Check(t, is.DeepEqual(types, map[string]int{"provisioned-concurrency": 2, "on-demand": 1}))
}

// TestManagedInstancesServeOverlappingCalls: on a Managed Instances
// profile of one environment taking 4 calls at once, the host starts the
// real probe with AWS_LAMBDA_MAX_CONCURRENCY=4; aws-lambda-go polls /next
// four times at once, and 4 overlapping calls all run in that one
// process: one instance id, each saying how many were in flight as it
// started (1 to 4, the first alone), and the capacity.
func TestManagedInstancesServeOverlappingCalls(t *testing.T) {
	t.Parallel()
	p, err := lambdasim.LookupProfile(lambdasim.ProfileManaged2026)
	assert.NilError(t, err)
	m := *p.Managed
	m.MaxConcurrency, m.MinEnvironments, m.MaxEnvironments = 4, 1, 1
	p.Managed = &m
	h := startHost(t, Options{Profile: &p})
	const n = 4
	answers := make([]answer, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { answers[i], _, _ = invoke(t, h, `{"sleep_ms": 1500}`) })
	}
	wg.Wait()
	inFlight := map[int]bool{}
	for _, a := range answers {
		assert.Check(t, is.Equal(a.InstanceID, answers[0].InstanceID), "one environment")
		assert.Check(t, is.Equal(a.MaxConcurrency, 4))
		inFlight[a.InFlight] = true
	}
	assert.Check(t, is.DeepEqual(inFlight, map[int]bool{1: true, 2: true, 3: true, 4: true}), "overlapping in one process")
	assert.Check(t, is.Equal(h.Counts().Started, int64(1)))
	assert.Check(t, is.Len(h.PIDs(), 1))

	// A fifth call at once finds no room: throttled, as no environment is
	// started for a call.
	for range n + 1 {
		wg.Go(func() { invoke(t, h, `{"sleep_ms": 1500}`) })
	}
	wg.Wait()
	assert.Check(t, h.Counts().Throttled >= 1, "%+v", h.Counts())
	assert.Check(t, is.Equal(h.Counts().Started, int64(1)), "no environment started for a call")
}

// exitingBootstrap is a function binary that exits as it starts, as a
// broken deployment does.
func exitingBootstrap(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "bootstrap")
	assert.NilError(t, os.WriteFile(path, []byte("#!/bin/sh\nexit 1\n"), 0o755))
	return path
}

// TestAnExitingFunctionIsAnExitErrorOnEveryHost: a function whose process
// exits as it starts gets every call answered Runtime.ExitError, on the
// on-demand host (the call's own environment exits) and on Managed
// Instances alike (the scaler's environments exit before any call): never
// 429, which would pass a live run's every call off as throttled.
func TestAnExitingFunctionIsAnExitErrorOnEveryHost(t *testing.T) {
	t.Parallel()
	for _, profile := range []string{lambdasim.ProfileSeed2021, lambdasim.ProfileManaged2026} {
		t.Run(profile, func(t *testing.T) {
			h := startHost(t, Options{Bootstrap: exitingBootstrap(t), Model: lambdasim.Options{Profile: profile}})
			if profile == lambdasim.ProfileManaged2026 {
				// The scaler's first environments start before any call
				// (on the reaper's first tick) and are gone before one
				// comes, as when a run starts against a host already up.
				for deadline := time.Now().Add(5 * time.Second); h.Counts().Retired[lambdasim.CauseCrash] < 3; time.Sleep(10 * time.Millisecond) {
					assert.Assert(t, time.Now().Before(deadline), "the scaler's processes never exited: %+v", h.Counts())
				}
			}
			for i := range 20 {
				resp, err := http.Post(h.URL()+"/2015-03-31/functions/probe/invocations", "application/json", strings.NewReader(`{}`))
				assert.NilError(t, err)
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				assert.Check(t, is.Equal(resp.StatusCode, http.StatusOK), "call %d: %s", i, body)
				assert.Check(t, is.Equal(resp.Header.Get("X-Amz-Function-Error"), "Unhandled"), "call %d", i)
				assert.Check(t, is.Contains(string(body), "Runtime.ExitError"), "call %d", i)
			}
			c := h.Counts()
			assert.Check(t, is.Equal(c.Throttled, int64(0)), "%+v", c)
			assert.Check(t, is.Equal(c.FunctionErrors, int64(20)), "%+v", c)
		})
	}
}

// TestAHostBoundsItsProcesses: past MaxEnvironments processes alive, a call
// that needs a new environment is answered 429 (TooManyRequestsException),
// as Lambda answers past a concurrency limit; the host neither starts more
// nor aborts, and the calls that found an environment are served. Once
// those are idle, calls reuse them.
func TestAHostBoundsItsProcesses(t *testing.T) {
	t.Parallel()
	h := startHost(t, Options{MaxEnvironments: 2})
	assert.Check(t, is.Equal(h.MaxEnvironments(), 2))
	const n = 6
	status := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			resp, err := http.Post(h.URL()+"/2015-03-31/functions/probe/invocations", "application/json", strings.NewReader(`{"sleep_ms": 1500}`))
			assert.Check(t, err)
			if err == nil {
				status[i] = resp.StatusCode
				resp.Body.Close()
			}
		})
	}
	wg.Wait()
	byStatus := map[int]int{}
	for _, s := range status {
		byStatus[s]++
	}
	assert.Check(t, is.DeepEqual(byStatus, map[int]int{http.StatusOK: 2, http.StatusTooManyRequests: n - 2}))
	c := h.Counts()
	assert.Check(t, is.Equal(c.Started, int64(2)), "%+v", c)
	assert.Check(t, is.Equal(c.Throttled, int64(n-2)), "%+v", c)
	assert.Check(t, is.Equal(c.Retired[lambdasim.CauseRefused], int64(n-2)), "%+v", c)
	assert.Check(t, len(h.PIDs()) <= 2)
	for range 4 {
		a, _, _ := invoke(t, h, `{}`)
		assert.Check(t, a.InstanceID != "", "an idle environment serves")
	}
	assert.Check(t, is.Equal(h.Counts().Started, int64(2)))

	_, err := Start(Options{Bootstrap: probeBin, MaxEnvironments: -1})
	assert.Check(t, is.ErrorContains(err, "max environments must be at least 1, got -1"))
	d := DefaultMaxEnvironments(DefaultMemoryMB)
	assert.Check(t, d >= 1 && d <= MaxDefaultEnvironments, "%d", d)
	assert.Check(t, is.Equal(DefaultMaxEnvironments(1<<40), 1), "a terabyte each: one environment")
}

// TestManagedProcessesStopWhenRetired: the processes of Managed Instances'
// environments retired at their age (here a model minute, half a second at
// scale 120) are stopped as their replacements start, not left running.
func TestManagedProcessesStopWhenRetired(t *testing.T) {
	t.Parallel()
	p, err := lambdasim.LookupProfile(lambdasim.ProfileManaged2026)
	assert.NilError(t, err)
	m := *p.Managed
	m.MaxConcurrency, m.MinEnvironments, m.MaxEnvironments = 4, 1, 1
	p.Managed, p.MaxLifetime = &m, lambdasim.Fixed(time.Minute)
	h := startHost(t, Options{Profile: &p, Scale: 120})
	invoke(t, h, `{}`) // the pool starts
	time.Sleep(4 * time.Second)
	c := h.Counts()
	assert.Check(t, c.Started >= 4, "recycled every half second: %+v", c)
	assert.Check(t, c.Running <= 2, "the retired processes were stopped: %d of %d still running", c.Running, c.Started)
}

// TestTheCommandNeverAbortsUnderAnAddressSpaceLimit: the lambdahost
// command under a 3 GB address-space limit (ulimit -v), hit by 100 calls
// at once, each needing an environment of its own: it sizes its bound on
// environments to what the limit leaves, serves that many and answers the
// rest 429, and lives on (without the bound, one OS thread and about 18
// MB per environment on top of the host's own 1.7 GB ended in
// "pthread_create failed" and SIGABRT). Asked for more than the limit
// allows, it refuses before serving.
func TestTheCommandNeverAbortsUnderAnAddressSpaceLimit(t *testing.T) {
	t.Parallel()
	bin, err := gobuild.Build(t.TempDir(), "lambdahost", gobuild.Target{Package: "github.com/lambda-reuse/lambda-reuse/reusetest/lambdahost/cmd/lambdahost"})
	assert.NilError(t, err)
	// start runs the command, its stderr a file it writes itself, read
	// as it grows; the URL is "" when it never served.
	start := func(extra string) (*exec.Cmd, func() string, string) {
		f, err := os.Create(filepath.Join(t.TempDir(), "stderr"))
		assert.NilError(t, err)
		t.Cleanup(func() { f.Close() })
		cmd := exec.Command("sh", "-c", "ulimit -v 3000000 && exec \"$0\" -addr 127.0.0.1:0 -bootstrap \"$1\" -profile seed-2021 "+extra, bin, probeBin)
		cmd.Stderr = f
		assert.NilError(t, cmd.Start())
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		t.Cleanup(func() { cmd.Process.Kill(); <-exited })
		out := func() string { b, _ := os.ReadFile(f.Name()); return string(b) }
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if _, rest, ok := strings.Cut(out(), " on http://"); ok {
				addr, _, _ := strings.Cut(rest, "/")
				return cmd, out, "http://" + addr
			}
			select {
			case <-exited:
				return cmd, out, ""
			default:
			}
		}
		return cmd, out, ""
	}
	cmd, stderr, url := start("")
	assert.Assert(t, url != "", "lambdahost did not start: %s", stderr())
	var mu sync.Mutex
	byStatus := map[int]int{}
	var wg sync.WaitGroup
	for range 100 {
		wg.Go(func() {
			resp, err := http.Post(url+"/2015-03-31/functions/probe/invocations", "application/json", strings.NewReader(`{"sleep_ms": 1500}`))
			code := 0
			if err == nil {
				code = resp.StatusCode
				resp.Body.Close()
			}
			mu.Lock()
			byStatus[code]++
			mu.Unlock()
		})
	}
	wg.Wait()
	assert.Check(t, byStatus[http.StatusOK] >= 10 && byStatus[http.StatusOK]+byStatus[http.StatusTooManyRequests] == 100, "%v: %s", byStatus, stderr())
	assert.NilError(t, cmd.Process.Signal(syscall.SIGINT))
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(stderr(), "lambdahost: stopped") && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	assert.Check(t, is.Contains(stderr(), "lambdahost: stopped"), "it stopped as asked, not aborted")
	assert.Check(t, !strings.Contains(stderr(), "pthread_create"), stderr())

	_, stderr, url = start("-max-environments 1000")
	assert.Check(t, is.Equal(url, ""))
	assert.Check(t, is.Contains(stderr(), "max environments 1000: past the"), stderr())
	assert.Check(t, is.Contains(stderr(), "ulimit -v"))
}
