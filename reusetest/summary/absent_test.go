package summary_test

import (
	"encoding/json"
	"testing"

	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary/summarytest"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// without is s's JSON with the keys at paths removed (each a list of
// keys from the top).
func without(t *testing.T, s summary.Summary, paths ...[]string) []byte {
	t.Helper()
	b, err := summary.MarshalSummary(s)
	assert.NilError(t, err)
	var file map[string]any
	assert.NilError(t, json.Unmarshal(b, &file))
	for _, p := range paths {
		obj := file
		for _, k := range p[:len(p)-1] {
			obj = obj[k].(map[string]any)
		}
		delete(obj, p[len(p)-1])
	}
	b, err = json.Marshal(file)
	assert.NilError(t, err)
	return b
}

// TestAbsentNumbers: a summary read from a file lacking numbers (written
// before they were counted) names them, in its common part, in a part a
// pointer holds and in a kind's section; a figure that reads one is told
// apart from one that does not, and reading leaves the summary as it was.
// A file written today lacks none, and a number written only when not
// zero is never absent.
func TestAbsentNumbers(t *testing.T) {
	s := summarytest.Summarize(summarytest.HandMade())
	half := 7.5
	s.Sections = map[string]summary.Section{schedule.KindIdle: &summary.IdleSummary{Size: 3, Rounds: 2, HalfSurvivalMinutes: &half, Throttled: 4}}
	assert.Assert(t, s.Instances.Starts != nil)
	back, err := summary.ParseSummary(without(t, s))
	assert.NilError(t, err)
	assert.Check(t, is.Len(back.Absent, 0), "a summary written today lacks nothing: %v", back.Absent)

	older, err := summary.ParseSummary(without(t, s,
		[]string{"reuse", "p90"}, []string{"instances", "starts", "request_path"}, []string{"idle", "throttled"},
		[]string{"instances", "starts", "managed"}, // omitempty: its absence is a zero
	))
	assert.NilError(t, err)
	assert.Check(t, is.DeepEqual(older.Absent, []string{"instances.starts.request_path", "reuse.p90", "idle.throttled"}))

	p90 := func(s summary.Summary) float64 { return s.Reuse.P90 }
	requestPath := func(s summary.Summary) float64 { return float64(s.Instances.Starts.RequestPath) }
	throttled := func(s summary.Summary) float64 { return float64(s.Idle().Throttled) }
	share := func(s summary.Summary) float64 {
		return float64(s.Instances.Starts.RequestPath) / float64(s.Requests.OK)
	}
	median := func(s summary.Summary) float64 { return s.Reuse.Median }
	rounds := func(s summary.Summary) float64 { return float64(s.Idle().Rounds) }
	for name, f := range map[string]func(summary.Summary) float64{"p90": p90, "request path": requestPath, "idle throttled": throttled, "a share of an absent count": share} {
		assert.Check(t, older.ReadsAbsent(f), name)
		assert.Check(t, !back.ReadsAbsent(f), "%s, of a file that holds it", name)
	}
	for name, f := range map[string]func(summary.Summary) float64{"median": median, "idle rounds": rounds} {
		assert.Check(t, !older.ReadsAbsent(f), name)
	}
	assert.Check(t, older.Reuse.P90 == 0 && older.Instances.Starts.RequestPath == 0 && older.Idle().Throttled == 0, "reading left the summary as it was")

	// Written again, the older summary still lacks what its file lacked:
	// an absent number is not written as a measured 0.
	b, err := summary.MarshalSummary(older)
	assert.NilError(t, err)
	again, err := summary.ParseSummary(b)
	assert.NilError(t, err)
	assert.Check(t, is.DeepEqual(again.Absent, older.Absent))
	assert.Check(t, again.ReadsAbsent(p90) && !again.ReadsAbsent(median))
}
