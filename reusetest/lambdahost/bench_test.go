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

func startBenchHost(b *testing.B) *Host {
	h, err := Start(Options{Bootstrap: probeBin})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { h.Close() })
	return h
}

// fanOut makes n calls at once and waits for them all.
func fanOut(b *testing.B, client *http.Client, url string, n int) {
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() { benchInvoke(b, client, url) })
	}
	wg.Wait()
}

// BenchmarkHost measures the local host with the real probe: starting
// environments (cold calls: process start, runtime init, first call, 8 at a
// time), sequential warm calls, and 8 concurrent warm calls at a time.
func BenchmarkHost(b *testing.B) {
	const fan = 8
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.Run("cold-start", func(b *testing.B) {
		h := startBenchHost(b)
		for b.Loop() {
			h.mu.Lock()
			for e := range h.envs { // retire the warm ones (onRetire stops them): the next calls start cold
				h.pool.Discard(e, lambdasim.CauseLifetime, h.virtual())
			}
			h.mu.Unlock()
			fanOut(b, client, h.URL(), fan)
		}
		b.ReportMetric(float64(h.Counts().Started)/b.Elapsed().Seconds(), "envs-started/s")
	})
	b.Run("sequential", func(b *testing.B) {
		h := startBenchHost(b)
		benchInvoke(b, client, h.URL()) // warm up one environment
		for b.Loop() {
			benchInvoke(b, client, h.URL())
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
	})
	b.Run("concurrent-8", func(b *testing.B) {
		h := startBenchHost(b)
		for b.Loop() {
			fanOut(b, client, h.URL(), fan)
		}
		b.ReportMetric(float64(fan*b.N)/b.Elapsed().Seconds(), "calls/s")
		b.ReportMetric(float64(h.Counts().Started), "envs")
	})
}
