package testenv

import (
	"bufio"
	"fmt"
	"io"
	"net"
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

// TestServeRaw: each request's head reaches answer as sent, with the
// number served before on its connection; a nil answer resets the
// connection, which the client sees as an error.
func TestServeRaw(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	assert.NilError(t, err)
	defer ln.Close()
	heads := make(chan string, 3)
	go ServeRaw(ln, func(head []byte, served int) []byte {
		heads <- fmt.Sprintf("%d %s", served, head)
		if served == 1 {
			return nil
		}
		return []byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
	})
	c, err := net.Dial("tcp", ln.Addr().String())
	assert.NilError(t, err)
	defer c.Close()
	br := bufio.NewReader(c)
	req := "GET /a HTTP/1.1\r\nHost: x\r\nX-Y: z\r\n\r\n"
	_, err = io.WriteString(c, req)
	assert.NilError(t, err)
	resp, err := http.ReadResponse(br, nil)
	assert.NilError(t, err)
	body, err := io.ReadAll(resp.Body)
	assert.NilError(t, err)
	assert.Check(t, is.Equal(string(body), "ok"))
	assert.Check(t, is.Equal(<-heads, "0 "+req))

	_, err = io.WriteString(c, req)
	assert.NilError(t, err)
	_, err = http.ReadResponse(br, nil)
	assert.Check(t, err != nil, "a reset connection gives no response")
	assert.Check(t, is.Equal(<-heads, "1 "+req))
}
