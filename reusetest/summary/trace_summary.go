package summary

import (
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strings"
	"time"

	"github.com/lambda-reuse/lambda-reuse/internal/simcall"
	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
)

func init() {
	registerSection(schedule.KindTrace, SectionKind{
		New: func() Section { return new(TraceSummary) },
		Analyse: func(s schedule.Schedule) SectionAnalysis {
			if t, ok := s.(*schedule.Trace); ok {
				return newTraceAnalysis(t)
			}
			return nil
		},
	})
}

// TraceSummary is a trace replay's section of the summary: what a user's
// own traffic costs in cold starts, and when in the day they come.
type TraceSummary struct {
	// File is the trace file's name; Counts is true for a counts trace.
	File   string `json:"file"`
	Counts bool   `json:"counts,omitempty"`
	// Start is the trace's first time (its window's start) when its times
	// are absolute; hours below are then UTC hours of the day. Otherwise
	// they are hours from the trace's start, modulo 24.
	Start *time.Time `json:"start,omitempty"`
	// Speed is trace seconds per run second.
	Speed float64 `json:"speed"`
	// ColdCalls counts the calls that started an environment on the request
	// path (its first call, which waited for its on-demand init: not a
	// proactive, provisioned or restored start); ColdShare is their share of
	// the calls served.
	ColdCalls int64   `json:"cold_calls"`
	ColdShare float64 `json:"cold_share"`
	// ColdByHour and CallsByHour count cold calls and calls by hour of
	// the (trace's) day.
	ColdByHour  [24]int64 `json:"cold_by_hour"`
	CallsByHour [24]int64 `json:"calls_by_hour"`
}

// traceAnalysis builds the trace section from the records, in any order.
type traceAnalysis struct {
	sum    TraceSummary
	t      *schedule.Trace
	base   time.Duration // the window's start: in trace time, or Unix ns for an absolute trace
	t0     time.Time     // the run's start, from the first record
	haveT0 bool
	served int64
	// coldGen is, per environment (EnvironmentOf), the generation whose
	// first call was counted cold: a later generation's first call is a
	// reset's, not a cold start.
	coldGen map[string]string
}

func newTraceAnalysis(t *schedule.Trace) *traceAnalysis {
	a := &traceAnalysis{t: t, base: t.Options().Start, sum: TraceSummary{File: filepath.Base(t.Path()), Counts: t.Counts(), Speed: t.Options().Speed}}
	if zero, ok := t.Zero(); ok {
		a.sum.Start, a.base = &zero, time.Duration(zero.UnixNano())
	}
	return a
}

// Add accounts for one record.
func (a *traceAnalysis) Add(r *record.Record, factor float64) {
	if !a.haveT0 {
		a.t0, a.haveT0 = r.Scheduled.Add(-a.t.Due(r.Seq)), true
	}
	served := r.Served()
	cold := served && a.cold(EnvironmentOf(r), r.InstanceID, r.Invocation, r.InitType,
		!r.InitAt.IsZero() && float64(r.Sent.Sub(r.InitAt))*factor > float64(ProactiveThreshold), r.StartUnseen)
	a.count(r.Scheduled.Sub(a.t0), served, cold)
}

// addCall accounts for one simulated call as Add would for its record,
// without its wall times: a simulated call is sent when it is due, so the
// run starts at the epoch and the call's offset in it is its model time.
func (a *traceAnalysis) addCall(c *simcall.Call, factor float64) {
	if !a.haveT0 {
		a.t0, a.haveT0 = simcall.WallTime(c.Sent).Add(-a.t.Due(c.Seq)), true
	}
	served := c.Served()
	cold := served && a.cold(environmentKey(c.Env.LogStream, c.Env.InstanceID, c.MaxConc), c.Env.InstanceID, c.Invocation, c.Env.InitType,
		float64(c.Sent-c.Env.InitAt)*factor > float64(ProactiveThreshold), false)
	a.count(c.Sent-a.t0.Sub(simcall.Epoch), served, cold)
}

// cold reports whether a served call of environment env and instance id
// (its invocation count and init type, whether it came past the proactive
// threshold after its init, whether its start is unseen) started its
// environment on the request path: its first call, which waited for its
// on-demand init (not a proactive, provisioned or restored start, nor a
// reset's).
func (a *traceAnalysis) cold(env, id string, invocation int64, initType record.InitType, proactive, startUnseen bool) bool {
	first := true
	if invocation <= 1 || startUnseen {
		first = a.firstGeneration(env, id)
	}
	return invocation == 1 && initType.OnDemand() && !proactive && !startUnseen && first
}

// count accounts for a call sent at offset in the run: served or not, and
// a cold start on the request path or not.
func (a *traceAnalysis) count(offset time.Duration, served, cold bool) {
	// The call's time in the trace: its offset in the run, at the trace's
	// speed, from the window's start (and the absolute zero).
	at := a.base + time.Duration(float64(offset)*a.sum.Speed)
	hour := int((at / time.Hour) % 24)
	if hour < 0 {
		hour += 24
	}
	a.sum.CallsByHour[hour]++
	if !served {
		return
	}
	a.served++
	if cold {
		a.sum.ColdCalls++
		a.sum.ColdByHour[hour]++
	}
}

// firstGeneration reports whether instance id, a generation's first call
// (or one whose place is unknown) in environment env, is of its
// environment's first generation seen, and notes it: records come in seq
// order, so a generation's first call comes before its others.
func (a *traceAnalysis) firstGeneration(env, id string) bool {
	if env == id {
		return true
	}
	if a.coldGen == nil {
		a.coldGen = map[string]string{}
	}
	if g, ok := a.coldGen[env]; ok {
		return g == id
	}
	a.coldGen[env] = id
	return true
}

// Section is the section of the records so far.
func (a *traceAnalysis) Section(float64) Section {
	s := a.sum
	if a.served > 0 {
		s.ColdShare = math.Round(float64(s.ColdCalls)/float64(a.served)*1e6) / 1e6 // a share of a fraction of a percent: six decimals
	}
	return &s
}

// WriteTable writes the trace's cold starts, and by hour of the day.
func (t *TraceSummary) WriteTable(w io.Writer) error {
	clock := "hours from the trace's start, modulo 24"
	if t.Start != nil {
		clock = "UTC hour of the day; the trace starts " + t.Start.Format("2006-01-02 15:04:05 MST")
	}
	fmt.Fprintf(w, "\ntrace %s (speed %g): %d cold starts, %.2f%% of the calls served\n", t.File, t.Speed, t.ColdCalls, t.ColdShare*100)
	fmt.Fprintf(w, "by %s:\n%4s %10s %11s %8s\n", clock, "hour", "calls", "cold starts", "cold %")
	// The bars follow the share printed beside them, the largest hour's 30
	// characters wide.
	share := func(h int) float64 { return float64(t.ColdByHour[h]) / float64(t.CallsByHour[h]) }
	var most float64
	for h := range 24 {
		if t.CallsByHour[h] > 0 {
			most = max(most, share(h))
		}
	}
	var err error
	for h := range 24 {
		if t.CallsByHour[h] == 0 {
			continue
		}
		bar := ""
		if most > 0 {
			bar = strings.Repeat("#", int(math.Ceil(share(h)/most*30)))
		}
		_, err = fmt.Fprintf(w, "%4d %10d %11d %8.2f  %s\n", h, t.CallsByHour[h], t.ColdByHour[h], 100*share(h), bar)
	}
	return err
}

// Trace is a trace replay's section of s, or nil.
func (s Summary) Trace() *TraceSummary { return sectionOf[TraceSummary](s, schedule.KindTrace) }
