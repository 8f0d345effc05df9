package lambdalogs

import (
	"bytes"
	"testing"

	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
)

// FuzzReadExport holds the reader to its promises on any input: no panic,
// every event read is used or skipped for a reason, one record per call,
// each with a stream, a generation and times in order. Its seeds
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
	})
}
