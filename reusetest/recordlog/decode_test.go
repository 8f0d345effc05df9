package recordlog

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// viaJSON is what encoding/json makes of a record line: the meaning the
// fast decoder must match.
func viaJSON(line []byte) (record.Record, error) {
	var r record.Record
	err := json.Unmarshal(line, &r)
	return r, err
}

// FuzzParseRecord holds the fast decoder to encoding/json: on lines
// appendRecord writes for any record, and on any bytes at all, whenever it
// accepts a line it reads what encoding/json reads.
func FuzzParseRecord(f *testing.F) {
	f.Add(int64(1), int64(1795700000123456789), int64(2), "ok", "0123abcd", "2026/11/26/[$LATEST]0123abcd", "", 100.0, []byte(nil))
	f.Add(int64(-5), int64(0), int64(0), "", "", "", "", 0.0, []byte(`{"seq":1,"scheduled":"2021-02-31T00:00:00Z","status":"ok"}`))
	f.Add(int64(7), int64(0), int64(3), "ok", "e", "blue", "", 0.0, []byte(`{"seq":1,"scheduled":"2021-01-01T00:00:00Z","status":"ok","tenant":"blue","in_flight":99999999999999,"max_concurrency":-3}`))
	f.Add(int64(3), int64(-1), int64(0), "error", "é", "\\", "HTTP 503 <x>", 1.5e-7, []byte(`{"seq":01,"scheduled":"2021-01-01T00:00:00.Z","status":"ok"}`))
	// Numbers JSON refuses (strconv reads them): a line holding one is not a record.
	for _, n := range []string{"+1", ".5", "01", "1.", "1e", "-"} {
		f.Add(int64(0), int64(0), int64(0), "", "", "", "", 0.0, []byte(`{"seq":1,"scheduled":"2021-01-01T00:00:00Z","status":"ok","scale":`+n+`}`))
	}
	f.Fuzz(func(t *testing.T, seq, unixNano, inv int64, status, id, stream, msg string, scale float64, raw []byte) {
		at := time.Unix(0, unixNano).UTC()
		r := record.Record{Seq: seq, Scheduled: at, Sent: at.Add(time.Duration(inv)), Status: record.Status(status),
			InstanceID: id, Invocation: inv, LogStream: stream, BootID: id + stream, ErrorClass: record.ErrorClass(msg), Error: msg, Scale: scale}
		if inv%2 == 0 {
			r.InitAt = at.Add(-time.Duration(seq))
		}
		if inv%3 == 0 {
			r.Tenant, r.InFlight, r.MaxConcurrency = stream, int(seq%1000), int(inv%70)
		}
		d := newDecoder()
		if line, err := appendRecord(nil, &r); err == nil {
			var got record.Record
			if d.parse(line, &got) {
				assert.Check(t, is.DeepEqual(got, r))
			}
		}
		var got record.Record
		if d.parse(raw, &got) {
			want, err := viaJSON(raw)
			assert.NilError(t, err, "the fast decoder accepted %q", raw)
			assert.Check(t, is.DeepEqual(got, want), "%q", raw)
		}
	})
}

// TestParseRecordTakesTheWritersLines: the lines a run writes take the fast
// path (Read's fallback is for other writers and escapes).
func TestParseRecordTakesTheWritersLines(t *testing.T) {
	at := time.Date(2026, 11, 27, 12, 0, 0, 120000000, time.UTC)
	for _, r := range []record.Record{
		{Seq: 42, Scheduled: at, Sent: at, Done: at.Add(612533971), Status: record.StatusOK, InstanceID: "8236f2ee6d101d74e3527eed8e44e742",
			Invocation: 1, LogStream: "2021/01/01/[$LATEST]8236f2ee6d101d74e3527eed8e44e742", InitAt: at.Add(-time.Second), Scale: 100},
		{Seq: 7, Scheduled: at.Truncate(time.Second), Status: record.StatusThrottled, ErrorClass: record.ClassThrottled, Error: "429 TooManyRequestsException"},
	} {
		line, err := appendRecord(nil, &r)
		assert.NilError(t, err)
		var got record.Record
		assert.Assert(t, newDecoder().parse(line, &got), "%s", line)
		assert.Check(t, is.DeepEqual(got, r))
	}
}

// BenchmarkParseRecord compares the fast decoder with encoding/json on a
// typical record's line.
func BenchmarkParseRecord(b *testing.B) {
	at := time.Date(2026, 11, 26, 16, 0, 0, 123456789, time.UTC)
	r := record.Record{Seq: 123456, Scheduled: at, Sent: at.Add(time.Millisecond), Done: at.Add(time.Second), Status: record.StatusOK,
		InstanceID: "0123456789abcdef0123456789abcdef", Invocation: 4711, LogStream: "2026/11/26/[$LATEST]0123456789abcdef", BootID: "3f1c2e4d-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
		InitAt: at.Add(-time.Hour)}
	line, err := appendRecord(nil, &r)
	assert.NilError(b, err)
	b.Run("decoder", func(b *testing.B) {
		b.ReportAllocs()
		d := newDecoder()
		var got record.Record
		for b.Loop() {
			if !d.parse(line, &got) {
				b.Fatal("declined")
			}
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		b.ReportAllocs()
		var got record.Record
		for b.Loop() {
			if err := json.Unmarshal(line, &got); err != nil {
				b.Fatal(err)
			}
		}
	})
}
