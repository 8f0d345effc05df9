// Package lambdahost runs a Lambda function binary locally as a pool of real
// execution environments: one OS process each, with its own globals, fed by
// a Runtime API that the host serves. Placement, idle eviction and maximum
// lifetime come from the simulator's pool model (lambdasim.Pool), in scaled
// real time; the host starts processes on demand, stops the ones the model
// retires (SIGTERM, then SIGKILL after 2 s, as Lambda does), replaces ones
// that crash, and kills ones that run past the function timeout.
//
// The host answers the Invoke API (POST /2015-03-31/functions/{name}/invocations)
// and a Function-URL style path (anything else), so the experiment's HTTP
// and Invoke targets reach it unchanged.
package lambdahost

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdasim"
)

// Documented defaults of Options.
const (
	// DefaultTimeout is Lambda's default function timeout.
	DefaultTimeout = 3 * time.Second
	// DefaultMemoryMB is Lambda's default (and the deploy default) memory size.
	DefaultMemoryMB = 128
	// StopGrace is how long a retired process gets after SIGTERM before
	// SIGKILL: Lambda's Shutdown phase is 2 s.
	StopGrace = 2 * time.Second
	// maxPayload is Lambda's synchronous payload limit, 6 MB.
	maxPayload = 6 << 20
)

// Options configures a Host. The zero value of each field is its default.
type Options struct {
	// Bootstrap is the function binary (required): our probe, or yours.
	Bootstrap string
	// FunctionName is what the Invoke path serves and the process sees
	// (default "probe").
	FunctionName string
	// MemoryMB and Version are what the process sees (128, "$LATEST").
	MemoryMB int
	Version  string
	// Timeout is the function timeout (DefaultTimeout).
	Timeout time.Duration
	// Model is the pool model: profile, placement and seed.
	Model lambdasim.Options
	// Profile, if set, is a custom model profile used instead of Model.Profile.
	Profile *lambdasim.Profile
	// Scale is model seconds per real second (default 1): at 60, a
	// 100-minute lifetime passes in 100 s.
	Scale float64
	// Env adds variables to the processes' environment, which otherwise
	// holds only the Lambda variables: nothing of the caller's.
	Env map[string]string
	// Output receives the processes' stdout and stderr (default: discarded).
	Output io.Writer
}

// Counts is what a host did: the truth tests compare with.
type Counts struct {
	// Started is the number of processes (environments) started.
	Started int64
	// Calls counts successful calls per environment, by log stream name.
	Calls map[string]int64
	// FunctionErrors counts calls that ended in a function error, a crash or a timeout.
	FunctionErrors int64
	// Throttled counts calls refused at the model's concurrency limit.
	Throttled int64
	// Retired counts ended environments by cause.
	Retired map[lambdasim.Cause]int64
	// Running is the number of processes alive now.
	Running int
}

// Host is a running local Lambda.
type Host struct {
	opts    Options
	start   time.Time
	ln      net.Listener
	srv     *http.Server
	baseEnv []string

	mu       sync.Mutex
	pool     *lambdasim.Pool
	procs    map[*lambdasim.Env]*process
	counts   Counts
	closed   bool
	stopping sync.WaitGroup
	reaper   chan struct{}
}

