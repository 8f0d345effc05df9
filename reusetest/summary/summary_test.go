package summary_test

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/metric"
	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary/summarytest"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
	"gotest.tools/v3/golden"
)

func TestSummaryOfHandMadeRecords(t *testing.T) {
	got := summarytest.Summarize(summarytest.HandMade())
	assert.Check(t, is.Equal(got.Schema, summary.SchemaV1))
	assert.Check(t, is.DeepEqual(got.Requests, summary.Requests{
		Total: 7, OK: 5, Failed: 2,
		ByStatus:     map[record.Status]int64{record.StatusOK: 5, record.StatusError: 1, record.StatusSkipped: 1},
		ByErrorClass: map[record.ErrorClass]int64{record.ClassHTTP5xx: 1},
	}))
	assert.Check(t, is.DeepEqual(got.Instances, summary.Instances{Count: 2, ColdStarts: 1, LeftCensored: 1, Starts: &summary.Starts{RequestPath: 1}}))
	assert.Check(t, is.DeepEqual(got.Reuse, summary.Reuse{Mean: 2.5, Median: 2.5, P10: 2.1, P90: 2.9, Min: 2, Max: 3}))
	// a lived 3m, b 3m: both answered within a minute of the last answer
	// (4m), so both are censored.
	assert.Check(t, is.DeepEqual(got.LifetimeMinutes, summary.Lifetime{Mean: 3, Median: 3, P90: 3, Max: 3, Censored: 2}))
	// Time in flight: 10+10+5+118+30 s = 173 s over 240 s; at most 2 at once
	// (call 3 runs 1m2s..3m while b's call 2 ran 1m..1m5s).
	assert.Check(t, is.DeepEqual(got.Concurrency, summary.Concurrency{Mean: 0.721, Max: 2}))
	// 0.1/s x 0.5 s = 0.05 busy; 2 / 0.05 = 40 generations over 7 calls /
	// 0.1/s = 70 s = 1.167 min, so 0.029 min each.
	assert.Check(t, is.DeepEqual(got.SeedMethod, summary.SeedMethod{BusyAtOnce: 0.05, Generations: 40, RunMinutes: 1.167, AvgLifetimeMinutes: 0.029}))
}

func TestSummaryDoesNotDependOnRecordOrder(t *testing.T) {
	want := summarytest.Summarize(summarytest.HandMade())
	rng := rand.New(rand.NewPCG(1, 1))
	for range 20 {
		recs := summarytest.HandMade()
		rng.Shuffle(len(recs), func(i, j int) { recs[i], recs[j] = recs[j], recs[i] })
		assert.Check(t, is.DeepEqual(summarytest.Summarize(recs), want))
	}
}

func TestSummaryOfARunCutShort(t *testing.T) {
	// Calls 2 and 3 never got a record (a killed run): the summary still
	// covers everything that did.
	recs := summarytest.HandMade()
	got := summarytest.Summarize(append(recs[:2:2], recs[4:]...))
	assert.Check(t, is.Equal(got.Requests.Total, int64(5)))
	assert.Check(t, is.Equal(got.Instances.Count, 2))
	assert.Check(t, is.Equal(got.Concurrency.Max, 1))
}

func TestSummaryCanBeTakenRepeatedly(t *testing.T) {
	recs := summarytest.HandMade()
	s := summary.NewSummarizer(schedule.Steady{Calls: 7, RatePerSec: 0.1, HandlerMS: 500}, "test", nil)
	s.Add(&recs[0])
	s.Add(&recs[3]) // ahead of 1 and 2: held
	first := s.Summary()
	assert.Check(t, is.Equal(first.Requests.Total, int64(2)))
	for i := range recs {
		if i != 0 && i != 3 {
			s.Add(&recs[i])
		}
	}
	assert.Check(t, is.DeepEqual(s.Summary(), summarytest.Summarize(summarytest.HandMade())), "an early Summary must not disturb the sweep")
}

func TestEmptySummary(t *testing.T) {
	got := summarytest.Summarize(nil)
	assert.Check(t, is.Equal(got.Requests.Total, int64(0)))
	assert.Check(t, is.Equal(got.Instances.Count, 0))
	assert.Check(t, is.Equal(got.SeedMethod.Generations, 0.0))
}

