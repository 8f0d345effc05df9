// Package testenv is the scaffolding the project's tests share: whether
// the race detector is on, a handler (a simulated pool) served on
// loopback for the rest of a test, a raw HTTP/1.1 server for what net/http
// hides, and the path of the top-level testdata folder.
package testenv

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

// Serve serves h on 127.0.0.1 until the test ends and returns its base
// URL (http://127.0.0.1:PORT, no trailing slash).
func Serve(t testing.TB, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// Testdata is the path of elem under the module's top-level testdata
// folder (the experiments' golden files, the example log exports and
// traces), found from the test's working folder up to go.mod.
func Testdata(t testing.TB, elem ...string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(append([]string{dir, "testdata"}, elem...)...)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("no go.mod above %s: not inside the module", dir)
		}
		dir = parent
	}
}
