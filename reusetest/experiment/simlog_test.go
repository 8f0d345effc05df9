package experiment

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/lambda-reuse/lambda-reuse/reusetest/fit"
	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdasim"
	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// TestSimulatedRunWritesItsLog: a simulated run's log holds every call
// once and reads back (fit.FromLog) to the run's own summary; an existing
// file is refused before any call and left as it was; a failed run leaves
// no log.
func TestSimulatedRunWritesItsLog(t *testing.T) {
	dir := t.TempDir()
	plan := schedule.Steady{Calls: 20_000, RatePerSec: 10, HandlerMS: 300}
	sim, err := lambdasim.New(plan, lambdasim.Options{})
	assert.NilError(t, err)
	path := filepath.Join(dir, "sim.jsonl")
	log, err := createSimLog(path, plan)
	assert.NilError(t, err)
	sum := summary.NewSummarizer(plan, "simulator", nil)
	_, err = sim.Run(t.Context(), func(r *record.Record) { log.Add(r); sum.Add(r) })
	assert.NilError(t, err)
	_, err = os.Stat(path)
	assert.Check(t, os.IsNotExist(err), "the log is in place before the run ended")
	assert.NilError(t, log.Close(true))

	f, err := fit.FromLog(path)
	assert.NilError(t, err)
	got, want := f.Summary(), sum.Summary()
	assert.Check(t, is.Equal(got.Requests.Total, plan.Calls))
	assert.Check(t, is.DeepEqual(got.Reuse, want.Reuse))
	assert.Check(t, is.DeepEqual(got.LifetimeMinutes, want.LifetimeMinutes))

	before, err := os.ReadFile(path)
	assert.NilError(t, err)
	_, err = createSimLog(path, plan)
	assert.Check(t, is.ErrorContains(err, "exists"))
	after, err := os.ReadFile(path)
	assert.NilError(t, err)
	assert.Check(t, is.Equal(string(after), string(before)))

	failed := filepath.Join(dir, "failed.jsonl")
	log, err = createSimLog(failed, plan)
	assert.NilError(t, err)
	assert.NilError(t, log.Close(false))
	entries, err := os.ReadDir(dir)
	assert.NilError(t, err)
	assert.Check(t, is.Len(entries, 1), "a failed run left files: %v", entries)
}
