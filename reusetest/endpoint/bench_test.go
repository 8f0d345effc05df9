package endpoint

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
)

// BenchmarkHTTPCall measures one call of the HTTP endpoint against a
// loopback net/http server in the same process (both sides' costs),
// one at a time and 8 at once. B/op shows what a call allocates: about
// 6 KB (an empty body copied through io.Copy once cost 32 KiB more).
func BenchmarkHTTPCall(b *testing.B) {
	h := benchEndpoint(b)
	b.ReportAllocs()
	for b.Loop() {
		benchCall(b, h)
	}
}

func BenchmarkHTTPCallParallel(b *testing.B) {
	h := benchEndpoint(b)
	b.ReportAllocs()
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			benchCall(b, h)
		}
	})
}

// benchEndpoint is an HTTP endpoint for a server that answers as the probe does.
func benchEndpoint(b *testing.B) *HTTP {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"instance_id":"0123456789abcdef0123456789abcdef","invocation":1}`))
	}))
	b.Cleanup(srv.Close)
	h, err := NewHTTP(srv.URL+"/", 0, HTTPOptions{})
	if err != nil {
		b.Fatal(err)
	}
	return h
}

func benchCall(b *testing.B, h *HTTP) {
	var rec record.Record
	h.Call(context.Background(), &rec)
	if rec.Status != record.StatusOK {
		b.Errorf("call failed: %+v", rec) // not Fatal: RunParallel calls this off the benchmark goroutine
	}
}
