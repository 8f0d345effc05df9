package summary

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
)

// Check is the one guard on the numbers a summary holds: counts whole and
// at least 0 and adding up where the contract says they do (starts by
// type to cold starts, statuses to the total), shares from 0 to 1,
// durations and lifetimes finite and at least 0, calls at once within
// what the summary's own capacity allows, nothing NaN or infinite. It
// returns an error naming each field that fails, by its JSON path, with
// its value. A summary is checked before it is written (MarshalSummary)
// and when it is read (ParseSummary): one that fails is never written and
// never read as a result.
//
// Each part of a summary checks its own numbers, in a method of its own
// (check); a new part adds its method and its line in parts.
func (s Summary) Check() error {
	// No duration passes the span of a record's times (1970 to 2262),
	// stretched by the time scale.
	scale := 1.0
	if s.TimeScale > 1 {
		scale = min(s.TimeScale, record.MaxScale)
	}
	c := checker{errs: new([]error), maxMinutes: float64(math.MaxInt64) / float64(time.Minute) * scale, absent: s.Absent}
	for _, p := range s.parts() {
		p.part.check(c.at(p.name), &s)
	}
	for _, k := range sectionKinds() {
		if sec, ok := s.Sections[k.Name]; ok {
			sec.check(c.at(k.Name), &s)
		}
	}
	return c.err()
}

// part is one part of a summary that checks its own numbers; s is the
// whole summary, for the figures it must agree with.
type part interface {
	check(c checker, s *Summary)
}

// parts are the summary's parts with numbers, by JSON name, in the
// contract's order; a part that is absent (a nil pointer) checks nothing.
// The kinds' sections are the Sections (Section.check).
func (s *Summary) parts() []struct {
	name string
	part part
} {
	return []struct {
		name string
		part part
	}{
		{"", planPart{}},
		{"requests", s.Requests},
		{"instances", s.Instances},
		{"reuse", s.Reuse},
		{"lifetime_minutes", s.LifetimeMinutes},
		{"concurrency", s.Concurrency},
		{"seed_method", s.SeedMethod},
		{"simulator", s.Simulator},
		{"predictions", predictionsPart(s.Predictions)},
		{"runtime_generations", s.Generations},
		{"memory", s.Memory},
		{"logs", s.Logs},
		{"multi_concurrency", s.Multi},
		{"tenants", s.Tenants},
	}
}

// maxCheckErrors bounds the fields one error names.
const maxCheckErrors = 20

// maxFigure bounds every figure: far past any count or time a run holds,
// far below where a table's rounding or a chart's axis overflows.
const maxFigure = 1e18

// checker collects what fails, each under its JSON path. A failure that
// names a number the summary's file lacked (Summary.Absent: written before
// the number joined the contract, read as 0) is not the file's: it is not
// collected.
type checker struct {
	path       string
	errs       *[]error
	maxMinutes float64  // the longest duration a summary may hold, in minutes
	absent     []string // the paths of the numbers the file lacked
}

// names reports whether text names a number the file lacked.
func (c checker) names(text string) bool {
	for _, p := range c.absent {
		if strings.Contains(text, p) {
			return true
		}
	}
	return false
}

// at is the checker of the part at name under c's path.
func (c checker) at(name string) checker {
	switch {
	case name == "":
		return c
	case c.path == "":
		c.path = name
	case name[0] == '[':
		c.path += name
	default:
		c.path += "." + name
	}
	return c
}

// index is the checker of element i of the list at c's path.
func (c checker) index(i int) checker { return c.at("[" + strconv.Itoa(i) + "]") }

func (c checker) field(name string) string {
	return c.at(name).path
}

// fail names field, its value and what it should be.
func (c checker) fail(field string, v any, want string, args ...any) {
	err := fmt.Errorf("%s %v: %s", c.field(field), v, fmt.Sprintf(want, args...))
	if !c.names(err.Error()) {
		*c.errs = append(*c.errs, err)
	}
}

