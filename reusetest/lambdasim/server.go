package lambdasim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/lambda-reuse/lambda-reuse/probe"
	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdaapi"
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

// Server serves the pool model in real time over HTTP. It is a driver: it
// reads the wall clock and passes the scaled time to the model.
type Server struct {
	opts    ServerOptions
	profile Profile
	start   time.Time
	door    *lambdaapi.Handler

	mu     sync.Mutex
	pool   *Pool
	rng    *Rand
	counts ServerCounts
}

// NewServer returns a server whose virtual time starts now.
func NewServer(opts ServerOptions) (*Server, error) {
	profile, err := LookupProfile(opts.Profile)
	if err != nil {
		return nil, fmt.Errorf("new server: %w", err)
	}
	placement, err := ParsePlacement(opts.Placement)
	if err != nil {
		return nil, fmt.Errorf("new server: %w", err)
	}
	if opts.Scale == 0 {
		opts.Scale = 1
	}
	if opts.Scale < 0 {
		return nil, fmt.Errorf("new server: scale must be positive, got %v", opts.Scale)
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
	s := &Server{opts: opts, profile: profile, start: time.Now(), pool: pool, rng: rng,
		counts: ServerCounts{Calls: map[string]int64{}, Faults: map[string]int64{}}}
	s.door = &lambdaapi.Handler{FunctionName: opts.FunctionName, Function: s, NotFound: s.bad}
	return s, nil
}

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

func (s *Server) real(d time.Duration) time.Duration { return time.Duration(float64(d) / s.opts.Scale) }

// ServeHTTP answers a Function-URL style call (any method, ?sleep_ms=N) or
// an Invoke API call, unless a fault is injected instead.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.fault(w, r) {
		return
	}
	s.door.ServeHTTP(w, r)
}

// Invoke runs one call on the pool, as the probe would answer it: the
// environment's identity after the handler's sleep (scaled), or the probe's
// answer to bad input.
func (s *Server) Invoke(payload []byte) (lambdaapi.Result, error) {
	req, err := probe.ParseRequest(payload)
	if err != nil {
		s.bad()
		v, ferr := req.BadInput(err)
		if ferr != nil {
			return lambdaapi.Result{Payload: lambdaapi.ErrorPayload("BadInput", ferr.Error()), FunctionError: true}, nil
		}
		return marshalResult(v)
	}
	s.mu.Lock()
	env, cold, err := s.pool.Acquire(s.virtual())
	if err == nil {
		s.counts.Calls[env.ID]++
	}
	s.mu.Unlock()
	if err != nil {
		return lambdaapi.Result{}, lambdaapi.ErrThrottled
	}
	busy := time.Duration(req.SleepMS)*time.Millisecond + s.profile.WarmOverhead.Mean()
	if cold {
		busy += s.profile.InitLatency.Mean()
	}
	time.Sleep(s.real(busy)) // the environment works on even if the caller leaves
	s.mu.Lock()
	resp := probe.Response{InstanceID: env.ID, Invocation: env.Invocations, LogStream: env.LogStream,
		InitAt: s.start.Add(s.real(env.Created)).UTC().Format(time.RFC3339Nano), SleptMS: req.SleepMS}
	s.pool.Release(env, s.virtual())
	s.mu.Unlock()
	return marshalResult(req.Reply(resp))
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
	x := s.rng.Float64()
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
