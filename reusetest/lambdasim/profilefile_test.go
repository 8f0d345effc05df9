package lambdasim

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

func TestBuiltinProfilesAreTheirFiles(t *testing.T) {
	seed, err := LookupProfile(ProfileSeed2021)
	assert.NilError(t, err)
	assert.Check(t, is.Equal(seed.IdleTimeout.String(), "uniform(5m18s, 7m0s)"))
	assert.Check(t, is.Equal(seed.MaxLifetime.String(), "uniform(1h40m0s, 2h0m0s)"))
	assert.Check(t, is.Equal(seed.InitLatency.String(), "fixed(215ms)"))
	assert.Check(t, is.Equal(seed.ProactiveShare, 0.0))
	gov, err := LookupProfile(ProfileGo2026)
	assert.NilError(t, err)
	assert.Check(t, is.Equal(gov.InitLatency.String(), "uniform(41ms, 50ms)"))
	assert.Check(t, is.Equal(gov.ProactiveShare, 0.65))
	assert.Check(t, is.Equal(gov.ProactiveLead.String(), "uniform(10s, 1m0s)"))
	assert.Check(t, is.Equal(gov.ScalingRate, 1000))
}

// validProfile is a profile file with every parameter; tests break it.
const validProfile = `{
  "schema": "lambda-reuse/profile/v1",
  "name": "mine",
  "idle_timeout": {"dist": "fixed", "value": "15m", "source": "what if"},
  "max_lifetime": {"dist": "lognormal", "median": "2h", "sigma": 0.2, "source": "what if"},
  "init_latency": {"dist": "empirical", "cdf": [{"at": "100ms", "p": 0}, {"at": "200ms", "p": 0.5}, {"at": "1s", "p": 1}], "source": "what if"},
  "warm_overhead": {"dist": "exponential", "mean": "2ms", "source": "what if"},
  "front_door_latency": {"dist": "normal", "mean": "20ms", "sd": "5ms", "source": "what if"},
  "concurrency_limit": {"value": 50, "source": "what if"},
  "scaling_rate": {"value": 100, "source": "what if"}
}`

func writeProfile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "profile.json")
	assert.NilError(t, os.WriteFile(path, []byte(content), 0o644))
	return path
}

func TestProfileFileDescribesAWorld(t *testing.T) {
	p, err := LookupProfile(writeProfile(t, validProfile))
	assert.NilError(t, err)
	assert.Check(t, is.Equal(p.Name, "mine"))
	assert.Check(t, is.Equal(p.IdleTimeout.String(), "fixed(15m0s)"))
	assert.Check(t, is.Equal(p.ConcurrencyLimit, 50))
	assert.Check(t, is.Equal(p.MaxLifetime.String(), "lognormal(median 2h0m0s, sigma 0.2)"))
	assert.Check(t, is.Equal(p.InitLatency.String(), "empirical(100ms:0 200ms:0.5 1s:1)"))

	// Draws follow the distributions: the empirical median is 200 ms, the
	// lognormal's 2 h.
	r := NewRand(1)
	var emp, logn []time.Duration
	for range 20_000 {
		emp, logn = append(emp, p.InitLatency.Sample(r)), append(logn, p.MaxLifetime.Sample(r))
	}
	slices.Sort(emp)
	slices.Sort(logn)
	assert.Check(t, emp[0] >= 100*time.Millisecond && emp[len(emp)-1] <= time.Second)
	below := float64(len(slices.DeleteFunc(slices.Clone(emp), func(d time.Duration) bool { return d > 200*time.Millisecond }))) / float64(len(emp))
	assert.Check(t, below > 0.49 && below < 0.51, "P(init <= 200ms) = %v, the CDF says 0.5", below)
	assert.Check(t, (logn[10_000]-2*time.Hour).Abs() < 2*time.Minute, "lognormal median %v", logn[10_000])
}

