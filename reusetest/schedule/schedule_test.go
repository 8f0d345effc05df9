package schedule

import (
	"encoding/json"
	"fmt"
	"math"
	"testing"
	"time"

	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

func TestSteadyIsASchedule(t *testing.T) {
	p := Steady{Calls: 100, RatePerSec: 4, HandlerMS: 250}
	var s Schedule = p
	assert.Check(t, is.Equal(s.Due(10), 2500*time.Millisecond))
	assert.Check(t, is.Equal(s.HandlerTime(7), 250*time.Millisecond))
	assert.Check(t, is.Equal(s.Plan(), Plan(p)))
	spec := s.Spec()
	assert.Check(t, is.DeepEqual(spec, ScheduleSpec{Kind: KindSteady, Calls: 100, RatePerSec: 4, HandlerMS: 250}))
	back, err := FromSpec(spec)
	assert.NilError(t, err)
	assert.Check(t, is.Equal(back, Schedule(p)))
	assert.Check(t, is.Equal(spec.String(), "100 calls at 4/s, handler 250 ms"))
}

func TestPoissonIsIndexable(t *testing.T) {
	plan := Steady{Calls: 50_000, RatePerSec: 10, HandlerMS: 100}
	inOrder := NewPoisson(plan.Plan(), 7)
	dues := make([]time.Duration, plan.Calls)
	for seq := range plan.Calls {
		dues[seq] = inOrder.Due(seq)
	}
	assert.Check(t, is.Equal(dues[0], time.Duration(0)))
	// Any seq, asked first, backwards or again, gets the same time: a
	// resumed run can go on from anywhere.
	for _, seq := range []int64{49_999, 12_345, 1, 12_345, 30_000} {
		assert.Check(t, is.Equal(NewPoisson(plan.Plan(), 7).Due(seq), dues[seq]), "fresh, seq %d", seq)
		assert.Check(t, is.Equal(inOrder.Due(seq), dues[seq]), "reused, seq %d", seq)
	}
	// Exponential gaps: the mean rate holds, and the gaps vary as an
	// exponential's do (coefficient of variation 1).
	var sum, sumSq float64
	for seq := int64(1); seq < plan.Calls; seq++ {
		g := (dues[seq] - dues[seq-1]).Seconds()
		assert.Assert(t, g >= 0, "gap %d is negative", seq)
		sum, sumSq = sum+g, sumSq+g*g
	}
	n := float64(plan.Calls - 1)
	mean := sum / n
	cv := math.Sqrt(sumSq/n-mean*mean) / mean
	assert.Check(t, math.Abs(mean-0.1) < 0.002, "mean gap %v s", mean)
	assert.Check(t, math.Abs(cv-1) < 0.03, "coefficient of variation %v", cv)
	assert.Check(t, NewPoisson(plan.Plan(), 8).Due(100) != dues[100], "another seed, other times")

	spec := inOrder.Spec()
	assert.Check(t, is.DeepEqual(spec, ScheduleSpec{Kind: KindPoisson, Calls: 50_000, RatePerSec: 10, HandlerMS: 100, Seed: 7}))
	assert.Check(t, !spec.Same(plan.Spec()), "not the steady schedule of the same plan")
	back, err := FromSpec(spec)
	assert.NilError(t, err)
	assert.Check(t, is.Equal(back.Due(777), dues[777]))
}

func TestFromSpecRejectsBadSpecs(t *testing.T) {
	_, err := FromSpec(ScheduleSpec{Kind: "bursty", Calls: 1, RatePerSec: 1})
	assert.Check(t, is.ErrorContains(err, `unknown kind "bursty" (known: steady, poisson, burst, idle, trace`), "every kind named, in Kinds order")
	for _, k := range Kinds {
		assert.Check(t, is.Contains(err.Error(), k.Name))
	}
	_, err = FromSpec(ScheduleSpec{Kind: KindPoisson, Calls: 0, RatePerSec: 1})
	assert.Check(t, is.ErrorContains(err, "calls must be positive"))
	assert.Check(t, ValidateSchedule(nil) != nil)
}

// TestSpecJSONIsFlat: a kind's own parameters sit beside the common ones
// in one flat object, in the order headers have always had them, so old
// logs read; a field of neither is listed, not dropped silently.
func TestSpecJSONIsFlat(t *testing.T) {
	idle, err := NewIdle(5, []time.Duration{time.Minute, 10 * time.Minute}, 2, 500, 3, 2*time.Second)
	assert.NilError(t, err)
	b, err := json.Marshal(idle.Spec())
	assert.NilError(t, err)
	const want = `{"kind":"idle","calls":40,"rate_per_sec":%s,"handler_ms":500,"seed":3,"size":5,"rounds":2,"gaps_ms":[60000,600000],"settle_ms":2000}`
	rate, _ := json.Marshal(idle.Plan().RatePerSec)
	assert.Check(t, is.Equal(string(b), fmt.Sprintf(want, rate)))
	var back ScheduleSpec
	assert.NilError(t, json.Unmarshal(b, &back))
	assert.Check(t, is.DeepEqual(back, idle.Spec()))
	assert.Check(t, back.Same(idle.Spec()))

	old := `{"kind":"burst","calls":300,"rate_per_sec":1.6666666666666667,"handler_ms":500,"size":100,"rounds":3,"pause_ms":60000}`
	assert.NilError(t, json.Unmarshal([]byte(old), &back))
	s, err := FromSpec(back)
	assert.NilError(t, err)
	assert.Check(t, is.DeepEqual(s, Schedule(Burst{Size: 100, Rounds: 3, Pause: time.Minute, HandlerMS: 500})))
	b, err = json.Marshal(back)
	assert.NilError(t, err)
	assert.Check(t, is.Equal(string(b), old), "written back as it was read")

	assert.NilError(t, json.Unmarshal([]byte(`{"kind":"burst","calls":3,"rate_per_sec":1,"handler_ms":5,"size":1,"rounds":3,"pause_ms":1000,"paus_ms":9,"gaps_ms":[1]}`), &back))
	assert.Check(t, is.DeepEqual(back.Unknown, []string{"gaps_ms", "paus_ms"}))
	assert.Check(t, is.ErrorContains(CheckSpec(back), "unknown fields for a burst schedule: gaps_ms, paus_ms"))
	_, err = FromSpec(ScheduleSpec{Kind: KindBurst, Calls: 3, RatePerSec: 1})
	assert.Check(t, is.ErrorContains(err, "a burst spec without its parameters"))
	assert.Check(t, is.ErrorContains(CheckSpec(ScheduleSpec{Kind: KindTrace, Params: &TraceParams{}}), "trace_path missing"))
}

// TestRampDueIntegratesTheRate: a ramp's calls are due where the integral
// of its linear rate reaches them; the rate between two calls is the
// ramp's there, and a flat ramp is a steady plan.
func TestRampDueIntegratesTheRate(t *testing.T) {
	r := Ramp{StartRate: 10, EndRate: 110, Duration: 100 * time.Second, HandlerMS: 100}
	assert.NilError(t, r.Validate())
	assert.Check(t, is.Equal(r.Plan().Calls, int64(6000)), "(10+110)/2 × 100 s")
	assert.Check(t, is.Equal(r.Due(0), time.Duration(0)))
	// N(t) = 10 t + 0.5 t²: N(50) = 1750.
	assert.Check(t, is.Equal(r.Due(1750), 50*time.Second))
	for _, at := range []int64{10, 1750, 5990} {
		gap := (r.Due(at+1) - r.Due(at)).Seconds()
		rate := r.RateAt(r.Due(at))
		assert.Check(t, math.Abs(1/gap-rate)/rate < 0.01, "at call %d: 1/gap %v, rate %v", at, 1/gap, rate)
	}
	for seq := int64(1); seq < r.Plan().Calls; seq++ {
		if r.Due(seq) < r.Due(seq-1) {
			t.Fatalf("due times go back at %d", seq)
		}
	}
	flat := Ramp{StartRate: 4, EndRate: 4, Duration: 10 * time.Second}
	assert.Check(t, is.Equal(flat.Due(7), Steady{Calls: 40, RatePerSec: 4}.Due(7)))
	for _, bad := range []Ramp{{StartRate: 0, EndRate: 5, Duration: time.Minute}, {StartRate: 5, EndRate: 5, Duration: 10 * time.Millisecond},
		{StartRate: 1e5, EndRate: 1e5, Duration: time.Hour}, {StartRate: 5, EndRate: math.Inf(1), Duration: time.Minute}} {
		assert.Check(t, bad.Validate() != nil, "%+v", bad)
	}
	m, err := InModelTime(r, 2)
	assert.NilError(t, err)
	assert.Check(t, is.Equal(m.Plan().Calls, r.Plan().Calls))
	assert.Check(t, is.Equal(m.Due(1750), 100*time.Second))
}

// TestNoScheduleOutlastsTenYears: a rate, a header's claim, bursts, idle
// trials or a trace's speed whose schedule would last past
// MaxScheduleTime (where a length wraps negative) are refused, naming the
// length and the limit; a schedule just inside it is taken, its length
// positive.
func TestNoScheduleOutlastsTenYears(t *testing.T) {
	for _, tc := range []struct {
		name string
		spec ScheduleSpec
		want string
	}{
		{"a rate of one call in 31 years, 3,170 years in all", ScheduleSpec{Kind: KindSteady, Calls: 100, RatePerSec: 1e-9, HandlerMS: 500}, "100 calls at 1e-09/s would last 3.17e+03 years"},
		{"a header's 10^12 calls at 10/s", ScheduleSpec{Kind: KindSteady, Calls: 1e12, RatePerSec: 10, HandlerMS: 500}, "would last 3.17e+03 years: a schedule lasts at most 87600h0m0s (10 years)"},
		{"Poisson arrivals too", ScheduleSpec{Kind: KindPoisson, Calls: 100, RatePerSec: 1e-9, HandlerMS: 500}, "would last"},
		{"a rate of 1e300 calls a second", ScheduleSpec{Kind: KindSteady, Calls: 100, RatePerSec: 1e300, HandlerMS: 500}, "rate must be a positive number of calls per second, got 1e+300 (at most 100000)"},
		{"bursts a week apart", ScheduleSpec{Kind: KindBurst, HandlerMS: 100, Params: &BurstParams{Size: 1, Rounds: MaxRounds, PauseMS: MaxGap.Milliseconds()}}, "100000 bursts 168h0m0s apart would last"},
		{"idle trials past the cap", ScheduleSpec{Kind: KindIdle, HandlerMS: 500, Params: &IdleParams{Size: 1, Rounds: MaxRounds, GapsMS: []int64{1000, 2000}}}, "rounds × gaps must be at most 100000 trials, got 100000 × 2"},
		{"idle gaps a week long", ScheduleSpec{Kind: KindIdle, HandlerMS: 500, Params: &IdleParams{Size: 1, Rounds: 1000, GapsMS: []int64{MaxGap.Milliseconds()}}}, "1000 rounds of 1 gaps would last 19.2 years"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := FromSpec(tc.spec)
			assert.Check(t, is.ErrorContains(err, tc.want))
		})
	}
	ok := Plan{Calls: 3_000_000_000, RatePerSec: 10, HandlerMS: 500} // 9.5 years
	assert.NilError(t, ok.Validate())
	assert.Check(t, ok.Duration() > 9*365*24*time.Hour, "its length %v", ok.Duration())

	_, err := OpenTrace(writeTrace(t, "slow.csv", "time\n0\n3600\n"), TraceOptions{Speed: 1e-6})
	assert.Check(t, is.ErrorContains(err, "at speed 1e-06, the trace's 1h0m0s would last 114 years"))
	_, err = OpenTrace(writeTrace(t, "counts.csv", "minute,count\n0,5\n1,5\n"), TraceOptions{Speed: 1e-9})
	assert.Check(t, is.ErrorContains(err, "at speed 1e-09, the trace's 2m0s would last"))
}

