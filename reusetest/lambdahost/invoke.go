package lambdahost

import (
	"errors"
	"fmt"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdaapi"
	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdasim"
	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
)

// errHostClosed answers calls that arrive after Close.
var errHostClosed = errors.New("the local host is closed")

// The error types of the calls the platform fails, each of which resets
// the environment (docs/sources.md [S16]).
const (
	errExit        = "Runtime.ExitError"     // the process exited
	errOutOfMemory = record.ErrorOutOfMemory // its resident memory passed the memory size
	errTimeout     = record.ErrorTimedout    // it ran past the function timeout
)

// Invoke runs call on an environment, as Lambda would: reuse an idle one
// (chosen by the model, of the call's tenant) or start one, enforce the
// timeout and the memory size, and reset an environment whose process
// crashed, timed out or ran out of memory (the same environment and log
// stream; its next call starts a new process, whose init runs inside that
// call). It returns the function's answer, or lambdaapi.ErrThrottled at
// the model's limits and at the host's bound on processes. On Managed
// Instances, where no environment is started for a call, a call that finds
// no room while the environments' processes exit on their own is answered
// as the crash it meets (Runtime.ExitError), as the on-demand host answers
// it.
func (h *Host) Invoke(call lambdaapi.Call) (lambdaapi.Result, error) {
	arrival := time.Now()
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return lambdaapi.Result{}, errHostClosed
	}
	e, cold, err := h.pool.Acquire(h.virtual(), call.Tenant)
	for err == nil && !cold && h.envs[e] != nil && h.envs[e].proc != nil && h.envs[e].proc.hasExited() {
		// Its process died while idle and the exit watcher has not yet
		// taken the lock: as on Lambda, the call goes elsewhere.
		if p := h.envs[e].proc; !p.stopRequested {
			h.crashed = p.cmd.ProcessState.String()
		}
		h.pool.Discard(e, lambdasim.CauseCrash, h.virtual())
		e, cold, err = h.pool.Acquire(h.virtual(), call.Tenant)
	}
	if err != nil && h.managed && h.crashed != "" {
		h.counts.FunctionErrors++
		state := h.crashed
		h.mu.Unlock()
		msg := "RequestId: " + h.newRequestID() + " Error: Runtime exited with error: " + state
		return lambdaapi.Result{Payload: lambdaapi.ErrorPayload(errExit, msg), FunctionError: true}, nil
	}
	if err != nil {
		h.counts.Throttled++
		h.mu.Unlock()
		return lambdaapi.Result{}, err
	}
	env := h.envs[e]
	if env == nil {
		env = h.newEnvironment(e)
	}
	p := env.proc
	if p == nil { // cold, reset, or a proactive start whose process could not start
		phase := phaseInit
		if env.inits > 0 {
			phase = phaseInvoke // a reset: the init runs inside this call
		}
		p, err = h.spawn(e, env, phase, true)
		switch {
		case errors.Is(err, errAtMaxEnvironments):
			h.pool.Discard(e, lambdasim.CauseRefused, h.virtual())
			h.counts.Throttled++
			h.mu.Unlock()
			return lambdaapi.Result{}, lambdaapi.ErrThrottled
		case err != nil:
			h.pool.Discard(e, lambdasim.CauseCrash, h.virtual())
			h.counts.FunctionErrors++
			h.mu.Unlock()
			return lambdaapi.Result{Payload: lambdaapi.ErrorPayload("Runtime.InvalidEntrypoint", "cannot start the function binary"), FunctionError: true}, nil
		}
	}
	p.inUse++
	runsInit := p.onPath && !p.initReported // the call that started it
	if runsInit {
		p.initReported = true
	}
	h.mu.Unlock()

	res, fail := h.run(p, call, arrival, runsInit, string(e.InitType()))

	h.mu.Lock()
	p.inUse--
	switch {
	case fail != "":
		// Reset: the environment stays, with its log stream; its next
		// call starts a new process.
		if env.proc == p {
			env.proc = nil
			h.counts.Resets[fail]++
		}
		h.stopProcess(p)
		if e.InFlight() > 0 {
			h.pool.Release(e, h.virtual())
		}
	case e.InFlight() == 0:
		// The model ended it while this call ran: nothing to release.
	default:
		h.pool.Release(e, h.virtual())
	}
	if res.FunctionError {
		h.counts.FunctionErrors++
	} else {
		h.counts.Calls[env.stream]++
		h.crashed = "" // an environment answers again
	}
	h.mu.Unlock()
	return res, nil
}

