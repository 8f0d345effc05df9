package lambdalogs

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// readAll reads an export and returns its records in seq order.
func readAll(t *testing.T, path string, opts Options) (*Calls, []record.Record) {
	t.Helper()
	c, err := Read(path, opts)
	assert.NilError(t, err)
	t.Cleanup(func() { c.Close() })
	var recs []record.Record
	assert.NilError(t, c.Replay(func(r *record.Record) { recs = append(recs, *r) }))
	assert.Check(t, is.Equal(int64(len(recs)), c.Len()))
	return c, recs
}

// byStream is the records by their stream's name.
func byStream(recs []record.Record) map[string][]record.Record {
	out := map[string][]record.Record{}
	for _, r := range recs {
		out[r.LogStream] = append(out[r.LogStream], r)
	}
	return out
}

func TestRealTextLinesOfEveryEra(t *testing.T) {
	c, recs := readAll(t, filepath.Join("testdata", "real-text.jsonl"), Options{Names: true})
	s := byStream(recs)
	logs := c.Logs()
	assert.Check(t, is.DeepEqual(logs.Formats, []string{"text"}))
	assert.Check(t, is.Equal(logs.Calls, int64(11)))
	assert.Check(t, is.Equal(logs.Streams, 10))
	// Every event is used or skipped for a reason, and they add up.
	var skipped int64
	for _, n := range logs.Skipped {
		skipped += n
	}
	assert.Check(t, is.Equal(logs.Used+skipped, logs.Events))
	assert.Check(t, is.Equal(logs.Skipped[reasonFunction], int64(3)), "echo-sonos' three lines of its own")
	assert.Check(t, is.Equal(logs.Skipped[reasonPlatform], int64(5)), "the END lines")
	assert.Check(t, is.Equal(logs.Skipped[reasonNoReport], int64(1)), "2015's timeout line has no REPORT")
	assert.Check(t, is.Equal(logs.Version, "$LATEST"))

	// A: two failed inits, the second inside the call; the call failed
	// (the two-line error), and it ran the init: a start seen, its call
	// begun when the init began.
	a := s["2023/11/25/[$LATEST]5b2d6e0f3a1c4e7b9d8f0a1b2c3d4e5f"]
	assert.Assert(t, is.Len(a, 1))
	assert.Check(t, is.Equal(a[0].Status, record.StatusError))
	assert.Check(t, is.Equal(a[0].ErrorType, "Runtime.ExitError"))
	assert.Check(t, is.Equal(a[0].ErrorClass, record.ClassFunctionError))
	assert.Check(t, !a[0].StartUnseen)
	assert.Check(t, is.Equal(a[0].Invocation, int64(1)))
	assert.Check(t, is.Equal(a[0].InitMS, 1666.62))
	at := time.Date(2023, 11, 25, 10, 0, 0, 0, time.UTC)
	assert.Check(t, a[0].Sent.Equal(at), "the call waited for its init: %v", a[0].Sent)
	assert.Check(t, a[0].InitAt.Equal(at))
	assert.Check(t, is.Equal(a[0].MemorySizeMB, 128))
	assert.Check(t, is.Equal(a[0].MemoryUsedMB, 16.0))

	// B, C, H: the old timeout line after the REPORT; D: before it.
	for _, name := range []string{"2016/04/14/[$LATEST]7e1f2a3b4c5d6e7f8091a2b3c4d5e6f7", "2016/06/06/[$LATEST]3c4d5e6f708192a3b4c5d6e7f8091a2b",
		"2018/05/17/[$LATEST]5566778899aabbccddeeff0011223344", "2023/10/20/[$LATEST]9a8b7c6d5e4f30211203f4e5d6c7b8a9"} {
		r := s[name]
		assert.Assert(t, is.Len(r, 1), name)
		assert.Check(t, is.Equal(r[0].Status, record.StatusError), name)
		assert.Check(t, is.Equal(r[0].ErrorType, record.ErrorTimedout), name)
		assert.Check(t, r[0].StartUnseen, "%s: no init in the export: its start is unseen", name)
		assert.Check(t, is.Equal(r[0].Invocation, int64(0)), name)
	}
	b := s["2016/04/14/[$LATEST]7e1f2a3b4c5d6e7f8091a2b3c4d5e6f7"][0]
	assert.Check(t, is.Equal(b.Done.Sub(b.Sent), 120000640*time.Microsecond), "Duration read from a line of spaces")
	assert.Check(t, is.Equal(b.MemoryUsedMB, 23.0))

	// E: the error on the REPORT line.
	e := s["2026/08/19/[$LATEST]0a1b2c3d4e5f60718293a4b5c6d7e8f9"][0]
	assert.Check(t, is.Equal(e.ErrorType, "Runtime.InvalidEntrypoint"))
	// F, G, J: cold calls that report their init.
	for name, init := range map[string]float64{"2019/10/01/[$LATEST]1f2e3d4c5b6a79887766554433221100": 287.33,
		"2021/12/26/[$LATEST]aa11bb22cc33dd44ee55ff6600771188": 480.25, "2022/02/18/[$LATEST]cc18960e80e44160bfdca5dae659993b": 646.33} {
		r := s[name][0]
		assert.Check(t, is.Equal(r.Status, record.StatusOK), name)
		assert.Check(t, is.Equal(r.InitMS, init), name)
		assert.Check(t, !r.StartUnseen && r.Invocation == 1, name)
		assert.Check(t, is.Equal(r.Sent, r.InitAt), "%s: the call began with its init", name)
	}
	g := s["2021/12/26/[$LATEST]aa11bb22cc33dd44ee55ff6600771188"][0]
	assert.Check(t, is.Equal(g.Done.Sub(g.Sent), (201670+480250)*time.Microsecond), "X-Ray's fields are not the Duration")
	assert.Check(t, is.Equal(g.MemorySizeMB, 2048))
	// K: two warm calls of a stream whose start is unseen.
	k := s["2024/08/28/[$LATEST]533dca353ef348248632ea4846bcd532"]
	assert.Assert(t, is.Len(k, 2))
	for _, r := range k {
		assert.Check(t, r.StartUnseen && r.Status == record.StatusOK && r.InstanceID == k[0].InstanceID)
	}
	// Seq is start order.
	for i := 1; i < len(recs); i++ {
		assert.Check(t, !recs[i].Sent.Before(recs[i-1].Sent), "seq %d", i)
		assert.Check(t, is.Equal(recs[i].Seq, int64(i)))
	}
}