// Start starts a host on a free loopback port. Close it when done (in tests,
// t.Cleanup(h.Close)): it stops every process it started.
func Start(opts Options) (*Host, error) {
	if opts.Bootstrap == "" {
		return nil, errors.New("lambdahost: Options.Bootstrap names no function binary")
	}
	if _, err := os.Stat(opts.Bootstrap); err != nil {
		return nil, fmt.Errorf("lambdahost: %w", err)
	}
	if opts.FunctionName == "" {
		opts.FunctionName = "probe"
	}
	if opts.MemoryMB == 0 {
		opts.MemoryMB = DefaultMemoryMB
	}
	if opts.Version == "" {
		opts.Version = "$LATEST"
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Scale <= 0 {
		opts.Scale = 1
	}
	if opts.Output == nil {
		opts.Output = io.Discard
	}
	profile, err := lambdasim.LookupProfile(opts.Model.Profile)
	if err != nil {
		return nil, fmt.Errorf("lambdahost: %w", err)
	}
	if opts.Profile != nil {
		profile = *opts.Profile
	}
	placement, err := lambdasim.ParsePlacement(opts.Model.Placement)
	if err != nil {
		return nil, fmt.Errorf("lambdahost: %w", err)
	}
	pool, err := lambdasim.NewPool(profile, placement, lambdasim.NewRand(opts.Model.Seed))
	if err != nil {
		return nil, fmt.Errorf("lambdahost: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("lambdahost: %w", err)
	}
	h := &Host{opts: opts, start: time.Now(), ln: ln, pool: pool, procs: map[*lambdasim.Env]*process{},
		counts: Counts{Calls: map[string]int64{}}, reaper: make(chan struct{})}
	h.baseEnv = []string{
		"AWS_LAMBDA_FUNCTION_NAME=" + opts.FunctionName,
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=" + strconv.Itoa(opts.MemoryMB),
		"AWS_LAMBDA_FUNCTION_VERSION=" + opts.Version,
		"AWS_LAMBDA_FUNCTION_TIMEOUT=" + strconv.Itoa(int(opts.Timeout.Seconds())),
		"AWS_LAMBDA_INITIALIZATION_TYPE=on-demand",
		"AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/" + opts.FunctionName,
		"AWS_REGION=local", "TZ=:UTC",
	}
	for _, k := range slices.Sorted(maps.Keys(opts.Env)) {
		h.baseEnv = append(h.baseEnv, k+"="+opts.Env[k])
	}
	pool.OnRetire(h.onRetire)
	h.srv = &http.Server{Handler: http.HandlerFunc(h.serve)}
	go h.srv.Serve(ln)
	go h.reap()
	return h, nil
}

// URL is the host's base URL: the Function URL, and the endpoint for the
// Invoke API (AWS_ENDPOINT_URL_LAMBDA).
func (h *Host) URL() string { return "http://" + h.ln.Addr().String() }

// Counts returns a copy of what the host has done so far.
func (h *Host) Counts() Counts {
	h.mu.Lock()
	defer h.mu.Unlock()
	c := h.counts
	c.Calls = maps.Clone(h.counts.Calls)
	c.Retired = h.pool.Stats().Retired
	c.Running = 0
	for _, p := range h.procs {
		if !p.hasExited() {
			c.Running++
		}
	}
	return c
}

// PIDs returns the process id of every live environment, by log stream.
func (h *Host) PIDs() map[string]int {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[string]int{}
	for e, p := range h.procs {
		if !p.hasExited() {
			out[e.LogStream] = p.cmd.Process.Pid
		}
	}
	return out
}

// Close stops serving and stops every process (SIGTERM, then SIGKILL after
// StopGrace), waiting until all have exited.
func (h *Host) Close() error {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil
	}
	h.closed = true
	close(h.reaper)
	for _, p := range h.procs {
		h.stopProcess(p)
	}
	h.mu.Unlock()
	h.stopping.Wait()
	return h.srv.Close()
}

func (h *Host) virtual() time.Duration {
	return time.Duration(float64(time.Since(h.start)) * h.opts.Scale)
}

// reap ends idle environments whose time is up, as it comes, so their
// processes stop even when no call arrives.
func (h *Host) reap() {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			h.mu.Lock()
			h.pool.Expire(h.virtual())
			h.mu.Unlock()
		case <-h.reaper:
			return
		}
	}
}

// onRetire stops the process of an environment the model ended. Called
// with h.mu held.
func (h *Host) onRetire(e *lambdasim.Env, _ lambdasim.Cause, _ time.Duration) {
	if p := h.procs[e]; p != nil {
		h.stopProcess(p)
	}
}

// stopProcess sends SIGTERM to p's process group, then SIGKILL after
// StopGrace; called with h.mu held.
func (h *Host) stopProcess(p *process) {
	if p.stopRequested {
		return
	}
	p.stopRequested = true
	h.stopping.Add(1)
	go func() {
		defer h.stopping.Done()
		syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-p.exited:
		case <-time.After(StopGrace):
			syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
			<-p.exited
		}
		p.srv.Close()
	}()
}

// result is what one invocation came to.
type result struct {
	body    []byte
	funcErr bool // the body is a Lambda error object
}

// invocation is one call handed to a process.
type invocation struct {
	id       string
	payload  []byte
	deadline time.Time
	done     chan result   // the process answered
	polled   chan struct{} // closed when the process asks for its next call: it is idle and alive
}

// process is one execution environment: a running function binary and the
// Runtime API it talks to.
type process struct {
	env    *lambdasim.Env
	cmd    *exec.Cmd
	ln     net.Listener
	srv    *http.Server
	next   chan *invocation
	exited chan struct{}

	mu            sync.Mutex
	current       *invocation
	stopRequested bool // guarded by Host.mu
	inUse         bool // a call owns it; guarded by Host.mu
}

