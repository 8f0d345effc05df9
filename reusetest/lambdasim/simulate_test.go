package lambdasim

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/lambda-reuse/lambda-reuse/internal/testenv"
	"github.com/lambda-reuse/lambda-reuse/reusetest/metric"
	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

func newSim(t *testing.T, schedule schedule.Schedule, opts Options) *Simulation {
	t.Helper()
	sim, err := New(schedule, opts)
	assert.NilError(t, err)
	return sim
}

// smallPlan is 2.5 hours of the seed plan: longer than the longest
// seed-2021 lifetime (2 h), so environments are retired and replaced.
var smallPlan = schedule.Steady{Calls: 90_000, RatePerSec: 10, HandlerMS: 500}

// recordsDigest runs sim and hashes every record's JSON, checking on the way
// that every seq has exactly one record.
func recordsDigest(t *testing.T, sim *Simulation) (string, Stats) {
	t.Helper()
	h := sha256.New()
	enc := json.NewEncoder(h)
	seen := make([]bool, sim.plan.Calls)
	var outOfRange, twice int
	stats, err := sim.Run(t.Context(), func(r *record.Record) {
		switch {
		case r.Seq < 0 || r.Seq >= sim.plan.Calls:
			outOfRange++
		case seen[r.Seq]:
			twice++
		default:
			seen[r.Seq] = true
		}
		if err := enc.Encode(r); err != nil {
			t.Fatal(err)
		}
	})
	assert.NilError(t, err)
	assert.Assert(t, is.Equal(outOfRange, 0), "records with a seq outside the plan")
	assert.Assert(t, is.Equal(twice, 0), "seqs recorded twice")
	missing := 0
	for _, ok := range seen {
		if !ok {
			missing++
		}
	}
	assert.Assert(t, is.Equal(missing, 0), "seqs with no record")
	return fmt.Sprintf("%x", h.Sum(nil)), stats
}

func TestSimulationIsDeterministic(t *testing.T) {
	plan := schedule.Steady{Calls: 20_000, RatePerSec: 10, HandlerMS: 500}
	for _, kind := range []string{schedule.KindSteady, schedule.KindPoisson} {
		t.Run(kind, func(t *testing.T) {
			schedule := func(seed uint64) schedule.Schedule {
				if kind == schedule.KindPoisson {
					return schedule.NewPoisson(plan.Plan(), seed)
				}
				return plan
			}
			a, _ := recordsDigest(t, newSim(t, schedule(42), Options{Seed: 42}))
			b, _ := recordsDigest(t, newSim(t, schedule(42), Options{Seed: 42}))
			c, _ := recordsDigest(t, newSim(t, schedule(43), Options{Seed: 43}))
			assert.Check(t, is.Equal(a, b), "same seed, same records")
			assert.Check(t, a != c, "another seed, other records")
		})
	}
}

func TestEveryPlacementAccountsForEveryCall(t *testing.T) {
	for _, placement := range placements {
		t.Run(string(placement), func(t *testing.T) {
			sim := newSim(t, smallPlan, Options{Placement: string(placement)})
			_, stats := recordsDigest(t, sim) // checks one record per seq
			sum, err := sim.Summarize(t.Context())
			assert.NilError(t, err)
			// The records tell the pool's own truth.
			assert.Check(t, is.Equal(int64(sum.Instances.Count), stats.Started))
			assert.Check(t, is.Equal(int64(sum.Instances.ColdStarts), stats.Started))
			assert.Check(t, is.Equal(sum.Requests.OK, smallPlan.Calls))
			assert.Check(t, stats.Retired[CauseLifetime] > 0, "2.5 hours outlive every environment: %+v", stats)
		})
	}
}

// skipUnderRace skips a long single-goroutine numeric test under -race,
// where it finds no race and runs ten times slower; plain go test runs it.
func skipUnderRace(t *testing.T) {
	t.Helper()
	if testenv.Race {
		t.Skip("single-goroutine simulation of full seed runs: covered by go test without -race")
	}
}

func TestPlacementShapesReuse(t *testing.T) {
	skipUnderRace(t)
	// Round robin (lru) keeps every environment ever started in rotation,
	// so none is left with a handful of calls; mru leaves spares that
	// serve a few calls and idle out. That is the skew the 2021 data shows.
	summarize := func(placement Placement) summary.Summary {
		sum, err := newSim(t, schedule.SeedSchedule(), Options{Placement: string(placement)}).Summarize(t.Context())
		assert.NilError(t, err)
		return sum
	}
	mru, lru := summarize(MostRecentlyUsed), summarize(LeastRecentlyUsed)
	assert.Check(t, mru.Reuse.Median > mru.Reuse.Mean, "mru: median %v above mean %v", mru.Reuse.Median, mru.Reuse.Mean)
	assert.Check(t, mru.Reuse.P10 < lru.Reuse.P10, "mru p10 %v below lru p10 %v", mru.Reuse.P10, lru.Reuse.P10)
}

