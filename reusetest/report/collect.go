// Package report turns a run's records and summary into a report folder:
// report.md (renders on GitHub and in a CI job summary) with the results
// table beside the 2021 figures, and charts as SVG and PNG: a timeline of
// environments, calls per environment, environments busy and alive over
// time, a lifetime survival curve (Kaplan-Meier), each kind's own charts
// (registered by kind name with registerKind, for the kinds in
// schedule.Kinds), cold starts by tenant rank for a run with tenants, and
// memory against calls served for a run whose records carry memory.
//
// Its files: collect.go (the Collector: the one pass over the records),
// report.go (report.md and the folder), charts.go (the common charts and
// the kinds' registry), a kind's part in its own file named for the kind
// (its charts and note, registered by kind name), tenants.go (the tenants
// chart of a run whose calls carried tenants), multi.go (calls at once per
// environment, on Managed Instances), memory.go (memory against calls
// served, where records carry memory), sweep.go (what-ifs side by side),
// history.go (a folder of nights' summaries), trend.go (the trend report,
// night by night), jobsummary.go (what a CI job summary shows of a trend),
// matrix.go (configurations side by side) and drift.go (tonight's
// judgement).
package report

import (
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"github.com/lambda-reuse/lambda-reuse/reusetest/stats"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
)

// Buckets is how many time buckets the busy-over-time series has across
// the plan's duration.
const Buckets = 400

// Collector is the report's one pass over a run's records: each record
// goes to the run's Summarizer (the summary and the per-environment facts
// every chart draws from), and the most calls in flight at once is kept
// per time bucket, from the same sweep that gives the summary its busy
// maximum (O(Buckets): past twice that the buckets coarsen). Memory is
// O(environments), never O(calls).
type Collector struct {
	sum   *summary.Summarizer
	sched schedule.Schedule
	t0    time.Time // the run's start, from the first record
	width time.Duration
	peak  []int // the most calls in flight at once, per bucket
	// On environments serving many calls at once (Managed Instances): per
	// bucket, the calls in flight in their environment as calls started,
	// summed, the calls that said it, and the most.
	envSum, envN []int64
	envMax       []int
	haveT0       bool
	// Predictions, when set, join the summary (a live run's predictions,
	// made after its last record).
	Predictions []summary.Prediction
	// Logs, when set, joins the summary: what was read of a function's own
	// Lambda logs.
	Logs *summary.LogsRead
}

// NewCollector starts collecting for the run of schedule that sum
// summarizes.
func NewCollector(sum *summary.Summarizer, schedule schedule.Schedule) *Collector {
	c := &Collector{sum: sum, sched: schedule, width: max(time.Second, schedule.Plan().Duration()/Buckets),
		peak: make([]int, Buckets+1), envSum: make([]int64, Buckets+1), envN: make([]int64, Buckets+1), envMax: make([]int, Buckets+1)}
	sum.ObserveConcurrency(c.observe)
	return c
}

// Add accounts for one record.
func (c *Collector) Add(r *record.Record) {
	if !c.haveT0 {
		c.t0, c.haveT0 = r.Scheduled.Add(-c.sched.Due(r.Seq)), true
	}
	c.sum.Add(r)
	if r.InFlight > 0 && r.Served() {
		b := c.bucket(r.Sent.UnixNano())
		c.envSum[b] += int64(r.InFlight)
		c.envN[b]++
		c.envMax[b] = max(c.envMax[b], r.InFlight)
	}
}

// bucket is the index of the bucket of a call sent at sent (Unix ns),
// coarsening the buckets as needed, and there.
func (c *Collector) bucket(sent int64) int {
	t := max(time.Unix(0, sent).Sub(c.t0), 0)
	// A run that outlasts its plan (a resumed one) by far, or a record of a
	// far-off time, coarsens the buckets rather than growing them: memory
	// stays O(Buckets).
	for t/c.width >= 2*Buckets {
		c.coarsen()
	}
	b := int(t / c.width)
	for b >= len(c.peak) {
		c.peak = append(c.peak, 0)
		c.envSum, c.envN, c.envMax = append(c.envSum, 0), append(c.envN, 0), append(c.envMax, 0)
	}
	return b
}

// observe notes that inFlight calls were in flight when a call was sent at
// sent (Unix ns).
func (c *Collector) observe(sent int64, inFlight int) {
	b := c.bucket(sent)
	c.peak[b] = max(c.peak[b], inFlight)
}

// coarsen doubles the buckets' width, merging them in pairs.
func (c *Collector) coarsen() {
	for i := range (len(c.peak) + 1) / 2 {
		c.peak[i], c.envSum[i], c.envN[i], c.envMax[i] = c.peak[2*i], c.envSum[2*i], c.envN[2*i], c.envMax[2*i]
		if j := 2*i + 1; j < len(c.peak) {
			c.peak[i] = max(c.peak[i], c.peak[j])
			c.envSum[i] += c.envSum[j]
			c.envN[i] += c.envN[j]
			c.envMax[i] = max(c.envMax[i], c.envMax[j])
		}
	}
	n := (len(c.peak) + 1) / 2
	c.peak, c.envSum, c.envN, c.envMax = c.peak[:n], c.envSum[:n], c.envN[:n], c.envMax[:n]
	c.width *= 2
}

// Summary is the run's summary so far.
func (c *Collector) Summary() summary.Summary {
	s := c.sum.Summary()
	s.Predictions = c.Predictions
	s.Logs = c.Logs
	return s
}

// NumEnvironments is the number of environments seen so far.
func (c *Collector) NumEnvironments() int { return c.sum.NumEnvironments() }

// Sum is the run's Summarizer, which the collector feeds.
func (c *Collector) Sum() *summary.Summarizer { return c.sum }

// span is one environment's life as the charts draw it: offsets from the
// run's start.
type span struct {
	id          string
	first, last time.Duration // first send, last answer
	calls       int64
	censored    bool
}

// spans returns the environments by first call, as offsets from the run's
// start in model time (real time unless a served pool declared a scale),
// and the end of the run (the last answer).
func (c *Collector) spans() (out []span, end time.Duration) {
	f := c.sum.TimeFactor()
	model := func(d time.Duration) time.Duration { return time.Duration(float64(d) * f) }
	for _, e := range c.sum.Environments() {
		s := span{id: e.ID, first: model(e.First.Sub(c.t0)), last: model(e.Last.Sub(c.t0)), calls: e.Calls, censored: e.Censored}
		out = append(out, s)
		end = max(end, s.last)
	}
	return out, end
}

// survival is the Kaplan-Meier estimate of lifetimes, in minutes;
// environments still serving at the end (summary.Environment.Censored) are
// censored.
func survival(spans []span) (times, surv []float64) {
	obs := make([]stats.Observation, len(spans))
	for i, s := range spans {
		obs[i] = stats.Observation{T: (s.last - s.first).Minutes(), Ended: !s.censored}
	}
	return stats.KaplanMeier(obs)
}
