// Package report turns a run's records and summary into a report folder:
// report.md (renders on GitHub and in a CI job summary) with the results
// table beside the 2021 figures, and charts as SVG and PNG: a timeline of
// environments, calls per environment, environments busy and alive over
// time, and a lifetime survival curve (Kaplan-Meier).
package report

import (
	"cmp"
	"slices"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/reuse"
)

// Buckets is how many time buckets the busy-over-time series has across
// the plan's duration.
const Buckets = 400

// span is one environment's life as the records show it.
type span struct {
	id          string
	first, last time.Duration // from the run's start: first send, last answer
	calls       int64
}

// Collector gathers what the charts need from records, in any order:
// per-environment spans (memory O(environments)) and time in flight per
// bucket (O(Buckets), growing only if a resumed run outlasts its plan).
type Collector struct {
	plan   reuse.Plan
	t0     time.Time // the run's start, from the first record
	width  time.Duration
	spans  map[string]*span
	busy   []float64 // seconds in flight per bucket
	end    time.Duration
	haveT0 bool
}

// NewCollector starts collecting for a run of plan.
func NewCollector(plan reuse.Plan) *Collector {
	return &Collector{plan: plan, width: max(time.Second, plan.Duration()/Buckets), spans: map[string]*span{},
		busy: make([]float64, Buckets+1)}
}

// Add accounts for one record.
func (c *Collector) Add(r *reuse.Record) {
	if !c.haveT0 {
		c.t0, c.haveT0 = r.Scheduled.Add(-c.plan.Due(r.Seq)), true
	}
	if !r.Served() {
		return
	}
	sent, done := r.Sent.Sub(c.t0), r.Done.Sub(c.t0)
	s := c.spans[r.InstanceID]
	if s == nil {
		s = &span{id: r.InstanceID, first: sent, last: done}
		c.spans[r.InstanceID] = s
	}
	s.first, s.last = min(s.first, sent), max(s.last, done)
	s.calls++
	c.end = max(c.end, done)
	// Spread the call's time in flight over the buckets it covers.
	for t := max(sent, 0); t < done; {
		b := int(t / c.width)
		next := min(done, time.Duration(b+1)*c.width)
		for b >= len(c.busy) {
			c.busy = append(c.busy, 0)
		}
		c.busy[b] += (next - t).Seconds()
		t = next
	}
}

// sortedSpans returns the spans by first call (then id, for determinism).
func (c *Collector) sortedSpans() []span {
	out := make([]span, 0, len(c.spans))
	for _, s := range c.spans {
		out = append(out, *s)
	}
	slices.SortFunc(out, func(a, b span) int { return cmp.Or(cmp.Compare(a.first, b.first), cmp.Compare(a.id, b.id)) })
	return out
}

// survival is the Kaplan-Meier estimate of lifetimes, in minutes: at each
// distinct lifetime t where an environment ended (not censored), S(t) =
// product of (1 - ended / at risk). Environments still serving at the end
// (last answer within reuse.CensorWindow of the run's end) are censored.
func (c *Collector) survival() (times, surv []float64) {
	type obs struct {
		t        float64
		censored bool
	}
	var all []obs
	for _, s := range c.spans {
		all = append(all, obs{(s.last - s.first).Minutes(), s.last >= c.end-reuse.CensorWindow})
	}
	slices.SortFunc(all, func(a, b obs) int { return cmp.Compare(a.t, b.t) })
	s := 1.0
	times, surv = []float64{0}, []float64{1}
	atRisk := len(all)
	for i := 0; i < len(all); {
		j, ended := i, 0
		for ; j < len(all) && all[j].t == all[i].t; j++ {
			if !all[j].censored {
				ended++
			}
		}
		if ended > 0 {
			s *= 1 - float64(ended)/float64(atRisk)
			times, surv = append(times, all[i].t), append(surv, s)
		}
		atRisk -= j - i
		i = j
	}
	return times, surv
}
