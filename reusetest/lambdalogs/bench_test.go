package lambdalogs

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
)

// writeReports writes an export of n REPORT events, as
// `aws logs filter-log-events --filter-pattern REPORT` prints them (in
// time order, indented): a function called rate times a second (Poisson),
// calls of 20 to 200 ms on the first idle environment, each stream's
// first call cold.
func writeReports(w io.Writer, n int, rate float64, seed uint64) error {
	rng := rand.New(rand.NewPCG(seed, 1))
	bw := bufio.NewWriterSize(w, 1<<16)
	bw.WriteString("{\n    \"events\": [\n")
	t0 := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC).UnixMicro()
	type env struct {
		name string
		free int64 // µs
		used bool
	}
	var envs []*env
	at := t0
	type pending struct {
		end  int64
		line []byte
	}
	var held []pending // REPORTs not yet written, by end
	written := 0
	flush := func(before int64) error {
		for len(held) > 0 && held[0].end < before {
			line := held[0].line
			if written < n-1 {
				line = append(line, ',')
			}
			line = append(line, '\n')
			if _, err := bw.Write(line); err != nil {
				return err
			}
			written++
			held = held[1:]
		}
		return nil
	}
	for i := range n {
		at += int64(rng.ExpFloat64() / rate * 1e6)
		if err := flush(at); err != nil {
			return err
		}
		var e *env
		for _, c := range envs {
			if c.free <= at {
				e = c
				break
			}
		}
		if e == nil {
			e = &env{name: fmt.Sprintf("2026/03/02/[$LATEST]%016x%016x", rng.Uint64(), rng.Uint64())}
			envs = append(envs, e)
		}
		dur := 20_000 + rng.Int64N(180_000)
		var initUS int64
		if !e.used {
			initUS = 150_000 + rng.Int64N(300_000)
			e.used = true
		}
		end := at + initUS + dur
		e.free = end
		var line []byte
		line = append(line, "        {\n            \"logStreamName\": \""...)
		line = append(line, e.name...)
		line = append(line, "\",\n            \"timestamp\": "...)
		line = strconv.AppendInt(line, end/1000, 10)
		line = append(line, ",\n            \"message\": \"REPORT RequestId: "...)
		line = fmt.Appendf(line, "%08x-%04x-4%03x-8%03x-%012x", rng.Uint32(), rng.Uint32()&0xffff, rng.Uint32()&0xfff, rng.Uint32()&0xfff, rng.Uint64()&0xffffffffffff)
		line = fmt.Appendf(line, `\tDuration: %d.%02d ms\tBilled Duration: %d ms\tMemory Size: 1024 MB\tMax Memory Used: %d MB\t`, dur/1000, dur%1000/10, dur/1000+1, 80+i%40)
		if initUS > 0 {
			line = fmt.Appendf(line, `Init Duration: %d.%02d ms\t`, initUS/1000, initUS%1000/10)
		}
		line = append(line, "\\n\",\n            \"ingestionTime\": "...)
		line = strconv.AppendInt(line, end/1000+400, 10)
		line = append(line, ",\n            \"eventId\": \""...)
		line = fmt.Appendf(line, "%056d", i+1)
		line = append(line, "\"\n        }"...)
		j, _ := slices.BinarySearchFunc(held, end, func(p pending, t int64) int { return cmp.Compare(p.end, t) })
		held = slices.Insert(held, j, pending{end: end, line: line})
	}
	if err := flush(math.MaxInt64); err != nil {
		return err
	}
	bw.WriteString("    ],\n    \"searchedLogStreams\": []\n}\n")
	return bw.Flush()
}

// BenchmarkReadAndSummarize reads a REPORT-only export of 200,000 calls
// of a 100-calls/s function and summarizes it, as reusereport does (the
// trace written while reading, then opened, every record summarized): the
// events/s metric is the figure to hold to a million.
func BenchmarkReadAndSummarize(b *testing.B) {
	const n = 200_000
	dir := b.TempDir()
	path := filepath.Join(dir, "export.json")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := writeReports(f, n, 100, 1); err != nil {
		b.Fatal(err)
	}
	f.Close()
	st, _ := os.Stat(path)
	b.SetBytes(st.Size())
	b.ResetTimer()
	for b.Loop() {
		trace := filepath.Join(dir, "trace.csv")
		c, err := Read(path, Options{TracePath: trace})
		if err != nil {
			b.Fatal(err)
		}
		sched, err := c.Schedule(trace)
		if err != nil {
			b.Fatal(err)
		}
		s := summary.NewSummarizer(sched, c.Target(), nil)
		if err := c.Replay(s.Add); err != nil {
			b.Fatal(err)
		}
		if got := s.Summary().Requests.Total; got != n {
			b.Fatalf("%d calls, want %d", got, n)
		}
		c.Close()
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// TestWriteADayOfReports writes a day of a 100-calls/s function's REPORT
// events (8.64 million) to the file LAMBDALOGS_DAY names, for timing
// reusereport on it; skipped without it.
func TestWriteADayOfReports(t *testing.T) {
	path := os.Getenv("LAMBDALOGS_DAY")
	if path == "" {
		t.Skip("LAMBDALOGS_DAY names no file to write a day's export to")
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := writeReports(f, 8_640_000, 100, 2); err != nil {
		t.Fatal(err)
	}
}
