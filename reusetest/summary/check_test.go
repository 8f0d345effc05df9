package summary_test

import (
	"encoding/json"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/lambda-reuse/lambda-reuse/internal/testenv"
	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdasim"
	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary/summarytest"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// simulated are summaries of every kind's example, simulated, and of the
// kinds' parts: Managed Instances (a ramp on managed-2026) and tenants.
func simulated(t *testing.T) map[string]summary.Summary {
	t.Helper()
	out := map[string]summary.Summary{}
	run := func(name string, sched schedule.Schedule, profile string) {
		sim, err := lambdasim.New(sched, lambdasim.Options{Profile: profile})
		assert.NilError(t, err, name)
		s, err := sim.Summarize(t.Context())
		assert.NilError(t, err, name)
		out[name] = s
	}
	for _, k := range schedule.Kinds {
		sched, err := k.Example(t.TempDir())
		assert.NilError(t, err, k.Name)
		run(k.Name, sched, lambdasim.ProfileSeed2021)
	}
	ramp, ok := schedule.KindOf(schedule.KindRamp)
	assert.Assert(t, ok)
	sched, err := ramp.Example(t.TempDir())
	assert.NilError(t, err)
	run("managed", sched, lambdasim.ProfileManaged2026)
	tenants, err := schedule.WithTenants(schedule.Steady{Calls: 2_000, RatePerSec: 20, HandlerMS: 500}, schedule.Population{Count: 50, Popularity: schedule.PopularityZipf})
	assert.NilError(t, err)
	run("tenants", tenants, lambdasim.ProfileGo2026)
	return out
}

// TestEverySummaryPassesTheGuard: the golden seed summary and a simulated
// summary of every kind and part pass Check, are written, and read back.
func TestEverySummaryPassesTheGuard(t *testing.T) {
	golden, err := os.ReadFile(testenv.Testdata(t, "sim-seed.golden.json"))
	assert.NilError(t, err)
	_, err = summary.ParseSummary(golden)
	assert.NilError(t, err)
	for name, s := range simulated(t) {
		assert.Check(t, s.Check(), name)
		b, err := summary.MarshalSummary(s)
		assert.NilError(t, err, name)
		_, err = summary.ParseSummary(b)
		assert.Check(t, err, name)
	}
}

// TestSummaryKeysAsEncodingJSONReadsThem: a field written twice in
// different case is refused (encoding/json would keep the last), while
// error types differing only in case stay two counts.
func TestSummaryKeysAsEncodingJSONReadsThem(t *testing.T) {
	golden, err := os.ReadFile(testenv.Testdata(t, "sim-seed.golden.json"))
	assert.NilError(t, err)
	var doc map[string]any
	assert.NilError(t, json.Unmarshal(golden, &doc))
	doc["Schema"] = doc["schema"]
	b, err := json.Marshal(doc)
	assert.NilError(t, err)
	_, err = summary.ParseSummary(b)
	assert.Check(t, is.ErrorContains(err, "duplicate key"))

	s, err := summary.ParseSummary(golden)
	assert.NilError(t, err)
	s.Requests.Failed, s.Requests.OK = s.Requests.Failed+2, s.Requests.OK-2
	s.Requests.ByStatus[record.StatusOK] -= 2
	s.Requests.ByStatus[record.StatusError] += 2
	s.Requests.ByErrorClass = map[record.ErrorClass]int64{record.ClassFunctionError: 2}
	s.Requests.ByError = map[string]int64{"MyError": 1, "myerror": 1}
	b, err = summary.MarshalSummary(s)
	assert.NilError(t, err)
	back, err := summary.ParseSummary(b)
	assert.NilError(t, err)
	assert.Check(t, is.DeepEqual(back.Requests.ByError, s.Requests.ByError))
}

// TestImpossibleSummariesAreRefused: a summary file with an impossible
// figure in any part, as a hostile or careless hand would write one (the
// nights of the trend and drift among them: instances -37, a lifetime
// median of -50, 10^18 starts on the request path, a median reuse of
// 1e308), is refused as it is read, the error naming the field by its
// JSON path and its value.
func TestImpossibleSummariesAreRefused(t *testing.T) {
	sums := simulated(t)
	for _, tc := range []struct {
		of, path string
		value    any
		want     string
	}{
		{"steady", "instances.count", -37, "instances.count -37: a count is at least 0"},
		{"steady", "lifetime_minutes.median", -50, "lifetime_minutes.median -50: a duration from 0 to"},
		{"steady", "instances.starts.request_path", 1e18, "instances.starts.request_path, instances.starts.proactive, instances.starts.provisioned, instances.starts.restored, instances.starts.managed add up to 10000000000000000"},
		{"steady", "reuse.median", 1e308, "reuse.median 1e+308: a finite figure from 0 to 1e+18"},
		{"steady", "reuse.p90", -1, "reuse.p90 -1: a finite figure"},
		{"steady", "requests.ok", 1 << 40, "requests.ok, requests.failed add up to"},
		{"steady", "requests.by_status.ok", 3, "requests.by_status add up to"},
		{"steady", "concurrency.max", 1 << 40, "concurrency.max 1099511627776: more than requests.total"},
		{"steady", "time_scale", 1e308, "time_scale 1e+308: a served pool declares a scale from 0.001 to 100000"},
		{"steady", "plan.calls", -5, "plan.calls -5: a count is at least 0"},
		{"steady", "seed_method.avg_lifetime_minutes", -0.5, "seed_method.avg_lifetime_minutes -0.5"},
		{"steady", "simulator.proactive_share", 1.5, "simulator.proactive_share 1.5: a share from 0 to 1"},
		{"steady", "lifetime_minutes.censored", 1 << 30, "lifetime_minutes.censored 1073741824: more than instances.count"},
		{"managed", "multi_concurrency.in_flight.max", 1e12, "multi_concurrency.in_flight.max 1000000000000: more than multi_concurrency.max_concurrency (64)"},
		{"managed", "multi_concurrency.max_concurrency", -64, "multi_concurrency.max_concurrency -64: a count is at least 0"},
		{"managed", "multi_concurrency.started", 1000, "multi_concurrency.started 1000: not instances.starts.managed"},
		{"tenants", "tenants.cold_share", 2, "tenants.cold_share 2: a share from 0 to 1"},
		{"tenants", "tenants.bands[0].ranks", []int{0, 5}, "tenants.bands[0].ranks [0 5]: ranks from 1 to tenants.count"},
		{"tenants", "tenants.busiest[1].served", 1 << 40, "tenants.busiest[1].served 1099511627776: more than its calls"},
		{"burst", "burst.bursts[0].cold", 1 << 40, "burst.bursts[0].cold 1099511627776: more than burst.bursts[0].served"},
		{"burst", "burst.warm_latency_ms.p50", math.MaxFloat64, "burst.warm_latency_ms.p50 1.7976931348623157e+308"},
		{"idle", "idle.points[0].p", 1.5, "idle.points[0].p 1.5: a share from 0 to 1"},
		{"idle", "idle.proactive_during_gaps", 246, "idle.proactive_during_gaps 246: more than instances.count"},
		{"ramp", "ramp.throttled", 5, "ramp.steps[].throttled add up to 0, not ramp.throttled (5)"},
		{"trace", "trace.cold_share", -0.1, "trace.cold_share -0.1: a share from 0 to 1"},
		{"trace", "trace.cold_by_hour[0]", 1 << 40, "trace.cold_by_hour[0] 1099511627776: more than trace.calls_by_hour[0]"},
	} {
		t.Run(tc.of+"/"+tc.path, func(t *testing.T) {
			s, ok := sums[tc.of]
			assert.Assert(t, ok)
			_, err := summary.ParseSummary(withField(t, s, tc.path, tc.value))
			assert.Check(t, is.ErrorContains(err, tc.want))
		})
	}
}

// TestAnImpossibleSummaryIsNeverWritten: a summary holding NaN, an
// infinity or a negative count is refused on the way out, naming the
// field and the value, so no file holds it.
func TestAnImpossibleSummaryIsNeverWritten(t *testing.T) {
	s := simulated(t)["steady"]
	for _, tc := range []struct {
		change func(*summary.Summary)
		want   string
	}{
		{func(s *summary.Summary) { s.Reuse.Mean = math.NaN() }, "reuse.mean NaN"},
		{func(s *summary.Summary) { s.SeedMethod.AvgLifetimeMinutes = math.Inf(-1) }, "seed_method.avg_lifetime_minutes -Inf"},
		{func(s *summary.Summary) { s.Instances.ColdStarts = -1 }, "instances.cold_starts -1"},
		{func(s *summary.Summary) { s.Plan.RatePerSec = 1e-9 }, "lasts more than the 87600h0m0s a schedule may last"},
	} {
		bad := s
		tc.change(&bad)
		_, err := summary.MarshalSummary(bad)
		assert.Check(t, is.ErrorContains(err, tc.want))
		assert.Check(t, is.ErrorContains(err, "a bug: please report it"))
	}
}

// withField is s's JSON with the field at path (dots and [i]) set to v.
func withField(t *testing.T, s summary.Summary, path string, v any) []byte {
	t.Helper()
	b, err := json.Marshal(s)
	assert.NilError(t, err)
	var doc any
	assert.NilError(t, json.Unmarshal(b, &doc))
	keys := regexp.MustCompile(`[^.\[\]]+`).FindAllString(path, -1)
	node := doc
	for i, k := range keys {
		last := i == len(keys)-1
		switch n := node.(type) {
		case map[string]any:
			if last {
				n[k] = v
			} else {
				node = n[k]
			}
		case []any:
			j, err := strconv.Atoi(k)
			assert.NilError(t, err)
			assert.Assert(t, j < len(n), "%s: %d of %d", path, j, len(n))
			if last {
				n[j] = v
			} else {
				node = n[j]
			}
		default:
			t.Fatalf("%s: no %s in %T", path, strings.Join(keys[:i+1], "."), node)
		}
	}
	out, err := json.Marshal(doc)
	assert.NilError(t, err)
	return out
}

// TestAnOlderFileIsJudgedOnWhatItHolds: a summary file written before a
// number joined the contract lacks it (Summary.Absent), read as 0: the
// guard does not judge a relation that names it (a p90 of 0 below the
// median, starts by type that do not add up without the request path),
// and still refuses an impossible figure the file does hold.
func TestAnOlderFileIsJudgedOnWhatItHolds(t *testing.T) {
	s := simulated(t)["steady"]
	older := func(edit func(doc map[string]any)) []byte {
		b, err := json.Marshal(s)
		assert.NilError(t, err)
		var doc map[string]any
		assert.NilError(t, json.Unmarshal(b, &doc))
		delete(doc["reuse"].(map[string]any), "p90")
		delete(doc["instances"].(map[string]any)["starts"].(map[string]any), "request_path")
		edit(doc)
		out, err := json.Marshal(doc)
		assert.NilError(t, err)
		return out
	}
	got, err := summary.ParseSummary(older(func(map[string]any) {}))
	assert.NilError(t, err)
	assert.Check(t, is.DeepEqual(got.Absent, []string{"instances.starts.request_path", "reuse.p90"}))
	_, err = summary.ParseSummary(older(func(doc map[string]any) { doc["instances"].(map[string]any)["count"] = -37 }))
	assert.Check(t, is.ErrorContains(err, "instances.count -37"))
	assert.Check(t, !strings.Contains(err.Error(), "reuse.p90") && !strings.Contains(err.Error(), "request_path"), "%v", err)
}

// TestTheNewestPartsAreGuarded: the parts that count resets, runtime
// generations, failures by error type and a function's own logs check
// their own numbers too: a summary of a run with a reset passes, and an
// impossible figure in any of those parts is refused, named.
func TestTheNewestPartsAreGuarded(t *testing.T) {
	s := summarytest.Summarize(resetRun())
	assert.Assert(t, s.Generations != nil)
	s.Logs = &summary.LogsRead{File: "export.jsonl", Formats: []string{"text"}, Events: 30, Used: 20, Skipped: map[string]int64{"a function's own line": 10}, Streams: 3, Calls: 7}
	assert.NilError(t, s.Check())
	_, err := summary.MarshalSummary(s)
	assert.NilError(t, err)
	for _, tc := range []struct {
		path  string
		value any
		want  string
	}{
		{"runtime_generations.count", 40, "runtime_generations.count 40: not instances.count plus instances.resets (4)"},
		{"runtime_generations.reuse.p10", -1, "runtime_generations.reuse.p10 -1"},
		{"runtime_generations.lifetime_minutes.censored", 9, "runtime_generations.lifetime_minutes.censored 9: more than runtime_generations.count"},
		{"instances.left_censored", 3, "instances.left_censored 3: more than instances.count less instances.cold_starts (2)"},
		{"instances.resets", -1, "instances.resets -1: a count is at least 0"},
		{"logs.used", 25, "logs.used, logs.skipped add up to 35, not logs.events (30)"},
		{"logs.calls", 21, "logs.calls 21: more than logs.used"},
	} {
		_, err := summary.ParseSummary(withField(t, s, tc.path, tc.value))
		assert.Check(t, is.ErrorContains(err, tc.want), tc.path)
	}
	bad := s
	bad.Requests.ByError = map[string]int64{"Runtime.ExitError": 5}
	assert.Check(t, is.ErrorContains(bad.Check(), "requests.by_error 5: more than requests.failed (the failed calls by error type in all) (1)"))
}
