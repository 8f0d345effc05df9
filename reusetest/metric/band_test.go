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
	assert.Check(t, is.Contains(b.String(), "fitted: a band (low to high) over what the profile kept: not a point, and not a confidence interval:\n\n- idle_timeout 5m18s, 7m0s (kept: go-2026's range): moves instances\n"))
	// A metric of no tolerance is shown, not judged; a figure has at most
	// four decimals.
	b.Reset()
	shown := summary.Prediction{Profile: "fitted", Placement: "mru", Metrics: []summary.PredictedMetric{{Metric: "1 + failed share", Predicted: 11, Measured: 1.0087082728592163, OK: true}}}
	assert.NilError(t, WritePredictionsMarkdown(&b, []summary.Prediction{shown}))
	assert.Check(t, is.Contains(b.String(), "| 1 + failed share | 1.0087 | 11 | not judged |"))
	b.Reset()
	assert.NilError(t, WritePredictionsMarkdown(&b, []summary.Prediction{point}))
	assert.Check(t, is.Equal(b.String(), "| metric | measured | go-2026, mru | verdict |\n|---|---:|---:|---|\n| instances | 51 | 60 | ok (±30%) |\n"))
}