// count checks a count: at least 0.
func (c checker) count(field string, v int64) {
	if v < 0 {
		c.fail(field, v, "a count is at least 0")
	}
}

// counts checks counts by field name.
func (c checker) counts(fields map[string]int64) {
	for _, f := range sortedKeys(fields) {
		c.count(f, fields[f])
	}
}

// atMost checks a count against a limit, named by what.
func (c checker) atMost(field string, v, limit int64, what string) {
	if v > limit {
		c.fail(field, v, "more than %s (%d)", what, limit)
	}
}

// nonNegative checks a figure: finite, from 0 to maxFigure.
func (c checker) nonNegative(field string, v float64) {
	if !(v >= 0 && v <= maxFigure) {
		c.fail(field, v, "a finite figure from 0 to %g", maxFigure)
	}
}

// minutes checks a duration in minutes: from 0 to the longest a summary
// may hold.
func (c checker) minutes(field string, v float64) {
	if !(v >= 0 && v <= c.maxMinutes) {
		c.fail(field, v, "a duration from 0 to %.4g minutes (the 292 years a record's times span, at the time scale)", c.maxMinutes)
	}
}

// milliseconds checks a duration in milliseconds, as minutes does.
func (c checker) milliseconds(field string, v float64) {
	if !(v >= 0 && v <= c.maxMinutes*60_000) {
		c.fail(field, v, "a duration from 0 to %.4g ms (the 292 years a record's times span, at the time scale)", c.maxMinutes*60_000)
	}
}

// share checks a share: from 0 to 1.
func (c checker) share(field string, v float64) {
	if !(v >= 0 && v <= 1) {
		c.fail(field, v, "a share from 0 to 1")
	}
}

// ordered checks figures that must not decrease in the order given
// (a median to a p90 to a most), each finite and at least 0.
func (c checker) ordered(fields []string, vs ...float64) {
	for i, v := range vs {
		c.nonNegative(fields[i], v)
	}
	c.order(fields, vs...)
}

// order checks figures that must not decrease in the order given.
func (c checker) order(fields []string, vs ...float64) {
	for i := 1; i < len(vs); i++ {
		if vs[i] < vs[i-1] {
			c.fail(fields[i], vs[i], "below %s (%v)", c.field(fields[i-1]), vs[i-1])
		}
	}
}

// sum checks that the parts named add up to the whole named.
func (c checker) sum(parts []string, got int64, whole string, want int64) {
	err := fmt.Errorf("%s add up to %d, not %s (%d)", strings.Join(parts, ", "), got, whole, want)
	if got != want && !c.names(err.Error()) {
		*c.errs = append(*c.errs, err)
	}
}

// err is every failure, joined; nil when none.
func (c checker) err() error {
	errs := *c.errs
	if len(errs) == 0 {
		return nil
	}
	if len(errs) > maxCheckErrors {
		errs = append(errs[:maxCheckErrors:maxCheckErrors], fmt.Errorf("and %d more", len(*c.errs)-maxCheckErrors))
	}
	return fmt.Errorf("summary: an impossible figure: %w", errors.Join(errs...))
}

// planPart checks the plan, the planned calls and the time scale.
type planPart struct{}

func (planPart) check(c checker, s *Summary) {
	p := s.Plan
	c.at("plan").count("calls", p.Calls)
	c.at("plan").nonNegative("rate_per_sec", p.RatePerSec)
	c.at("plan").count("handler_ms", p.HandlerMS)
	if p.RatePerSec > 0 && float64(p.Calls)/p.RatePerSec > schedule.MaxScheduleTime.Seconds() {
		c.fail("plan", fmt.Sprintf("%d calls at %g/s", p.Calls, p.RatePerSec), "lasts more than the %v a schedule may last", schedule.MaxScheduleTime)
	}
	if s.PlannedCalls != 0 && s.PlannedCalls < p.Calls {
		c.fail("planned_calls", s.PlannedCalls, "fewer than the plan's %d calls the records cover", p.Calls)
	}
	c.atMost("requests.total", s.Requests.Total, max(p.Calls, s.PlannedCalls), "the calls planned")
	if s.TimeScale != 0 && !(s.TimeScale >= record.MinScale && s.TimeScale <= record.MaxScale) {
		c.fail("time_scale", s.TimeScale, "a served pool declares a scale from %g to %g", record.MinScale, record.MaxScale)
	}
}

