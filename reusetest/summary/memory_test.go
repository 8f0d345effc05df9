package summary_test

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary/summarytest"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// memGen is a runtime generation of a hand-made world: calls calls, one
// every step from start, in log stream stream as instance id, its memory
// after its i-th call mb(i) of size MB; its last call ran out of memory
// when oom.
type memGen struct {
	stream, id  string
	start, step time.Duration
	calls       int64
	mb          func(i int64) float64
	size        int
	oom         bool
}

// memRecords are the generations' records, in time order, numbered.
func memRecords(gens ...memGen) []record.Record {
	var out []record.Record
	for _, g := range gens {
		for i := int64(1); i <= g.calls; i++ {
			at := g.start + time.Duration(i-1)*g.step
			r := summarytest.Served(0, g.id, i, at, at+g.step/2)
			r.LogStream, r.MemoryUsedMB, r.MemorySizeMB = g.stream, g.mb(i), g.size
			if g.oom && i == g.calls {
				r.Status, r.ErrorClass, r.ErrorType, r.Error = record.StatusError, record.ClassFunctionError, summary.OutOfMemory, "function error: "+summary.OutOfMemory
			}
			out = append(out, r)
		}
	}
	slices.SortStableFunc(out, func(a, b record.Record) int { return a.Sent.Compare(b.Sent) })
	for i := range out {
		out[i].Seq = int64(i)
	}
	return out
}

func summarizeAll(recs []record.Record) (summary.Summary, *summary.Summarizer) {
	s := summary.NewSummarizer(schedule.Steady{Calls: int64(len(recs)), RatePerSec: 1, HandlerMS: 100}, "test", nil)
	for i := range recs {
		s.Add(&recs[i])
	}
	return s.Summary(), s
}

func linear(start, perCall float64) func(int64) float64 {
	return func(i int64) float64 { return start + perCall*float64(i) }
}

// TestMemoryOfAHandMadeWorld checks every figure of the memory part by
// hand. Generations A and B leak 0.1 MB a call from 80 MB (size 512 MB:
// 4,320 calls to the limit); A ended after 500 calls, B is still serving
// at the end. C (6,000 calls) and D (200) are flat, E served 50 (too few
// to measure). The Kaplan-Meier of calls per generation: 50, 200 and 500
// ended, 1,000 censored, 6,000 ended: 0.4 of generations reach 4,320
// calls. Each of the two growing generations counts 0.4, over the four
// measured: a share of 0.2.
func TestMemoryOfAHandMadeWorld(t *testing.T) {
	flat := func(mb float64) func(int64) float64 { return func(int64) float64 { return mb } }
	recs := memRecords(
		memGen{stream: "sA", id: "A", start: 0, step: time.Second, calls: 500, mb: linear(80, 0.1), size: 512},
		memGen{stream: "sB", id: "B", start: 5200 * time.Second, step: time.Second, calls: 1000, mb: linear(80, 0.1), size: 512},
		memGen{stream: "sC", id: "C", start: 0, step: 900 * time.Millisecond, calls: 6000, mb: flat(90), size: 512},
		memGen{stream: "sD", id: "D", start: 0, step: time.Second, calls: 200, mb: flat(95), size: 512},
		memGen{stream: "sE", id: "E", start: 0, step: time.Second, calls: 50, mb: linear(70, 0.5), size: 512},
	)
	sum, _ := summarizeAll(recs)
	share := 0.2
	assert.Check(t, is.DeepEqual(sum.Memory, &summary.Memory{SizeMB: 512, Environments: 5, Generations: 5, Measured: 4, Growing: 2,
		GrowthMBPerCall: &summary.MemorySpread{Median: 0.1, P10: 0.1, P90: 0.1}, StartMB: &summary.MemorySpread{Median: 80, P10: 80, P90: 80},
		CallsToLimit: &summary.CallsToLimit{Median: 4320, Min: 4320}, ReachLimitShare: &share}))
	var table bytes.Buffer
	assert.NilError(t, sum.Memory.WriteTable(&table))
	assert.Check(t, is.Contains(table.String(), "at 0.10 MB per call from 80 MB, a runtime generation reaches 512 MB after about 4,300 calls; 20% of generations are expected to live that long; 0 out-of-memory failures in this window"))
	assert.Check(t, is.Contains(table.String(), "only 2 of the 4 generations of 100 calls or more grow"), "the mix is said")

	// Records without readings have no memory part.
	for i := range recs {
		recs[i].MemoryUsedMB, recs[i].MemorySizeMB = 0, 0
	}
	sum, _ = summarizeAll(recs)
	assert.Check(t, sum.Memory == nil)
}

