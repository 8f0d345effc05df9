package schedule

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// TestPopulationDraws: a synthetic population's tenants follow its stated
// popularity (checked against shares computed here, not by the drawing
// code), are a function of seed and seq alone, and round-trip through the
// spec with every kind's optional interfaces kept.
func TestPopulationDraws(t *testing.T) {
	const calls = 200_000
	plan := Steady{Calls: calls, RatePerSec: 10, HandlerMS: 100}
	for _, tc := range []struct {
		pop  Population
		want func(k int) float64 // expected share of rank k
	}{
		{Population{Count: 10, Popularity: PopularityUniform}, func(int) float64 { return 0.1 }},
		{Population{Count: 100, Popularity: PopularityZipf}, func(k int) float64 {
			var h float64
			for i := 1; i <= 100; i++ {
				h += 1 / float64(i)
			}
			return 1 / float64(k) / h
		}},
		{Population{Count: 50, Popularity: PopularityZipf, ZipfS: 2}, func(k int) float64 {
			var h float64
			for i := 1; i <= 50; i++ {
				h += 1 / float64(i*i)
			}
			return 1 / float64(k*k) / h
		}},
	} {
		s, err := WithTenants(plan, tc.pop)
		assert.NilError(t, err)
		of := TenantOf(s)
		assert.Assert(t, of != nil)
		counts := map[string]int{}
		for seq := range int64(calls) {
			counts[of(seq)]++
		}
		assert.Check(t, len(counts) <= tc.pop.Count, tc.pop)
		for _, k := range []int{1, 2, 5, tc.pop.Count} {
			want := tc.want(k) * calls
			got := float64(counts[tenantName(k)])
			// 5 standard deviations of a binomial count.
			assert.Check(t, math.Abs(got-want) <= 5*math.Sqrt(want)+1, "%v rank %d: %v calls, want about %.0f", tc.pop, k, got, want)
		}

		// The spec carries the population; the schedule it builds draws
		// the same tenants.
		b, err := json.Marshal(s.Spec())
		assert.NilError(t, err)
		assert.Check(t, is.Contains(string(b), `"tenants":{"count":`))
		var spec ScheduleSpec
		assert.NilError(t, json.Unmarshal(b, &spec))
		assert.NilError(t, CheckSpec(spec))
		again, err := FromSpec(spec)
		assert.NilError(t, err)
		assert.Check(t, again.Spec().Same(s.Spec()))
		for _, seq := range []int64{0, 1, 777, calls - 1} {
			assert.Check(t, is.Equal(TenantOf(again)(seq), of(seq)))
		}
		slow, err := InModelTime(s, 10)
		assert.NilError(t, err)
		assert.Check(t, is.Equal(TenantOf(slow)(99), of(99)))
		pre, ok := PrefixOf(s, 10)
		assert.Assert(t, ok)
		assert.Check(t, is.Equal(pre.Plan().Calls, int64(10)))
		assert.Check(t, is.Equal(TenantOf(pre)(3), of(3)))
	}

	// A burst keeps its bunching and its units under a population.
	b, err := WithTenants(Burst{Size: 20, Rounds: 3, Pause: 1e9, HandlerMS: 10}, Population{Count: 3, Popularity: PopularityUniform})
	assert.NilError(t, err)
	assert.Check(t, is.Equal(AtOnce(b), int64(20)))
	_, ok := UnitsOf(b)
	assert.Check(t, ok)
	assert.Check(t, TenantOf(Steady{Calls: 1, RatePerSec: 1}) == nil)
}

// TestPopulationRefusesBadInput: counts, popularities and exponents out of
// range are refused with the limit named.
func TestPopulationRefusesBadInput(t *testing.T) {
	plan := Steady{Calls: 10, RatePerSec: 1}
	for _, tc := range []struct {
		pop  Population
		want string
	}{
		{Population{Count: 0, Popularity: PopularityUniform}, "the count must be 1 to 100000, got 0"},
		{Population{Count: MaxTenants + 1, Popularity: PopularityZipf}, "1 to 100000, got 100001"},
		{Population{Count: 5, Popularity: "pareto"}, `popularity "pareto": want uniform or zipf`},
		{Population{Count: 5, Popularity: PopularityZipf, ZipfS: -1}, "above 0 and at most 10, got -1"},
		{Population{Count: 5, Popularity: PopularityZipf, ZipfS: math.NaN()}, "got NaN"},
		{Population{Count: 5, Popularity: PopularityUniform, ZipfS: 2}, "with uniform popularity"},
	} {
		_, err := WithTenants(plan, tc.pop)
		assert.Check(t, is.ErrorContains(err, tc.want), tc.pop)
		spec := plan.Spec()
		spec.Tenants = &tc.pop
		assert.Check(t, is.ErrorContains(CheckSpec(spec), tc.want))
	}
}