// TestTimingsAreDueAndHandlerTime: a schedule's times asked in a batch are
// those asked call by call, for steady plans whose gap is a whole number
// of nanoseconds or not, near the limit of exact float products too, and
// for any other schedule.
func TestTimingsAreDueAndHandlerTime(t *testing.T) {
	var scheds []Schedule
	for _, rate := range []float64{10, 100, 1000, 1e9, 2e9, 7.3, 1e6 / 3, 3, 0.001, 0.25, 1e-6, 125e6} {
		scheds = append(scheds, Steady{Calls: 1 << 40, RatePerSec: rate, HandlerMS: 50})
	}
	scheds = append(scheds, NewPoisson(Plan{Calls: 1 << 20, RatePerSec: 10, HandlerMS: 5}, 4))
	for _, s := range scheds {
		for _, from := range []int64{0, 1, 4095, 9_000_000 - 100, 9_007_199 - 50, 1<<40 - 300} {
			if _, ok := s.(*Poisson); ok && from > 1<<20 {
				continue
			}
			out := make([]Timing, 200)
			Timings(s, from, out)
			for i, got := range out {
				seq := from + int64(i)
				if got.Due != s.Due(seq) || got.Handler != s.HandlerTime(seq) {
					t.Fatalf("%s, call %d: batch %v %v, one by one %v %v", s.Spec().Kind, seq, got.Due, got.Handler, s.Due(seq), s.HandlerTime(seq))
				}
			}
		}
	}
}

