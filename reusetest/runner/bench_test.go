package runner_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lambda-reuse/lambda-reuse/internal/testenv"
	"github.com/lambda-reuse/lambda-reuse/reusetest/endpoint"
	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"github.com/lambda-reuse/lambda-reuse/reusetest/recordlog"
	"github.com/lambda-reuse/lambda-reuse/reusetest/runner"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
)

// latencySink writes records to a real log and keeps a histogram of send
// lateness (sent - scheduled) in 10 µs buckets, and counts by status.
type latencySink struct {
	w       *recordlog.Writer
	buckets []int64
	sent    int64
	skipped int64
	// full counts slots skipped because the in-flight bound was reached;
	// the other skipped slots were overdue.
	full int64
}

func (s *latencySink) Append(r *record.Record) error {
	if r.Status == record.StatusSkipped {
		s.skipped++
		if strings.Contains(r.Error, "in flight") {
			s.full++
		}
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
// record log against a loopback no-op server in a process of its own (so
// CPU and memory figures are the runner's alone), at rates from 10/s to
// 40,000/s (twice the 20,000/s target). It reports the achieved send rate
// as a share of the target, the share of slots skipped (all of them, and
// those skipped because the in-flight bound was reached), the p99 send
// lateness, the runner's CPU time per call sent, the peak live heap during
// the run and the live heap left at its end. Memory should not depend on
// the number of calls: compare 100k with 600k calls at 10,000/s.
func BenchmarkRunner(b *testing.B) {
	srvURL := startNoopServer(b)
	cases := []struct {
		name  string
		rate  float64
		calls int64
	}{
		{"rate=10/calls=200", 10, 200}, // 200, for a p99 that is not the maximum
		{"rate=1000/calls=5k", 1000, 5_000},
		{"rate=20000/calls=100k", 20_000, 100_000},
		{"rate=40000/calls=200k", 40_000, 200_000},
		{"rate=20000/calls=600k", 20_000, 600_000},
		{"rate=10000/calls=100k", 10_000, 100_000},
		{"rate=10000/calls=600k", 10_000, 600_000},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			plan := schedule.Steady{Calls: c.calls, RatePerSec: c.rate}
			h, err := endpoint.NewHTTP(srvURL+"/", 0, endpoint.HTTPOptions{})
			if err != nil {
				b.Fatal(err)
			}
			defer h.CloseIdleConnections() // not to burden the next case
			var peakHeap uint64
			for b.Loop() {
				w, _, err := recordlog.Open(filepath.Join(b.TempDir(), "run.jsonl"), plan, "bench", time.Now(), nil)
				if err != nil {
					b.Fatal(err)
				}
				sink := &latencySink{w: w, buckets: make([]int64, 100_000)}
				stopSampling := sampleHeap(&peakHeap)
				cpu0 := cpuTime()
				if _, err := runner.New(plan, h, sink, runner.Options{}).Run(b.Context(), 0, nil); err != nil {
					b.Fatal(err)
				}
				cpu := cpuTime() - cpu0
				stopSampling()
				if err := w.Close(); err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(sink.sent)/plan.Duration().Seconds()/c.rate*100, "%of-rate-sent")
				b.ReportMetric(float64(sink.skipped)/float64(c.calls)*100, "%skipped")
				b.ReportMetric(float64(sink.full)/float64(c.calls)*100, "%skipped-full")
				b.ReportMetric(float64(sink.p99().Microseconds())/1000, "p99-late-ms")
				b.ReportMetric(float64(cpu.Microseconds())/float64(max(sink.sent, 1)), "cpu-µs/call")
				b.ReportMetric(float64(peakHeap)/(1<<20), "peak-heap-MiB")
				b.ReportMetric(float64(liveHeap())/(1<<20), "end-heap-MiB")
			}
		})
	}
}

// burstSink keeps, for each burst, the first and last send stamps and the
// last answer.
type burstSink struct {
	w                   *recordlog.Writer
	b                   schedule.Burst
	first, last, answer []time.Time
	sent                int64
}

func (s *burstSink) Append(r *record.Record) error {
	if k := s.b.Round(r.Seq); !r.Sent.IsZero() {
		s.sent++
		if s.first[k].IsZero() || r.Sent.Before(s.first[k]) {
			s.first[k] = r.Sent
		}
		if r.Sent.After(s.last[k]) {
			s.last[k] = r.Sent
		}
		if r.Done.After(s.answer[k]) {
			s.answer[k] = r.Done
		}
	}
	return s.w.Append(r)
}

func (s *burstSink) Sync() error { return s.w.Sync() }

