package lambdahost

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
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
	_, err := Start(Options{})
	assert.Check(t, is.ErrorContains(err, "names no function binary"))
	_, err = Start(Options{Bootstrap: "/nonexistent/bootstrap"})
	assert.Check(t, err != nil)
	_, err = Start(Options{Bootstrap: probeBin, Scale: 1e308})
	assert.Check(t, is.ErrorContains(err, "scale must be from 0.001 to 100000 model seconds per real second, got 1e+308"))
}

func TestStartRefusesAMemorySizeLambdaHasNot(t *testing.T) {
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