// TestOwnCopiesReadingState: a schedule's own copy gives the same calls,
// and reading the two in turn at different places gives each its calls
// (a stateless schedule is its own copy).
func TestOwnCopiesReadingState(t *testing.T) {
	tr, err := OpenTrace(exampleTrace(t, "timestamps.csv"), TraceOptions{HandlerMS: 100})
	assert.NilError(t, err)
	poisson := NewPoisson(Plan{Calls: 5000, RatePerSec: 10, HandlerMS: 5}, 4)
	tenants, err := WithTenants(NewPoisson(Plan{Calls: 5000, RatePerSec: 10, HandlerMS: 5}, 5), Population{Count: 7, Popularity: PopularityZipf})
	assert.NilError(t, err)
	plan := Steady{Calls: 100, RatePerSec: 10, HandlerMS: 5}
	assert.Equal(t, Own(plan), Schedule(plan))
	for _, s := range []Schedule{tr, poisson, tenants} {
		own := Own(s)
		assert.Assert(t, own != s, "%s: a copy", s.Spec().Kind)
		n := s.Plan().Calls
		for i := int64(0); i < n; i += max(1, n/300) {
			j := n - 1 - i // the copy read from the end while s reads from the start
			assert.Equal(t, own.Due(j), s.Due(j))
			assert.Equal(t, own.Due(i), s.Due(i))
			assert.Equal(t, own.HandlerTime(i), s.HandlerTime(i))
			if of := TenantOf(s); of != nil {
				assert.Equal(t, TenantOf(own)(i), of(i))
			}
		}
	}
}

func TestPlanValidate(t *testing.T) {
	assert.NilError(t, SeedSchedule().Validate())
	assert.Check(t, is.Equal(SeedSchedule().Duration(), 60_000*time.Second))
	assert.Check(t, is.Equal(SeedSchedule().Due(3), 300*time.Millisecond))
	err := Plan{Calls: -1, RatePerSec: 0, HandlerMS: 61_000}.Validate()
	assert.Check(t, is.ErrorContains(err, "calls must be positive, got -1"))
	assert.Check(t, is.ErrorContains(err, "rate must be a positive number of calls per second, got 0"))
	assert.Check(t, is.ErrorContains(err, "handler must be between 0 and 1m0s, got 1m1s"))
}