func TestWriteTable(t *testing.T) {
	var buf bytes.Buffer
	sum := summarytest.Summarize(summarytest.HandMade())
	assert.NilError(t, metric.WriteTable(&buf, sum))
	lines := strings.Split(buf.String(), "\n")
	assert.Check(t, is.Equal(lines[0], "test"))
	assert.Check(t, is.Contains(buf.String(), "plan: 7 calls at 0.1/s, handler 500 ms (1m10s)"))
	assert.Check(t, is.Contains(lines, "instances                                          2           72"))
	assert.Check(t, is.Contains(lines, "reuse: median                                    2.5      10911.0"))
	assert.Check(t, is.Contains(lines, "lifetime (2021 method), min                      0.0         69.4"))
	assert.Check(t, is.Contains(lines, "busy at once: mean / max                     0.7 / 2  5 (assumed)"))
}

func TestProactiveStartsAreCounted(t *testing.T) {
	recs := summarytest.HandMade()
	// a (started in the run: its first call is its first invocation)
	// reported an init 90 s before its first call: started before anyone
	// asked. b reported one 90 s before its first call too, but served 6
	// calls before the run: not a start of this run at all.
	for i := range recs {
		switch recs[i].InstanceID {
		case "a":
			recs[i].InitAt = summarytest.At(-90 * time.Second)
		case "b":
			recs[i].InitAt = summarytest.At(time.Minute - 90*time.Second)
		}
	}
	got := summarytest.Summarize(recs)
	assert.Check(t, is.DeepEqual(got.Instances, summary.Instances{Count: 2, ColdStarts: 1, InitKnown: 2, Proactive: 1,
		Starts: &summary.Starts{Proactive: 1}, LeftCensored: 1}))
	envs := summary.NewSummarizer(schedule.Steady{Calls: 7, RatePerSec: 0.1}, "test", nil)
	for i := range recs {
		envs.Add(&recs[i])
	}
	for _, e := range envs.Environments() {
		assert.Check(t, is.Equal(e.Proactive, e.ID == "a"), e.ID)
	}
	// Exactly at the threshold is not proactive: a start on the request
	// path; without init times nothing is proactive.
	for i := range recs {
		if recs[i].InstanceID == "a" {
			recs[i].InitAt = summarytest.At(-summary.ProactiveThreshold)
		}
	}
	at := summarytest.Summarize(recs).Instances
	assert.Check(t, is.Equal(at.Proactive, 0))
	assert.Check(t, is.DeepEqual(at.Starts, &summary.Starts{RequestPath: 1}))
	assert.Check(t, is.Equal(summarytest.Summarize(summarytest.HandMade()).Instances.InitKnown, 0))
}

// TestStartsByInitType: the runtime's init type decides first. A
// provisioned environment initialised long before its first call is
// provisioned, not proactive; a restored one is restored; an unknown type
// is taken as on demand, and only documented types are counted as known.
func TestStartsByInitType(t *testing.T) {
	for _, tc := range []struct {
		typ  record.InitType
		want summary.Starts
	}{
		{record.InitProvisioned, summary.Starts{Provisioned: 1, TypeKnown: 1}},
		{record.InitSnapStart, summary.Starts{Restored: 1, TypeKnown: 1}},
		{record.InitOnDemand, summary.Starts{Proactive: 1, TypeKnown: 1}},
		{"", summary.Starts{Proactive: 1}},
	} {
		recs := summarytest.HandMade()
		for i := range recs {
			if recs[i].InstanceID == "a" {
				recs[i].InitAt, recs[i].InitType = summarytest.At(-90*time.Second), tc.typ
			}
		}
		got := summarytest.Summarize(recs).Instances
		assert.Check(t, is.DeepEqual(got.Starts, &tc.want), "init type %q", tc.typ)
		assert.Check(t, is.Equal(got.Proactive, tc.want.Proactive), "init type %q", tc.typ)
		sum := tc.want.RequestPath + tc.want.Proactive + tc.want.Provisioned + tc.want.Restored
		assert.Check(t, is.Equal(sum, got.ColdStarts), "the starts add up to those started in the run")
	}
	assert.Check(t, is.Equal(record.ParseInitType("provisioned-concurrency"), record.InitProvisioned))
	assert.Check(t, is.Equal(record.ParseInitType("on-demand"), record.InitOnDemand))
	assert.Check(t, is.Equal(record.ParseInitType("snap-start"), record.InitSnapStart))
	assert.Check(t, is.Equal(record.ParseInitType("<script>"), record.InitType("")), "an answer is an allow-list")
}

