package lambdasim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/lambda-reuse/lambda-reuse/internal/minheap"
	"github.com/lambda-reuse/lambda-reuse/internal/simcall"
	"github.com/lambda-reuse/lambda-reuse/probe"
	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdaapi"
	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
)

// Faults are the probabilities (0 to 1) that a call, instead of reaching an
// environment, meets a failure. Faulty calls never touch the pool.
type Faults struct {
	// FunctionError: the function fails (Invoke: 200 with X-Amz-Function-Error;
	// Function URL: 502).
	FunctionError float64
	// Throttle: 429 TooManyRequestsException.
	Throttle float64
	// ServerError: the front door fails (500 ServiceException / 502).
	ServerError float64
	// Slow: the answer takes SlowDelay, longer than any client timeout.
	Slow float64
	// Reset: the connection is reset without an answer.
	Reset float64
	// Malformed: 200 with a body that is not probe JSON.
	Malformed float64
	// Oversized: 200 with a body larger than any client's cap (1 MiB).
	Oversized float64
	// SlowDelay is how long a slow answer takes (default one minute).
	SlowDelay time.Duration
}

// ServerOptions configures a Server. The zero value is the simulator's
// defaults at real speed, with no faults, for function "probe".
type ServerOptions struct {
	Options
	// Scale is virtual seconds per real second (default 1): at 100, a
	// 500 ms handler answers in 5 ms and an environment's 100-minute
	// lifetime passes in a minute.
	Scale float64
	// FunctionName is the one function the Invoke path serves (default "probe").
	FunctionName string
	// Faults are injected at random, from the seeded generator.
	Faults Faults
	// TenantIsolation serves a function in tenant isolation mode: every
	// call carries a tenant id, and an environment serves one tenant only.
	TenantIsolation bool
}

// ServerCounts is what a Server did: the truth tests compare with.
type ServerCounts struct {
	// Calls counts calls served per instance id.
	Calls map[string]int64
	// Faults counts injected faults by kind.
	Faults map[string]int64
	// BadRequests counts calls refused for bad input (400) or path (404).
	BadRequests int64
	// Pool is the pool's own counts.
	Pool Stats
}

// Server serves the pool model over HTTP at a time scale. It is a driver:
// it runs the model's clock on the time each call was scheduled, which the
// caller sends (probe.ScheduledHeader or ScheduledField), scaled from the
// server's start; a call that does not say arrives at the scaled wall
// clock. A call ends in model time after its handler (and the cold start),
// so the model's decisions do not depend on real-time noise, however high
// the scale; the caller still waits the scaled real time for its answer.
type Server struct {
	opts    ServerOptions
	profile Profile
	start   time.Time
	door    *lambdaapi.Handler

	mu       sync.Mutex
	pool     *Pool
	faultRNG *Rand // faults draw from their own stream: they never shift the pool's
	callRNG  *Rand // so do the front-door latency and the overhead of each call
	counts   ServerCounts
	releases minheap.Heap[*Env] // calls' ends in model time, applied as the model clock passes them
	last     time.Duration      // the latest model time given to the pool

	queue      minheap.Heap[*waiting] // calls waiting for the model, by scheduled time, then order
	queueSeq   int64
	nextOrder  map[string]int64          // per run that numbers its calls: the number the model takes next
	consumed   map[string]map[int64]bool // numbers answered by a fault, which the model never sees
	sequencing bool                      // the sequencer runs
	wake       chan struct{}             // a call was queued
}

// NewServer returns a server whose virtual time starts now.
func NewServer(opts ServerOptions) (*Server, error) {
	profile, placement, err := Resolve(opts.Profile, opts.Placement)
	if err != nil {
		return nil, fmt.Errorf("new server: %w", err)
	}
	if opts.TenantIsolation {
		if err := CheckTenantIsolation(profile); err != nil {
			return nil, fmt.Errorf("new server: %w", err)
		}
	}
	if opts.Scale == 0 {
		opts.Scale = 1
	}
	if !(opts.Scale >= record.MinScale && opts.Scale <= record.MaxScale) {
		return nil, fmt.Errorf("new server: scale must be from %g to %g model seconds per real second, got %v", record.MinScale, record.MaxScale, opts.Scale)
	}
	if opts.FunctionName == "" {
		opts.FunctionName = "probe"
	}
	if opts.Faults.SlowDelay == 0 {
		opts.Faults.SlowDelay = time.Minute
	}
	rng := NewRand(opts.Seed)
	pool, err := NewPool(profile, placement, rng)
	if err != nil {
		return nil, fmt.Errorf("new server: %w", err)
	}
	s := &Server{opts: opts, profile: profile, start: time.Now(), pool: pool, faultRNG: NewRand(^opts.Seed), callRNG: NewRand(opts.Seed + 0x5eed), wake: make(chan struct{}, 1),
		counts: ServerCounts{Calls: map[string]int64{}, Faults: map[string]int64{}}}
	s.door = &lambdaapi.Handler{FunctionName: opts.FunctionName, Function: s, NotFound: s.bad, TenantIsolation: opts.TenantIsolation}
	return s, nil
}

