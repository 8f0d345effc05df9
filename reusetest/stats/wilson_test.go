package stats

import (
	"math"
	"testing"

	"gotest.tools/v3/assert"
)

func TestWilson(t *testing.T) {
	low, high := Wilson(5, 10, 1.96)
	assert.Check(t, math.Abs(low-0.2366) < 1e-4 && math.Abs(high-0.7634) < 1e-4, "%v %v", low, high)
	low, high = Wilson(0, 20, 1.96)
	assert.Check(t, low == 0 && math.Abs(high-0.1611) < 1e-4, "%v %v", low, high)
	low, high = Wilson(0, 0, 1.96)
	assert.Check(t, low == 0 && high == 1, "no samples, no knowledge")
}
