package lambdahost

import (
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdaapi"
	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdasim"
)

// process is one execution environment: a running function binary and the
// Runtime API it talks to.
type process struct {
	env    *lambdasim.Env
	cmd    *exec.Cmd
	ln     net.Listener
	srv    *http.Server
	next   chan *invocation
	exited chan struct{}

	capacity int // calls it serves at once: its runtime runs as many /next loops

	mu            sync.Mutex
	current       *invocation            // one call at a time: the call its one loop took last
	serving       map[string]*invocation // many at once: the calls its loops hold, by request id
	stopRequested bool                   // guarded by Host.mu
	inUse         int                    // calls that own it; guarded by Host.mu
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
	capacity := h.pool.Capacity()
	p := &process{env: e, ln: ln, next: make(chan *invocation, capacity), exited: make(chan struct{}), capacity: capacity,
		serving: map[string]*invocation{}}
	p.srv = lambdaapi.Harden(&http.Server{Handler: http.HandlerFunc(p.serveRuntimeAPI)})
	go p.srv.Serve(ln)
	cmd := exec.Command(h.opts.Bootstrap)
	cmd.Env = append(append([]string{}, h.baseEnv...),
		"AWS_LAMBDA_RUNTIME_API="+ln.Addr().String(),
		"AWS_LAMBDA_INITIALIZATION_TYPE="+string(e.InitType()), // as the model started it
		"AWS_LAMBDA_LOG_STREAM_NAME="+e.LogStream)
	if capacity > 1 {
		// Managed Instances: the runtime serves this many calls at once
		// (aws-lambda-go runs as many /next loops).
		cmd.Env = append(cmd.Env, "AWS_LAMBDA_MAX_CONCURRENCY="+strconv.Itoa(capacity))
	}
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
		if p.inUse == 0 && !p.stopRequested {
			h.pool.Discard(e, lambdasim.CauseCrash, h.virtual())
		}
		h.mu.Unlock()
		p.srv.Close()
	}()
	h.counts.Started++
	return p, nil
}

// onRetire stops the process of an environment the model ended. Called
// with h.mu held.
func (h *Host) onRetire(e *lambdasim.Env, _ lambdasim.Cause, _ time.Duration) {
	if p := h.procs[e]; p != nil {
		h.stopProcess(p)
	}
}

// onProactiveStart starts the process of an environment the model started
// ahead of demand, so it is initialised before its first call. Called with
// h.mu held; a process that cannot start leaves the environment to be
// started on its first call.
func (h *Host) onProactiveStart(e *lambdasim.Env) {
	if h.closed {
		return
	}
	if p, err := h.spawn(e); err == nil {
		h.procs[e] = p
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
