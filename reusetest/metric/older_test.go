package metric

import (
	"encoding/json"
	"os"
	"slices"
	"testing"

	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdasim"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// olderSeed is the seed experiment's golden summary as the project's first
// version wrote it: before init types, proactive starts and starts by type
// were counted.
const olderSeed = "testdata/seed-first.summary.json"

// todaysSeed is the seed experiment simulated by today's code: the same
// plan as olderSeed's.
func todaysSeed(t *testing.T) summary.Summary {
	t.Helper()
	sim, err := lambdasim.New(schedule.SeedSchedule(), lambdasim.Options{})
	assert.NilError(t, err)
	s, err := sim.Summarize(t.Context())
	assert.NilError(t, err)
	assert.Check(t, is.Len(s.Absent, 0), "a summary made from records lacks nothing")
	return s
}

// TestOlderSummaryIsNoBaseline judges an older summary, as its file was
// committed, against today's run of the same plan, with every metric of
// the registry and two metrics added since that read numbers the older
// file lacks, as a new metric would, with no Known written for them:
// nothing drifts, the new ones have no baseline, and the registry's
// judged metrics are judged.
func TestOlderSummaryIsNoBaseline(t *testing.T) {
	older, err := summary.ReadSummary(olderSeed)
	assert.NilError(t, err)
	assert.Check(t, is.DeepEqual(older.Absent, []string{"simulator.scaling_rate", "simulator.proactive_share", "instances.init_known", "instances.proactive"}))
	today := todaysSeed(t)
	added := []Metric{
		{Name: "environments that said their init", Value: func(s summary.Summary) float64 { return float64(s.Instances.InitKnown) }, Integer: true, Tolerance: 0.3},
		{Name: "init said, % of environments", Value: func(s summary.Summary) float64 {
			return 100 * float64(s.Instances.InitKnown) / float64(s.Instances.Count)
		}, Tolerance: 0.3},
	}
	cs, note := Judge(older, today, append(slices.Clone(Metrics), added...))
	assert.Check(t, is.Equal(note, ""), "one plan: judged")
	assert.Check(t, !Drifted(cs), "%+v", cs)
	for _, c := range cs[len(Metrics):] {
		_, verdict := c.toleranceText()
		assert.Check(t, c.NoBase && c.OK && verdict == "no baseline", "%+v: %s", c, verdict)
	}
	for _, c := range cs[:len(Metrics)] {
		if c.Tolerance > 0 {
			assert.Check(t, !c.NoBase, "%s: the older summary holds it", c.Metric)
		}
	}

	// The same numbers present at 0 are a baseline of 0, and 71 against it
	// drifts: absent is not zero.
	zero := older
	zero.Absent = nil
	assert.Check(t, Drifted(Compare(zero, today, added)))
}

// TestAbsentFloatIsNoBaseline: a float the older file lacks (the 2021
// method's lifetime, removed from the file here) is no baseline for the
// judged metric that reads it; present at 0, it drifts.
func TestAbsentFloatIsNoBaseline(t *testing.T) {
	b, err := os.ReadFile(olderSeed)
	assert.NilError(t, err)
	var file map[string]any
	assert.NilError(t, json.Unmarshal(b, &file))
	seedMethod := file["seed_method"].(map[string]any)
	delete(seedMethod, "avg_lifetime_minutes")
	without, err := json.Marshal(file)
	assert.NilError(t, err)
	older, err := summary.ParseSummary(without)
	assert.NilError(t, err)
	assert.Check(t, slices.Contains(older.Absent, "seed_method.avg_lifetime_minutes"), "%v", older.Absent)
	today := todaysSeed(t)
	cs, _ := Judge(older, today, JudgedMetrics())
	assert.Check(t, !Drifted(cs))
	i := slices.IndexFunc(cs, func(c Comparison) bool { return c.Metric == metricSeedLifetime.Name })
	assert.Assert(t, i >= 0)
	assert.Check(t, cs[i].NoBase, "%+v", cs[i])

	seedMethod["avg_lifetime_minutes"] = 0
	withZero, err := json.Marshal(file)
	assert.NilError(t, err)
	zero, err := summary.ParseSummary(withZero)
	assert.NilError(t, err)
	cs, _ = Judge(zero, today, JudgedMetrics())
	assert.Check(t, !cs[i].NoBase && !cs[i].OK, "%+v", cs[i])
}
