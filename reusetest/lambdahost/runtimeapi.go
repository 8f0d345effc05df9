package lambdahost

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdaapi"
)

// invocation is one call handed to a process.
type invocation struct {
	id       string
	payload  []byte
	tenant   string // the call's tenant id; "" without tenant isolation
	deadline time.Time
	done     chan posted   // the process answered
	polled   chan struct{} // closed when the process asks for its next call: it is idle and alive
}

// posted is what a process posted for a call, and when.
type posted struct {
	res lambdaapi.Result
	at  time.Time
}

// tenantRuntimeHeader gives the function its call's tenant, as Lambda's
// Runtime API does (docs/sources.md [S13]).
const tenantRuntimeHeader = "Lambda-Runtime-Aws-Tenant-Id"

// serveRuntimeAPI is the Runtime API of one process.
func (p *process) serveRuntimeAPI(w http.ResponseWriter, r *http.Request) {
	const prefix = "/2018-06-01/runtime/"
	path := strings.TrimPrefix(r.URL.Path, prefix)
	switch {
	case r.Method == http.MethodGet && path == "invocation/next":
		p.initialised() // its first poll ends its init
		p.mu.Lock()
		if prev := p.current; prev != nil && p.capacity == 1 {
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
		if p.capacity == 1 {
			p.current = inv
		} else {
			p.serving[inv.id] = inv
		}
		p.mu.Unlock()
		hd := w.Header()
		hd.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
		hd.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(inv.deadline.UnixMilli(), 10))
		hd.Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:local:000000000000:function:local")
		hd.Set("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000;Sampled=0")
		if inv.tenant != "" {
			hd.Set(tenantRuntimeHeader, inv.tenant) // lambdacontext.TenantID
		}
		hd.Set("Content-Type", "application/json")
		w.Write(inv.payload)
	case r.Method == http.MethodPost && strings.HasPrefix(path, "invocation/"):
		id, kind, _ := strings.Cut(strings.TrimPrefix(path, "invocation/"), "/")
		body, _ := io.ReadAll(io.LimitReader(r.Body, lambdaapi.MaxPayload))
		p.mu.Lock()
		inv := p.current
		if p.capacity > 1 {
			inv = p.serving[id]
			delete(p.serving, id)
		}
		p.mu.Unlock()
		if inv == nil || inv.id != id || (kind != "response" && kind != "error") {
			http.Error(w, `{"errorMessage":"unknown invocation"}`, http.StatusBadRequest)
			return
		}
		select {
		case inv.done <- posted{lambdaapi.Result{Payload: body, FunctionError: kind == "error"}, time.Now()}:
		default: // answered twice: keep the first
		}
		if p.capacity > 1 {
			// Its loop polls on; the other loops keep the process alive:
			// answered is as idle as this call leaves it.
			close(inv.polled)
		}
		w.WriteHeader(http.StatusAccepted)
	case r.Method == http.MethodPost && path == "init/error":
		io.Copy(io.Discard, io.LimitReader(r.Body, lambdaapi.MaxPayload))
		w.WriteHeader(http.StatusAccepted) // the process exits next; its call fails as a crash
	default:
		http.NotFound(w, r)
	}
}

// newRequestID is the next request id, unique within the host.
func (h *Host) newRequestID() string {
	return fmt.Sprintf("00000000-0000-4000-8000-%012d", h.requests.Add(1))
}
