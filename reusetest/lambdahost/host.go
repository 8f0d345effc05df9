// Package lambdahost runs a Lambda function binary locally as a pool of real
// execution environments: one OS process each, with its own globals, fed by
// a Runtime API that the host serves. Placement, idle eviction and maximum
// lifetime come from the simulator's pool model (lambdasim.Pool), in scaled
// real time; the host starts processes on demand, stops the ones the model
// retires (SIGTERM, then SIGKILL after 2 s, as Lambda does), and resets an
// environment whose process crashes, runs past the function timeout or
// past the memory size, as Lambda does: the same environment and log
// stream, a new process whose init runs inside the next call. With
// Options.Logs it writes Lambda's own logs, a stream per environment.
//
// The host answers the Invoke API (POST /2015-03-31/functions/{name}/invocations)
// and a Function-URL style path (anything else) through the shared front
// door (lambdaapi.Handler), so the experiment's HTTP and Invoke targets reach
// it unchanged.
//
// The files follow its parts: host.go (options, start, counts, close),
// process.go (an environment and its process: start, stop, crash),
// runtimeapi.go (the Runtime API each process talks to), invoke.go (one
// call, from choosing an environment to its answer, its failure and the
// reset), memory.go (watching resident memory), lambdalog.go (Lambda's log
// lines, text or JSON), output.go (the function's output as log lines),
// logsinks.go (where the logs go: a folder, or an export file) and
// limits.go (how many processes a machine can hold).
package lambdahost

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdaapi"
	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdasim"
	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
)

// Documented defaults of Options.
const (
	// DefaultTimeout is Lambda's default function timeout.
	DefaultTimeout = 3 * time.Second
	// DefaultMemoryMB is Lambda's default (and the deploy default) memory
	// size, and MinMemoryMB and MaxMemoryMB its range.
	DefaultMemoryMB = 128
	MinMemoryMB     = 128
	MaxMemoryMB     = 10240
	// stopGrace is how long a retired process gets after SIGTERM before
	// SIGKILL: Lambda's Shutdown phase is 2 s.
	stopGrace = 2 * time.Second
	// MaxFaithfulScale is the highest Scale at which the host's decisions,
	// made in real time, were measured to stay near the model's (docs/local-lambda.md,
	// "How fast a host may run"); beyond it real-time noise sways them.
	MaxFaithfulScale = 5
)

// Options configures a Host. The zero value of each field is its default.
type Options struct {
	// Bootstrap is the function binary (required): our probe, or yours.
	Bootstrap string
	// FunctionName is what the Invoke path serves and the process sees
	// (default "probe").
	FunctionName string
	// MemoryMB is the memory size (default 128): the process sees it, and
	// the host resets a process whose resident memory passes it
	// (Runtime.OutOfMemory).
	MemoryMB int
	// Version is what the process and the logs see ("$LATEST").
	Version string
	// Timeout is the function timeout (DefaultTimeout).
	Timeout time.Duration
	// Model is the pool model: profile, placement and seed.
	Model lambdasim.Options
	// Profile, if set, is a custom model profile used instead of Model.Profile.
	Profile *lambdasim.Profile
	// Scale is model seconds per real second (default 1): at 20, a
	// 100-minute lifetime passes in 5 minutes. Every answer declares it
	// (lambdaapi.ScaleHeader). See MaxFaithfulScale.
	Scale float64
	// Env adds variables to the processes' environment, which otherwise
	// holds only the Lambda variables: nothing of the caller's.
	Env map[string]string
	// Output receives the processes' stdout and stderr (default: discarded).
	Output io.Writer
	// Logs, if set, receives Lambda's own logs of every environment, a
	// stream each: INIT_START, START, the function's output a line an
	// event, END and REPORT (docs/local-lambda.md, "Logs"). It is written
	// to until Close returns.
	Logs LogSink
	// LogFormat is the logs' format: LogText (the default) or LogJSON.
	LogFormat LogFormat
	// TenantIsolation serves a function in tenant isolation mode: every
	// call carries a tenant id, which the process is given, and each
	// environment, a process of its own, serves one tenant only.
	TenantIsolation bool
	// MaxEnvironments bounds the processes alive at once (stopping ones
	// included): a call that needs a new environment past it is answered
	// 429, as Lambda answers past a concurrency limit, and one the pool
	// started ahead (provisioned, proactive, the scaler's) waits for its
	// first call to be started. Default: DefaultMaxEnvironments; more than
	// environmentLimit is refused.
	MaxEnvironments int
}

