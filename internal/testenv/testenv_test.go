package testenv

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// TestServe: the handler answers on loopback while the test runs.
func TestServe(t *testing.T) {
	url := Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, r.URL.Path) }))
	assert.Check(t, strings.HasPrefix(url, "http://127.0.0.1:"), url)
	resp, err := http.Get(url + "/pool")
	assert.NilError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	assert.NilError(t, err)
	assert.Check(t, is.Equal(string(b), "/pool"))
}

// TestTestdata: the top-level testdata, found from this package's folder,
// holds the seed experiment's golden summary.
func TestTestdata(t *testing.T) {
	golden := Testdata(t, "sim-seed.golden.json")
	abs, err := filepath.Abs(filepath.Join("..", "..", "testdata", "sim-seed.golden.json"))
	assert.NilError(t, err)
	assert.Check(t, is.Equal(golden, abs))
	_, err = os.Stat(golden)
	assert.Check(t, err)
}