// BenchmarkRunnerBurst sends bursts of 1,000 calls due at the same instant
// through the HTTP target to the no-op server, and reports how far the
// runner is from sending a burst as one: the spread of send times within a
// burst (the scheduler's stamps, as records carry them; worst burst) and the
// time from the burst's due time to its last answer (worst burst), which
// includes dialling a connection per call the first time.
func BenchmarkRunnerBurst(b *testing.B) {
	srvURL := startNoopServer(b)
	burst := schedule.Burst{Size: 1000, Rounds: 3, Pause: time.Second}
	h, err := endpoint.NewHTTP(srvURL+"/", 0, endpoint.HTTPOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer h.CloseIdleConnections()
	for b.Loop() {
		w, _, err := recordlog.Open(filepath.Join(b.TempDir(), "run.jsonl"), burst, "bench", time.Now(), nil)
		if err != nil {
			b.Fatal(err)
		}
		n := burst.Rounds
		sink := &burstSink{w: w, b: burst, first: make([]time.Time, n), last: make([]time.Time, n), answer: make([]time.Time, n)}
		start := time.Now()
		if _, err := runner.New(burst, h, sink, runner.Options{MaxInFlight: int(burst.Size)}).Run(b.Context(), 0, nil); err != nil {
			b.Fatal(err)
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
		var spread, answered time.Duration
		for k := range n {
			spread = max(spread, sink.last[k].Sub(sink.first[k]))
			due := start.Add(burst.Due(k * burst.Size))
			answered = max(answered, sink.answer[k].Sub(due))
		}
		b.ReportMetric(float64(sink.sent)/float64(burst.Size*n)*100, "%sent")
		b.ReportMetric(float64(spread.Microseconds())/1000, "send-spread-ms")
		b.ReportMetric(float64(answered.Microseconds())/1000, "all-answered-ms")
	}
}

// cpuTime is the CPU time this process has used, user and system: the
// runner's cost, since the server runs in a process of its own.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// liveHeap is the live heap after a full collection: what a finished run
// still holds (the transport's idle connections included).
func liveHeap() uint64 {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(sample)
	return sample[0].Value.Uint64()
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

// noopServerEnv makes the test binary serve as the benchmark's no-op server.
const noopServerEnv = "LAMBDA_REUSE_BENCH_NOOP_SERVER"

func TestMain(m *testing.M) {
	if os.Getenv(noopServerEnv) != "" {
		serveNoop()
		return
	}
	os.Exit(m.Run())
}

// startNoopServer runs this test binary as the no-op server, in a process
// of its own, and returns its URL. The server stops with the benchmark.
func startNoopServer(b *testing.B) string {
	cmd := exec.Command(os.Args[0])
	// One P: on two cores, a server runtime with two Ps competes with the
	// runner for both (measured: 93-97% of 20,000/s sent, against 95-98%).
	cmd.Env = append(os.Environ(), noopServerEnv+"=1", "GOMAXPROCS=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		stdin.Close() // the server exits when its stdin closes
		if err := cmd.Wait(); err != nil {
			b.Errorf("no-op server: %v", err)
		}
	})
	addr, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		b.Fatalf("no-op server did not start: %v", err)
	}
	return "http://" + strings.TrimSpace(addr)
}

// serveNoop is the no-op server: HTTP/1.1 with keep-alive, the same probe
// answer to every request, and as little work as a server can do. It
// accepts only what the HTTP endpoint sends, a GET without a body, and
// fails loudly on anything else. It prints its address, then serves until
// its stdin closes.
func serveNoop() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "no-op server:", err)
		os.Exit(1)
	}
	fmt.Println(ln.Addr())
	go testenv.ServeRaw(ln, noopAnswer())
	io.Copy(io.Discard, os.Stdin)
}

// noopAnswer answers every plain GET with one probe answer and exits on
// any other request.
func noopAnswer() func(head []byte, served int) []byte {
	const body = `{"instance_id":"0123456789abcdef0123456789abcdef","invocation":1}`
	answer := []byte(fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(body), body))
	return func(head []byte, _ int) []byte {
		if !bytes.HasPrefix(head, []byte("GET ")) {
			fmt.Fprintf(os.Stderr, "no-op server: not a GET: %q\n", head)
			os.Exit(1)
		}
		for line := range bytes.Lines(head) {
			if h := bytes.ToLower(line); bytes.HasPrefix(h, []byte("content-length:")) || bytes.HasPrefix(h, []byte("transfer-encoding:")) {
				fmt.Fprintf(os.Stderr, "no-op server: a GET with a body: %q\n", line)
				os.Exit(1)
			}
		}
		return answer
	}
}