func (p *process) hasExited() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// spawn starts the process for e; called with h.mu held.
func (h *Host) spawn(e *lambdasim.Env) (*process, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &process{env: e, ln: ln, next: make(chan *invocation, 1), exited: make(chan struct{})}
	p.srv = &http.Server{Handler: http.HandlerFunc(p.serveRuntimeAPI)}
	go p.srv.Serve(ln)
	cmd := exec.Command(h.opts.Bootstrap)
	cmd.Env = append(append([]string{}, h.baseEnv...),
		"AWS_LAMBDA_RUNTIME_API="+ln.Addr().String(),
		"AWS_LAMBDA_LOG_STREAM_NAME="+e.LogStream)
	cmd.Stdout, cmd.Stderr = h.opts.Output, h.opts.Output
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		ln.Close()
		return nil, err
	}
	p.cmd = cmd
	go func() {
		cmd.Wait()
		close(p.exited)
		h.mu.Lock()
		// A call in progress accounts for its own environment, and a process
		// the host stopped was retired already: anything else crashed.
		if !p.inUse && !p.stopRequested {
			h.pool.Discard(e, lambdasim.CauseCrash, h.virtual())
		}
		h.mu.Unlock()
		p.srv.Close()
	}()
	h.counts.Started++
	return p, nil
}

// serveRuntimeAPI is the Runtime API of one process.
func (p *process) serveRuntimeAPI(w http.ResponseWriter, r *http.Request) {
	const prefix = "/2018-06-01/runtime/"
	path := strings.TrimPrefix(r.URL.Path, prefix)
	switch {
	case r.Method == http.MethodGet && path == "invocation/next":
		p.mu.Lock()
		if prev := p.current; prev != nil {
			p.current = nil
			close(prev.polled) // done with the last call, and alive
		}
		p.mu.Unlock()
		var inv *invocation
		select {
		case inv = <-p.next:
		case <-r.Context().Done():
			return
		case <-p.exited:
			return
		}
		p.mu.Lock()
		p.current = inv
		p.mu.Unlock()
		hd := w.Header()
		hd.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
		hd.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(inv.deadline.UnixMilli(), 10))
		hd.Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:local:000000000000:function:local")
		hd.Set("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000;Sampled=0")
		hd.Set("Content-Type", "application/json")
		w.Write(inv.payload)
	case r.Method == http.MethodPost && strings.HasPrefix(path, "invocation/"):
		id, kind, _ := strings.Cut(strings.TrimPrefix(path, "invocation/"), "/")
		body, _ := io.ReadAll(io.LimitReader(r.Body, maxPayload))
		p.mu.Lock()
		inv := p.current
		p.mu.Unlock()
		if inv == nil || inv.id != id || (kind != "response" && kind != "error") {
			http.Error(w, `{"errorMessage":"unknown invocation"}`, http.StatusBadRequest)
			return
		}
		select {
		case inv.done <- result{body: body, funcErr: kind == "error"}:
		default: // answered twice: keep the first
		}
		w.WriteHeader(http.StatusAccepted)
	case r.Method == http.MethodPost && path == "init/error":
		io.Copy(io.Discard, io.LimitReader(r.Body, maxPayload))
		w.WriteHeader(http.StatusAccepted) // the process exits next; its call fails as a crash
	default:
		http.NotFound(w, r)
	}
}

var invocationSeq struct {
	sync.Mutex
	n int64
}

func newRequestID() string {
	invocationSeq.Lock()
	defer invocationSeq.Unlock()
	invocationSeq.n++
	return fmt.Sprintf("00000000-0000-4000-8000-%012d", invocationSeq.n)
}

// invoke runs payload on an environment, as Lambda would: reuse an idle one
// (chosen by the model) or start one, enforce the timeout, and replace an
// environment that crashed. It returns the function's answer.
func (h *Host) invoke(ctx context.Context, payload []byte) (result, int) {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return result{body: lambdaError("HostClosed", "the local host is closed"), funcErr: true}, http.StatusServiceUnavailable
	}
	e, cold, err := h.pool.Acquire(h.virtual())
	for err == nil && !cold && h.procs[e].hasExited() {
		// Its process died while idle and the exit watcher has not yet
		// taken the lock: as on Lambda, the call goes elsewhere.
		h.pool.Discard(e, lambdasim.CauseCrash, h.virtual())
		e, cold, err = h.pool.Acquire(h.virtual())
	}
	if err != nil {
		h.counts.Throttled++
		h.mu.Unlock()
		return result{}, http.StatusTooManyRequests
	}
	p := h.procs[e]
	if cold {
		p, err = h.spawn(e)
		if err != nil {
			h.pool.Discard(e, lambdasim.CauseCrash, h.virtual())
			h.counts.FunctionErrors++
			h.mu.Unlock()
			return result{body: lambdaError("Runtime.InvalidEntrypoint", "cannot start the function binary"), funcErr: true}, http.StatusOK
		}
		h.procs[e] = p
	}
	p.inUse = true
	h.mu.Unlock()

	// The deadline the process is told, in whole milliseconds, is the one
	// the host enforces.
	deadline := time.UnixMilli(time.Now().Add(h.opts.Timeout).UnixMilli())
	inv := &invocation{id: newRequestID(), payload: payload, deadline: deadline,
		done: make(chan result, 1), polled: make(chan struct{})}
	p.next <- inv // the environment is ours alone: the slot is free
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()

	var res result
	cause := lambdasim.Cause("")
	select {
	case res = <-inv.done:
		if !time.Now().Before(inv.deadline) {
			// An answer at or after the deadline is a timeout, as on Lambda
			// (the probe itself gives up at the deadline).
			cause = lambdasim.CauseTimeout
			syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
			res = timedOut(h.opts.Timeout)
		}
	case <-timer.C:
		cause = lambdasim.CauseTimeout
		syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL) // Lambda ends a timed-out environment
		res = timedOut(h.opts.Timeout)
	case <-p.exited:
		cause = lambdasim.CauseCrash
		res = result{body: lambdaError("Runtime.ExitError", "the function's process exited"), funcErr: true}
	}
	if cause == "" {
		// Idle only once the process asks for its next call; a runtime
		// that exits after an error (a Go panic does) is replaced instead.
		select {
		case <-inv.polled:
		case <-p.exited:
			cause = lambdasim.CauseCrash
		case <-time.After(h.opts.Timeout):
			cause = lambdasim.CauseTimeout
			syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		}
	}

	h.mu.Lock()
	p.inUse = false
	if cause == "" {
		h.pool.Release(e, h.virtual())
	} else {
		h.pool.Discard(e, cause, h.virtual())
		h.stopProcess(p)
	}
	if res.funcErr {
		h.counts.FunctionErrors++
	} else {
		h.counts.Calls[e.LogStream]++
	}
	h.mu.Unlock()
	return res, http.StatusOK
}

