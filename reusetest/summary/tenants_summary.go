package summary

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"slices"
	"text/tabwriter"

	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"github.com/lambda-reuse/lambda-reuse/reusetest/stats"
)

// Tenants is what a run of calls with tenants (a function in tenant
// isolation mode) shows per tenant. Tenants are named by rank, busiest
// first, never by id: an id may be a customer's name, and it stays in the
// record log only.
type Tenants struct {
	// Count is the number of distinct tenants the records name.
	Count int `json:"count"`
	// Served is the number of them that had a call served.
	Served int `json:"served"`
	// Environments is the number of environments that served a tenant;
	// StartedInRun those of them started during the run (cold).
	Environments int `json:"environments"`
	StartedInRun int `json:"started_in_run"`
	// ColdShare is StartedInRun over the calls served: the share of calls
	// that met a new environment.
	ColdShare float64 `json:"cold_share"`
	// MixedEnvironments counts environments whose served calls carry more
	// than one tenant; with isolation it is 0. Calls an environment
	// answered for another tenant are in the failures
	// (tenant_mismatch).
	MixedEnvironments int `json:"mixed_environments"`
	// PerTenant is the spread over the served tenants of each one's
	// figures: the median tenant and the 90th percentile.
	PerTenant TenantSpread `json:"per_tenant"`
	// Bands group the tenants by rank (1, 2-10, 11-100, ...): how cold
	// starts grow from the busiest tenants to the long tail.
	Bands []TenantFigures `json:"bands"`
	// Busiest are the maxTenantRows busiest tenants, one by one.
	Busiest []TenantFigures `json:"busiest"`
	// Truncated is true when the records named more than
	// schedule.MaxTenants tenants: only the first that many are counted,
	// the rest left out of every figure here.
	Truncated bool `json:"truncated,omitempty"`
}

// TenantSpread is the median and the 90th percentile, over tenants, of
// each tenant's figures.
type TenantSpread struct {
	Environments     [2]float64 `json:"environments"`
	ColdShare        [2]float64 `json:"cold_share"`
	ReuseMedian      [2]float64 `json:"reuse_median"`
	LifetimeMedian   [2]float64 `json:"lifetime_median_minutes"`
	ThrottledPerCall [2]float64 `json:"throttled_share"`
}

// TenantFigures are one tenant's figures, or a band's summed.
type TenantFigures struct {
	// Ranks are the busiest-first ranks covered: from and to (equal for
	// one tenant).
	Ranks [2]int `json:"ranks"`
	// Calls are the records of the tenants' calls; Served those answered;
	// Throttled those refused as throttled.
	Calls     int64 `json:"calls"`
	Served    int64 `json:"served"`
	Throttled int64 `json:"throttled"`
	// Environments served them; StartedInRun of those started in the run.
	Environments int `json:"environments"`
	StartedInRun int `json:"started_in_run"`
	// ColdShare is StartedInRun over Served.
	ColdShare float64 `json:"cold_share"`
	// ReuseMedian is the median of calls per environment; LifetimeMedian
	// the median environment lifetime, in minutes.
	ReuseMedian    float64 `json:"reuse_median"`
	LifetimeMedian float64 `json:"lifetime_median_minutes"`
}

// maxTenantRows is how many tenants a summary lists one by one.
const maxTenantRows = 10

// tenantCount is what the records say of one tenant.
type tenantCount struct {
	calls, served, throttled int64
}

// tenantTally counts records per tenant, for at most schedule.MaxTenants
// tenants (memory follows the tenants of the schedule, not the calls).
type tenantTally struct {
	by        map[string]*tenantCount
	truncated bool
}

func (t *tenantTally) add(tenant string, served, throttled bool) {
	if t.by == nil {
		t.by = map[string]*tenantCount{}
	}
	c := t.by[tenant]
	if c == nil {
		if len(t.by) >= schedule.MaxTenants {
			t.truncated = true
			return
		}
		c = &tenantCount{}
		t.by[tenant] = c
	}
	c.calls++
	if served {
		c.served++
	}
	if throttled {
		c.throttled++
	}
}

// tenantEnvs are one tenant's environments: how many, how many started in
// the run, and each one's calls and lifetime (minutes).
type tenantEnvs struct {
	n, cold   int
	calls     []float64
	lifetimes []float64
}