func (r Requests) check(c checker, _ *Summary) {
	c.counts(map[string]int64{"total": r.Total, "ok": r.OK, "failed": r.Failed})
	c.sum([]string{"requests.ok", "requests.failed"}, r.OK+r.Failed, "requests.total", r.Total)
	var byStatus int64
	for _, st := range sortedKeys(r.ByStatus) {
		c.at("by_status").count(string(st), r.ByStatus[st])
		byStatus += r.ByStatus[st]
	}
	c.sum([]string{"requests.by_status"}, byStatus, "requests.total", r.Total)
	if r.ByStatus[record.StatusOK] != r.OK {
		c.fail("by_status.ok", r.ByStatus[record.StatusOK], "not requests.ok (%d)", r.OK)
	}
	var byClass int64
	for _, cl := range sortedKeys(r.ByErrorClass) {
		c.at("by_error_class").count(string(cl), r.ByErrorClass[cl])
		byClass += r.ByErrorClass[cl]
	}
	c.atMost("by_error_class", byClass, r.Total, "requests.total")
	var byError int64
	for _, t := range sortedKeys(r.ByError) {
		c.at("by_error").count(t, r.ByError[t])
		byError += r.ByError[t]
	}
	c.atMost("by_error", byError, r.Failed, "requests.failed (the failed calls by error type in all)")
}

func (in Instances) check(c checker, s *Summary) {
	c.counts(map[string]int64{"count": int64(in.Count), "cold_starts": int64(in.ColdStarts), "init_known": int64(in.InitKnown), "proactive": int64(in.Proactive)})
	c.atMost("count", int64(in.Count), s.Requests.Total, "requests.total")
	c.atMost("cold_starts", int64(in.ColdStarts), int64(in.Count), "instances.count")
	c.atMost("init_known", int64(in.InitKnown), int64(in.Count), "instances.count")
	c.atMost("proactive", int64(in.Proactive), int64(min(in.ColdStarts, in.InitKnown)), "instances.cold_starts and instances.init_known")
	c.counts(map[string]int64{"left_censored": int64(in.LeftCensored), "resets": int64(in.Resets)})
	c.atMost("left_censored", int64(in.LeftCensored), int64(in.Count-in.ColdStarts), "instances.count less instances.cold_starts")
	st := in.Starts
	if st == nil {
		return
	}
	c.at("starts").counts(map[string]int64{"request_path": int64(st.RequestPath), "proactive": int64(st.Proactive), "provisioned": int64(st.Provisioned),
		"restored": int64(st.Restored), "managed": int64(st.Managed), "type_known": int64(st.TypeKnown)})
	starts := []string{"instances.starts.request_path", "instances.starts.proactive", "instances.starts.provisioned", "instances.starts.restored", "instances.starts.managed"}
	c.sum(starts, int64(st.RequestPath+st.Proactive+st.Provisioned+st.Restored+st.Managed),
		"instances.cold_starts", int64(in.ColdStarts))
	c.atMost("starts.type_known", int64(st.TypeKnown), int64(in.ColdStarts), "instances.cold_starts")
	if st.Proactive != in.Proactive {
		c.fail("starts.proactive", st.Proactive, "not instances.proactive (%d)", in.Proactive)
	}
}

func (r Reuse) check(c checker, s *Summary) { r.checkOf(c, s.Instances.Count, s.Requests.Total) }

