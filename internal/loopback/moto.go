package loopback

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// StartMoto starts moto's server (the emulator of the AWS APIs the
// project calls) on a free loopback port for the rest of the test, with
// env added to its environment, a HOME of its own and AWS settings of its
// own (dummy credentials, no shared files, no instance metadata: moto's
// own use of the AWS SDK for Python would otherwise look for credentials
// at the instance metadata address), and returns its endpoint
// (http://127.0.0.1:PORT). The test skips, saying why, where moto cannot
// be had.
func StartMoto(t testing.TB, env ...string) string {
	t.Helper()
	moto := motoServer(t)
	m, err := startMoto(moto, t.TempDir(), env)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.stop)
	return m.endpoint
}

// motoServer is the path of moto's server; the test skips where there is
// none.
func motoServer(t testing.TB) string {
	t.Helper()
	moto, err := exec.LookPath("moto_server")
	if err != nil {
		t.Skip("moto's server is not installed (pip install 'moto[server]'; .ci/run installs it)")
	}
	return moto
}

// runningMoto is a moto server started by startMoto.
type runningMoto struct {
	endpoint string
	stop     func()
}

// startMoto starts moto's server as StartMoto tells, its HOME and its log
// in dir, and waits until it listens.
func startMoto(moto, dir string, env []string) (runningMoto, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return runningMoto{}, err
	}
	addr := l.Addr().String()
	l.Close()
	_, port, _ := net.SplitHostPort(addr)
	cmd := exec.Command(moto, "-H", "127.0.0.1", "-p", port)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	home := filepath.Join(dir, "home")
	if err := os.MkdirAll(home, 0o755); err != nil {
		return runningMoto{}, err
	}
	cmd.Env = append(append(cmd.Env, "HOME="+home, "AWS_EC2_METADATA_DISABLED=true", "AWS_ACCESS_KEY_ID=testing",
		"AWS_SECRET_ACCESS_KEY=testing", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null"), env...)
	logFile, err := os.Create(filepath.Join(dir, "moto.log"))
	if err != nil {
		return runningMoto{}, err
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return runningMoto{}, err
	}
	stop := func() {
		cmd.Process.Kill()
		cmd.Wait()
		logFile.Close()
	}
	deadline := time.Now().Add(30 * time.Second)
	for !listening(addr) {
		if time.Now().After(deadline) {
			stop()
			log, _ := os.ReadFile(logFile.Name())
			return runningMoto{}, fmt.Errorf("moto's server did not listen on %s within 30 s:\n%s", addr, log)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return runningMoto{endpoint: "http://" + addr, stop: stop}, nil
}

// shared is the server SharedMoto gives, once started.
var shared struct {
	sync.Mutex
	moto  runningMoto
	dir   string
	err   error
	inUse bool
	tried bool
}

// SharedMoto is StartMoto for the tests of one test binary that run one
// after another: one server, started by the first test that asks and
// stopped when the binary's tests end (StopSharedMoto; GuardedRun calls
// it), reset to an empty account (moto's /moto-api/reset) for each test,
// so each sees what a fresh server would show, without a server's start
// each. A test that runs in parallel with another starts its own
// (StartMoto): two tests at once on the shared one fail.
func SharedMoto(t testing.TB) string {
	t.Helper()
	moto := motoServer(t)
	shared.Lock()
	defer shared.Unlock()
	if !shared.tried {
		shared.tried = true
		shared.dir, shared.err = os.MkdirTemp("", "loopback-moto-")
		if shared.err == nil {
			shared.moto, shared.err = startMoto(moto, shared.dir, nil)
		}
	}
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	if shared.inUse {
		t.Fatal("the shared moto server is in use by another test: a test run in parallel starts its own (StartMoto)")
	}
	if err := resetMoto(shared.moto.endpoint); err != nil {
		t.Fatal(err)
	}
	shared.inUse = true
	t.Cleanup(func() {
		shared.Lock()
		shared.inUse = false
		shared.Unlock()
	})
	return shared.moto.endpoint
}

// resetMoto empties every emulated service of the server at endpoint.
func resetMoto(endpoint string) error {
	resp, err := http.Post(endpoint+"/moto-api/reset", "application/json", nil)
	if err != nil {
		return fmt.Errorf("reset moto's server: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
		return fmt.Errorf("reset moto's server: %s: %s", resp.Status, b)
	}
	return nil
}

// accounts are the servers MotoAccount gives, one for each environment
// asked for, and the last account given.
var accounts struct {
	sync.Mutex
	servers map[string]*accountServer
	last    int64
}

// accountServer is a moto server MotoAccount started, or why it could not.
type accountServer struct {
	moto runningMoto
	dir  string
	err  error
}

// MotoAccount is StartMoto for tests that run in parallel: an AWS account
// of the test's own, fresh, on a moto server the test binary's tests share
// (one for each env, started by the first test that asks and stopped when
// the binary's tests end: StopSharedMoto). The endpoint it returns is the
// test's own, on loopback: it forwards each request to the shared server
// naming the test's account (moto's x-moto-account-id header), so what one
// test makes no other sees, IAM included, without a server's start each.
func MotoAccount(t testing.TB, env ...string) string {
	t.Helper()
	moto := motoServer(t)
	key := strings.Join(env, "\x00")
	accounts.Lock()
	if accounts.servers == nil {
		accounts.servers = map[string]*accountServer{}
	}
	srv := accounts.servers[key]
	if srv == nil {
		srv = &accountServer{}
		accounts.servers[key] = srv
		srv.dir, srv.err = os.MkdirTemp("", "loopback-moto-")
		if srv.err == nil {
			srv.moto, srv.err = startMoto(moto, srv.dir, env)
		}
	}
	accounts.last++
	account := fmt.Sprintf("%012d", 100_000_000_000+accounts.last)
	accounts.Unlock()
	if srv.err != nil {
		t.Fatal(srv.err)
	}
	target, err := url.Parse(srv.moto.endpoint)
	if err != nil {
		t.Fatal(err)
	}
	transport := &http.Transport{Proxy: nil} // loopback only, never an HTTP proxy
	proxy := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			r.Out.Host = r.In.Host
			r.Out.Header.Set("x-moto-account-id", account)
		},
		Transport: transport,
	}
	front := httptest.NewServer(proxy)
	t.Cleanup(func() {
		front.Close()
		transport.CloseIdleConnections()
	})
	return front.URL
}

// StopSharedMoto stops the servers SharedMoto and MotoAccount started, if
// any, and removes their folders.
func StopSharedMoto() {
	shared.Lock()
	defer shared.Unlock()
	if shared.moto.stop != nil {
		shared.moto.stop()
	}
	if shared.dir != "" {
		os.RemoveAll(shared.dir)
	}
	shared.moto, shared.dir, shared.err, shared.tried = runningMoto{}, "", nil, false
	accounts.Lock()
	defer accounts.Unlock()
	for _, srv := range accounts.servers {
		if srv.moto.stop != nil {
			srv.moto.stop()
		}
		if srv.dir != "" {
			os.RemoveAll(srv.dir)
		}
	}
	accounts.servers = nil
}
