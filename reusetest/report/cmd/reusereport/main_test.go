package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdalogs"
	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdasim"
	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"github.com/lambda-reuse/lambda-reuse/reusetest/recordlog"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

func TestCompareExitsOneOnDrift(t *testing.T) {
	sim, err := lambdasim.New(schedule.Plan{Calls: 36_000, RatePerSec: 10, HandlerMS: 500}, lambdasim.Options{})
	assert.NilError(t, err)
	sum, err := sim.Summarize(t.Context())
	assert.NilError(t, err)
	write := func(name string, s summary.Summary) string {
		b, err := summary.MarshalSummary(s)
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

// TestFitWritesAProfileFile fits a simulated run's log: the file it writes
// reads back as a profile, says where it came from, and runs.
func TestFitWritesAProfileFile(t *testing.T) {
	plan := schedule.Plan{Calls: 144_000, RatePerSec: 10, HandlerMS: 500}
	sim, err := lambdasim.New(plan, lambdasim.Options{Profile: lambdasim.ProfileSeed2021, Seed: 2})
	assert.NilError(t, err)
	dir := t.TempDir()
	logPath := filepath.Join(dir, "run.jsonl")
	w, _, err := recordlog.Open(logPath, plan, "simulator", lambdasim.Epoch, nil)
	assert.NilError(t, err)
	_, err = sim.Run(t.Context(), func(r *record.Record) { assert.NilError(t, w.Append(r)) })
	assert.NilError(t, err)
	assert.NilError(t, w.Close())

	out := filepath.Join(dir, "fitted.json")
	var sb strings.Builder
	assert.NilError(t, fitToFile(&sb, logPath, out, lambdasim.ProfileGo2026, lambdalogs.Options{}, ""))
	// One table: a row per parameter with its status, then the rule.
	rows := map[string][]string{}
	for _, line := range strings.Split(sb.String(), "\n") {
		if f := strings.Fields(line); len(f) > 2 {
			rows[f[0]] = f
		}
	}
	assert.Check(t, is.Equal(rows["max_lifetime"][1], "fitted"))
	assert.Check(t, is.Equal(rows["idle_timeout"][1], "kept"))
	assert.Check(t, is.Contains(strings.Join(rows["idle_timeout"], " "), "not an idle experiment"))
	assert.Check(t, is.Equal(rows["handler_time"][1], "fitted"))
	assert.Check(t, is.Contains(strings.Join(rows["handler_time"], " "), "500ms"))
	assert.Check(t, is.Contains(sb.String(), "\nplacement: "))
	p, err := lambdasim.ReadProfile(out)
	assert.NilError(t, err)
	assert.Check(t, is.Equal(p.Name, "fitted"))
	raw, err := os.ReadFile(out)
	assert.NilError(t, err)
	for _, want := range []string{`"provenance"`, `"from": "run.jsonl"`, `"placement"`, `"parameters"`, `"base": "go-2026"`} {
		assert.Check(t, is.Contains(string(raw), want))
	}
	again, err := lambdasim.New(plan, lambdasim.Options{Profile: out})
	assert.NilError(t, err)
	_, err = again.Summarize(t.Context())
	assert.NilError(t, err)

	// A log that is not there: an error, and no file written.
	none := filepath.Join(dir, "none.json")
	assert.Check(t, fitToFile(&sb, filepath.Join(dir, "absent.jsonl"), none, "", lambdalogs.Options{}, "") != nil)
	_, err = os.Stat(none)
	assert.Check(t, os.IsNotExist(err))
}

func TestDriftDateMustBeACalendarDate(t *testing.T) {
	assert.NilError(t, checkDate("2026-11-06"))
	for _, bad := range []string{"11/06/2026", "2026-13-01", "2026-11-6", "tonight", ""} {
		err := checkDate(bad)
		assert.Check(t, err != nil && strings.Contains(err.Error(), "YYYY-MM-DD"), "%q: %v", bad, err)
	}
}
