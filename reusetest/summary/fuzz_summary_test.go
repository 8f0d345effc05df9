package summary_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
	"gotest.tools/v3/assert"
)

// FuzzParseSummary: any bytes give a summary or an error, never a panic;
// a summary read re-marshals and reads back the same.
func FuzzParseSummary(f *testing.F) {
	golden, err := os.ReadFile(filepath.Join("..", "..", "testdata", "sim-seed.golden.json"))
	assert.NilError(f, err)
	f.Add(golden)
	f.Add([]byte(`{"schema": "lambda-reuse/summary/v1"}`))
	f.Add([]byte(`{"schema": "lambda-reuse/summary/v1", "schema": "x"}`))
	f.Add([]byte(`{"schema": "lambda-reuse/summary/v1"} {}`))
	f.Add([]byte(`{"schema": "lambda-reuse/summary/v1", "plan": {"calls": 1e300}}`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		s, err := summary.ParseSummary(doc)
		if err != nil {
			return
		}
		b, err := summary.MarshalSummary(s)
		if err != nil {
			return // a value JSON cannot hold (say NaN): refused on the way out too
		}
		_, err = summary.ParseSummary(b)
		assert.NilError(t, err)
	})
}