// run serves one call on p: waits for p's init if it is not over, hands the
// call over, watches the deadline, the process and its memory, and writes
// the call's log lines. fail is the error type of a platform failure ("" for
// none): the environment must then be reset.
func (h *Host) run(p *process, call lambdaapi.Call, arrival time.Time, runsInit bool, initType string) (res lambdaapi.Result, fail string) {
	id := h.newRequestID()
	log := p.env.log
	limitKB := int64(h.opts.MemoryMB) << 10
	tick := time.NewTicker(memoryPoll)
	defer tick.Stop()

	// An init inside a call (after a reset) counts against its timeout; an
	// init before any call has initLimit.
	var deadline time.Time
	if runsInit && p.phase == phaseInvoke {
		deadline = arrival.Add(h.opts.Timeout)
	}
	select {
	case <-p.initDone:
	default:
		initDeadline := p.started.Add(initLimit)
		if !deadline.IsZero() {
			initDeadline = deadline
		}
		fail = h.awaitInit(p, initDeadline, tick, limitKB)
		if fail != "" {
			status, errType := reportStatus(fail)
			log.initReport(initType, p.phase, time.Since(p.started), status, errType)
			log.start(id, call.Tenant)
			h.report(p, id, call, arrival, time.Now(), 0, fail)
			return h.failure(p, id, fail), fail
		}
	}

	// The deadline the process is told, in whole milliseconds, is the one
	// the host enforces.
	start := time.Now()
	if deadline.IsZero() {
		deadline = start.Add(h.opts.Timeout)
	}
	given := deadline // a timed-out call's Duration ends here: the time it was given
	deadline = time.UnixMilli(deadline.UnixMilli())
	inv := &invocation{id: id, payload: call.Payload, tenant: call.Tenant, deadline: deadline,
		done: make(chan posted, 1), polled: make(chan struct{})}
	log.start(id, call.Tenant)
	p.next <- inv // the model gave it room: a slot is free
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()

	var end time.Time
	answered := false // in time: the answer stands whatever happens after
wait:
	for {
		select {
		case a := <-inv.done:
			res, end, answered = a.res, a.at, a.at.Before(deadline)
			if !answered {
				// An answer at or after the deadline is a timeout, as on
				// Lambda (the probe itself gives up at the deadline).
				fail = errTimeout
			}
			break wait
		case <-timer.C:
			fail = errTimeout
			break wait
		case <-p.exited:
			fail, end = p.exitFate(), time.Now()
			break wait
		case <-tick.C:
			if p.watchMemory(limitKB) {
				fail, end = errOutOfMemory, time.Now()
				break wait
			}
		}
	}
	if fail == errTimeout {
		p.kill(errTimeout) // Lambda ends a timed-out environment
		end = given
	}
	if fail == "" && p.watchMemory(limitKB) {
		fail = errOutOfMemory // a spike between two readings is over the limit too
	}
	if fail == "" {
		// Idle only once the process asks for its next call; a runtime
		// that exits after an error (a Go panic does) is reset instead.
		select {
		case <-inv.polled:
		case <-p.exited:
			fail = p.exitFate()
		case <-time.After(h.opts.Timeout):
			fail = errTimeout
			p.kill(errTimeout)
		}
	}
	var initDur time.Duration
	if runsInit {
		initDur = p.initEnd.Sub(p.started)
	}
	h.report(p, id, call, start, end, initDur, fail)
	if fail == errOutOfMemory || (fail != "" && !answered) {
		res = h.failure(p, id, fail)
	}
	return res, fail
}

// awaitInit waits for p's init to end by initDeadline, watching its memory,
// and returns the error type of its failure ("" when it is over).
func (h *Host) awaitInit(p *process, initDeadline time.Time, tick *time.Ticker, limitKB int64) string {
	timer := time.NewTimer(time.Until(initDeadline))
	defer timer.Stop()
	for {
		select {
		case <-p.initDone:
			return ""
		case <-p.exited:
			return p.exitFate()
		case <-timer.C:
			p.kill(errTimeout)
			return errTimeout
		case <-tick.C:
			if p.watchMemory(limitKB) {
				return errOutOfMemory
			}
		}
	}
}

// failure is the answer to a call the platform failed: Lambda's error
// envelope for its error type.
func (h *Host) failure(p *process, id, fail string) lambdaapi.Result {
	msg := "RequestId: " + id + " Error: "
	switch fail {
	case errTimeout:
		msg += fmt.Sprintf("Task timed out after %.2f seconds", h.opts.Timeout.Seconds())
	case errOutOfMemory:
		msg += "Runtime exited with error: signal: killed"
	default:
		msg += "Runtime exited with error: " + p.cmd.ProcessState.String()
	}
	return lambdaapi.Result{Payload: lambdaapi.ErrorPayload(fail, msg), FunctionError: true}
}

// report writes the call's END and REPORT.
func (h *Host) report(p *process, id string, call lambdaapi.Call, start, end time.Time, initDur time.Duration, fail string) {
	if p.env.log == nil {
		return
	}
	if p.out != nil {
		p.out.flush() // its lines before its END
	}
	status, errType := reportStatus(fail)
	p.env.log.end(callReport{RequestID: id, Tenant: call.Tenant, Duration: max(0, end.Sub(start)), Init: initDur,
		MemorySizeMB: h.opts.MemoryMB, MaxMemoryMB: p.maxMemoryMB(h.opts.MemoryMB), Status: status, ErrorType: errType})
}

// reportStatus is REPORT's status and error type for a failure's error type.
func reportStatus(fail string) (status, errType string) {
	switch fail {
	case "":
		return "", ""
	case errTimeout:
		return statusTimeout, ""
	}
	return statusError, fail
}

// exitFate is the error type of the calls of p, which has exited: out of
// memory if the host killed it for that, else an exit.
func (p *process) exitFate() string {
	if p.killedFor() == errOutOfMemory {
		return errOutOfMemory
	}
	return errExit
}