// checkOf checks calls per environment (or generation) of n of them, over
// total calls.
func (r Reuse) checkOf(c checker, n int, total int64) {
	c.counts(map[string]int64{"min": r.Min, "max": r.Max})
	for _, f := range []struct {
		name string
		v    float64
	}{{"mean", r.Mean}, {"p10", r.P10}, {"median", r.Median}, {"p90", r.P90}} {
		c.nonNegative(f.name, f.v)
	}
	c.order([]string{"min", "p10", "median", "p90", "max"}, float64(r.Min), r.P10, r.Median, r.P90, float64(r.Max))
	c.order([]string{"min", "mean", "max"}, float64(r.Min), r.Mean, float64(r.Max))
	c.atMost("max", r.Max, total, "requests.total")
	if n > 0 && r.Min < 1 {
		c.fail("min", r.Min, "an environment that answered served at least 1 call")
	}
}

func (l Lifetime) check(c checker, s *Summary) { l.checkOf(c, s.Instances.Count, "instances.count") }

// checkOf checks the lifetimes of n environments (or generations), the
// count named by what.
func (l Lifetime) checkOf(c checker, n int, what string) {
	for _, f := range []struct {
		name string
		v    float64
	}{{"mean", l.Mean}, {"median", l.Median}, {"p90", l.P90}, {"max", l.Max}} {
		c.minutes(f.name, f.v)
	}
	c.order([]string{"median", "p90", "max"}, l.Median, l.P90, l.Max)
	if l.Mean > l.Max {
		c.fail("mean", l.Mean, "above lifetime_minutes.max (%v)", l.Max)
	}
	c.count("censored", int64(l.Censored))
	c.atMost("censored", int64(l.Censored), int64(n), what)
}

func (g *Generations) check(c checker, s *Summary) {
	if g == nil {
		return
	}
	c.count("count", int64(g.Count))
	if want := s.Instances.Count + s.Instances.Resets; g.Count != want {
		c.fail("count", g.Count, "not instances.count plus instances.resets (%d): an environment's generations are its first and one per reset", want)
	}
	g.Reuse.checkOf(c.at("reuse"), g.Count, s.Requests.Total)
	g.LifetimeMinutes.checkOf(c.at("lifetime_minutes"), g.Count, "runtime_generations.count")
}

func (l *LogsRead) check(c checker, s *Summary) {
	if l == nil {
		return
	}
	c.counts(map[string]int64{"events": l.Events, "used": l.Used, "streams": int64(l.Streams), "calls": l.Calls})
	var skipped int64
	for _, r := range sortedKeys(l.Skipped) {
		c.at("skipped").count(r, l.Skipped[r])
		skipped += l.Skipped[r]
	}
	c.sum([]string{"logs.used", "logs.skipped"}, l.Used+skipped, "logs.events", l.Events)
	c.atMost("calls", l.Calls, l.Used, "logs.used (a call is read from its REPORT)")
	c.atMost("streams", int64(l.Streams), l.Calls, "logs.calls (a stream that served served a call)")
}

func (cc Concurrency) check(c checker, s *Summary) {
	c.nonNegative("mean", cc.Mean)
	if cc.Mean > float64(s.Requests.Total) {
		c.fail("mean", cc.Mean, "more calls at once on average than requests.total (%d)", s.Requests.Total)
	}
	c.count("max", int64(cc.Max))
	c.atMost("max", int64(cc.Max), s.Requests.Total, "requests.total")
}

func (m SeedMethod) check(c checker, _ *Summary) {
	for _, f := range []struct {
		name string
		v    float64
	}{{"busy_at_once", m.BusyAtOnce}, {"generations", m.Generations}} {
		c.nonNegative(f.name, f.v)
	}
	c.minutes("run_minutes", m.RunMinutes)
	c.minutes("avg_lifetime_minutes", m.AvgLifetimeMinutes)
}

func (sim *Simulator) check(c checker, _ *Summary) {
	if sim == nil {
		return
	}
	if sim.ConcurrencyLimit < 1 {
		c.fail("concurrency_limit", sim.ConcurrencyLimit, "at least 1")
	}
	if sim.ScalingRate < 1 {
		c.fail("scaling_rate", sim.ScalingRate, "at least 1")
	}
	c.share("proactive_share", sim.ProactiveShare)
	c.count("provisioned", int64(sim.Provisioned))
	c.atMost("provisioned", int64(sim.Provisioned), int64(sim.ConcurrencyLimit), "simulator.concurrency_limit")
}

