package metric

import (
	"bytes"
	"testing"

	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// TestAPredictionsBandIsWritten: a banded prediction's table gives each
// metric's low and high beside its point, and names the kept parameters
// that widen it; a point prediction's is as it was.
func TestAPredictionsBandIsWritten(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	point := summary.Prediction{Profile: "go-2026", Placement: "mru", Metrics: []summary.PredictedMetric{{Metric: "instances", Predicted: 60, Measured: 51, Tolerance: 0.3, OK: true}}}
	band := summary.Prediction{Profile: "fitted", Fitted: true, Placement: "mru", Spread: []string{"idle_timeout 5m18s, 7m0s (kept: go-2026's range): moves instances"},
		Metrics: []summary.PredictedMetric{{Metric: "instances", Predicted: 64, Measured: 51, Tolerance: 0.3, OK: true, Low: f(47), High: f(64)}}}
	var b bytes.Buffer
	assert.NilError(t, WritePredictionsMarkdown(&b, []summary.Prediction{point, band}))
	assert.Check(t, is.Contains(b.String(), "| instances | 51 | 60 | ok (±30%) | 64 (47 to 64) | ok (±30%) |"))
	assert.Check(t, is.Contains(b.String(), "fitted: a band (low to high) over what the profile kept, not a point:\n\n- idle_timeout 5m18s, 7m0s (kept: go-2026's range): moves instances\n"))
	b.Reset()
	assert.NilError(t, WritePredictionsMarkdown(&b, []summary.Prediction{point}))
	assert.Check(t, is.Equal(b.String(), "| metric | measured | go-2026, mru | verdict |\n|---|---:|---:|---|\n| instances | 51 | 60 | ok (±30%) |\n"))
}