func TestBadProfileFilesAreNamed(t *testing.T) {
	for _, tc := range []struct {
		name, from, to string
		want           []string
	}{
		{"unknown field", `"name": "mine",`, `"name": "mine", "idle": 3,`, []string{`unknown field "idle"`}},
		{"negative", `"value": "15m"`, `"value": "-15m"`, []string{"idle_timeout: value: negative duration -15m0s"}},
		{"not a duration", `"mean": "2ms"`, `"mean": "two"`, []string{`warm_overhead: mean: "two" is not a duration`}},
		{"cdf down", `{"at": "1s", "p": 1}`, `{"at": "150ms", "p": 1}`, []string{"init_latency: cdf[2]: not increasing"}},
		{"cdf short", `{"at": "1s", "p": 1}`, `{"at": "1s", "p": 0.9}`, []string{"init_latency: cdf: needs at least two points, the last with p 1"}},
		{"no source", `"mean": "2ms", "source": "what if"`, `"mean": "2ms"`, []string{"warm_overhead: source: missing"}},
		{"kinds", `"dist": "normal"`, `"dist": "gaussian"`, []string{`front_door_latency: dist: "gaussian", want fixed, uniform`}},
		{"schema and limits", `"lambda-reuse/profile/v1"`, `"v0"`, []string{`schema: "v0"`}},
		{"too wide", `"sigma": 0.2`, `"sigma": 50`, []string{"max_lifetime: its 99.9th percentile is", "past the 168h0m0s"}},
		{"too slow", `{"at": "1s", "p": 1}`, `{"at": "1280000h", "p": 1}`, []string{"init_latency: its 99.9th percentile is", "past the 15m0s of Lambda's longest function timeout"}},
		{"every problem in one error", `"sigma": 0.2`, `"sigma": 50, "extra": 1`, []string{`unknown field "extra"`, "max_lifetime: its 99.9th percentile is"}},
		{"missing", `"scaling_rate": {"value": 100, "source": "what if"}`, `"proactive": {"share": 2, "source": "x"}`,
			[]string{"scaling_rate: missing", "proactive.share: must be from 0 to 1, got 2"}},
		{"memory", `"name": "mine",`, `"name": "mine", "memory": {"size_mb": {"value": 64, "source": "x"}, "start_mb": {"dist": "fixed", "value": -3, "source": "x"},
			"growth_mb_per_call": {"dist": "empirical", "cdf": [{"at": 1, "p": 0}, {"at": 0.5, "p": 1}]}},`,
			[]string{"memory.size_mb.value: 64: a function's memory size is from 128 to 10240 MB", "memory.start_mb: value: -3: a number from 0 to 10240",
				"memory.growth_mb_per_call: cdf[1]: not increasing", "memory.growth_mb_per_call: source: missing"}},
		{"memory past its size", `"name": "mine",`, `"name": "mine", "memory": {"size_mb": {"value": 256, "source": "x"}, "start_mb": {"dist": "uniform", "min": 100, "max": 300, "source": "x"},
			"growth_mb_per_call": {"dist": "lognormal", "median": 1, "sigma": 5, "source": "x"}},`,
			[]string{"memory.start_mb: its 99.9th percentile is 299.8 MB, past the memory size of 256 MB", "memory.growth_mb_per_call: its 99.9th percentile is"}},
		{"memory parts missing", `"name": "mine",`, `"name": "mine", "memory": {"size_mb": {"value": 512}},`,
			[]string{"memory.size_mb.source: missing", "memory.start_mb: missing", "memory.growth_mb_per_call: missing"}},
		{"timeout", `"name": "mine",`, `"name": "mine", "timeout": {"value": "16m", "source": "x"},`, []string{"timeout.value: 16m0s: a function's timeout is from 1s to 15m0s"}},
		{"timeout unsourced", `"name": "mine",`, `"name": "mine", "timeout": {"value": "3s"},`, []string{"timeout.source: missing"}},
		{"timeout not a duration", `"name": "mine",`, `"name": "mine", "timeout": {"value": "3", "source": "x"},`, []string{`timeout.value: "3" is not a duration`}},
	} {
		bad := strings.Replace(validProfile, tc.from, tc.to, 1)
		assert.Assert(t, bad != validProfile, tc.name)
		_, err := LookupProfile(writeProfile(t, bad))
		for _, want := range tc.want {
			assert.Check(t, is.ErrorContains(err, want), tc.name)
		}
	}
	_, err := LookupProfile(filepath.Join(t.TempDir(), "absent.json"))
	assert.Check(t, is.ErrorContains(err, "profile file: open"))
}