// TestTraceTenantColumn: a trace's tenant column gives each call its
// tenant, in CSV and JSON Lines; bad ids, missing ones and a number where
// a string belongs are refused with the line named.
func TestTraceTenantColumn(t *testing.T) {
	csv := writeTrace(t, "t.csv", "time,tenant,duration_ms\n0,blue,10\n0.5,red,10\n1,blue,20\n1.5,acme:eu/1,10\n")
	tr, err := OpenTrace(csv, TraceOptions{})
	assert.NilError(t, err)
	assert.Check(t, tr.HasTenants())
	of := TenantOf(tr)
	assert.Assert(t, of != nil)
	var got []string
	for seq := range tr.Plan().Calls {
		got = append(got, of(seq))
	}
	assert.Check(t, is.DeepEqual(got, []string{"blue", "red", "blue", "acme:eu/1"}))
	assert.Check(t, is.Equal(of(1), "red"), "asked again, out of order")
	_, err = WithTenants(tr, Population{Count: 2, Popularity: PopularityUniform})
	assert.Check(t, is.ErrorContains(err, "carry tenants of their own"))

	jl := writeTrace(t, "t.jsonl", `{"time": 0, "tenant": "blue"}`+"\n"+`{"time": 1, "tenant": "green"}`+"\n")
	tj, err := OpenTrace(jl, TraceOptions{})
	assert.NilError(t, err)
	assert.Check(t, is.Equal(TenantOf(tj)(1), "green"))

	plain, err := OpenTrace(writeTrace(t, "p.csv", "time\n0\n1\n"), TraceOptions{})
	assert.NilError(t, err)
	assert.Check(t, TenantOf(plain) == nil)

	for _, tc := range []struct{ name, content, want string }{
		{"empty.csv", "time,tenant\n0,blue\n1,\n", "line 3: column 2: tenant: a tenant id is 1 to 256 characters, got 0"},
		{"bad.csv", "time,tenant\n0,blue\n1,a;b\n", `line 3: column 2: tenant: a tenant id holds letters, digits, spaces and ._:/=+-@ only; character 2 is ';'`},
		{"long.csv", "time,tenant\n0," + strings.Repeat("x", 257) + "\n", "1 to 256 characters, got 257"},
		{"number.jsonl", `{"time": 0, "tenant": 12}` + "\n", "line 1: tenant: want a string (a tenant id in quotes)"},
		{"missing.jsonl", `{"time": 0, "tenant": "a"}` + "\n" + `{"time": 1}` + "\n", "line 2: a tenant on some lines and not on others"},
		{"counts.csv", "minute,count,tenant\n0,3,a\n", "a counts trace has no \"tenant\" column"},
		{"accent.csv", "time,tenant\n0,tén\n", `line 2: column 2: tenant: a tenant id holds letters, digits, spaces and ._:/=+-@ only; character 2 is 'é'`},
		{"latin1.csv", "time,tenant\n0,t\xe9n\n", `character 2 is the byte 0xe9, not UTF-8`},
		{"twice.jsonl", `{"time": 0, "tenant": "blue", "tenant": "red"}` + "\n", "line 1: tenant: the line gives its tenant twice"},
		{"time-and-start.jsonl", `{"time": 0, "start": 5}` + "\n", "line 1: start: the line gives its time twice"},
		{"durations.jsonl", `{"time": 0, "duration_ms": 5, "duration": "1s"}` + "\n", "line 1: duration: the line gives its duration twice"},
	} {
		_, err := OpenTrace(writeTrace(t, tc.name, tc.content), TraceOptions{})
		assert.Check(t, is.ErrorContains(err, tc.want), tc.name)
	}
}
