package summary_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// TestTenantsOfHandMadeRecords: the tenants part counts calls, throttles,
// environments and starts per tenant, ranks tenants busiest first, flags an
// environment that served two tenants, names no tenant id in its table,
// and reads back from the summary file as written.
func TestTenantsOfHandMadeRecords(t *testing.T) {
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	var seq int64
	rec := func(tenant, env string, invocation int64, status record.Status) *record.Record {
		r := &record.Record{Seq: seq, Scheduled: at.Add(time.Duration(seq) * time.Second), Tenant: tenant, Status: status}
		seq++
		if status == record.StatusOK {
			r.Sent, r.Done, r.InstanceID, r.Invocation = r.Scheduled, r.Scheduled.Add(time.Second), env, invocation
		}
		return r
	}
	records := []*record.Record{
		rec("secret-acme", "e1", 1, record.StatusOK),
		rec("secret-acme", "e1", 2, record.StatusOK),
		rec("secret-acme", "e2", 1, record.StatusOK),
		rec("secret-acme", "e1", 3, record.StatusOK),
		rec("globex", "e3", 1, record.StatusOK),
		rec("globex", "", 0, record.StatusThrottled),
		rec("initech", "e3", 2, record.StatusOK), // e3 served globex before: isolation broken
	}
	plan := schedule.Steady{Calls: seq, RatePerSec: 1, HandlerMS: 100}
	s := summary.NewSummarizer(plan, "test", nil)
	for _, r := range records {
		s.Add(r)
	}
	sum := s.Summary()
	tn := sum.Tenants
	assert.Assert(t, tn != nil)
	assert.Check(t, is.Equal(tn.Count, 3))
	assert.Check(t, is.Equal(tn.Served, 3))
	assert.Check(t, is.Equal(tn.Environments, 3))
	assert.Check(t, is.Equal(tn.StartedInRun, 3))
	assert.Check(t, is.Equal(tn.MixedEnvironments, 1))
	assert.Check(t, is.Equal(tn.ColdShare, 0.5), "3 new environments over 6 served calls")
	assert.Check(t, is.DeepEqual(tn.Busiest[0], summary.TenantFigures{Ranks: [2]int{1, 1}, Calls: 4, Served: 4,
		Environments: 2, StartedInRun: 2, ColdShare: 0.5, ReuseMedian: 2, LifetimeMedian: 0.042})) // e1 4 s, e2 1 s
	assert.Check(t, is.DeepEqual(tn.Busiest[1], summary.TenantFigures{Ranks: [2]int{2, 2}, Calls: 2, Served: 1, Throttled: 1,
		Environments: 1, StartedInRun: 1, ColdShare: 1, ReuseMedian: 2, LifetimeMedian: 0.05}))
	assert.Check(t, is.DeepEqual(tn.Busiest[2].Ranks, [2]int{3, 3}))
	assert.Check(t, is.Equal(tn.Busiest[2].Environments, 0), "initech's call went to globex's environment")
	assert.Check(t, is.Len(tn.Bands, 2))
	assert.Check(t, is.DeepEqual(tn.Bands[1].Ranks, [2]int{2, 3}))
	assert.Check(t, is.Equal(tn.Bands[1].Calls, int64(3)))

	var table bytes.Buffer
	assert.NilError(t, summary.WriteExperimentTables(&table, sum))
	assert.Check(t, is.Contains(table.String(), "1 ENVIRONMENTS SERVED MORE THAN ONE TENANT"))
	assert.Check(t, !bytes.Contains(table.Bytes(), []byte("acme")) && !bytes.Contains(table.Bytes(), []byte("globex")), table.String())

	b, err := summary.MarshalSummary(sum)
	assert.NilError(t, err)
	assert.Check(t, !bytes.Contains(b, []byte("acme")), "no tenant id in the summary")
	back, err := summary.ParseSummary(b)
	assert.NilError(t, err)
	assert.Check(t, is.DeepEqual(back.Tenants, sum.Tenants))
}
