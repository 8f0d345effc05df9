package lambdahost

import (
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdaapi"
	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdasim"
)

// outputGrace is how long the host reads a process's output after it
// exited (a child it left may still write).
const outputGrace = time.Second

// initLimit bounds an init before any call (Lambda's Init phase, 10 s;
// docs/sources.md [S2]); an init inside a call, after a reset, counts
// against the call's timeout instead.
const initLimit = 10 * time.Second

// environment is the host's side of one execution environment: its log
// stream, and the process that runs it now. A reset replaces the process
// and keeps the rest. Its fields are guarded by Host.mu.
type environment struct {
	stream string     // its log stream's name
	log    *streamLog // nil without Options.Logs
	proc   *process   // nil after a reset, until the next call starts one
	inits  int        // processes started for it
}

// process is one run of an environment's function binary, from its init
// to its exit, with the Runtime API it talks to.
type process struct {
	env    *environment
	cmd    *exec.Cmd
	ln     net.Listener
	srv    *http.Server
	next   chan *invocation
	exited chan struct{}
	out    *output // nil without logs

	capacity int    // calls it serves at once: its runtime runs as many /next loops
	phase    string // the init's phase: phaseInit, or phaseInvoke inside a call after a reset
	onPath   bool   // a call waits for its init (it gets the Init Duration)
	started  time.Time

	initOnce sync.Once
	initDone chan struct{} // closed at its first /next: the init is over
	initEnd  time.Time     // set before initDone is closed

	status *os.File     // its /proc/PID/status; nil where /proc cannot be read
	peakKB atomic.Int64 // the highest VmHWM read

	mu            sync.Mutex
	current       *invocation            // one call at a time: the call its one loop took last
	serving       map[string]*invocation // many at once: the calls its loops hold, by request id
	fate          string                 // the error type the host killed it for
	stopRequested bool                   // guarded by Host.mu
	inUse         int                    // calls that own it; guarded by Host.mu
	initReported  bool                   // a call's REPORT carried its init; guarded by Host.mu
}

func (p *process) hasExited() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// initialised notes the init's end, once.
func (p *process) initialised() {
	p.initOnce.Do(func() {
		p.initEnd = time.Now()
		close(p.initDone)
	})
}

// newEnvironment is the host's side of e, a new environment; called with
// h.mu held.
func (h *Host) newEnvironment(e *lambdasim.Env) *environment {
	env := &environment{stream: newStreamName(time.Now(), h.opts.Version)}
	if h.opts.Logs != nil {
		env.log = &streamLog{name: env.stream, sink: h.opts.Logs, format: h.opts.LogFormat, version: h.opts.Version}
	}
	h.envs[e] = env
	return env
}

// errAtMaxEnvironments says a process was not started: the host runs
// Options.MaxEnvironments already.
var errAtMaxEnvironments = errors.New("at the host's bound on environments")

// spawn starts a process for e, whose init runs in phase (a call waits for
// it when onPath); called with h.mu held. Past the bound on processes
// alive it starts none (errAtMaxEnvironments).
func (h *Host) spawn(e *lambdasim.Env, env *environment, phase string, onPath bool) (*process, error) {
	if h.running >= h.opts.MaxEnvironments {
		return nil, errAtMaxEnvironments
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	capacity := h.pool.Capacity()
	p := &process{env: env, ln: ln, next: make(chan *invocation, capacity), exited: make(chan struct{}), capacity: capacity,
		serving: map[string]*invocation{}, phase: phase, onPath: onPath, initDone: make(chan struct{})}
	p.srv = lambdaapi.Harden(&http.Server{Handler: http.HandlerFunc(p.serveRuntimeAPI)})
	cmd := exec.Command(h.opts.Bootstrap)
	cmd.Env = append(append([]string{}, h.baseEnv...),
		"AWS_LAMBDA_RUNTIME_API="+ln.Addr().String(),
		"AWS_LAMBDA_INITIALIZATION_TYPE="+string(e.InitType()), // as the model started it
		"AWS_LAMBDA_LOG_STREAM_NAME="+env.stream)
	if capacity > 1 {
		// Managed Instances: the runtime serves this many calls at once
		// (aws-lambda-go runs as many /next loops).
		cmd.Env = append(cmd.Env, "AWS_LAMBDA_MAX_CONCURRENCY="+strconv.Itoa(capacity))
	}
	cmd.Stdout, cmd.Stderr = h.opts.Output, h.opts.Output
	var w *os.File
	if env.log != nil {
		var copy io.Writer
		if h.opts.Output != io.Discard {
			copy = h.opts.Output
		}
		p.out, w, err = newOutput(env.log, copy)
		if err != nil {
			ln.Close()
			return nil, err
		}
		cmd.Stdout, cmd.Stderr = w, w
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	env.log.initStart(string(e.InitType()), phase)
	p.started = time.Now()
	err = cmd.Start()
	if w != nil {
		w.Close() // the process has its own copy
	}
	if err != nil {
		ln.Close()
		if p.out != nil {
			p.out.r.Close()
		}
		return nil, err
	}
	go p.srv.Serve(ln)
	if p.out != nil {
		h.ending.Go(p.out.run)
	}
	p.cmd = cmd
	p.status, _ = openStatus(cmd.Process.Pid)
	h.ending.Go(func() {
		cmd.Wait()
		if p.status != nil {
			p.status.Close()
		}
		if p.out != nil {
			// A child outside its process group may hold the pipe open:
			// its output ends outputGrace after the process.
			time.AfterFunc(outputGrace, p.out.stop)
		}
		close(p.exited)
		h.mu.Lock()
		h.running--
		// A call in progress accounts for its own environment, and a process
		// the host stopped was retired or reset already: anything else
		// crashed while idle, and its environment ends.
		if !p.stopRequested {
			h.crashed = cmd.ProcessState.String()
			if p.inUse == 0 {
				h.pool.Discard(e, lambdasim.CauseCrash, h.virtual())
			}
		}
		h.mu.Unlock()
		p.srv.Close()
	})
	h.running++
	if env.inits == 0 {
		h.counts.Started++
	}
	env.inits++
	env.proc = p
	return p, nil
}

// onRetire stops the process of an environment the model ended, and
// forgets it. Called with h.mu held.
func (h *Host) onRetire(e *lambdasim.Env, _ lambdasim.Cause, _ time.Duration) {
	if env := h.envs[e]; env != nil {
		if env.proc != nil {
			h.stopProcess(env.proc)
		}
		delete(h.envs, e)
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
	h.spawn(e, h.newEnvironment(e), phaseInit, false)
}

// stopProcess sends SIGTERM to p's process group, then SIGKILL after
// stopGrace; called with h.mu held.
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
		case <-time.After(stopGrace):
			syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
			<-p.exited
		}
		p.srv.Close()
	}()
}