// NotModelled is what the served profile says that the model does not
// simulate (Profile.NotModelled).
func (s *Server) NotModelled() []string { return s.profile.NotModelled() }

// Counts returns a copy of what the server has done so far.
func (s *Server) Counts() ServerCounts {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := ServerCounts{Calls: map[string]int64{}, Faults: map[string]int64{}, BadRequests: s.counts.BadRequests, Pool: s.pool.Stats()}
	for k, v := range s.counts.Calls {
		c.Calls[k] = v
	}
	for k, v := range s.counts.Faults {
		c.Faults[k] = v
	}
	return c
}

// virtual is the model's time now; call with mu held, so it never goes back.
func (s *Server) virtual() time.Duration {
	return time.Duration(float64(time.Since(s.start)) * s.opts.Scale)
}

// modelTime is the model's time for a call scheduled at `scheduled`, once
// the front door's latency has passed (zero: now). Calls whose model time has ended by the latest time seen are
// released first. A call that reaches the lock after one scheduled later
// (goroutines run in no fixed order) keeps its own, slightly earlier, time:
// clamping it forward would bunch calls together and start environments the
// model would not (measured: 23-34 instances where the simulator has 8).
// Call with mu held.
func (s *Server) modelTime(scheduled time.Time, latency time.Duration) time.Duration {
	t := s.virtual()
	if !scheduled.IsZero() {
		t = time.Duration(float64(scheduled.Sub(s.start))*s.opts.Scale) + latency
	}
	s.last = max(t, s.last)
	for s.releases.Len() > 0 && s.releases.Peek().Key <= int64(s.last) {
		r := s.releases.Pop()
		s.pool.Release(r.Value, time.Duration(r.Key))
	}
	return t
}

func (s *Server) real(d time.Duration) time.Duration { return time.Duration(float64(d) / s.opts.Scale) }

// ServeHTTP answers a Function-URL style call (any method, ?sleep_ms=N) or
// an Invoke API call, unless a fault is injected instead.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	lambdaapi.SetScale(w, s.opts.Scale)
	lambdaapi.SetProfile(w, s.profile.Name)
	if s.fault(w, r) {
		return
	}
	s.door.ServeHTTP(w, r)
}

// Invoke runs one call on the pool, as the probe would answer it: the
// environment's identity after the handler's sleep (scaled), or the probe's
// answer to bad input.
func (s *Server) Invoke(call lambdaapi.Call) (lambdaapi.Result, error) {
	req, err := probe.ParseRequest(call.Payload)
	if err != nil {
		s.bad()
		v, ferr := req.BadInput(err)
		if ferr != nil {
			return lambdaapi.Result{Payload: lambdaapi.ErrorPayload("BadInput", ferr.Error()), FunctionError: true}, nil
		}
		return marshalResult(v)
	}
	arrived := time.Now()
	var step callStep
	if req.Scheduled.IsZero() {
		s.mu.Lock()
		step = s.step(req, call.Tenant)
		s.mu.Unlock()
	} else {
		step = s.sequence(req, call.Tenant)
	}
	if step.throttled {
		return lambdaapi.Result{}, lambdaapi.ErrThrottled
	}
	// The caller waits as long as the call works, scaled; the time spent
	// waiting for the model's turn counts towards it.
	time.Sleep(s.real(step.busy) - time.Since(arrived))
	if step.fate.Failed() {
		return s.failure(step.fate), nil
	}
	return marshalResult(req.Reply(step.resp))
}

