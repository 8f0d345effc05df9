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
	plan := schedule.Plan{Calls: 36_000, RatePerSec: 10, HandlerMS: 500}
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
	plan := schedule.Plan{Calls: 20_000, RatePerSec: 5, HandlerMS: 100}
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
	plan := schedule.Plan{Calls: 100, RatePerSec: 10, HandlerMS: 100}
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

// FuzzParseProfile: any bytes give a profile or an error, never a panic.
func FuzzParseProfile(f *testing.F) {
	f.Add([]byte(validProfile))
	f.Add([]byte(exactProfile))
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