// Counts is what a host did: the truth tests compare with.
type Counts struct {
	// Started is the number of environments started.
	Started int64
	// Calls counts successful calls per environment, by log stream name.
	Calls map[string]int64
	// FunctionErrors counts calls that ended in a function error, a crash,
	// a timeout or out of memory.
	FunctionErrors int64
	// Resets counts environments reset, by the error type of the failure
	// (Runtime.ExitError, Sandbox.Timedout, Runtime.OutOfMemory).
	Resets map[string]int64
	// Throttled counts calls refused at the model's limits and at the
	// host's bound on processes (Options.MaxEnvironments).
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

	requests atomic.Int64 // request ids handed out

	mu       sync.Mutex
	pool     *lambdasim.Pool
	envs     map[*lambdasim.Env]*environment
	counts   Counts
	closed   bool
	stopping sync.WaitGroup
	ending   sync.WaitGroup // each process's exit watcher and output reader
	running  int            // processes alive
	reaper   chan struct{}
	managed  bool   // Managed Instances: the pool starts no environment for a call
	crashed  string // how the latest process to exit on its own ended, since the last call answered; "" for none
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
		opts.Version = lambdaapi.DefaultVersion
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Scale == 0 {
		opts.Scale = 1
	}
	if !(opts.Scale >= record.MinScale && opts.Scale <= record.MaxScale) {
		return nil, fmt.Errorf("lambdahost: scale must be from %g to %g model seconds per real second, got %v", record.MinScale, record.MaxScale, opts.Scale)
	}
	if opts.Output == nil {
		opts.Output = io.Discard
	}
	format, err := ParseLogFormat(string(opts.LogFormat))
	if err != nil {
		return nil, fmt.Errorf("lambdahost: %w", err)
	}
	opts.LogFormat = format
	if opts.MemoryMB < MinMemoryMB || opts.MemoryMB > MaxMemoryMB {
		return nil, fmt.Errorf("lambdahost: memory size %d MB: Lambda takes %d to %d MB", opts.MemoryMB, MinMemoryMB, MaxMemoryMB)
	}
	if opts.MaxEnvironments == 0 {
		opts.MaxEnvironments = DefaultMaxEnvironments(opts.MemoryMB)
	}
	if opts.MaxEnvironments < 1 {
		return nil, fmt.Errorf("lambdahost: max environments must be at least 1, got %d", opts.MaxEnvironments)
	}
	if limit, why := environmentLimit(); opts.MaxEnvironments > limit {
		return nil, fmt.Errorf("lambdahost: max environments %d: past the %d this host's limits allow (%s)", opts.MaxEnvironments, limit, why)
	}
	profile, placement, err := lambdasim.Resolve(opts.Model.Profile, opts.Model.Placement)
	if err != nil {
		return nil, fmt.Errorf("lambdahost: %w", err)
	}
	if opts.Profile != nil {
		profile = *opts.Profile
		if opts.Model.Placement == "" && profile.Placement != "" {
			placement = profile.Placement
		}
	}
	if opts.TenantIsolation {
		if err := lambdasim.CheckTenantIsolation(profile); err != nil {
			return nil, fmt.Errorf("lambdahost: %w", err)
		}
	}
	pool, err := lambdasim.NewPool(profile, placement, lambdasim.NewRand(opts.Model.Seed))
	if err != nil {
		return nil, fmt.Errorf("lambdahost: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("lambdahost: %w", err)
	}
	h := &Host{opts: opts, start: time.Now(), ln: ln, pool: pool, envs: map[*lambdasim.Env]*environment{},
		counts: Counts{Calls: map[string]int64{}, Resets: map[string]int64{}}, reaper: make(chan struct{}), managed: profile.Managed != nil}
	h.baseEnv = []string{
		"AWS_LAMBDA_FUNCTION_NAME=" + opts.FunctionName,
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=" + strconv.Itoa(opts.MemoryMB),
		"AWS_LAMBDA_FUNCTION_VERSION=" + opts.Version,
		"AWS_LAMBDA_FUNCTION_TIMEOUT=" + strconv.Itoa(int(opts.Timeout.Seconds())),
		"AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/" + opts.FunctionName,
		"AWS_REGION=local", "TZ=:UTC",
	}
	for _, k := range slices.Sorted(maps.Keys(opts.Env)) {
		h.baseEnv = append(h.baseEnv, k+"="+opts.Env[k])
	}
	pool.OnRetire(h.onRetire)
	pool.OnProactiveStart(h.onProactiveStart)
	h.srv = lambdaapi.Harden(&http.Server{Handler: &lambdaapi.Handler{FunctionName: opts.FunctionName, Version: opts.Version, Function: h, Scale: opts.Scale, Profile: profile.Name, TenantIsolation: opts.TenantIsolation}})
	go h.srv.Serve(ln)
	go h.reap()
	return h, nil
}

// MaxEnvironments is the bound on processes alive at once
// (Options.MaxEnvironments, its default resolved).
func (h *Host) MaxEnvironments() int { return h.opts.MaxEnvironments }

// URL is the host's base URL: the Function URL, and the endpoint for the
// Invoke API (AWS_ENDPOINT_URL_LAMBDA).
func (h *Host) URL() string { return "http://" + h.ln.Addr().String() }

// Counts returns a copy of what the host has done so far.
func (h *Host) Counts() Counts {
	h.mu.Lock()
	defer h.mu.Unlock()
	c := h.counts
	c.Calls = maps.Clone(h.counts.Calls)
	c.Resets = maps.Clone(h.counts.Resets)
	c.Retired = h.pool.Stats().Retired
	c.Running = h.running
	return c
}

// PIDs returns the process id of every live environment, by log stream.
func (h *Host) PIDs() map[string]int {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[string]int{}
	for _, env := range h.envs {
		if p := env.proc; p != nil && !p.hasExited() {
			out[env.stream] = p.cmd.Process.Pid
		}
	}
	return out
}

// Close stops serving and stops every process (SIGTERM, then SIGKILL after
// stopGrace), waiting until all have exited.
func (h *Host) Close() error {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil
	}
	h.closed = true
	close(h.reaper)
	for _, env := range h.envs {
		if env.proc != nil {
			h.stopProcess(env.proc)
		}
	}
	h.mu.Unlock()
	h.stopping.Wait()
	h.ending.Wait()
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