func TestRealJSONLines(t *testing.T) {
	c, recs := readAll(t, filepath.Join("testdata", "real-json.json"), Options{})
	logs := c.Logs()
	assert.Check(t, is.DeepEqual(logs.Formats, []string{"json"}))
	assert.Assert(t, is.Len(recs, 2))
	assert.Check(t, is.Equal(logs.Function, ""), "the stream names say no function (the default group)")
	cold, timeout := recs[0], recs[1]
	assert.Check(t, is.Equal(cold.InitType, record.InitOnDemand))
	assert.Check(t, is.Equal(cold.InitMS, 174.055))
	assert.Check(t, cold.Sent.Equal(time.Date(2024, 5, 20, 16, 29, 44, 833e6, time.UTC)), "begun at platform.initStart: %v", cold.Sent)
	assert.Check(t, is.Equal(cold.MemoryUsedMB, 67.0))
	assert.Check(t, is.Equal(cold.Invocation, int64(1)))
	assert.Check(t, is.Equal(cold.LogStream[:3], "ls-"), "a hash, not the name")
	assert.Check(t, is.Len(cold.LogStream, 15))
	assert.Check(t, is.Equal(cold.InstanceID, cold.LogStream+"#1"))
	assert.Check(t, is.Equal(timeout.Status, record.StatusError))
	assert.Check(t, is.Equal(timeout.ErrorType, record.ErrorTimedout))
	assert.Check(t, timeout.StartUnseen)
	assert.Check(t, is.Equal(logs.Skipped[reasonFunction], int64(1)), "the function's own JSON line")
	assert.Check(t, is.Equal(logs.Skipped[reasonPlatform], int64(3)), "initRuntimeDone and the two runtimeDone")
}
