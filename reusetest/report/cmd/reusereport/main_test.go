package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

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
		b, err := reuse.MarshalSummary(s)
		assert.NilError(t, err)
		path := filepath.Join(t.TempDir(), name)
		assert.NilError(t, os.WriteFile(path, b, 0o644))
		return path
	}
	base := write("base.json", sum)
	drifted := sum
	drifted.Reuse.Median *= 2
	var out strings.Builder
	assert.Equal(t, compareSummaries(&out, base, write("same.json", sum)), 0)
	assert.Assert(t, !strings.Contains(out.String(), "DRIFT"))
	out.Reset()
	assert.Equal(t, compareSummaries(&out, base, write("drifted.json", drifted)), 1)
	assert.Assert(t, strings.Contains(out.String(), "| reuse median |"))
	assert.Assert(t, strings.Contains(out.String(), "**DRIFT**"))
}