// predictionsPart is the predictions, each metric's figures checked.
type predictionsPart []Prediction

func (ps predictionsPart) check(c checker, _ *Summary) {
	for i, p := range ps {
		for j, m := range p.Metrics {
			mc := c.index(i).at("metrics").index(j)
			mc.nonNegative("predicted", m.Predicted)
			mc.nonNegative("measured", m.Measured)
			mc.nonNegative("tolerance", m.Tolerance)
			if m.Ratio != nil {
				mc.nonNegative("ratio", *m.Ratio)
			}
			if m.Low != nil || m.High != nil {
				lo, hi := m.Predicted, m.Predicted
				if m.Low != nil {
					lo = *m.Low
				}
				if m.High != nil {
					hi = *m.High
				}
				// The band holds the point.
				mc.ordered([]string{"low", "predicted", "high"}, lo, m.Predicted, hi)
			}
		}
	}
}

func (m *MultiConcurrency) check(c checker, s *Summary) {
	if m == nil {
		return
	}
	c.counts(map[string]int64{"max_concurrency": int64(m.MaxConcurrency), "throttled": m.Throttled, "started": int64(m.Started),
		"added": int64(m.Added), "removed": int64(m.Removed), "in_flight.max": int64(m.InFlight.Max)})
	// Calls at once: within the capacity the environments said, and
	// within the run's calls.
	capacity, what := s.Requests.Total, "requests.total"
	if m.MaxConcurrency > 0 {
		capacity, what = int64(m.MaxConcurrency), "multi_concurrency.max_concurrency"
	}
	c.atMost("in_flight.max", int64(m.InFlight.Max), capacity, what)
	c.nonNegative("in_flight.mean", m.InFlight.Mean)
	if m.InFlight.Mean > float64(m.InFlight.Max) && m.InFlight.Max > 0 {
		c.fail("in_flight.mean", m.InFlight.Mean, "above multi_concurrency.in_flight.max (%d)", m.InFlight.Max)
	}
	pe := c.at("per_environment")
	pe.ordered([]string{"mean[0]", "mean[1]", "mean[2]"}, m.PerEnvironment.Mean[:]...)
	pe.ordered([]string{"max[0]", "max[1]", "max[2]"}, m.PerEnvironment.Max[:]...)
	if top := m.PerEnvironment.Max[2]; top > float64(capacity) {
		pe.fail("max[2]", top, "more calls at once than %s (%d)", what, capacity)
	}
	if m.Throttled != s.Requests.ByStatus[record.StatusThrottled] {
		c.fail("throttled", m.Throttled, "not requests.by_status.throttled (%d)", s.Requests.ByStatus[record.StatusThrottled])
	}
	if st := s.Instances.Starts; st != nil && m.Started != st.Managed {
		c.fail("started", m.Started, "not instances.starts.managed (%d)", st.Managed)
	}
	c.atMost("started", int64(m.Started), int64(s.Instances.Count), "instances.count")
	c.atMost("added", int64(m.Added), int64(s.Instances.Count), "instances.count")
	c.atMost("removed", int64(m.Removed), int64(s.Instances.Count), "instances.count")
}

