package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/lambda-reuse/lambda-reuse/reusetest"
	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdasim"
	"github.com/lambda-reuse/lambda-reuse/reusetest/reuse"
	"gotest.tools/v3/assert"
)

func TestCompareExitsOneOnDrift(t *testing.T) {
	sim, err := lambdasim.New(reuse.Plan{Calls: 36_000, RatePerSec: 10, HandlerMS: 500}, lambdasim.Options{})
	assert.NilError(t, err)
	sum, err := sim.Summarize(t.Context())
	assert.NilError(t, err)
	write := func(name string, s reuse.Summary) string {
		b, err := reusetest.MarshalSummary(s)
		assert.NilError(t, err)
		path := filepath.Join(t.TempDir(), name)
		assert.NilError(t, os.WriteFile(path, b, 0o644))
		return path
	}
	base := write("base.json", sum)
	drifted := sum
	drifted.Reuse.Median *= 2
	stdout := os.Stdout
	os.Stdout, _ = os.Open(os.DevNull)
	defer func() { os.Stdout = stdout }()
	assert.Equal(t, compareSummaries(base, write("same.json", sum)), 0)
	assert.Equal(t, compareSummaries(base, write("drifted.json", drifted)), 1)
}