func TestThrottlingRecordsEveryRefusedCall(t *testing.T) {
	prof := testProfile()
	prof.ConcurrencyLimit = 3 // 10/s x 500 ms needs 5
	plan := schedule.Steady{Calls: 1000, RatePerSec: 10, HandlerMS: 500}
	sim := newSimulation(plan, prof, MostRecentlyUsed, 0)
	var throttled, malformed int64
	_, stats := recordsDigest(t, sim)
	_, err := sim.Run(t.Context(), func(r *record.Record) {
		if r.Status == record.StatusThrottled {
			throttled++
			if r.ErrorClass != record.ClassThrottled || r.InstanceID != "" || r.Invocation != 0 || r.Done.Before(r.Sent) {
				malformed++
			}
		}
	})
	assert.NilError(t, err)
	assert.Check(t, is.Equal(throttled, stats.Throttled))
	assert.Check(t, is.Equal(malformed, int64(0)), "throttled records must carry class throttled and no instance")
	// 3 environments of 500 ms serve at most 6 of every 10 calls per second.
	assert.Check(t, throttled >= 400, "throttled %d of 1000", throttled)
	assert.Check(t, is.Equal(stats.Started, int64(3)))
}

func TestPoissonArrivalsKeepTheRate(t *testing.T) {
	plan := schedule.Steady{Calls: 100_000, RatePerSec: 10, HandlerMS: 0}
	sim := newSim(t, schedule.NewPoisson(plan.Plan(), 5), Options{Seed: 5})
	assert.Check(t, is.Equal(sim.Describe().Arrivals, schedule.KindPoisson))
	var last time.Time
	offSchedule := 0
	_, err := sim.Run(t.Context(), func(r *record.Record) {
		if r.Scheduled.After(last) {
			last = r.Scheduled
		}
		if !r.Scheduled.Equal(Epoch.Add(plan.Due(r.Seq))) {
			offSchedule++
		}
	})
	assert.NilError(t, err)
	got := float64(plan.Calls) / last.Sub(Epoch).Seconds()
	assert.Check(t, got > 9.8 && got < 10.2, "achieved rate %v", got)
	assert.Check(t, offSchedule > int(plan.Calls)*9/10, "Poisson arrivals are not the fixed schedule: %d off it", offSchedule)
}

func TestRunStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := newSim(t, schedule.SeedSchedule(), Options{}).Run(ctx, func(*record.Record) {})
	assert.ErrorIs(t, err, context.Canceled)
}

func TestNewRejectsBadOptions(t *testing.T) {
	_, err := New(schedule.Steady{Calls: 0, RatePerSec: -1, HandlerMS: 500},
		Options{Profile: "aws-1999", Placement: "fastest"})
	for _, want := range []string{
		"calls must be positive", "rate must be a positive number",
		`unknown profile "aws-1999" (known: seed-2021, go-2026, managed-2026, or a profile file's path)`,
		`unknown placement "fastest" (known: mru, lru, random, newest)`,
	} {
		assert.Check(t, is.ErrorContains(err, want))
	}
}

// TestServedPoolsDeclareOnlyScalesRecordsKeep: a served pool refuses a
// time scale outside the range a record may carry (record.MinScale to
// record.MaxScale), naming it, so no run against it records a scale its
// own log would refuse.
func TestServedPoolsDeclareOnlyScalesRecordsKeep(t *testing.T) {
	for _, scale := range []float64{-1, 1e-9, 1e308, math.Inf(1), math.NaN()} {
		_, err := NewServer(ServerOptions{Scale: scale})
		assert.Check(t, is.ErrorContains(err, "scale must be from 0.001 to 100000 model seconds per real second"), "scale %v", scale)
	}
	for _, scale := range []float64{0, record.MinScale, 1000, record.MaxScale} {
		_, err := NewServer(ServerOptions{Scale: scale})
		assert.NilError(t, err, "scale %v", scale)
	}
}

// within15 reports whether got is within ±15% of want.
func within15(got, want float64) bool { return got >= want*0.85 && got <= want*1.15 }

