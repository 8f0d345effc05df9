package loopback

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"os"
	"sync"
	"testing"
)

// Tripwire is an HTTP proxy on loopback that answers nothing: set as the
// process's proxy (ProxyEnv), it is where any HTTP or HTTPS request to an
// address other than loopback would go (Go's proxy rules never proxy
// loopback), so its hits are the requests that would have left the
// machine. Set it before the first request: Go reads the proxy settings
// once per process.
type Tripwire struct {
	ln net.Listener

	mu   sync.Mutex
	hits []string
}

// StartTripwire starts a tripwire on a free loopback port.
func StartTripwire() (*Tripwire, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	tw := &Tripwire{ln: ln}
	go tw.serve()
	return tw, nil
}

func (tw *Tripwire) serve() {
	for {
		c, err := tw.ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			req, err := http.ReadRequest(bufio.NewReader(c))
			target := "(unreadable request)"
			if err == nil {
				target = req.Method + " " + req.Host
			}
			tw.mu.Lock()
			tw.hits = append(tw.hits, target)
			tw.mu.Unlock()
			c.Write([]byte("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"))
		}()
	}
}

// ProxyEnv is the environment that makes tw every HTTP and HTTPS proxy.
func (tw *Tripwire) ProxyEnv() map[string]string {
	proxy := "http://" + tw.ln.Addr().String()
	return map[string]string{"HTTP_PROXY": proxy, "HTTPS_PROXY": proxy, "http_proxy": proxy, "https_proxy": proxy,
		"NO_PROXY": "", "no_proxy": ""}
}

// Take returns the requests that reached tw since the last Take, and forgets them.
func (tw *Tripwire) Take() []string {
	tw.mu.Lock()
	defer tw.mu.Unlock()
	hits := tw.hits
	tw.hits = nil
	return hits
}

// Close stops tw.
func (tw *Tripwire) Close() error { return tw.ln.Close() }

// Guard starts a tripwire and makes it every HTTP and HTTPS proxy of this
// process: call it from TestMain before any request, and end with Verdict.
func Guard() (*Tripwire, error) {
	tw, err := StartTripwire()
	if err != nil {
		return nil, err
	}
	for k, v := range tw.ProxyEnv() {
		os.Setenv(k, v)
	}
	return tw, nil
}

// Verdict is a test binary's exit code: code, or 1 (saying which) if any
// request reached tw and was not taken by a test.
func (tw *Tripwire) Verdict(code int) int {
	if hits := tw.Take(); len(hits) > 0 {
		fmt.Fprintf(os.Stderr, "requests would have left loopback: %v\n", hits)
		return 1
	}
	return code
}

// GuardedRun runs a test binary's tests behind a tripwire (Guard), kept in
// *tw for the tests that take its hits, and returns the binary's exit code
// (Verdict), having stopped the shared moto server (SharedMoto): call it
// from TestMain, os.Exit(loopback.GuardedRun(m, &tw)).
func GuardedRun(m *testing.M, tw **Tripwire) int {
	t, err := Guard()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	*tw = t
	code := m.Run()
	StopSharedMoto()
	return t.Verdict(code)
}