func (t *Tenants) check(c checker, s *Summary) {
	if t == nil {
		return
	}
	c.counts(map[string]int64{"count": int64(t.Count), "served": int64(t.Served), "environments": int64(t.Environments),
		"started_in_run": int64(t.StartedInRun), "mixed_environments": int64(t.MixedEnvironments)})
	c.atMost("count", int64(t.Count), schedule.MaxTenants, "the tenants a run counts")
	c.atMost("served", int64(t.Served), int64(t.Count), "tenants.count")
	c.atMost("environments", int64(t.Environments), int64(s.Instances.Count), "instances.count")
	c.atMost("started_in_run", int64(t.StartedInRun), int64(t.Environments), "tenants.environments")
	c.atMost("mixed_environments", int64(t.MixedEnvironments), int64(t.Environments), "tenants.environments")
	c.share("cold_share", t.ColdShare)
	pt := c.at("per_tenant")
	for _, f := range []struct {
		name  string
		v     [2]float64
		share bool
	}{{"environments", t.PerTenant.Environments, false}, {"cold_share", t.PerTenant.ColdShare, true}, {"reuse_median", t.PerTenant.ReuseMedian, false},
		{"lifetime_median_minutes", t.PerTenant.LifetimeMedian, false}, {"throttled_share", t.PerTenant.ThrottledPerCall, true}} {
		pt.ordered([]string{f.name + "[0]", f.name + "[1]"}, f.v[:]...)
		if f.share {
			pt.share(f.name+"[1]", f.v[1])
		}
	}
	pt.minutes("lifetime_median_minutes[1]", t.PerTenant.LifetimeMedian[1])
	var calls int64
	for i, f := range t.Bands {
		f.check(c.at("bands").index(i), t)
		calls += f.Calls
	}
	c.atMost("bands", calls, s.Requests.Total, "requests.total")
	for i, f := range t.Busiest {
		f.check(c.at("busiest").index(i), t)
	}
}

// check checks one tenant's figures, or a band's, within t.
func (f TenantFigures) check(c checker, t *Tenants) {
	if f.Ranks[0] < 1 || f.Ranks[1] < f.Ranks[0] || f.Ranks[1] > t.Count {
		c.fail("ranks", f.Ranks, "ranks from 1 to tenants.count (%d), the first not after the last", t.Count)
	}
	c.counts(map[string]int64{"calls": f.Calls, "served": f.Served, "throttled": f.Throttled, "environments": int64(f.Environments), "started_in_run": int64(f.StartedInRun)})
	c.atMost("served", f.Served, f.Calls, "its calls")
	c.atMost("throttled", f.Throttled, f.Calls, "its calls")
	c.atMost("started_in_run", int64(f.StartedInRun), int64(f.Environments), "its environments")
	c.share("cold_share", f.ColdShare)
	c.nonNegative("reuse_median", f.ReuseMedian)
	c.minutes("lifetime_median_minutes", f.LifetimeMedian)
}

func (b *BurstSummary) check(c checker, s *Summary) {
	c.counts(map[string]int64{"size": b.Size, "rounds": b.Rounds, "interrupted": b.Interrupted})
	c.minutes("pause_seconds", b.PauseSeconds/60)
	c.milliseconds("send_spread_ms", b.SendSpreadMS)
	if int64(len(b.Bursts)) != b.Rounds {
		c.fail("bursts", fmt.Sprintf("%d bursts", len(b.Bursts)), "not burst.rounds (%d)", b.Rounds)
	}
	c.atMost("interrupted", b.Interrupted, int64(len(b.Bursts)), "the bursts")
	var served int64
	for i, r := range b.Bursts {
		rc := c.at("bursts").index(i)
		rc.counts(map[string]int64{"calls": r.Calls, "served": r.Served, "cold": r.Cold, "new_environments": r.NewEnvironments,
			"throttled": r.Throttled, "failed": r.Failed, "interrupted": r.Interrupted})
		rc.sum([]string{rc.field("served"), rc.field("throttled"), rc.field("failed"), rc.field("interrupted")}, r.Served+r.Throttled+r.Failed+r.Interrupted, rc.field("calls"), r.Calls)
		rc.atMost("calls", r.Calls, b.Size, "burst.size")
		rc.atMost("cold", r.Cold, r.Served, rc.field("served"))
		rc.milliseconds("send_spread_ms", r.SendSpreadMS)
		if r.SendSpreadMS > b.SendSpreadMS {
			rc.fail("send_spread_ms", r.SendSpreadMS, "above burst.send_spread_ms, the largest (%v)", b.SendSpreadMS)
		}
		served += r.Served
	}
	for _, l := range []struct {
		name string
		d    LatencyDist
	}{{"cold_latency_ms", b.ColdLatencyMS}, {"warm_latency_ms", b.WarmLatencyMS}} {
		lc := c.at(l.name)
		lc.count("count", l.d.Count)
		for _, f := range []struct {
			name string
			v    float64
		}{{"p50", l.d.P50}, {"p90", l.d.P90}, {"p99", l.d.P99}, {"max", l.d.Max}} {
			lc.milliseconds(f.name, f.v)
		}
		lc.order([]string{"p50", "p90", "p99", "max"}, l.d.P50, l.d.P90, l.d.P99, l.d.Max)
	}
	c.sum([]string{"burst.cold_latency_ms.count", "burst.warm_latency_ms.count"}, b.ColdLatencyMS.Count+b.WarmLatencyMS.Count, "the bursts' served calls", served)
	c.atMost("bursts", served, s.Requests.Total, "requests.total")
}

