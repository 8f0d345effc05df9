package lambdahost

import (
	"bytes"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdasim"
)

func benchInvoke(b *testing.B, client *http.Client, url string) {
	resp, err := client.Post(url+"/2015-03-31/functions/probe/invocations", "application/json", bytes.NewReader([]byte(`{}`)))
	if err != nil {
		b.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Amz-Function-Error") != "" {
		b.Fatalf("invoke: status %d", resp.StatusCode)
	}
}

// BenchmarkHost measures the local host with the real probe: starting an
// environment (a cold call: process start, runtime init, first call),
// sequential warm calls, and 8 concurrent warm calls at a time.
func BenchmarkHost(b *testing.B) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.Run("cold-start", func(b *testing.B) {
		h, err := Start(Options{Bootstrap: probeBin})
		if err != nil {
			b.Fatal(err)
		}
		defer h.Close()
		// Concurrent calls each need a new environment: hold N busy at
		// once by calling in parallel, one new environment per call.
		const fan = 8
		for b.Loop() {
			h.mu.Lock()
			for e, p := range h.procs { // retire the warm ones: the next calls start cold
				h.pool.Discard(e, lambdasim.CauseLifetime, h.virtual())
				h.stopProcess(p)
			}
			h.mu.Unlock()
			var wg sync.WaitGroup
			for range fan {
				wg.Go(func() { benchInvoke(b, client, h.URL()) })
			}
			wg.Wait()
		}
		b.ReportMetric(float64(h.Counts().Started)/b.Elapsed().Seconds(), "envs-started/s")
	})
	b.Run("sequential", func(b *testing.B) {
		h, err := Start(Options{Bootstrap: probeBin})
		if err != nil {
			b.Fatal(err)
		}
		defer h.Close()
		benchInvoke(b, client, h.URL()) // warm up one environment
		for b.Loop() {
			benchInvoke(b, client, h.URL())
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
	})
	b.Run("concurrent-8", func(b *testing.B) {
		h, err := Start(Options{Bootstrap: probeBin})
		if err != nil {
			b.Fatal(err)
		}
		defer h.Close()
		const fan = 8
		for b.Loop() {
			var wg sync.WaitGroup
			for range fan {
				wg.Go(func() { benchInvoke(b, client, h.URL()) })
			}
			wg.Wait()
		}
		b.ReportMetric(float64(fan*b.N)/b.Elapsed().Seconds(), "calls/s")
		b.ReportMetric(float64(h.Counts().Started), "envs")
	})
}
