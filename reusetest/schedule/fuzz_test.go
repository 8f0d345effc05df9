package schedule

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"gotest.tools/v3/assert"
)

// traceSeeds are the hostile traces the fuzz targets start from: counts
// summing past int64 and past the cap, times that would wrap, the formats'
// edges.
var traceSeeds = []string{
	"minute,count\n0,12\n1,0\n2,7\n",
	"start,count\n0s,3\n1m,4\n",
	"HashFunction,1,2,3\nabc,1,0,2\n",
	"time,duration_ms\n0,120\n0.5,80\n1m30s,10\n",
	"time\n2019-07-18T09:00:00.250Z\n2019-07-18T09:00:01Z\n",
	"minute,count\n0,922337203685477579\n1,922337203685477579\n2,922337203685477579\n",
	"minute,count\n0,1000000000000\n",
	"minute,count\n307445735,1\n",
	"time\n9223372037\n",
	"{\"time\": 12.5, \"duration_ms\": 80}\n{\"time\": 13, \"duration_ms\": 1}\n",
	"{\"minute\": 0, \"count\": 3}\n{\"minute\": 1, \"count\": 922337203685477579}\n",
	"time,tenant\n0,blue\n1,red\n1,blue\n",
	"{\"time\": 0, \"tenant\": \"blue\"}\n{\"time\": 1, \"tenant\": \"a b\"}\n",
}

// fuzzTrace opens doc as a trace file named name and, when it opens, asks
// for every call's time and handler (the first 10,000): an error or a
// schedule, never a panic, a negative time or an impossible number.
func fuzzTrace(t *testing.T, name string, doc []byte, spread string) {
	path := filepath.Join(t.TempDir(), name)
	assert.NilError(t, os.WriteFile(path, doc, 0o644))
	tr, err := OpenTrace(path, TraceOptions{Spread: spread, MaxCalls: 1_000_000, HandlerMS: 100})
	if err != nil {
		return
	}
	p := tr.Plan()
	assert.Assert(t, p.Calls > 0 && p.Calls <= 1_000_000, "calls %d", p.Calls)
	assert.Assert(t, p.RatePerSec > 0, "rate %v", p.RatePerSec)
	for seq := range min(p.Calls, 10_000) {
		d, h := tr.Due(seq), tr.HandlerTime(seq)
		assert.Assert(t, d >= 0 && h >= 0 && h <= MaxHandler, "seq %d: due %v handler %v", seq, d, h)
		if tr.HasTenants() {
			assert.NilError(t, record.CheckTenantID(tr.Tenant(seq)), "seq %d", seq)
		}
	}
	assert.NilError(t, tr.Err())
}

// FuzzTraceCSV: any bytes as a CSV trace (timestamps, counts, wide).
func FuzzTraceCSV(f *testing.F) {
	for _, s := range traceSeeds {
		f.Add([]byte(s), uint8(0))
	}
	f.Fuzz(func(t *testing.T, doc []byte, spread uint8) {
		fuzzTrace(t, "trace.csv", doc, spreads[int(spread)%len(spreads)])
	})
}

// FuzzTraceJSONL: any bytes as a JSON Lines trace.
func FuzzTraceJSONL(f *testing.F) {
	for _, s := range traceSeeds {
		f.Add([]byte(s), uint8(1))
	}
	f.Fuzz(func(t *testing.T, doc []byte, spread uint8) {
		fuzzTrace(t, "trace.jsonl", doc, spreads[int(spread)%len(spreads)])
	})
}