func (d *IdleSummary) check(c checker, s *Summary) {
	c.counts(map[string]int64{"size": d.Size, "rounds": d.Rounds, "excluded_trials": d.ExcludedTrials, "interrupted": d.Interrupted,
		"throttled": d.Throttled, "proactive_during_gaps": d.ProactiveDuringGaps})
	c.atMost("throttled", d.Throttled, s.Requests.Total, "requests.total")
	c.atMost("proactive_during_gaps", d.ProactiveDuringGaps, int64(s.Instances.Count), "instances.count")
	for i, p := range d.Points {
		pc := c.at("points").index(i)
		pc.minutes("gap_minutes", p.GapMinutes)
		pc.count("samples", p.Samples)
		pc.count("warm", p.Warm)
		pc.atMost("warm", p.Warm, p.Samples, pc.field("samples"))
		for _, f := range []struct {
			name string
			v    float64
		}{{"p", p.P}, {"low", p.Low}, {"high", p.High}} {
			pc.share(f.name, f.v)
		}
		pc.ordered([]string{"low", "p", "high"}, p.Low, p.P, p.High)
		if e := p.IdleSurvival; e != nil {
			ic := pc.at("idle_survival")
			ic.share("p", e.P)
			ic.share("high", e.High)
			ic.ordered([]string{"low", "p", "high"}, e.Low, e.P, e.High)
		}
	}
	for _, h := range []struct {
		name string
		v    *float64
	}{{"half_survival_minutes", d.HalfSurvivalMinutes}, {"idle_survival_half_minutes", d.IdleSurvivalHalfMinutes}} {
		if h.v != nil {
			c.minutes(h.name, *h.v)
		}
	}
}

func (r *RampSummary) check(c checker, s *Summary) {
	for _, f := range []struct {
		name string
		v    float64
	}{{"start_rate", r.StartRate}, {"end_rate", r.EndRate}, {"first_throttle_rate", r.FirstThrottleRate}} {
		c.nonNegative(f.name, f.v)
	}
	c.minutes("minutes", r.Minutes)
	c.count("throttled", r.Throttled)
	var calls, throttled, envs int64
	for i, st := range r.Steps {
		sc := c.at("steps").index(i)
		sc.nonNegative("rate", st.Rate)
		sc.counts(map[string]int64{"calls": st.Calls, "served": st.Served, "throttled": st.Throttled, "new_environments": st.NewEnvironments})
		if st.Served+st.Throttled > st.Calls {
			sc.fail("served", st.Served, "with %d throttled, more than the step's %d calls", st.Throttled, st.Calls)
		}
		calls, throttled, envs = calls+st.Calls, throttled+st.Throttled, envs+st.NewEnvironments
	}
	c.sum([]string{"ramp.steps[].throttled"}, throttled, "ramp.throttled", r.Throttled)
	c.atMost("steps", calls, s.Requests.Total, "requests.total")
	c.atMost("steps", envs, int64(s.Instances.Count), "instances.count (new environments)")
}