// TestOutOfMemoryEndsAGenerationThatReachedTheLimit: a generation that
// leaks 0.2 MB a call from 100 MB (512 MB in 2,060 calls) runs out of
// memory on its 2,000th call (a call's own peak passed the size first)
// and is reset; its next generation leaks the same and is still serving.
// The failure is counted, both project 2,060 calls, and the generation
// the failure ended is censored in the survival (without the leak it
// would have lived on; counted as an end, no generation would be seen to
// live 2,060 calls): with every measured generation growing and no other
// end, all are expected to reach the limit.
func TestOutOfMemoryEndsAGenerationThatReachedTheLimit(t *testing.T) {
	recs := memRecords(
		memGen{stream: "s1", id: "g1", start: 0, step: time.Second, calls: 2000, mb: linear(100, 0.2), size: 512, oom: true},
		memGen{stream: "s1", id: "g2", start: 2100 * time.Second, step: time.Second, calls: 300, mb: linear(100, 0.2), size: 512},
	)
	sum, _ := summarizeAll(recs)
	m := sum.Memory
	assert.Assert(t, m != nil)
	assert.Check(t, is.Equal(m.OutOfMemory, int64(1)))
	assert.Check(t, is.Equal(sum.Instances.Resets, 1))
	assert.Check(t, is.Equal(m.Environments, 1))
	assert.Check(t, is.Equal(m.Generations, 2))
	assert.Check(t, is.DeepEqual(m.CallsToLimit, &summary.CallsToLimit{Median: 2060, Min: 2060}))
	assert.Check(t, is.Equal(*m.ReachLimitShare, 1.0))
	assert.Check(t, is.Contains(m.Answer(), "1 out-of-memory failure in this window"))
}

// exactTheilSen is the median of every pairwise slope, written here apart
// from the summary's.
func exactTheilSen(xs, ys []float64) float64 {
	var slopes []float64
	for i := range xs {
		for j := range i {
			slopes = append(slopes, (ys[i]-ys[j])/(xs[i]-xs[j]))
		}
	}
	slices.Sort(slopes)
	n := len(slopes)
	if n%2 == 1 {
		return slopes[n/2]
	}
	return (slopes[n/2-1] + slopes[n/2]) / 2
}

// TestMemorySampleIsBoundedAndExactWhereItShouldBe: a generation keeps at
// most MemorySample readings, the same ones in any order of arrival. With
// no more readings than that, its slope is the exact Theil-Sen slope of
// all of them; on a line, it is the line's slope however many calls; on
// Lambda's whole-MB readings of a leak over thousands of calls, it is
// within 1% of the exact slope of every reading.
func TestMemorySampleIsBoundedAndExactWhereItShouldBe(t *testing.T) {
	rng := rand.New(rand.NewPCG(34, 1))
	one := func(calls int64, mb func(int64) float64, shuffle bool) summary.MemoryGeneration {
		recs := memRecords(memGen{stream: "s", id: "g", step: time.Second, calls: calls, mb: mb, size: 1024})
		if shuffle {
			rng.Shuffle(len(recs), func(i, j int) { recs[i], recs[j] = recs[j], recs[i] })
		}
		_, s := summarizeAll(recs)
		gens := s.MemoryGenerations()
		assert.Assert(t, is.Len(gens, 1))
		return gens[0]
	}
	noisy := func(i int64) float64 { return math.Round(80 + 0.07*float64(i) + rng.NormFloat64()) }
	// Few readings: all kept, the exact slope.
	g := one(120, noisy, false)
	assert.Check(t, is.Len(g.Points, 120))
	var xs, ys []float64
	for _, p := range g.Points {
		xs, ys = append(xs, float64(p.Calls)), append(ys, p.MB)
	}
	assert.Check(t, is.Equal(g.GrowthMBPerCall, exactTheilSen(xs, ys)))

	// A line of 10,000 calls, in order or not: its slope and start, from
	// the same sample.
	ordered, shuffled := one(10_000, linear(80, 0.1), false), one(10_000, linear(80, 0.1), true)
	assert.Check(t, len(ordered.Points) <= summary.MemorySample && len(ordered.Points) >= summary.MemorySample/2, "%d kept", len(ordered.Points))
	assert.Check(t, is.DeepEqual(ordered.Points, shuffled.Points), "the sample does not depend on the order")
	assert.Check(t, math.Abs(ordered.GrowthMBPerCall-0.1) < 1e-9 && math.Abs(ordered.StartMB-80) < 1e-6, "%v %v", ordered.GrowthMBPerCall, ordered.StartMB)
	assert.Check(t, is.Equal(ordered.Readings, int64(10_000)))

	// Whole-MB readings of a 0.07 MB leak with noise, 3,000 calls.
	readings := make([]float64, 3001)
	for i := range readings {
		readings[i] = noisy(int64(i))
	}
	g = one(3000, func(i int64) float64 { return readings[i] }, false)
	xs, ys = xs[:0], ys[:0]
	for i := 1; i <= 3000; i++ {
		xs, ys = append(xs, float64(i)), append(ys, readings[i])
	}
	exact := exactTheilSen(xs, ys)
	assert.Check(t, math.Abs(g.GrowthMBPerCall/exact-1) < 0.01, "sampled %v, exact %v", g.GrowthMBPerCall, exact)
	assert.Check(t, g.Growing)
	assert.Check(t, math.Abs(g.CallsToLimit/((1024-g.StartMB)/g.GrowthMBPerCall)-1) < 1e-9, "projected from its start and growth: %v", g.CallsToLimit)
}

