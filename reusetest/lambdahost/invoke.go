package lambdahost

import (
	"errors"
	"fmt"
	"syscall"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdaapi"
	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdasim"
)

// errHostClosed answers calls that arrive after Close.
var errHostClosed = errors.New("the local host is closed")

// Invoke runs call on an environment, as Lambda would: reuse an idle one
// (chosen by the model, of the call's tenant) or start one, enforce the
// timeout, and replace an environment that crashed. It returns the
// function's answer, or lambdaapi.ErrThrottled at the model's limits.
func (h *Host) Invoke(call lambdaapi.Call) (lambdaapi.Result, error) {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return lambdaapi.Result{}, errHostClosed
	}
	e, cold, err := h.pool.Acquire(h.virtual(), call.Tenant)
	for err == nil && !cold && h.procs[e] != nil && h.procs[e].hasExited() {
		// Its process died while idle and the exit watcher has not yet
		// taken the lock: as on Lambda, the call goes elsewhere.
		h.pool.Discard(e, lambdasim.CauseCrash, h.virtual())
		e, cold, err = h.pool.Acquire(h.virtual(), call.Tenant)
	}
	if err != nil {
		h.counts.Throttled++
		h.mu.Unlock()
		return lambdaapi.Result{}, err
	}
	p := h.procs[e]
	if p == nil { // cold, or a proactive start whose process could not start
		p, err = h.spawn(e)
		if err != nil {
			h.pool.Discard(e, lambdasim.CauseCrash, h.virtual())
			h.counts.FunctionErrors++
			h.mu.Unlock()
			return lambdaapi.Result{Payload: lambdaapi.ErrorPayload("Runtime.InvalidEntrypoint", "cannot start the function binary"), FunctionError: true}, nil
		}
		h.procs[e] = p
	}
	p.inUse++
	h.mu.Unlock()

	// The deadline the process is told, in whole milliseconds, is the one
	// the host enforces.
	deadline := time.UnixMilli(time.Now().Add(h.opts.Timeout).UnixMilli())
	inv := &invocation{id: h.newRequestID(), payload: call.Payload, tenant: call.Tenant, deadline: deadline,
		done: make(chan lambdaapi.Result, 1), polled: make(chan struct{})}
	p.next <- inv // the model gave it room: a slot is free
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()

	var res lambdaapi.Result
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
		res = lambdaapi.Result{Payload: lambdaapi.ErrorPayload("Runtime.ExitError", "the function's process exited"), FunctionError: true}
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
	p.inUse--
	switch {
	case cause == "" && e.InFlight() == 0:
		// Another call of the same environment ended it (a crash, a
		// timeout): nothing to release.
	case cause == "":
		h.pool.Release(e, h.virtual())
	default:
		h.pool.Discard(e, cause, h.virtual())
		h.stopProcess(p)
	}
	if res.FunctionError {
		h.counts.FunctionErrors++
	} else {
		h.counts.Calls[e.LogStream]++
	}
	h.mu.Unlock()
	return res, nil
}

func timedOut(timeout time.Duration) lambdaapi.Result {
	return lambdaapi.Result{Payload: lambdaapi.ErrorPayload("Sandbox.Timedout", fmt.Sprintf("Task timed out after %.2f seconds", timeout.Seconds())), FunctionError: true}
}
