package runner_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime/metrics"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/recordlog"
	"github.com/lambda-reuse/lambda-reuse/reusetest/reuse"
	"github.com/lambda-reuse/lambda-reuse/reusetest/runner"
	"github.com/lambda-reuse/lambda-reuse/reusetest/target"
)

// latencySink writes records to a real log and keeps a histogram of send
// lateness (sent - scheduled) in 10 µs buckets, and counts by status.
type latencySink struct {
	w       *recordlog.Writer
	buckets []int64
	sent    int64
	skipped int64
}

func (s *latencySink) Append(r *reuse.Record) error {
	if r.Status == reuse.StatusSkipped {
		s.skipped++
	} else if !r.Sent.IsZero() {
		s.sent++
		b := min(int(r.Sent.Sub(r.Scheduled)/(10*time.Microsecond)), len(s.buckets)-1)
		s.buckets[b]++
	}
	return s.w.Append(r)
}

func (s *latencySink) Sync() error { return s.w.Sync() }

func (s *latencySink) p99() time.Duration {
	want, seen := s.sent*99/100, int64(0)
	for i, n := range s.buckets {
		if seen += n; seen > want {
			return time.Duration(i+1) * 10 * time.Microsecond
		}
	}
	return time.Duration(len(s.buckets)) * 10 * time.Microsecond
}

// BenchmarkRunner runs the open-loop runner with the HTTP target and a real
// record log against a loopback no-op server, at rates from 10/s to 40,000/s
// (twice the 20,000/s target). It reports the achieved send rate as a share
// of the target, the share skipped, the p99 send lateness, and the peak live
// heap: bounded by the in-flight limit when saturated, and the same for 100k
// and 600k calls at a sustainable 10,000/s.
func BenchmarkRunner(b *testing.B) {
	var served atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		w.Write([]byte(`{"instance_id":"0123456789abcdef0123456789abcdef","invocation":1}`))
	}))
	defer srv.Close()
	cases := []struct {
		name  string
		rate  float64
		calls int64
	}{
		{"rate=10", 10, 50},
		{"rate=1000", 1000, 5_000},
		{"rate=20000", 20_000, 100_000},
		{"rate=40000", 40_000, 200_000},
		{"rate=20000/600k", 20_000, 600_000},
		// At a rate this machine sustains, memory should not depend on
		// the number of calls: compare 100k with 600k.
		{"rate=10000/100k", 10_000, 100_000},
		{"rate=10000/600k", 10_000, 600_000},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			plan := reuse.Plan{Calls: c.calls, RatePerSec: c.rate}
			h, err := target.NewHTTP(srv.URL+"/", 0, target.HTTPOptions{})
			if err != nil {
				b.Fatal(err)
			}
			var peakHeap uint64
			for b.Loop() {
				w, _, err := recordlog.Open(filepath.Join(b.TempDir(), fmt.Sprintf("run-%d.jsonl", time.Now().UnixNano())), plan, "bench", time.Now(), nil)
				if err != nil {
					b.Fatal(err)
				}
				sink := &latencySink{w: w, buckets: make([]int64, 100_000)}
				stopSampling := sampleHeap(&peakHeap)
				if _, err := runner.New(plan, h, sink, runner.Options{}).Run(b.Context(), 0, nil); err != nil {
					b.Fatal(err)
				}
				stopSampling()
				w.Close()
				b.ReportMetric(float64(sink.sent)/plan.Duration().Seconds()/c.rate*100, "%of-rate-sent")
				b.ReportMetric(float64(sink.skipped)/float64(c.calls)*100, "%skipped")
				b.ReportMetric(float64(sink.p99().Microseconds())/1000, "p99-late-ms")
				b.ReportMetric(float64(peakHeap)/(1<<20), "peak-heap-MiB")
			}
		})
	}
}

// sampleHeap records the peak live heap (as of the latest GC, so garbage
// awaiting collection does not count) every 50 ms until stopped.
func sampleHeap(peak *uint64) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		for {
			metrics.Read(sample)
			*peak = max(*peak, sample[0].Value.Uint64())
			select {
			case <-t.C:
			case <-done:
				return
			}
		}
	}()
	return func() { close(done); <-finished }
}