// TestREADMEProfileExample runs the profile example the manual shows
// (docs/simulator.md).
func TestREADMEProfileExample(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "docs", "simulator.md"))
	assert.NilError(t, err)
	m := regexp.MustCompile("(?s)<!-- profile example -->\\s*```json\\n(.*?)```").FindSubmatch(readme)
	assert.Assert(t, m != nil, "the README's profile example")
	p, err := LookupProfile(writeProfile(t, string(m[1])))
	assert.NilError(t, err)
	assert.Check(t, is.Equal(p.IdleTimeout.String(), "fixed(15m0s)"))
	assert.Check(t, is.Equal(p.HandlerTime.String(), "exponential(mean 2s)"))
	assert.Check(t, is.Equal(p.Placement, MostRecentlyUsed))
}

// TestASummaryReRunsFromItsProfile simulates with a built-in profile, takes
// the whole profile from the summary, writes it to a file and simulates
// again with that file: the same summary, byte for byte.
func TestASummaryReRunsFromItsProfile(t *testing.T) {
	plan := schedule.Steady{Calls: 36_000, RatePerSec: 10, HandlerMS: 500}
	first, err := newSim(t, plan, Options{Profile: ProfileGo2026, Seed: 3}).Summarize(t.Context())
	assert.NilError(t, err)
	assert.Assert(t, len(first.Simulator.ProfileFile) > 0, "the summary carries its profile")
	path := writeProfile(t, string(first.Simulator.ProfileFile))
	again, err := newSim(t, plan, Options{Profile: path, Seed: 3}).Summarize(t.Context())
	assert.NilError(t, err)
	a, err := summary.MarshalSummary(first)
	assert.NilError(t, err)
	b, err := summary.MarshalSummary(again)
	assert.NilError(t, err)
	assert.Check(t, is.Equal(string(b), string(a)))
}

// exactProfile has no latency noise, so a call's time is its service time.
const exactProfile = `{
  "schema": "lambda-reuse/profile/v1",
  "name": "exact",
  "idle_timeout": {"dist": "fixed", "value": "10m", "source": "test"},
  "max_lifetime": {"dist": "fixed", "value": "2h", "source": "test"},
  "init_latency": {"dist": "fixed", "value": "700ms", "source": "test"},
  "warm_overhead": {"dist": "fixed", "value": "0s", "source": "test"},
  "front_door_latency": {"dist": "fixed", "value": "0s", "source": "test"},
  "concurrency_limit": {"value": 1000, "source": "test"},
  "scaling_rate": {"value": 1000, "source": "test"}`