// failure is the answer to a call the model failed, as Lambda (and the
// local host) answers it: its error envelope, with the error type and
// message Lambda gives (docs/sources.md [S16]).
func (s *Server) failure(f simcall.Fate) lambdaapi.Result {
	msg := "Error: Runtime exited with error: signal: killed"
	if f == simcall.FateTimeout {
		msg = fmt.Sprintf("Error: Task timed out after %.2f seconds", s.profile.Timeout.Seconds())
	}
	return lambdaapi.Result{Payload: lambdaapi.ErrorPayload(f.ErrorType(), msg), FunctionError: true}
}

// callStep is what the model made of one call.
type callStep struct {
	resp      probe.Response
	busy      time.Duration
	throttled bool
	fate      simcall.Fate // how the call failed, when the profile models failures
}

// step runs one call on the model; call with mu held. As the simulator
// does, the call reaches the pool after the front door's latency, and works
// its handler plus the platform's overhead (and the cold start). The answer
// is the environment as it is now: by the time the caller has it, the model
// may have handed the environment on.
func (s *Server) step(req probe.Request, tenant string) callStep {
	now := s.modelTime(req.Scheduled, s.profile.FrontDoorLatency.Sample(s.callRNG))
	env, cold, err := s.pool.Acquire(now, tenant)
	if err != nil {
		return callStep{throttled: true}
	}
	s.counts.Calls[env.ID]++
	handler := time.Duration(req.SleepMS) * time.Millisecond
	id, invocation, initAt := env.ID, env.Invocations, env.Created
	var o outcome
	if s.profile.ModelsFailures() {
		// As the simulator runs them: the call's generation, its memory
		// and its fate.
		o = s.profile.serve(s.callRNG, s.opts.Seed, env, now, handler, cold)
		id, invocation, initAt = o.env.InstanceID, o.invocation, o.env.InitAt
	} else {
		o.busy = s.profile.serviceTime(s.callRNG, handler, cold)
	}
	s.releases.Push(int64(now+o.busy), env.serial, env)
	step := callStep{busy: o.busy, fate: o.fate, resp: probe.Response{InstanceID: id, Invocation: invocation, LogStream: env.LogStream,
		InitAt: s.start.Add(s.real(initAt)).UTC().Format(time.RFC3339Nano), InitType: string(env.InitType()), TenantID: env.Tenant, SleptMS: req.SleepMS, InFlight: env.InFlight(),
		RSSMB: o.memMB}}
	if m := s.profile.Memory; m != nil && s.profile.ModelsFailures() {
		step.resp.MemoryMB = m.SizeMB
	}
	if s.profile.Managed != nil {
		step.resp.MaxConcurrency = s.profile.Capacity()
	}
	return step
}

// reorderWindow is how long past its scheduled time a call that says when
// it was scheduled waits before the model takes it: long enough for the
// calls scheduled before it to have arrived, so the model takes calls in
// schedule order. It adds as much real latency to such a call.
const reorderWindow = 100 * time.Millisecond

// orderWait is how long the model waits for a missing number of a run's
// sending order (probe.OrderHeader) before it takes the call after it: the
// missing call was sent but never arrived (its connection failed).
const orderWait = 5 * time.Second

// waiting is a call queued for the model.
type waiting struct {
	req     probe.Request
	tenant  string
	run     string // the run that numbered it, "" when it did not say
	n       int64  // its number
	arrived time.Time
	done    chan callStep
}

// sequence queues a call that says when it was scheduled, and returns what
// the model made of it. One goroutine, the sequencer, takes queued calls in
// schedule order, each once reorderWindow has passed since its scheduled
// time: calls reach the server in no fixed order (one goroutine each), and
// taking them as they come would bunch them in model time (measured: median
// reuse 12% below the simulator's at 500x).
//
// A call that gives its place in its run's sending order is taken as soon
// as every call numbered before it has been: the model then takes calls in
// sending order whatever the machine's load, and no real-time window decides
// anything (a number missing for orderWait is given up).
func (s *Server) sequence(req probe.Request, tenant string) callStep {
	w := &waiting{req: req, tenant: tenant, done: make(chan callStep, 1), arrived: time.Now()}
	tie := int64(0)
	if run, n, ok := parseOrder(req.Order); ok {
		w.run, w.n, tie = run, n, n
	}
	s.mu.Lock()
	s.queueSeq++
	if w.run == "" {
		tie = s.queueSeq
	}
	s.queue.Push(req.Scheduled.UnixNano(), tie, w)
	if !s.sequencing {
		s.sequencing = true
		go s.sequencer()
	}
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
	return <-w.done
}