// TestFlatNoisyMemoryDoesNotGrow: readings that wander about a level
// (a garbage collector's rise and fall) are flat, not growth.
func TestFlatNoisyMemoryDoesNotGrow(t *testing.T) {
	rng := rand.New(rand.NewPCG(34, 2))
	recs := memRecords(memGen{stream: "s", id: "g", step: time.Second, calls: 400, size: 512,
		mb: func(int64) float64 { return 60 + 4*rng.Float64() }})
	sum, _ := summarizeAll(recs)
	assert.Check(t, is.Equal(sum.Memory.Measured, 1))
	assert.Check(t, is.Equal(sum.Memory.Growing, 0))
	assert.Check(t, sum.Memory.GrowthMBPerCall == nil && sum.Memory.CallsToLimit == nil)
	assert.Check(t, is.Contains(sum.Memory.Answer(), "memory does not grow"))
}

// TestMemoryPartPassesTheGuardAndImpossibleOnesAreRefused: a memory part
// made from records passes Check and reads back; one with an impossible
// figure (growth falling from median to p90, a share of 2, failures the
// requests do not count, more generations than the environments had, a
// start of 10^9 MB, growth without a growing generation) is refused as it
// is read, naming the field.
func TestMemoryPartPassesTheGuardAndImpossibleOnesAreRefused(t *testing.T) {
	recs := memRecords(
		memGen{stream: "s1", id: "g1", start: 0, step: time.Second, calls: 2000, mb: linear(100, 0.2), size: 512, oom: true},
		memGen{stream: "s1", id: "g2", start: 2100 * time.Second, step: time.Second, calls: 300, mb: linear(100, 0.2), size: 512},
		memGen{stream: "s2", id: "f", start: 0, step: time.Second, calls: 300, mb: func(int64) float64 { return 70 }, size: 512},
	)
	sum, _ := summarizeAll(recs)
	assert.Assert(t, sum.Memory != nil && sum.Memory.CallsToLimit != nil)
	assert.NilError(t, sum.Check())
	b, err := summary.MarshalSummary(sum)
	assert.NilError(t, err)
	back, err := summary.ParseSummary(b)
	assert.NilError(t, err)
	assert.Check(t, is.DeepEqual(back.Memory, sum.Memory))

	for _, tc := range []struct {
		name   string
		change func(m *summary.Memory)
		want   string
	}{
		{"growth falls", func(m *summary.Memory) { m.GrowthMBPerCall.P90 = m.GrowthMBPerCall.Median / 2 }, "memory.growth_mb_per_call.p90"},
		{"a share of 2", func(m *summary.Memory) { *m.ReachLimitShare = 2 }, "memory.reach_limit_share 2: a share from 0 to 1"},
		{"failures uncounted", func(m *summary.Memory) { m.OutOfMemory = 7 }, "memory.out_of_memory 7"},
		{"generations", func(m *summary.Memory) { m.Generations = 40 }, "memory.generations 40: more than instances.count plus instances.resets"},
		{"a start of 1e9", func(m *summary.Memory) { m.StartMB.P90 = 1e9 }, "memory.start_mb.p90 1e+09: more than the most memory a record may hold"},
		{"growth without growing", func(m *summary.Memory) { m.Growing = 0 }, "memory.growth_mb_per_call true: given exactly when a generation grows"},
		{"a size of -5", func(m *summary.Memory) { m.SizesMB = []int{-5, 512} }, "memory.sizes_mb[0] -5: a memory size from 1 to 102400 MB"},
	} {
		bad := sum
		m := *sum.Memory
		g, st, share := *m.GrowthMBPerCall, *m.StartMB, *m.ReachLimitShare
		m.GrowthMBPerCall, m.StartMB, m.ReachLimitShare = &g, &st, &share
		tc.change(&m)
		bad.Memory = &m
		b, err := json.Marshal(bad)
		assert.NilError(t, err, tc.name)
		_, err = summary.ParseSummary(b)
		assert.Check(t, is.ErrorContains(err, tc.want), tc.name)
	}
}