// tenants builds the Tenants part from the tally and the instances; nil
// when no record named a tenant.
func (s *Summarizer) tenants() *Tenants {
	if s.tenantsSeen.by == nil {
		return nil
	}
	per := map[string]*tenantEnvs{}
	out := &Tenants{Count: len(s.tenantsSeen.by), Truncated: s.tenantsSeen.truncated}
	for _, in := range s.instances {
		if in.tenant == "" {
			continue
		}
		if in.mixed {
			out.MixedEnvironments++
		}
		e := per[in.tenant]
		if e == nil {
			e = &tenantEnvs{}
			per[in.tenant] = e
		}
		e.n++
		if in.cold() {
			e.cold++
		}
		e.calls = append(e.calls, float64(in.calls))
		e.lifetimes = append(e.lifetimes, in.lifetime(s.TimeFactor()))
	}
	names := make([]string, 0, len(s.tenantsSeen.by))
	for name := range s.tenantsSeen.by {
		names = append(names, name)
	}
	slices.SortFunc(names, func(a, b string) int {
		return cmp.Or(cmp.Compare(s.tenantsSeen.by[b].calls, s.tenantsSeen.by[a].calls), cmp.Compare(a, b))
	})
	figures := make([]TenantFigures, len(names))
	var spread [5][]float64
	var served int64
	for i, name := range names {
		c := s.tenantsSeen.by[name]
		f := TenantFigures{Ranks: [2]int{i + 1, i + 1}, Calls: c.calls, Served: c.served, Throttled: c.throttled}
		if e := per[name]; e != nil {
			slices.Sort(e.calls)
			slices.Sort(e.lifetimes)
			f.Environments, f.StartedInRun = e.n, e.cold
			f.ReuseMedian = stats.Round(stats.Percentile(e.calls, 50))
			f.LifetimeMedian = stats.Round(stats.Percentile(e.lifetimes, 50))
			out.Environments += e.n
			out.StartedInRun += e.cold
		}
		f.ColdShare = share(int64(f.StartedInRun), f.Served)
		figures[i] = f
		served += c.served
		if c.served > 0 {
			out.Served++
			for j, v := range []float64{float64(f.Environments), f.ColdShare, f.ReuseMedian, f.LifetimeMedian, float64(c.throttled) / float64(c.calls)} {
				spread[j] = append(spread[j], v)
			}
		}
	}
	out.ColdShare = share(int64(out.StartedInRun), served)
	for j, dst := range []*[2]float64{&out.PerTenant.Environments, &out.PerTenant.ColdShare, &out.PerTenant.ReuseMedian, &out.PerTenant.LifetimeMedian, &out.PerTenant.ThrottledPerCall} {
		if v := spread[j]; len(v) > 0 {
			slices.Sort(v)
			*dst = [2]float64{stats.Round(stats.Percentile(v, 50)), stats.Round(stats.Percentile(v, 90))}
		}
	}
	out.Busiest = figures[:min(len(figures), maxTenantRows)]
	for lo, hi := 1, 1; lo <= len(figures); lo, hi = hi+1, hi*10 {
		out.Bands = append(out.Bands, bandOf(figures[lo-1:min(hi, len(figures))], per, names))
	}
	return out
}

// bandOf sums the figures of a band of tenants, consecutive by rank;
// per holds their environments, names their ids by rank.
func bandOf(figures []TenantFigures, per map[string]*tenantEnvs, names []string) TenantFigures {
	band := TenantFigures{Ranks: [2]int{figures[0].Ranks[0], figures[len(figures)-1].Ranks[1]}}
	var calls, lifetimes []float64
	for _, f := range figures {
		band.Calls += f.Calls
		band.Served += f.Served
		band.Throttled += f.Throttled
		band.Environments += f.Environments
		band.StartedInRun += f.StartedInRun
		if e := per[names[f.Ranks[0]-1]]; e != nil {
			calls = append(calls, e.calls...)
			lifetimes = append(lifetimes, e.lifetimes...)
		}
	}
	slices.Sort(calls)
	slices.Sort(lifetimes)
	band.ColdShare = share(int64(band.StartedInRun), band.Served)
	if len(calls) > 0 {
		band.ReuseMedian = stats.Round(stats.Percentile(calls, 50))
		band.LifetimeMedian = stats.Round(stats.Percentile(lifetimes, 50))
	}
	return band
}

// share is n over of, to six decimals (shares of cold calls are small); 0
// when of is 0.
func share(n, of int64) float64 {
	if of == 0 {
		return 0
	}
	return math.Round(float64(n)/float64(of)*1e6) / 1e6
}

// WriteTable writes the tenants' table: the bands, then the busiest.
func (t *Tenants) WriteTable(w io.Writer) error {
	fmt.Fprintf(w, "\nTenants: %d (%d served), %d environments, %d started in the run: %.4f of served calls met a new environment", t.Count, t.Served, t.Environments, t.StartedInRun, t.ColdShare)
	if t.MixedEnvironments > 0 {
		fmt.Fprintf(w, "; %d ENVIRONMENTS SERVED MORE THAN ONE TENANT", t.MixedEnvironments)
	}
	fmt.Fprintf(w, "\nPer tenant (median / p90): %g / %g environments, cold share %g / %g, %g / %g calls per environment, lifetime %g / %g min\n",
		t.PerTenant.Environments[0], t.PerTenant.Environments[1], t.PerTenant.ColdShare[0], t.PerTenant.ColdShare[1],
		t.PerTenant.ReuseMedian[0], t.PerTenant.ReuseMedian[1], t.PerTenant.LifetimeMedian[0], t.PerTenant.LifetimeMedian[1])
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "tenants by rank\tcalls\tserved\tthrottled\tenvironments\tstarted in run\tcold share\tcalls/env (median)\tlifetime min (median)\t")
	row := func(f TenantFigures) {
		ranks := fmt.Sprintf("#%d", f.Ranks[0])
		if f.Ranks[1] != f.Ranks[0] {
			ranks = fmt.Sprintf("#%d-%d", f.Ranks[0], f.Ranks[1])
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%.4f\t%g\t%g\t\n", ranks, f.Calls, f.Served, f.Throttled, f.Environments, f.StartedInRun, f.ColdShare, f.ReuseMedian, f.LifetimeMedian)
	}
	for _, f := range t.Bands {
		row(f)
	}
	fmt.Fprintln(tw, "busiest\t\t\t\t\t\t\t\t\t")
	for _, f := range t.Busiest {
		row(f)
	}
	return tw.Flush()
}