func timedOut(timeout time.Duration) result {
	return result{body: lambdaError("Sandbox.Timedout", fmt.Sprintf("Task timed out after %.2f seconds", timeout.Seconds())), funcErr: true}
}

func lambdaError(errType, msg string) []byte {
	b, _ := json.Marshal(map[string]string{"errorType": errType, "errorMessage": msg})
	return b
}

const (
	invokePrefix = "/2015-03-31/functions/"
	invokeSuffix = "/invocations"
)

// serve answers the Invoke API and Function-URL style calls.
func (h *Host) serve(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, invokePrefix) {
		name := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, invokePrefix), invokeSuffix)
		if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, invokeSuffix) || name != h.opts.FunctionName {
			writeAPIError(w, http.StatusNotFound, "ResourceNotFoundException", "Function not found: "+name)
			return
		}
		payload, err := io.ReadAll(io.LimitReader(r.Body, maxPayload+1))
		if err != nil || len(payload) > maxPayload {
			writeAPIError(w, http.StatusRequestEntityTooLarge, "RequestTooLargeException", "payload over 6 MB")
			return
		}
		if len(bytes.TrimSpace(payload)) == 0 {
			payload = []byte("{}")
		}
		res, status := h.invoke(r.Context(), payload)
		if status == http.StatusTooManyRequests {
			writeAPIError(w, status, "TooManyRequestsException", "Rate Exceeded.")
			return
		}
		if res.funcErr {
			w.Header().Set("X-Amz-Function-Error", "Unhandled")
		}
		w.Header().Set("X-Amz-Executed-Version", h.opts.Version)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write(res.body)
		return
	}

	// Function URL: the call becomes an HTTP API v2 event.
	q := map[string]string{}
	for k, v := range r.URL.Query() {
		q[k] = strings.Join(v, ",")
	}
	ev := events.LambdaFunctionURLRequest{Version: "2.0", RawPath: r.URL.Path, RawQueryString: r.URL.RawQuery,
		QueryStringParameters: q, RequestContext: events.LambdaFunctionURLRequestContext{
			HTTP: events.LambdaFunctionURLRequestContextHTTPDescription{Method: r.Method, Path: r.URL.Path}}}
	payload, _ := json.Marshal(ev)
	res, status := h.invoke(r.Context(), payload)
	switch {
	case status == http.StatusTooManyRequests:
		writeAPIError(w, status, "TooManyRequestsException", "Rate Exceeded.")
	case res.funcErr:
		writeAPIError(w, http.StatusBadGateway, "FunctionError", "Internal Server Error")
	default:
		var resp events.LambdaFunctionURLResponse
		if err := json.Unmarshal(res.body, &resp); err != nil || resp.StatusCode == 0 {
			// Not the structured format: the whole answer is the body.
			w.Header().Set("Content-Type", "application/json")
			w.Write(res.body)
			return
		}
		for k, v := range resp.Headers {
			w.Header().Set(k, v)
		}
		w.WriteHeader(resp.StatusCode)
		io.WriteString(w, resp.Body)
	}
}

func writeAPIError(w http.ResponseWriter, status int, errType, msg string) {
	w.Header().Set("X-Amzn-ErrorType", errType)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"Type": "User", "message": msg, "__type": errType})
}
