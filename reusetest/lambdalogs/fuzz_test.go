package lambdalogs

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
)

// FuzzReadExport holds the reader to its promises on any input: no panic,
// every event read is used or skipped for a reason, one record per call,
// each with a stream, a generation and times in order, and a summary of
// them that passes the summary's guard. Its seeds
// (testdata/fuzz/FuzzReadExport) are the real lines of testdata, a stream
// at a time, and broken exports.
func FuzzReadExport(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := read(bytes.NewReader(data), int64(len(data)), "fuzz", Options{Chunk: 7})
		if err != nil {
			return
		}
		defer c.Close()
		logs := c.Logs()
		used := logs.Used
		for _, n := range logs.Skipped {
			used += n
		}
		if used != logs.Events {
			t.Fatalf("%d events read, %d used or skipped: %+v", logs.Events, used, logs)
		}
		var n int64
		err = c.Replay(func(r *record.Record) {
			if r.Seq != n || r.LogStream == "" || r.InstanceID == "" || r.Done.Before(r.Sent) || !r.Served() {
				t.Fatalf("record %d: %+v", n, r)
			}
			n++
		})
		if err != nil || n != c.Len() || n != logs.Calls {
			t.Fatalf("%d records of %d calls (%d in the logs): %v", n, c.Len(), logs.Calls, err)
		}
		// Whatever an export that reads holds, its summary is possible
		// (the summary's guard), as reusereport -cloudwatch makes it.
		sched, err := c.Schedule(filepath.Join(t.TempDir(), "trace.csv"))
		if err != nil {
			return // no trace of its calls: refused with its reason, no summary
		}
		s := summary.NewSummarizer(sched, c.Target(), nil)
		if err := c.Replay(s.Add); err != nil {
			t.Fatal(err)
		}
		sum := s.Summary()
		sum.Logs = &logs
		if err := sum.Check(); err != nil {
			t.Fatal(err)
		}
	})
}
