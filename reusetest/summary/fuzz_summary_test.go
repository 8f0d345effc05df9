package summary_test

import (
	"os"
	"testing"

	"github.com/lambda-reuse/lambda-reuse/internal/testenv"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// FuzzParseSummary: any bytes give a summary or an error, never a panic;
// a summary read passes the guard (Check), is written again, and reads
// back the same: lacking the numbers its file lacked (Absent), and written
// again to the same bytes.
func FuzzParseSummary(f *testing.F) {
	golden, err := os.ReadFile(testenv.Testdata(f, "sim-seed.golden.json"))
	assert.NilError(f, err)
	f.Add(golden)
	f.Add([]byte(`{"schema": "lambda-reuse/summary/v1"}`))
	f.Add([]byte(`{"schema": "lambda-reuse/summary/v1", "schema": "x"}`))
	f.Add([]byte(`{"schema": "lambda-reuse/summary/v1"} {}`))
	f.Add([]byte(`{"schema": "lambda-reuse/summary/v1", "plan": {"calls": 1e300}}`))
	f.Add([]byte(`{"schema": "lambda-reuse/summary/v1", "instances": {"count": -37}, "lifetime_minutes": {"median": -50}}`))
	f.Add([]byte(`{"schema": "lambda-reuse/summary/v1", "requests": {"total": 3, "ok": 3, "by_status": {"ok": 3}}, "instances": {"count": 1, "cold_starts": 1, "starts": {"request_path": 1000000000000000000}}}`))
	f.Add([]byte(`{"schema": "lambda-reuse/summary/v1", "requests": {"total": 17, "ok": 17, "by_status": {"ok": 17}}, "multi_concurrency": {"max_concurrency": 64, "in_flight": {"mean": 1, "max": 1000}}}`))
	f.Add([]byte(`{"schema": "lambda-reuse/summary/v1", "idle": {"size": 1, "rounds": 1, "points": [{"gap_minutes": 1, "samples": 0, "warm": 0, "p": 0, "low": 0, "high": 1}], "proactive_during_gaps": 246}}`))
	f.Add([]byte(`{"schema": "lambda-reuse/summary/v1", "plan": {"calls": 100, "rate_per_sec": 1, "handler_ms": 0},
		"requests": {"total": 100, "ok": 76, "failed": 24, "by_status": {"ok": 76, "error": 24}, "by_error": {"Runtime.OutOfMemory": 24}},
		"instances": {"count": 3, "resets": 1}, "reuse": {"mean": 33, "median": 30, "p10": 5, "p90": 45, "min": 1, "max": 50},
		"memory": {"size_mb": 512, "environments": 3, "generations": 4, "measured": 4, "growing": 2,
		"growth_mb_per_call": {"median": 0.1, "p10": 0.09, "p90": 0.12}, "start_mb": {"median": 80, "p10": 70, "p90": 90},
		"calls_to_limit": {"median": 4320, "min": 3900}, "reach_limit_share": 0.38, "out_of_memory": 24}}`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		s, err := summary.ParseSummary(doc)
		if err != nil {
			return
		}
		assert.NilError(t, s.Check(), "a summary read passes the guard")
		b, err := summary.MarshalSummary(s)
		assert.NilError(t, err, "a summary read is written again")
		back, err := summary.ParseSummary(b)
		assert.NilError(t, err, "%s", b)
		assert.Check(t, is.DeepEqual(back.Absent, s.Absent), "what the file lacked, written, is still lacking")
		again, err := summary.MarshalSummary(back)
		assert.NilError(t, err)
		assert.Check(t, is.Equal(string(again), string(b)), "written again, the same")
	})
}