func (t *TraceSummary) check(c checker, s *Summary) {
	c.nonNegative("speed", t.Speed)
	c.count("cold_calls", t.ColdCalls)
	c.share("cold_share", t.ColdShare)
	var cold, calls int64
	for h := range 24 {
		cc, hc := c.at("cold_by_hour").index(h), c.at("calls_by_hour").index(h)
		cc.count("", t.ColdByHour[h])
		hc.count("", t.CallsByHour[h])
		cc.atMost("", t.ColdByHour[h], t.CallsByHour[h], hc.path)
		cold, calls = cold+t.ColdByHour[h], calls+t.CallsByHour[h]
	}
	c.sum([]string{"trace.cold_by_hour"}, cold, "trace.cold_calls", t.ColdCalls)
	c.atMost("calls_by_hour", calls, s.Requests.Total, "requests.total (the hours' calls in all)")
}

// sortedKeys are m's keys in order, so errors come in a fixed order.
func sortedKeys[K ~string, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func (m *Memory) check(c checker, s *Summary) {
	if m == nil {
		return
	}
	c.counts(map[string]int64{"size_mb": int64(m.SizeMB), "environments": int64(m.Environments), "generations": int64(m.Generations),
		"measured": int64(m.Measured), "growing": int64(m.Growing), "out_of_memory": m.OutOfMemory})
	c.atMost("size_mb", int64(m.SizeMB), record.MaxMemoryMB, "the most memory a record may hold")
	for i, size := range m.SizesMB {
		if size < 1 || size > record.MaxMemoryMB {
			c.at("sizes_mb").index(i).fail("", size, "a memory size from 1 to %d MB", record.MaxMemoryMB)
		}
	}
	c.atMost("environments", int64(m.Environments), int64(s.Instances.Count), "instances.count")
	c.atMost("generations", int64(m.Generations), int64(s.Instances.Count+s.Instances.Resets), "instances.count plus instances.resets (the generations)")
	c.atMost("environments", int64(m.Environments), int64(m.Generations), "memory.generations (an environment with readings has a generation with them)")
	c.atMost("measured", int64(m.Measured), int64(m.Generations), "memory.generations")
	c.atMost("growing", int64(m.Growing), int64(m.Measured), "memory.measured")
	c.atMost("out_of_memory", m.OutOfMemory, s.Requests.Failed, "requests.failed")
	if n := s.Requests.ByError[OutOfMemory]; n != m.OutOfMemory {
		c.fail("out_of_memory", m.OutOfMemory, "not requests.by_error's %s (%d)", OutOfMemory, n)
	}
	if (m.Growing > 0) != (m.GrowthMBPerCall != nil) {
		c.fail("growth_mb_per_call", m.GrowthMBPerCall != nil, "given exactly when a generation grows (memory.growing %d)", m.Growing)
	}
	for _, sp := range []struct {
		name string
		v    *MemorySpread
	}{{"growth_mb_per_call", m.GrowthMBPerCall}, {"start_mb", m.StartMB}} {
		if sp.v == nil {
			continue
		}
		c.at(sp.name).ordered([]string{"p10", "median", "p90"}, sp.v.P10, sp.v.Median, sp.v.P90)
		c.at(sp.name).atMostFigure("p90", sp.v.P90, record.MaxMemoryMB, "the most memory a record may hold")
	}
	if l := m.CallsToLimit; l != nil {
		c.at("calls_to_limit").ordered([]string{"min", "median"}, l.Min, l.Median)
		c.at("calls_to_limit").atMostFigure("median", l.Median, maxCallsToLimit, "the most calls a projection gives")
	}
	if (m.CallsToLimit != nil) != (m.ReachLimitShare != nil) {
		c.fail("reach_limit_share", m.ReachLimitShare != nil, "given exactly with memory.calls_to_limit")
	}
	if m.ReachLimitShare != nil {
		c.share("reach_limit_share", *m.ReachLimitShare)
	}
}

// atMostFigure checks a figure against a limit, named by what.
func (c checker) atMostFigure(field string, v, limit float64, what string) {
	if v > limit {
		c.fail(field, v, "more than %s (%g)", what, limit)
	}
}
