package lambdasim

import (
	"strings"
	"testing"

	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// TestProvisionedConcurrencyTakesTheStarts: the seed plan with provisioned
// concurrency at least its busy environments has no start on the request
// path at all (every call finds a provisioned environment ready, and each
// one recycled at its age is replaced ahead); with fewer, the calls beyond
// them spill to on-demand environments, counted as request-path starts.
// Provisioned environments never idle out.
func TestProvisionedConcurrencyTakesTheStarts(t *testing.T) {
	base, err := LookupProfile(ProfileSeed2021)
	assert.NilError(t, err)
	plan := schedule.SeedSchedule()
	for _, tc := range []struct {
		provisioned int
		spill       bool
	}{{12, false}, {2, true}, {0, true}} {
		p := base
		p.Provisioned = tc.provisioned
		sim, err := NewOf(plan, p, MostRecentlyUsed, 1)
		assert.NilError(t, err)
		sum, err := sim.Summarize(t.Context())
		assert.NilError(t, err)
		st := sum.Instances.Starts
		assert.Assert(t, st != nil)
		t.Logf("provisioned %d: %+v, busy max %d", tc.provisioned, *st, sum.Concurrency.Max)
		assert.Check(t, is.Equal(st.RequestPath+st.Proactive+st.Provisioned+st.Restored, sum.Instances.ColdStarts))
		assert.Check(t, is.Equal(st.TypeKnown, sum.Instances.ColdStarts), "the model says every type")
		assert.Check(t, is.Equal(sum.Requests.OK, plan.Calls))
		assert.Check(t, is.Equal(sum.Simulator.Provisioned, tc.provisioned))
		if tc.provisioned > 0 {
			// The first ones and one replacement per recycling: at least the count.
			assert.Check(t, st.Provisioned >= tc.provisioned, "%+v", *st)
		}
		if !tc.spill {
			assert.Check(t, sum.Concurrency.Max <= tc.provisioned, "busy %d", sum.Concurrency.Max)
			assert.Check(t, is.Equal(st.RequestPath, 0), "no cold start on the request path: %+v", *st)
			assert.Check(t, st.Provisioned > tc.provisioned, "recycled at their age and replaced: %+v", *st)
		} else {
			assert.Check(t, st.RequestPath > 0, "the spill is visible: %+v", *st)
		}
	}
}

// TestProvisionedNeverIdlesOut: a provisioned environment stays through
// an hour of silence, where an on-demand one idles out in minutes.
func TestProvisionedNeverIdlesOut(t *testing.T) {
	p, err := LookupProfile(ProfileSeed2021)
	assert.NilError(t, err)
	p.Provisioned = 1
	pool, err := NewPool(p, MostRecentlyUsed, NewRand(3))
	assert.NilError(t, err)
	e, cold, err := pool.Acquire(0, "")
	assert.NilError(t, err)
	assert.Check(t, !cold && e.Provisioned, "the first call finds the provisioned environment ready")
	pool.Release(e, 1e9)
	again, cold, err := pool.Acquire(60*60*1e9, "")
	assert.NilError(t, err)
	assert.Check(t, !cold && again == e, "still there after an idle hour")
	// A second call at once spills to a new on-demand environment.
	other, cold, err := pool.Acquire(60*60*1e9+1, "")
	assert.NilError(t, err)
	assert.Check(t, cold && !other.Provisioned)
}

// TestProvisionedAboveTheLimitIsRefused: before any call, with the limit.
func TestProvisionedAboveTheLimitIsRefused(t *testing.T) {
	p, err := LookupProfile(ProfileSeed2021)
	assert.NilError(t, err)
	p.Provisioned = p.ConcurrencyLimit + 1
	_, err = NewOf(schedule.SeedSchedule(), p, MostRecentlyUsed, 1)
	assert.Check(t, is.ErrorContains(err, "provisioned concurrency must be from 0 to the concurrency limit (1000), got 1001"))
	for _, tc := range []struct{ count, want string }{
		{"-1", "provisioned.count: must be from 0 to 100000, got -1"},
		{"1000000000", "provisioned.count: must be from 0 to 100000, got 1000000000"},
		{"20", ""},
	} {
		file := strings.Replace(validProfile, `"concurrency_limit": {"value": 50, "source": "what if"},`,
			`"concurrency_limit": {"value": 50, "source": "what if"}, "provisioned": {"count": `+tc.count+`, "source": "what if"},`, 1)
		assert.Assert(t, file != validProfile)
		_, err := LookupProfile(writeProfile(t, file))
		switch {
		case tc.count == "20":
			assert.Check(t, err)
		default:
			assert.Check(t, is.ErrorContains(err, tc.want), tc.count)
		}
	}
	file := strings.Replace(validProfile, `"concurrency_limit": {"value": 50, "source": "what if"},`,
		`"concurrency_limit": {"value": 50, "source": "what if"}, "provisioned": {"count": 51, "source": "what if"},`, 1)
	_, err = LookupProfile(writeProfile(t, file))
	assert.Check(t, is.ErrorContains(err, "provisioned concurrency must be from 0 to the concurrency limit (50), got 51"))
}