// TestProfileHandlerAndColdServiceTimes: a profile's handler-time
// distribution replaces the schedule's handler time, and a cold service
// time replaces init + handler for cold calls only.
func TestProfileHandlerAndColdServiceTimes(t *testing.T) {
	plan := schedule.Steady{Calls: 20_000, RatePerSec: 5, HandlerMS: 100}
	latencies := func(profile string) (warm, cold []time.Duration) {
		sim := newSim(t, plan, Options{Profile: writeProfile(t, profile)})
		_, err := sim.Run(t.Context(), func(r *record.Record) {
			if d := r.Done.Sub(r.Sent); r.Invocation == 1 {
				cold = append(cold, d)
			} else {
				warm = append(warm, d)
			}
		})
		assert.NilError(t, err)
		return warm, cold
	}

	warm, cold := latencies(exactProfile + "}")
	assert.Check(t, len(cold) > 0)
	for _, d := range warm {
		assert.Assert(t, is.Equal(d, 100*time.Millisecond), "no handler_time: the schedule's handler")
	}
	for _, d := range cold {
		assert.Assert(t, is.Equal(d, 800*time.Millisecond), "init + handler")
	}

	warm, cold = latencies(exactProfile + `,
  "handler_time": {"dist": "exponential", "mean": "2s", "source": "my handler"},
  "cold_service_time": {"dist": "fixed", "value": "3s", "source": "SimFaaS-style"}}`)
	var sum time.Duration
	for _, d := range warm {
		sum += d
	}
	mean := sum / time.Duration(len(warm))
	assert.Check(t, mean > 1900*time.Millisecond && mean < 2100*time.Millisecond, "mean warm time %v, handler_time says 2s", mean)
	assert.Check(t, len(cold) > 0)
	for _, d := range cold {
		assert.Assert(t, is.Equal(d, 3*time.Second), "the cold service time replaces init + handler")
	}
}

// TestProfilePlacement: a profile may name its placement rule; an explicit
// placement overrides it; a bad rule is named.
func TestProfilePlacement(t *testing.T) {
	path := writeProfile(t, exactProfile+`, "placement": {"rule": "lru", "source": "what if"}}`)
	plan := schedule.Steady{Calls: 100, RatePerSec: 10, HandlerMS: 100}
	assert.Check(t, is.Equal(newSim(t, plan, Options{Profile: path}).Describe().Placement, "lru"))
	assert.Check(t, is.Equal(newSim(t, plan, Options{Profile: path, Placement: "random"}).Describe().Placement, "random"))
	assert.Check(t, is.Equal(newSim(t, plan, Options{}).Describe().Placement, string(DefaultPlacement)), "a profile without a rule: the default")
	_, err := LookupProfile(writeProfile(t, exactProfile+`, "placement": {"rule": "fifo", "source": "x"}}`))
	assert.Check(t, is.ErrorContains(err, `placement.rule: unknown placement "fifo"`))
	_, err = LookupProfile(writeProfile(t, exactProfile+`, "placement": {"rule": "lru"}}`))
	assert.Check(t, is.ErrorContains(err, "placement.source: missing"))
	_, err = LookupProfile(writeProfile(t, exactProfile+`, "handler_time": {"dist": "fixed", "value": "-1s", "source": "x"}}`))
	assert.Check(t, is.ErrorContains(err, "handler_time: value: negative duration"))
}

// TestProfileFileIsOneObject: a profile file with a key twice (the last
// would win unnoticed) or anything after its object is refused, naming why.
func TestProfileFileIsOneObject(t *testing.T) {
	_, err := ParseProfile(strings.NewReader(validProfile))
	assert.NilError(t, err)
	for doc, want := range map[string]string{
		strings.Replace(validProfile, `"name": "mine",`, `"name": "mine", "name": "other",`, 1): "duplicate key name",
		validProfile + ` {"name": "more"}`: "data after the JSON value",
		validProfile + `garbage`:           "data after the JSON value",
	} {
		_, err := ParseProfile(strings.NewReader(doc))
		assert.Check(t, err != nil && strings.Contains(err.Error(), want), "want %q, got %v", want, err)
	}
}

// memoryPart is a profile's memory part and timeout, added to
// exactProfile.
const memoryPart = `,
  "memory": {
    "size_mb": {"value": 512, "source": "my function's configuration"},
    "start_mb": {"dist": "empirical", "cdf": [{"at": 70, "p": 0}, {"at": 80, "p": 0.5}, {"at": 95, "p": 1}], "source": "fitted"},
    "growth_mb_per_call": {"dist": "uniform", "min": 0.08, "max": 0.12, "source": "assumed: a leak of about 100 KB a call"}
  },
  "timeout": {"value": "3s", "source": "my function's configuration"}}`

