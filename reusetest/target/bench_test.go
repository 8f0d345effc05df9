package target

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/lambda-reuse/lambda-reuse/reusetest/reuse"
)

// BenchmarkHTTPCall measures one call of the HTTP target against a
// loopback net/http server in the same process (both sides' costs),
// one at a time and 8 at once. B/op shows what a call allocates: about
// 6 KB (an empty body copied through io.Copy once cost 32 KiB more).
func BenchmarkHTTPCall(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"instance_id":"0123456789abcdef0123456789abcdef","invocation":1}`))
	}))
	defer srv.Close()
	h, _ := NewHTTP(srv.URL+"/", 0, HTTPOptions{})
	b.ReportAllocs()
	for b.Loop() {
		var rec reuse.Record
		h.Call(context.Background(), &rec)
		if rec.Status != reuse.StatusOK {
			b.Fatal(rec)
		}
	}
}

func BenchmarkHTTPCallParallel(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"instance_id":"0123456789abcdef0123456789abcdef","invocation":1}`))
	}))
	defer srv.Close()
	h, _ := NewHTTP(srv.URL+"/", 0, HTTPOptions{})
	b.ReportAllocs()
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			var rec reuse.Record
			h.Call(context.Background(), &rec)
			if rec.Status != reuse.StatusOK {
				b.Fatal(rec)
			}
		}
	})
}