// TestSeed2021Calibration keeps the seed-2021 profile honest: the default
// seed and at least 8 of 10 other seeds land within ±15% of the published
// instances (72), median reuse (10,911) and 2021-method lifetime (69.4 min).
func TestSeed2021Calibration(t *testing.T) {
	skipUnderRace(t)
	pub := metric.Published2021
	lands := func(seed uint64) (bool, string) {
		sum, err := newSim(t, schedule.SeedSchedule(), Options{Profile: ProfileSeed2021, Seed: seed}).Summarize(t.Context())
		assert.NilError(t, err)
		ok := within15(float64(sum.Instances.Count), float64(pub.Instances)) &&
			within15(sum.Reuse.Median, pub.MedianReuse) &&
			within15(sum.SeedMethod.AvgLifetimeMinutes, pub.LifetimeMinutes)
		return ok, fmt.Sprintf("seed %d: instances %d, median %v, lifetime %v min",
			seed, sum.Instances.Count, sum.Reuse.Median, sum.SeedMethod.AvgLifetimeMinutes)
	}
	ok, desc := lands(DefaultSeed)
	assert.Check(t, ok, "default %s", desc)
	landed := 0
	for seed := uint64(1); seed <= 10; seed++ {
		ok, desc := lands(seed)
		if ok {
			landed++
		} else {
			t.Logf("off by more than 15%%: %s", desc)
		}
	}
	assert.Check(t, landed >= 8, "%d of 10 other seeds within ±15%%", landed)
}

// TestProactiveStartsAreSeenInTheRecords runs go-2026 (proactive starts on)
// past one generation: the summary, from records alone, finds exactly the
// environments the pool started proactively; seed-2021 has none.
func TestProactiveStartsAreSeenInTheRecords(t *testing.T) {
	plan := schedule.Steady{Calls: 120_000, RatePerSec: 10, HandlerMS: 500} // 3.3 h
	for _, tc := range []struct {
		profile string
		some    bool
	}{{ProfileGo2026, true}, {ProfileSeed2021, false}} {
		sim := newSim(t, plan, Options{Profile: tc.profile, Seed: 4})
		sum := summary.NewSummarizer(plan, "simulator", sim.Describe())
		stats, err := sim.Run(t.Context(), sum.Add)
		assert.NilError(t, err)
		got := sum.Summary().Instances
		assert.Check(t, is.Equal(int64(got.Proactive), stats.Proactive), tc.profile)
		assert.Check(t, is.Equal(got.InitKnown, got.Count), tc.profile)
		assert.Check(t, is.Equal(got.Proactive > 0, tc.some), "%s: %d proactive", tc.profile, got.Proactive)
	}
}

// TestRunStopsTheModelWhenEmitStops: the model runs on its own goroutine;
// when emit gives up mid-run (a panic, a test's Fatal), the model stops too.
func TestRunStopsTheModelWhenEmitStops(t *testing.T) {
	before := runtime.NumGoroutine()
	sim := newSim(t, schedule.SeedSchedule(), Options{})
	func() {
		defer func() { assert.Check(t, recover() != nil) }()
		n := 0
		sim.Run(t.Context(), func(*record.Record) {
			if n++; n == 5000 {
				panic("emit gives up")
			}
		})
	}()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	assert.Check(t, runtime.NumGoroutine() <= before, "the model's goroutine is still running")

	// Cancelled: an error, and the records emitted are the run's own,
	// in order, each once.
	ctx, cancel := context.WithCancel(t.Context())
	var seqs []int64
	_, err := sim.Run(ctx, func(r *record.Record) {
		if seqs = append(seqs, r.Seq); len(seqs) == 70_000 {
			cancel()
		}
	})
	assert.Check(t, errors.Is(err, context.Canceled))
	assert.Check(t, len(seqs) >= 70_000 && len(seqs) < int(schedule.SeedCalls))
	seen := map[int64]bool{}
	for _, s := range seqs {
		assert.Assert(t, !seen[s], "seq %d twice", s)
		seen[s] = true
	}
}

// TestFeedIsTheSchedule: the model's feed gives each call the due and
// handler times its schedule gives (a steady plan's computed in place, a
// trace's read ahead, any other's asked for).
func TestFeedIsTheSchedule(t *testing.T) {
	trace := filepath.Join(t.TempDir(), "t.csv")
	assert.NilError(t, os.WriteFile(trace, []byte("time,duration_ms\n0.5,10\n0.75,20\n3,30\n3,40\n9.125,50\n"), 0o644))
	tr, err := schedule.OpenTrace(trace, schedule.TraceOptions{})
	assert.NilError(t, err)
	for _, s := range []schedule.Schedule{schedule.Steady{Calls: 10_000, RatePerSec: 7.3, HandlerMS: 120}, schedule.Steady{Calls: 10_000, RatePerSec: 1e6 / 3, HandlerMS: 0},
		schedule.NewPoisson(schedule.Plan{Calls: 10_000, RatePerSec: 10, HandlerMS: 5}, 4), tr} {
		calls := s.Plan().Calls
		f := newFeed(s, s.Plan())
		for seq := range calls {
			got := f.next()
			if got.Due != s.Due(seq) || got.Handler != s.HandlerTime(seq) {
				t.Fatalf("%s seq %d: feed %+v, schedule %v %v", s.Spec().Kind, seq, got, s.Due(seq), s.HandlerTime(seq))
			}
		}
		f.close()
	}
}

