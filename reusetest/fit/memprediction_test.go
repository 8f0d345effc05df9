package fit

import (
	"path/filepath"
	"testing"

	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdalogs"
	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdasim"
	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
	"gotest.tools/v3/assert"
)

// TestFittedMemoryPredictsOutOfMemoryPerDay: the profile fitted from the
// logs of the memory world (its own generator: newMemWorld), replaying the
// logs' own traffic (the export's calls as a timestamps trace, as
// -trace-out writes it), predicts the world's out-of-memory failures per
// day within 30%: a leaking and a flat function mixed, environments that
// idle out and reach their age, generations reset by their failures.
func TestFittedMemoryPredictsOutOfMemoryPerDay(t *testing.T) {
	if testing.Short() {
		t.Skip("a day-long world: not in -short")
	}
	const hours = 24
	w := newMemWorld(77, memWorldOptions{hours: hours, rate: 1.5, sizeMB: 512, leakyShare: 0.6, leakLo: 0.3, leakHi: 0.5})
	truth := w.truth()
	calls, err := lambdalogs.Read(w.write(t, t.TempDir(), false), lambdalogs.Options{})
	assert.NilError(t, err)
	defer calls.Close()
	sched, err := calls.Schedule(filepath.Join(t.TempDir(), "trace.csv"))
	assert.NilError(t, err)
	f := NewFitter(summary.NewSummarizer(sched, calls.Target(), nil), sched, nil)
	assert.NilError(t, calls.Replay(f.Add))
	res, err := f.Fit(t.Context(), Options{From: "world.json", NoCallerTime: true, Seeds: 1})
	assert.NilError(t, err)
	assert.Assert(t, res.Profile.Memory != nil)

	perDay := func(n float64) float64 { return n * 24 / hours }
	predict := func(p lambdasim.Profile) float64 {
		const seeds = 4
		var mean float64
		for seed := range uint64(seeds) {
			sim, err := lambdasim.NewOf(schedule.Own(sched), p, p.Placement, 500+seed)
			assert.NilError(t, err)
			sum, err := sim.Summarize(t.Context())
			assert.NilError(t, err)
			assert.NilError(t, sum.Check())
			n := sum.Requests.ByError[record.ErrorOutOfMemory]
			t.Logf("%d MB, seed %d: %d out-of-memory failures, %d resets", p.Memory.SizeMB, 500+seed, n, sum.Instances.Resets)
			mean += float64(n) / seeds
		}
		return perDay(mean)
	}
	got, want := predict(res.Profile), perDay(float64(truth.oom))
	t.Logf("out-of-memory failures a day at 512 MB: predicted %.1f, the world's %.1f (%+.1f%%); %d calls, %d generations of 100 calls or more, %d leaking",
		got, want, 100*(got/want-1), len(w.calls), truth.measured, truth.leaky)
	assert.Assert(t, truth.oom >= 20, "enough failures to compare: %d", truth.oom)
	assert.Assert(t, near(got, want, 0.30), "predicted %.1f out-of-memory failures a day, the world %.1f", got, want)
}
