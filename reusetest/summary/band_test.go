package summary_test

import (
	"testing"

	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary/summarytest"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// TestAPredictionsBandIsGuarded: a prediction's band (low and high) holds
// its point and is a figure; one that does not is refused, named.
func TestAPredictionsBandIsGuarded(t *testing.T) {
	s := summarytest.Summarize(resetRun())
	f := func(v float64) *float64 { return &v }
	s.Predictions = []summary.Prediction{{Profile: "fitted", Fitted: true, Spread: []string{"idle_timeout 5m18s, 7m0s (kept): moves instances"},
		Metrics: []summary.PredictedMetric{{Metric: "instances", Predicted: 5, Measured: 4, Tolerance: 0.3, Low: f(4), High: f(8)}}}}
	assert.NilError(t, s.Check())
	b, err := summary.MarshalSummary(s)
	assert.NilError(t, err)
	back, err := summary.ParseSummary(b)
	assert.NilError(t, err)
	assert.Check(t, is.DeepEqual(back.Predictions, s.Predictions))

	s.Predictions[0].Metrics[0].Low = f(6)
	assert.Check(t, is.ErrorContains(s.Check(), "predictions[0].metrics[0].predicted 5: below predictions[0].metrics[0].low (6)"))
	s.Predictions[0].Metrics[0].Low, s.Predictions[0].Metrics[0].High = f(4), f(-1)
	assert.Check(t, is.ErrorContains(s.Check(), "predictions[0].metrics[0].high -1"))
}