// TestProfileMemoryPartIsReadAndCarried: a profile's memory part and
// timeout are read, checked and carried, written back as they were read;
// a run under them models them (its calls carry memory readings), except
// on Managed Instances, where its summary and table say they are not.
func TestProfileMemoryPartIsReadAndCarried(t *testing.T) {
	p, err := LookupProfile(writeProfile(t, exactProfile+memoryPart))
	assert.NilError(t, err)
	assert.Assert(t, p.Memory != nil)
	assert.Check(t, is.Equal(p.Memory.SizeMB, 512))
	assert.Check(t, is.Equal(p.Memory.StartMB.Quantile(0.5), 80.0))
	assert.Check(t, is.Equal(p.Memory.StartMB.String(), "empirical(70:0 80:0.5 95:1)"))
	assert.Check(t, is.Equal(p.Memory.GrowthMBPerCall.String(), "uniform(0.08, 0.12)"))
	assert.Check(t, is.Equal(p.Timeout, 3*time.Second))
	r := NewRand(1)
	for range 1000 {
		g := p.Memory.GrowthMBPerCall.Sample(r)
		assert.Assert(t, g >= 0.08 && g <= 0.12, "%v", g)
	}
	// Written back as read.
	for _, a := range []Amount{p.Memory.StartMB, p.Memory.GrowthMBPerCall, FixedAmount(0.0977)} {
		back, err := a.File("x").parse()
		assert.NilError(t, err)
		assert.Check(t, is.Equal(back.String(), a.String()))
	}

	assert.Check(t, is.Len(p.NotModelled(), 0), "both are modelled on Lambda's own environments")
	sim := newSim(t, schedule.Steady{Calls: 100, RatePerSec: 10, HandlerMS: 100}, Options{Profile: writeProfile(t, exactProfile+memoryPart)})
	sum, err := sim.Summarize(t.Context())
	assert.NilError(t, err)
	assert.Check(t, is.Len(sum.Simulator.NotModelled, 0))
	assert.Assert(t, sum.Memory != nil, "the run's calls carry memory readings")
	assert.Check(t, is.Equal(sum.Memory.SizeMB, 512))

	managed, err := LookupProfile(ProfileManaged2026)
	assert.NilError(t, err)
	managed.Memory, managed.Timeout = p.Memory, p.Timeout
	notes := managed.NotModelled()
	assert.Assert(t, is.Len(notes, 2))
	assert.Check(t, is.Contains(notes[0], "memory (size 512 MB, starting memory median 80 MB, growth per call median 0.1 MB): not simulated on Managed Instances, so no call of this run fails out of memory"))
	assert.Check(t, is.Contains(notes[1], "timeout 3s: not simulated on Managed Instances"))
	built, err := LookupProfile(ProfileSeed2021)
	assert.NilError(t, err)
	assert.Check(t, is.Len(built.NotModelled(), 0), "a profile without them says nothing")
}

// FuzzParseProfile: any bytes give a profile or an error, never a panic.
func FuzzParseProfile(f *testing.F) {
	f.Add([]byte(validProfile))
	f.Add([]byte(exactProfile))
	f.Add([]byte(exactProfile + memoryPart))
	f.Add([]byte(`{"schema":"lambda-reuse/profile/v1","name":"x","name":"y"}`))
	f.Add([]byte(`{"idle_timeout":{"dist":"lognormal","median":"1h","sigma":50}}`))
	if b, err := builtinFiles.ReadFile("profiles/managed-2026.json"); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		p, err := ParseProfile(bytes.NewReader(doc))
		if err == nil {
			assert.NilError(t, p.Validate())
		}
	})
}
