package recordlog

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// encodingJSON is what encoding/json's Encoder writes for r: the format
// appendRecord must match byte for byte.
func encodingJSON(t testing.TB, r *record.Record) (string, error) {
	t.Helper()
	var sb strings.Builder
	err := json.NewEncoder(&sb).Encode(r)
	return sb.String(), err
}

func TestAppendRecordIsEncodingJSON(t *testing.T) {
	var ascii strings.Builder
	for c := range 128 {
		ascii.WriteByte(byte(c))
	}
	at := time.Date(2026, 11, 26, 16, 0, 0, 123456789, time.UTC)
	for name, r := range map[string]record.Record{
		"ok":      {Seq: 42, Scheduled: at, Sent: at.Add(time.Millisecond), Done: at.Add(time.Second), Status: record.StatusOK, InstanceID: "0123abcd", Invocation: 7, LogStream: "2026/11/26/[$LATEST]abc", BootID: "b-1", InitAt: at.Add(-time.Minute), InitType: record.InitProvisioned, Tenant: "acme:eu/1", InFlight: 3, MaxConcurrency: 64},
		"skipped": {Seq: 0, Scheduled: at.Truncate(time.Second), Status: record.StatusSkipped, Error: "1024 calls in flight, the bound: not sent"},
		"failed":  {Seq: -1, Scheduled: at.Add(time.Nanosecond), Sent: at, Done: at.Add(100), Status: record.StatusError, ErrorClass: record.ClassHTTP5xx, Error: "HTTP 503 <Service> & \"Unavailable\""},
		"zero":    {},
		"ascii":   {Status: record.StatusOK, InstanceID: ascii.String()},
		"unicode": {Status: record.StatusOK, InstanceID: "é€😀\u2028\u2029\ufffd", Error: "bad \xff\xfe utf-8 \xe2\x82"},
		"offset":  {Scheduled: at.In(time.FixedZone("X", 3600+30*60)), Status: record.StatusOK, Invocation: -3},
		"scaled":  {Status: record.StatusOK, Scale: 100},
		"tiny":    {Status: record.StatusOK, Scale: 1e-9},
		"huge":    {Status: record.StatusOK, Scale: -2.5e22},
	} {
		want, err := encodingJSON(t, &r)
		assert.NilError(t, err, name)
		got, err := appendRecord([]byte("kept:"), &r)
		assert.NilError(t, err, name)
		assert.Check(t, is.Equal(string(got), "kept:"+want), name)
	}
	// A year JSON cannot hold is an error in both.
	bad := record.Record{Scheduled: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}
	_, werr := encodingJSON(t, &bad)
	_, gerr := appendRecord(nil, &bad)
	assert.Check(t, werr != nil && gerr != nil, "encoding/json: %v, appendRecord: %v", werr, gerr)
}

// FuzzAppendRecord holds appendRecord to encoding/json for any strings,
// numbers and times.
func FuzzAppendRecord(f *testing.F) {
	f.Add(int64(1), int64(1795700000123456789), int64(2), "ok", "id", "<&>\"\\\n\x00", "\xff\u2028", 100.0)
	f.Add(int64(-5), int64(0), int64(0), "", "", "", "", 0.0)
	f.Add(int64(3), int64(0), int64(0), "", "", "", "", 1.5e-7)
	f.Fuzz(func(t *testing.T, seq, unixNano, inv int64, status, id, stream, msg string, scale float64) {
		at := time.Unix(0, unixNano).UTC()
		r := record.Record{Seq: seq, Scheduled: at, Sent: at.Add(time.Duration(inv)), Status: record.Status(status),
			InstanceID: id, Invocation: inv, LogStream: stream, BootID: id + stream, ErrorClass: record.ErrorClass(msg), Error: msg}
		if inv%2 == 0 {
			r.InitAt = at.Add(-time.Duration(seq))
		}
		r.Scale = scale
		want, werr := encodingJSON(t, &r)
		got, gerr := appendRecord(nil, &r)
		if (werr != nil) != (gerr != nil) {
			t.Fatalf("encoding/json: %v, appendRecord: %v", werr, gerr)
		}
		if werr == nil && string(got) != want {
			t.Fatalf("appendRecord:\n%s\nencoding/json:\n%s", got, want)
		}
	})
}

// BenchmarkEncodeRecord compares appendRecord with encoding/json on a
// typical record.
func BenchmarkEncodeRecord(b *testing.B) {
	at := time.Date(2026, 11, 26, 16, 0, 0, 123456789, time.UTC)
	r := record.Record{Seq: 123456, Scheduled: at, Sent: at.Add(time.Millisecond), Done: at.Add(time.Second), Status: record.StatusOK,
		InstanceID: "0123456789abcdef0123456789abcdef", Invocation: 4711, LogStream: "2026/11/26/[$LATEST]0123456789abcdef", BootID: "3f1c2e4d-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
		InitAt: at.Add(-time.Hour)}
	b.Run("appendRecord", func(b *testing.B) {
		b.ReportAllocs()
		var line []byte
		for b.Loop() {
			line, _ = appendRecord(line[:0], &r)
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		b.ReportAllocs()
		var sb strings.Builder
		enc := json.NewEncoder(&sb)
		for b.Loop() {
			sb.Reset()
			enc.Encode(&r)
		}
	})
}
