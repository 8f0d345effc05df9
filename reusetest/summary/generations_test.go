package summary_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary/summarytest"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// inStream is summarytest.Served in log stream stream.
func inStream(seq int64, id, stream string, inv int64, sent, done time.Duration) record.Record {
	r := summarytest.Served(seq, id, inv, sent, done)
	r.LogStream = stream
	return r
}

// resetRun is a probe run in which environment "s1" served two calls as
// instance a, failed the third (Runtime.ExitError), and was reset: its
// stream served on as instance a2 from invocation 1. Stream "s2" was warm
// from before the run (its first call its 40th) and stream "s3" a log
// stream whose start the records say is unseen.
func resetRun() []record.Record {
	failed := inStream(2, "a", "s1", 3, 20*time.Second, 21*time.Second)
	failed.Status, failed.ErrorClass, failed.ErrorType, failed.Error = record.StatusError, record.ClassFunctionError, "Runtime.ExitError", "Runtime.ExitError"
	unseen := inStream(6, "c#1", "s3", 0, 50*time.Second, 51*time.Second)
	unseen.StartUnseen = true
	return []record.Record{
		inStream(0, "a", "s1", 1, 0, time.Second),
		inStream(1, "a", "s1", 2, 10*time.Second, 11*time.Second),
		failed,
		inStream(3, "a2", "s1", 1, 30*time.Second, 31*time.Second),
		inStream(4, "a2", "s1", 2, 40*time.Second, 41*time.Second),
		inStream(5, "b", "s2", 40, 45*time.Second, 46*time.Second),
		unseen,
	}
}

func TestAResetIsOneEnvironmentNotAColdStart(t *testing.T) {
	want := summarytest.Summarize(resetRun())
	assert.Check(t, is.DeepEqual(want.Instances, summary.Instances{Count: 3, ColdStarts: 1, LeftCensored: 2, Resets: 1,
		Starts: &summary.Starts{RequestPath: 1}}))
	// The failed call was served: s1 served five calls, s2 and s3 one each.
	assert.Check(t, is.DeepEqual(want.Reuse, summary.Reuse{Mean: 2.333, Median: 1, P10: 1, P90: 4.2, Min: 1, Max: 5}))
	assert.Check(t, is.DeepEqual(want.Requests.ByError, map[string]int64{"Runtime.ExitError": 1}))
	// Four generations: a (3 calls, 0..21 s), a2 (2, 30..41 s), b and c#1.
	assert.Assert(t, want.Generations != nil)
	assert.Check(t, is.Equal(want.Generations.Count, 4))
	assert.Check(t, is.DeepEqual(want.Generations.Reuse, summary.Reuse{Mean: 1.75, Median: 1.5, P10: 1, P90: 2.7, Min: 1, Max: 3}))
	assert.Check(t, is.Equal(want.Generations.LifetimeMinutes.Max, 0.35))
	// a ended by its reset: not censored; a2, b and c#1 served within a
	// minute of the end.
	assert.Check(t, is.Equal(want.Generations.LifetimeMinutes.Censored, 3))
	rng := rand.New(rand.NewPCG(3, 3))
	for range 20 {
		recs := resetRun()
		rng.Shuffle(len(recs), func(i, j int) { recs[i], recs[j] = recs[j], recs[i] })
		assert.Check(t, is.DeepEqual(summarytest.Summarize(recs), want), "any order, the same summary")
	}
}

func TestRecordsWithoutStreamsAreKeyedByInstance(t *testing.T) {
	// The simulator's and a plain endpoint's records: one environment per
	// instance id, no reset, no generations part.
	got := summarytest.Summarize(summarytest.HandMade())
	assert.Check(t, is.Equal(got.Instances.Resets, 0))
	assert.Check(t, got.Generations == nil)
	// Managed Instances: one stream holds many environments; their instance
	// ids tell them apart.
	a, b := inStream(0, "a", "cp/managed-instances", 1, 0, time.Second), inStream(1, "b", "cp/managed-instances", 1, 0, time.Second)
	a.MaxConcurrency, b.MaxConcurrency = 8, 8
	got = summarytest.Summarize([]record.Record{a, b})
	assert.Check(t, is.Equal(got.Instances.Count, 2))
	assert.Check(t, is.Equal(got.Instances.Resets, 0))
}

func TestErrorTypesAreBounded(t *testing.T) {
	var recs []record.Record
	for i := range summary.MaxErrorTypes + 10 {
		r := summarytest.Served(int64(i), "a", int64(i+1), time.Duration(i)*time.Second, time.Duration(i)*time.Second+time.Millisecond)
		r.Status, r.ErrorType = record.StatusError, "Type"+string(rune('A'+i%26))+string(rune('a'+i/26))
		recs = append(recs, r)
	}
	got := summarytest.Summarize(recs)
	assert.Check(t, is.Len(got.Requests.ByError, summary.MaxErrorTypes+1))
	assert.Check(t, is.Equal(got.Requests.ByError[summary.OtherErrorTypes], int64(10)))
}