// sequencer takes queued calls in schedule order, until none is left.
func (s *Server) sequencer() {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		s.mu.Lock()
		if s.queue.Len() == 0 {
			s.sequencing = false
			s.mu.Unlock()
			return
		}
		head := s.queue.Peek()
		wait := time.Until(time.Unix(0, head.Key).Add(reorderWindow))
		if hw := head.Value; hw.run != "" {
			if s.nextOrder == nil {
				s.nextOrder = map[string]int64{}
			}
			wait = 0
			for s.consumed[hw.run][s.nextOrder[hw.run]] {
				delete(s.consumed[hw.run], s.nextOrder[hw.run])
				s.nextOrder[hw.run]++
			}
			if hw.n > s.nextOrder[hw.run] {
				wait = time.Until(hw.arrived.Add(orderWait)) // an earlier number is still on its way
			}
			if wait <= 0 {
				s.nextOrder[hw.run] = max(s.nextOrder[hw.run], hw.n+1)
			}
		}
		if wait > 0 {
			s.mu.Unlock()
			timer.Reset(wait)
			select {
			case <-timer.C:
			case <-s.wake: // an earlier call may have arrived
			}
			continue
		}
		w := s.queue.Pop().Value
		step := s.step(w.req, w.tenant)
		s.mu.Unlock()
		w.done <- step
	}
}

// parseOrder reads a call's place in its run's sending order.
func parseOrder(order string) (run string, n int64, ok bool) {
	run, num, ok := strings.Cut(order, "/")
	if !ok || run == "" {
		return "", 0, false
	}
	n, err := strconv.ParseInt(num, 10, 64)
	return run, n, err == nil && n >= 0
}

// consume notes that the call r, answered by a fault, never reaches the
// model: the sequencer does not wait for its number.
func (s *Server) consume(r *http.Request) {
	order := r.Header.Get(probe.OrderHeader)
	if order == "" && r.Body != nil { // an Invoke call says it in its payload
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		req, _ := probe.ParseRequest(body)
		order = req.Order
	}
	run, n, ok := parseOrder(order)
	if !ok {
		return
	}
	s.mu.Lock()
	if s.consumed == nil {
		s.consumed = map[string]map[int64]bool{}
	}
	if s.consumed[run] == nil {
		s.consumed[run] = map[int64]bool{}
	}
	if n >= s.nextOrder[run] {
		s.consumed[run][n] = true
	}
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func marshalResult(v any) (lambdaapi.Result, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return lambdaapi.Result{}, fmt.Errorf("simulated probe: %w", err)
	}
	return lambdaapi.Result{Payload: b}, nil
}

func (s *Server) bad() {
	s.mu.Lock()
	s.counts.BadRequests++
	s.mu.Unlock()
}

// fault injects at most one fault and reports whether it did.
func (s *Server) fault(w http.ResponseWriter, r *http.Request) bool {
	f := s.opts.Faults
	s.mu.Lock()
	x := s.faultRNG.Float64()
	kind := ""
	for _, k := range []struct {
		name string
		p    float64
	}{{"function_error", f.FunctionError}, {"throttle", f.Throttle}, {"server_error", f.ServerError},
		{"slow", f.Slow}, {"reset", f.Reset}, {"malformed", f.Malformed}, {"oversized", f.Oversized}} {
		if x < k.p {
			kind = k.name
			break
		}
		x -= k.p
	}
	if kind != "" {
		s.counts.Faults[kind]++
	}
	s.mu.Unlock()
	if kind != "" {
		s.consume(r)
	}

	switch kind {
	case "":
		return false
	case "function_error":
		lambdaapi.WriteFunctionError(w, r, lambdaapi.ErrorPayload("Error", "injected function error"))
	case "throttle":
		lambdaapi.WriteError(w, lambdaapi.ErrThrottled)
	case "server_error":
		lambdaapi.WriteAPIError(w, http.StatusInternalServerError, "ServiceException", "injected service error")
	case "slow":
		select {
		case <-time.After(f.SlowDelay):
		case <-r.Context().Done():
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"instance_id":"too-late"}`)
	case "reset":
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				if tcp, ok := conn.(*net.TCPConn); ok {
					tcp.SetLinger(0) // close with RST
				}
				conn.Close()
				return true
			}
		}
		panic(http.ErrAbortHandler)
	case "malformed":
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, `{"instance_id": "abc", "invocation": `)
	case "oversized":
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusOK)
		w.Write(bytes.Repeat([]byte("x"), 1<<20))
	}
	return true
}