// TestSummarizeIntoIsSummaryOfRecords: a Summarizer fed the model's calls
// as they are (SummarizeInto) gives, to the byte, the summary it gives fed
// the run's records (Run with Add), for every kind of schedule (its
// section included), tenants, throttling, provisioned and Managed
// Instances environments, under every placement rule.
func TestSummarizeIntoIsSummaryOfRecords(t *testing.T) {
	dir := t.TempDir()
	var scheds []schedule.Schedule
	for _, k := range schedule.Kinds {
		s, err := k.Example(dir)
		assert.NilError(t, err, k.Name)
		scheds = append(scheds, s)
	}
	tenants, err := schedule.WithTenants(schedule.Steady{Calls: 5000, RatePerSec: 50, HandlerMS: 200},
		schedule.Population{Count: 30, Popularity: schedule.PopularityZipf})
	assert.NilError(t, err)
	scheds = append(scheds, tenants, schedule.Steady{Calls: 20_000, RatePerSec: 30, HandlerMS: 300})
	throttling := testProfile()
	throttling.ConcurrencyLimit = 3
	provisioned, err := LookupProfile(ProfileGo2026)
	assert.NilError(t, err)
	provisioned.Provisioned = 4
	managed, err := LookupProfile(ProfileManaged2026)
	assert.NilError(t, err)
	seed, err := LookupProfile(ProfileSeed2021)
	assert.NilError(t, err)
	for _, s := range scheds {
		for _, p := range []Profile{seed, throttling, provisioned, managed} {
			for _, placement := range placements {
				name := fmt.Sprintf("%s/%s/%s", s.Spec().Kind, p.Name, placement)
				sim, err := NewOf(s, p, placement, 3)
				if err != nil {
					continue // tenants under a profile that excludes them
				}
				byRecords := summary.NewSummarizer(s, "simulator", sim.Describe())
				_, err = sim.Run(t.Context(), byRecords.Add)
				assert.NilError(t, err, name)
				byCalls := summary.NewSummarizer(s, "simulator", sim.Describe())
				_, err = sim.SummarizeInto(t.Context(), byCalls)
				assert.NilError(t, err, name)
				want, err := summary.MarshalSummary(byRecords.Summary())
				assert.NilError(t, err)
				got, err := summary.MarshalSummary(byCalls.Summary())
				assert.NilError(t, err)
				assert.Check(t, is.Equal(string(got), string(want)), name)
			}
		}
	}
}

// TestAllocationsFollowEnvironments: ten times the calls on about the same
// environments (none ever ends) allocate about as much: nothing the model
// or the summary keeps, or makes per batch, grows with the calls.
func TestAllocationsFollowEnvironments(t *testing.T) {
	skipUnderRace(t)
	profile, err := LookupProfile(ProfileSeed2021)
	assert.NilError(t, err)
	profile.IdleTimeout, profile.MaxLifetime = Fixed(10_000*time.Hour), Fixed(10_000*time.Hour)
	mallocs := func(calls int64) (uint64, int) {
		sim, err := NewOf(schedule.Steady{Calls: calls, RatePerSec: 100, HandlerMS: 50}, profile, MostRecentlyUsed, 1)
		assert.NilError(t, err)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		sum, err := sim.Summarize(t.Context())
		runtime.ReadMemStats(&after)
		assert.NilError(t, err)
		return after.Mallocs - before.Mallocs, sum.Instances.Count
	}
	one, envs := mallocs(200_000)
	ten, tenEnvs := mallocs(2_000_000)
	assert.Check(t, ten < one*5/4, "%d allocations for 200,000 calls on %d environments, %d for 2,000,000 on %d", one, envs, ten, tenEnvs)
}

// TestRandIsMathRandPCG: the simulator's generator gives the stream of
// math/rand/v2's PCG with the same seed, draw for draw, whichever kinds of
// draw are mixed.
func TestRandIsMathRandPCG(t *testing.T) {
	for _, seed := range []uint64{0, 1, 42, 1 << 63} {
		r, std := NewRand(seed), rand.New(rand.NewPCG(seed, pcgStream))
		for i := range 100_000 {
			switch i % 7 {
			case 0, 1, 2:
				assert.Equal(t, r.Float64(), std.Float64())
			case 3:
				assert.Equal(t, r.Uint64(), std.Uint64())
			case 4:
				assert.Equal(t, r.IntN(1+i%1000), std.IntN(1+i%1000))
			case 5:
				assert.Equal(t, r.NormFloat64(), std.NormFloat64())
			default:
				assert.Equal(t, r.ExpFloat64(), std.ExpFloat64())
			}
		}
	}
}
