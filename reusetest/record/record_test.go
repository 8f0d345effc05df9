package record

import (
	"math"
	"strings"
	"testing"
	"time"

	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// TestCheck: a record within every range passes; each number out of its
// range is named with its value and the range, all of them at once.
func TestCheck(t *testing.T) {
	at := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	good := Record{Seq: 1, Scheduled: at, Sent: at, Done: at.Add(time.Second), InstanceID: "i1", Invocation: 1,
		MaxConcurrency: 8, InFlight: 8, Scale: 100, MemoryUsedMB: 80, MemorySizeMB: 128}
	assert.Check(t, good.Check())
	assert.Check(t, (&Record{}).Check(), "a record that says nothing is in range")

	for _, tc := range []struct {
		name string
		edit func(*Record)
		want string
	}{
		{"a time before 1970", func(r *Record) { r.Sent = time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC) }, "sent 1969-12-31T00:00:00Z: a record's times are from 1970 to 2262"},
		{"a time after 2262", func(r *Record) { r.InitAt = time.Date(2263, 1, 1, 0, 0, 0, 0, time.UTC) }, "init_at 2263-01-01T00:00:00Z"},
		{"a negative invocation", func(r *Record) { r.Invocation = -1 }, "invocation -1: the environment's count of calls is at least 1"},
		{"a negative max_concurrency", func(r *Record) { r.MaxConcurrency = -2 }, "max_concurrency -2: at least 1 when given"},
		{"a negative in_flight", func(r *Record) { r.InFlight = -1 }, "in_flight -1: at least 1"},
		{"in_flight above max_concurrency", func(r *Record) { r.InFlight = 9 }, "in_flight 9: above the max_concurrency 8"},
		{"a scale too small", func(r *Record) { r.Scale = MinScale / 2 }, "a served pool declares a time scale from"},
		{"a NaN scale", func(r *Record) { r.Scale = math.NaN() }, "scale NaN"},
		{"negative memory used", func(r *Record) { r.MemoryUsedMB = -1 }, "memory_used_mb -1: from 0 to 102400 MB"},
		{"NaN memory used", func(r *Record) { r.MemoryUsedMB = math.NaN() }, "memory_used_mb NaN"},
		{"a memory size past any function's", func(r *Record) { r.MemorySizeMB = MaxMemoryMB + 1 }, "memory_size_mb 102401: from 0 to 102400 MB"},
	} {
		r := good
		tc.edit(&r)
		assert.Check(t, is.ErrorContains(r.Check(), tc.want), tc.name)
	}

	bad := good
	bad.Invocation, bad.MemorySizeMB = -1, -1
	err := bad.Check()
	assert.Check(t, is.ErrorContains(err, "invocation -1"))
	assert.Check(t, is.ErrorContains(err, "memory_size_mb -1"), "every number out of range is named")
}

// TestInitType: only the documented types are kept; a type not said is
// taken as on demand.
func TestInitType(t *testing.T) {
	for _, s := range []string{"on-demand", "provisioned-concurrency", "snap-start"} {
		assert.Check(t, is.Equal(string(ParseInitType(s)), s))
	}
	for _, s := range []string{"", "On-Demand", "provisioned", "snap-start "} {
		assert.Check(t, is.Equal(ParseInitType(s), InitType("")), "%q is not kept", s)
	}
	assert.Check(t, InitOnDemand.OnDemand() && InitType("").OnDemand() && InitType("warm").OnDemand())
	assert.Check(t, !InitProvisioned.OnDemand() && !InitSnapStart.OnDemand())
}

// TestCheckTenantID: 1 to 256 characters of letters, digits, spaces and
// ._:/=+-@; a bad character is named by its place in characters, or as
// the byte where the id is not UTF-8.
func TestCheckTenantID(t *testing.T) {
	for _, id := range []string{"a", "tenant-1", "org/team:7 a.b_c=d+e@f", strings.Repeat("x", maxTenantID)} {
		assert.Check(t, CheckTenantID(id), "%q", id)
	}
	for id, want := range map[string]string{
		"":                                 "a tenant id is 1 to 256 characters, got 0",
		strings.Repeat("x", maxTenantID+1): "a tenant id is 1 to 256 characters, got 257",
		"ab#c":                             `character 3 is '#'`,
		"tenant-é":                         `character 8 is 'é'`, // letters are ASCII only
		"a\xffb":                           "character 2 is the byte 0xff, not UTF-8",
	} {
		assert.Check(t, is.ErrorContains(CheckTenantID(id), want), "%q", id)
	}
}

// TestServed: a call counts as served only with an environment's id and
// both its sent and done times.
func TestServed(t *testing.T) {
	at := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	served := Record{InstanceID: "i1", Sent: at, Done: at.Add(time.Millisecond)}
	assert.Check(t, served.Served())
	for name, edit := range map[string]func(*Record){
		"no environment id": func(r *Record) { r.InstanceID = "" },
		"never sent":        func(r *Record) { r.Sent = time.Time{} },
		"never done":        func(r *Record) { r.Done = time.Time{} },
	} {
		r := served
		edit(&r)
		assert.Check(t, !r.Served(), name)
	}
}