// TestWriteTableStaysAligned writes the table of a summary whose values are
// far wider than the seed experiment's, against a golden file: every row's
// columns line up whatever the values.
func TestWriteTableStaysAligned(t *testing.T) {
	sum := summarytest.Summarize(summarytest.HandMade())
	sum.Requests.Total, sum.Requests.OK = 600_000_000, 600_000_000
	sum.Reuse.P10, sum.Reuse.P90 = 600_000, 600_000
	sum.Reuse.Min, sum.Reuse.Max = 600_000, 123_456_789
	sum.LifetimeMinutes.P90, sum.LifetimeMinutes.Max = 12_345.6, 99_999.9
	var buf bytes.Buffer
	assert.NilError(t, metric.WriteTable(&buf, sum))
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")[2:] // the table, without title and plan
	for _, l := range lines {
		assert.Check(t, is.Equal(len(l), len(lines[0])), "row %q", l)
	}
	golden.Assert(t, buf.String(), "table-wide.golden.txt")
}

// TestScaledRecordsAreSummarizedInModelTime feeds the hand-made run as a
// served pool at scale 100 would log it: every real duration a hundredth of
// the model's. The summary gives the model's durations and says the scale.
func TestScaledRecordsAreSummarizedInModelTime(t *testing.T) {
	real := summarytest.Summarize(summarytest.HandMade())
	recs := summarytest.HandMade()
	for i := range recs {
		r := &recs[i]
		shrink := func(at time.Time) time.Time {
			if at.IsZero() {
				return at
			}
			return summarytest.T0.Add(at.Sub(summarytest.T0) / 100)
		}
		r.Scheduled, r.Sent, r.Done = shrink(r.Scheduled), shrink(r.Sent), shrink(r.Done)
		r.Scale = 100
	}
	got := summarytest.Summarize(recs)
	assert.Check(t, is.Equal(got.TimeScale, 100.0))
	assert.Check(t, is.DeepEqual(got.LifetimeMinutes, real.LifetimeMinutes), "lifetimes and censoring in model time")
	assert.Check(t, is.DeepEqual(got.Reuse, real.Reuse))
	assert.Check(t, is.Equal(got.SeedMethod.RunMinutes, 116.667), "the plan's 70 s of real time are 116.7 model minutes")
	assert.Check(t, is.Equal(real.TimeScale, 0.0), "an unscaled run says nothing")
	var buf bytes.Buffer
	assert.NilError(t, metric.WriteTable(&buf, got))
	assert.Check(t, is.Contains(buf.String(), "time scale: 100 (the endpoint's model runs 100 times real time)"))
	buf.Reset()
	assert.NilError(t, metric.WriteTable(&buf, real))
	assert.Check(t, !strings.Contains(buf.String(), "time scale"))
}

// TestInstancesByIDNotByString: an instance's calls are counted together
// whether its records carry its id as one string or as copies (the
// Summarizer's lookup cache keys on the string's address).
func TestInstancesByIDNotByString(t *testing.T) {
	plan := schedule.Steady{Calls: 3000, RatePerSec: 10, HandlerMS: 100}
	s := summary.NewSummarizer(plan, "test", nil)
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ids := []string{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "cccccccccccccccccccccccccccccccc"}
	for seq := range plan.Calls {
		id := ids[seq%3]
		if seq%2 == 0 {
			id = strings.Clone(id) // the same id, another string
		}
		s.Add(&record.Record{Seq: seq, Scheduled: at.Add(plan.Due(seq)), Sent: at.Add(plan.Due(seq)), Done: at.Add(plan.Due(seq) + 50*time.Millisecond),
			Status: record.StatusOK, InstanceID: id, Invocation: seq/3 + 1})
	}
	sum := s.Summary()
	assert.Check(t, is.Equal(sum.Instances.Count, 3))
	assert.Check(t, is.Equal(sum.Reuse.Min, int64(1000)))
	assert.Check(t, is.Equal(sum.Reuse.Max, int64(1000)))
}
