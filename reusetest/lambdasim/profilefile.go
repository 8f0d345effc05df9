package lambdasim

import (
	"bytes"
	"cmp"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/lambda-reuse/lambda-reuse/internal/onejson"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
)

// profileSchema names the profile file format.
const profileSchema = "lambda-reuse/profile/v1"

// maxProfileFile bounds a profile file: an empirical CDF of thousands of
// points fits in far less.
const maxProfileFile = 1 << 20

// A profile file is JSON: the schema, a name, and every parameter with the
// source it comes from. A duration parameter is a distribution:
//
//	{"dist": "fixed", "value": "215ms"}
//	{"dist": "uniform", "min": "5m18s", "max": "7m"}
//	{"dist": "normal", "mean": "2s", "sd": "300ms"}        (clamped at 0)
//	{"dist": "exponential", "mean": "5m"}
//	{"dist": "lognormal", "median": "1s", "sigma": 0.5}
//	{"dist": "empirical", "cdf": [{"at": "5m", "p": 0}, {"at": "6m", "p": 0.4}, {"at": "7m", "p": 1}]}
//
// each with a "source" text. See profiles/*.json for the built-in ones.
// Optional parts: "placement" (the rule among idle environments),
// "handler_time" (a distribution that replaces the schedule's handler time),
// "cold_service_time" (a cold call's whole service time, in place of init +
// handler, as SimFaaS models it), "proactive", "provisioned" (provisioned
// concurrency: a count of environments kept ready), "managed" (Lambda
// Managed Instances: calls per environment at once, the scaler's bounds and
// its assumed parameters), "schedule" (the schedule a
// fitted profile was fitted on, as a record log's header holds it: a run
// of the profile that names no schedule runs it), "memory" (the
// function's memory size, and each runtime generation's starting memory
// and growth per call, as distributions of numbers: MemoryFile),
// "timeout" (the function's timeout) and "provenance" (free-form: what a
// fitted profile was fitted from). The model fails calls out of memory
// and past the timeout, and resets their environments (failures.go),
// except on Managed Instances, where a run says it does not
// (Profile.NotModelled).
//
// ProfileFile is that document's shape; ParseProfile is the one reader, and
// a tool that writes a profile (the fitter) fills one in and re-reads it.
type ProfileFile struct {
	Schema           string                 `json:"schema"`
	Name             string                 `json:"name"`
	Description      string                 `json:"description,omitempty"`
	IdleTimeout      *DistFile              `json:"idle_timeout"`
	MaxLifetime      *DistFile              `json:"max_lifetime"`
	InitLatency      *DistFile              `json:"init_latency"`
	WarmOverhead     *DistFile              `json:"warm_overhead"`
	FrontDoorLatency *DistFile              `json:"front_door_latency"`
	ConcurrencyLimit *CountFile             `json:"concurrency_limit"`
	ScalingRate      *CountFile             `json:"scaling_rate"`
	Placement        *PlacementFile         `json:"placement,omitempty"`
	HandlerTime      *DistFile              `json:"handler_time,omitempty"`
	ColdServiceTime  *DistFile              `json:"cold_service_time,omitempty"`
	Proactive        *ProactiveFile         `json:"proactive,omitempty"`
	Provisioned      *provisionedFile       `json:"provisioned,omitempty"`
	Managed          *ManagedFile           `json:"managed,omitempty"`
	Schedule         *schedule.ScheduleSpec `json:"schedule,omitempty"`
	Memory           *MemoryFile            `json:"memory,omitempty"`
	Timeout          *TimeoutFile           `json:"timeout,omitempty"`
	Provenance       json.RawMessage        `json:"provenance,omitempty"`
}

// MemoryFile is the function's memory (Profile.Memory), each figure with
// its source, an assumed one marked so:
//
//	"memory": {
//	  "size_mb": {"value": 512, "source": "..."},
//	  "start_mb": {"dist": "uniform", "min": 70, "max": 90, "source": "..."},
//	  "growth_mb_per_call": {"dist": "fixed", "value": 0.1, "source": "assumed: ..."}
//	}
type MemoryFile struct {
	SizeMB          *CountFile  `json:"size_mb"`
	StartMB         *AmountFile `json:"start_mb"`
	GrowthMBPerCall *AmountFile `json:"growth_mb_per_call"`
}

// AmountFile is one distribution of numbers (MB, MB a call) and its
// source: DistFile's shapes with numbers for durations.
type AmountFile struct {
	Dist   string            `json:"dist"`
	Value  *float64          `json:"value,omitempty"`
	Min    *float64          `json:"min,omitempty"`
	Max    *float64          `json:"max,omitempty"`
	Mean   *float64          `json:"mean,omitempty"`
	SD     *float64          `json:"sd,omitempty"`
	Median *float64          `json:"median,omitempty"`
	Sigma  *float64          `json:"sigma,omitempty"`
	CDF    []amountPointFile `json:"cdf,omitempty"`
	Source string            `json:"source"`
}

// amountPointFile is one point of an empirical CDF of numbers.
type amountPointFile struct {
	At float64 `json:"at"`
	P  float64 `json:"p"`
}

// TimeoutFile is the function's timeout and its source.
type TimeoutFile struct {
	Value  string `json:"value"`
	Source string `json:"source"`
}

// PlacementFile names the placement rule and its source.
type PlacementFile struct {
	Rule   string `json:"rule"`
	Source string `json:"source"`
}

// ProactiveFile is proactive initialisation: the share of environments
// retired for age replaced ahead of time, and how far ahead.
type ProactiveFile struct {
	Share  float64   `json:"share"`
	Lead   *DistFile `json:"lead,omitempty"`
	Source string    `json:"source"`
}

// provisionedFile is provisioned concurrency: how many environments are
// initialised ahead and kept ready (Profile.Provisioned).
type provisionedFile struct {
	Count  int    `json:"count"`
	Source string `json:"source"`
}

// ManagedFile is Lambda Managed Instances (Profile.Managed): each figure
// with its source, the assumed ones marked so.
type ManagedFile struct {
	MaxConcurrency    *CountFile `json:"max_concurrency"`
	MinEnvironments   *CountFile `json:"min_environments"`
	MaxEnvironments   *CountFile `json:"max_environments"`
	TargetUtilisation *ratioFile `json:"target_utilisation"`
	ScaleInterval     *DistFile  `json:"scale_interval"`
	StartDelay        *DistFile  `json:"start_delay"`
	GrowthWindow      *DistFile  `json:"growth_window"`
}

// ratioFile is a share from 0 to 1 and its source.
type ratioFile struct {
	Value  float64 `json:"value"`
	Source string  `json:"source"`
}

// DistFile is one distribution of durations and its source.
type DistFile struct {
	Dist   string         `json:"dist"`
	Value  string         `json:"value,omitempty"`
	Min    string         `json:"min,omitempty"`
	Max    string         `json:"max,omitempty"`
	Mean   string         `json:"mean,omitempty"`
	SD     string         `json:"sd,omitempty"`
	Median string         `json:"median,omitempty"`
	Sigma  *float64       `json:"sigma,omitempty"`
	CDF    []cdfPointFile `json:"cdf,omitempty"`
	Source string         `json:"source"`
}

// cdfPointFile is one point of an empirical CDF.
type cdfPointFile struct {
	At string  `json:"at"`
	P  float64 `json:"p"`
}

// CountFile is a whole number and its source.
type CountFile struct {
	Value  int    `json:"value"`
	Source string `json:"source"`
}

// The range of a profile's durations.
const (
	// maxProfileLatency bounds latencies and handler times: Lambda's
	// longest function timeout, 15 minutes (docs/sources.md [S11]).
	maxProfileLatency = 15 * time.Minute
	// maxProfileLifetime bounds lifetimes, idle timeouts and proactive
	// leads: a week, far past any reported lifetime.
	maxProfileLifetime = 7 * 24 * time.Hour
	// maxProvisioned bounds provisioned concurrency, whose environments
	// the pool creates at its start: a hundred times Lambda's default
	// concurrency of 1,000, so no file sizes memory.
	maxProvisioned = 100_000
	// MinMemoryMB and MaxMemoryMB bound a function's memory size, as
	// Lambda does (docs/sources.md [S17]).
	MinMemoryMB = 128
	MaxMemoryMB = 10_240
	// MinTimeout and MaxTimeout bound a function's timeout: Lambda's
	// 1 to 900 seconds (docs/sources.md [S15]).
	MinTimeout = time.Second
	MaxTimeout = 15 * time.Minute
	// maxAmountPoints bounds an empirical CDF of numbers.
	maxAmountPoints = 10_000
)

// ParseProfile reads a profile file's JSON, or says every problem, each
// naming its field: unknown fields, missing parameters, bad durations,
// negative values, CDFs that do not increase.
func ParseProfile(r io.Reader) (Profile, error) {
	raw, err := io.ReadAll(io.LimitReader(r, maxProfileFile+1))
	if err != nil {
		return Profile{}, fmt.Errorf("profile: %w", err)
	}
	if len(raw) > maxProfileFile {
		return Profile{}, fmt.Errorf("profile: larger than %d bytes", maxProfileFile)
	}
	if err := onejson.Check(raw); err != nil {
		return Profile{}, fmt.Errorf("profile: %w", err)
	}
	// Unknown fields are named with every other problem: read strictly
	// for them, then leniently for the rest.
	var errs []error
	bad := func(field string, err error) { errs = append(errs, fmt.Errorf("%s: %w", field, err)) }
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var f ProfileFile
	if err := dec.Decode(&f); err != nil {
		if !strings.HasPrefix(err.Error(), "json: unknown field ") {
			return Profile{}, fmt.Errorf("profile: %w", err)
		}
		errs = append(errs, err)
		f = ProfileFile{}
		if err := json.Unmarshal(raw, &f); err != nil {
			return Profile{}, fmt.Errorf("profile: %w", err)
		}
	}
	if f.Schema != profileSchema {
		bad("schema", fmt.Errorf("%q, want %q", f.Schema, profileSchema))
	}
	if f.Name == "" {
		bad("name", errors.New("missing"))
	}
	p := Profile{Name: f.Name}
	var compact bytes.Buffer
	if err := json.Compact(&compact, raw); err == nil {
		p.File = compact.Bytes()
	}
	for _, d := range []struct {
		field string
		file  *DistFile
		dist  *Dist
	}{{"idle_timeout", f.IdleTimeout, &p.IdleTimeout}, {"max_lifetime", f.MaxLifetime, &p.MaxLifetime},
		{"init_latency", f.InitLatency, &p.InitLatency}, {"warm_overhead", f.WarmOverhead, &p.WarmOverhead},
		{"front_door_latency", f.FrontDoorLatency, &p.FrontDoorLatency}} {
		dist, err := d.file.parse()
		if err != nil {
			bad(d.field, err)
		}
		*d.dist = dist
	}
	for _, c := range []struct {
		field string
		file  *CountFile
		value *int
	}{{"concurrency_limit", f.ConcurrencyLimit, &p.ConcurrencyLimit}, {"scaling_rate", f.ScalingRate, &p.ScalingRate}} {
		switch {
		case c.file == nil:
			bad(c.field, errors.New("missing"))
		case c.file.Value <= 0:
			bad(c.field+".value", fmt.Errorf("must be positive, got %d", c.file.Value))
		default:
			*c.value = c.file.Value
		}
	}
	if pl := f.Placement; pl != nil {
		placement, err := ParsePlacement(pl.Rule)
		switch {
		case pl.Rule == "":
			bad("placement.rule", errors.New("missing"))
		case err != nil:
			bad("placement.rule", err)
		case pl.Source == "":
			bad("placement.source", errors.New("missing (say where the rule comes from, or that it is an assumption)"))
		}
		p.Placement = placement
	}
	for _, d := range []struct {
		field string
		file  *DistFile
		dist  **Dist
	}{{"handler_time", f.HandlerTime, &p.HandlerTime}, {"cold_service_time", f.ColdServiceTime, &p.ColdServiceTime}} {
		if d.file == nil {
			continue
		}
		dist, err := d.file.parse()
		if err != nil {
			bad(d.field, err)
		}
		*d.dist = &dist
	}
	if pr := f.Proactive; pr != nil {
		if !(pr.Share >= 0 && pr.Share <= 1) {
			bad("proactive.share", fmt.Errorf("must be from 0 to 1, got %v", pr.Share))
		}
		p.ProactiveShare = pr.Share
		if pr.Share > 0 {
			lead, err := pr.Lead.parse()
			if err != nil {
				bad("proactive.lead", err)
			}
			p.ProactiveLead = lead
		}
	}
	if pv := f.Provisioned; pv != nil {
		if pv.Count < 0 || pv.Count > maxProvisioned {
			bad("provisioned.count", fmt.Errorf("must be from 0 to %d, got %d", maxProvisioned, pv.Count))
		} else {
			p.Provisioned = pv.Count
		}
	}
	if m := f.Managed; m != nil {
		p.Managed = m.parse(bad)
	}
	// Each duration within what Lambda can take: a profile whose 99.9th
	// percentile passes its limit would run a world no function lives in
	// (an init of 1,280,000 hours throttles every call), and a draw past
	// it is cut to [0, maxSample] anyway.
	for _, r := range []struct {
		field string
		d     *Dist
		limit time.Duration
		what  string
	}{
		{"idle_timeout", &p.IdleTimeout, maxProfileLifetime, "an environment's life"},
		{"max_lifetime", &p.MaxLifetime, maxProfileLifetime, "an environment's life"},
		{"init_latency", &p.InitLatency, maxProfileLatency, "Lambda's longest function timeout"},
		{"warm_overhead", &p.WarmOverhead, maxProfileLatency, "Lambda's longest function timeout"},
		{"front_door_latency", &p.FrontDoorLatency, maxProfileLatency, "Lambda's longest function timeout"},
		{"handler_time", p.HandlerTime, maxProfileLatency, "Lambda's longest function timeout"},
		{"cold_service_time", p.ColdServiceTime, maxProfileLatency, "Lambda's longest function timeout"},
		{"proactive.lead", &p.ProactiveLead, maxProfileLifetime, "an environment's life"},
	} {
		if r.d == nil || r.d.String() == "" {
			continue
		}
		if q := r.d.Quantile(0.999); q > r.limit {
			bad(r.field, fmt.Errorf("its 99.9th percentile is %v, past the %v of %s", q, r.limit, r.what))
		}
	}
	if m := f.Memory; m != nil {
		p.Memory = m.parse(bad)
	}
	if to := f.Timeout; to != nil {
		d, err := time.ParseDuration(to.Value)
		switch {
		case to.Value == "":
			bad("timeout.value", errors.New("missing"))
		case err != nil:
			bad("timeout.value", fmt.Errorf("%q is not a duration (e.g. 3s, 15m)", to.Value))
		case d < MinTimeout || d > MaxTimeout:
			bad("timeout.value", fmt.Errorf("%v: a function's timeout is from %v to %v", d, MinTimeout, MaxTimeout))
		case to.Source == "":
			bad("timeout.source", errors.New("missing (say where the value comes from, or that it is an assumption)"))
		default:
			p.Timeout = d
		}
	}
	if f.Schedule != nil {
		// A trace's file is opened when the schedule runs, not here.
		if err := schedule.CheckSpec(*f.Schedule); err != nil {
			bad("schedule", err)
		}
		spec := *f.Schedule
		p.Schedule = &spec
	}
	if err := errors.Join(errs...); err != nil {
		return Profile{}, fmt.Errorf("profile %s: %w", f.Name, err)
	}
	return p, p.Validate()
}

// parse reads the managed part, reporting each problem by its field to
// bad; the model's own checks (Managed.validate) follow in Validate.
func (m *ManagedFile) parse(bad func(string, error)) *Managed {
	out := &Managed{}
	for _, c := range []struct {
		field string
		file  *CountFile
		value *int
	}{{"managed.max_concurrency", m.MaxConcurrency, &out.MaxConcurrency}, {"managed.min_environments", m.MinEnvironments, &out.MinEnvironments},
		{"managed.max_environments", m.MaxEnvironments, &out.MaxEnvironments}} {
		switch {
		case c.file == nil:
			bad(c.field, errors.New("missing"))
		case c.file.Source == "":
			bad(c.field+".source", errors.New("missing (say where the figure comes from, or that it is an assumption)"))
		default:
			*c.value = c.file.Value
		}
	}
	switch t := m.TargetUtilisation; {
	case t == nil:
		bad("managed.target_utilisation", errors.New("missing"))
	case t.Source == "":
		bad("managed.target_utilisation.source", errors.New("missing (say where the figure comes from, or that it is an assumption)"))
	default:
		out.TargetUtilisation = t.Value
	}
	for _, d := range []struct {
		field string
		file  *DistFile
		to    func(Dist)
	}{{"managed.scale_interval", m.ScaleInterval, func(d Dist) { out.ScaleInterval = d.Quantile(0.5) }},
		{"managed.start_delay", m.StartDelay, func(d Dist) { out.StartDelay = d }},
		{"managed.growth_window", m.GrowthWindow, func(d Dist) { out.GrowthWindow = d.Quantile(0.5) }}} {
		dist, err := d.file.parse()
		if err != nil {
			bad(d.field, err)
			continue
		}
		if d.field != "managed.start_delay" && dist.String() != Fixed(dist.Quantile(0.5)).String() {
			bad(d.field, errors.New("must be fixed (a single value)"))
			continue
		}
		if q := dist.Quantile(0.999); q > maxProfileLatency {
			bad(d.field, fmt.Errorf("its 99.9th percentile is %v, past %v", q, maxProfileLatency))
			continue
		}
		d.to(dist)
	}
	return out
}

// parse reads the memory part, reporting each problem by its field to
// bad: a size Lambda allows, a starting memory below it, a growth per
// call from 0 to it.
func (m *MemoryFile) parse(bad func(string, error)) *Memory {
	out := &Memory{}
	switch c := m.SizeMB; {
	case c == nil:
		bad("memory.size_mb", errors.New("missing"))
	case c.Value < MinMemoryMB || c.Value > MaxMemoryMB:
		bad("memory.size_mb.value", fmt.Errorf("%d: a function's memory size is from %d to %d MB", c.Value, MinMemoryMB, MaxMemoryMB))
	case c.Source == "":
		bad("memory.size_mb.source", errors.New("missing (say where the figure comes from, or that it is an assumption)"))
	default:
		out.SizeMB = c.Value
	}
	limit := float64(cmp.Or(out.SizeMB, MaxMemoryMB))
	for _, a := range []struct {
		field string
		file  *AmountFile
		to    *Amount
		what  string
	}{{"memory.start_mb", m.StartMB, &out.StartMB, "a generation that starts past its memory size never serves"},
		{"memory.growth_mb_per_call", m.GrowthMBPerCall, &out.GrowthMBPerCall, "one call cannot add more than the memory size"}} {
		v, err := a.file.parse()
		if err != nil {
			// Each problem under the field's name.
			errs := []error{err}
			if j, ok := err.(interface{ Unwrap() []error }); ok {
				errs = j.Unwrap()
			}
			for _, e := range errs {
				bad(a.field, e)
			}
			continue
		}
		if q := v.Quantile(0.999); q > limit {
			bad(a.field, fmt.Errorf("its 99.9th percentile is %g MB, past the memory size of %g MB: %s", q, limit, a.what))
			continue
		}
		*a.to = v
	}
	return out
}

// parse turns a distribution of numbers' JSON into an Amount: every
// number finite and from 0 to MaxMemoryMB, the shapes' own rules as
// DistFile's (shapeOf).
func (a *AmountFile) parse() (Amount, error) {
	if a == nil {
		return Amount{}, errors.New("missing")
	}
	var errs []error
	num := func(field string, v *float64) time.Duration {
		switch {
		case v == nil:
			errs = append(errs, fmt.Errorf("%s: missing", field))
		case !(*v >= 0 && *v <= MaxMemoryMB):
			errs = append(errs, fmt.Errorf("%s: %g: a number from 0 to %d", field, *v, MaxMemoryMB))
		default:
			return toUnits(*v)
		}
		return 0
	}
	if len(a.CDF) > maxAmountPoints {
		return Amount{}, fmt.Errorf("cdf: %d points, at most %d", len(a.CDF), maxAmountPoints)
	}
	values := map[string]*float64{"value": a.Value, "min": a.Min, "max": a.Max, "mean": a.Mean, "sd": a.SD, "median": a.Median}
	out := shapeOf(a.Dist, func(field string) time.Duration { return num(field, values[field]) }, a.Sigma,
		func(i int) (time.Duration, float64) {
			return num(fmt.Sprintf("cdf[%d].at", i), &a.CDF[i].At), a.CDF[i].P
		}, len(a.CDF),
		func(v time.Duration) string { return strconv.FormatFloat(fromUnits(v), 'g', -1, 64) }, &errs)
	if a.Source == "" {
		errs = append(errs, errors.New("source: missing (say where the value comes from, or that it is an assumption)"))
	}
	return Amount{out}, errors.Join(errs...)
}

// parse turns a distribution's JSON into a Dist.
func (d *DistFile) parse() (Dist, error) {
	if d == nil {
		return Dist{}, errors.New("missing")
	}
	var errs []error
	dur := func(field, s string) time.Duration {
		if s == "" {
			errs = append(errs, fmt.Errorf("%s: missing", field))
			return 0
		}
		v, err := time.ParseDuration(s)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("%s: %q is not a duration (e.g. 215ms, 5m18s)", field, s))
		case v < 0:
			errs = append(errs, fmt.Errorf("%s: negative duration %v", field, v))
		}
		return v
	}
	values := map[string]string{"value": d.Value, "min": d.Min, "max": d.Max, "mean": d.Mean, "sd": d.SD, "median": d.Median}
	out := shapeOf(d.Dist, func(field string) time.Duration { return dur(field, values[field]) }, d.Sigma,
		func(i int) (time.Duration, float64) {
			return dur(fmt.Sprintf("cdf[%d].at", i), d.CDF[i].At), d.CDF[i].P
		}, len(d.CDF),
		time.Duration.String, &errs)
	if d.Source == "" {
		errs = append(errs, errors.New("source: missing (say where the value comes from, or that it is an assumption)"))
	}
	return out, errors.Join(errs...)
}

// shapeOf builds the distribution of the shape named dist, in a Dist's
// unit whatever the file's (durations, or numbers in millionths): value
// reads a named value (reporting its own problems to errs), sigma is a
// lognormal's, point the i-th of n CDF points; show writes a value back
// for a message. It adds to errs what is wrong with the shape itself.
func shapeOf(dist string, value func(field string) time.Duration, sigma *float64, point func(i int) (time.Duration, float64), n int,
	show func(time.Duration) string, errs *[]error) Dist {
	bad := func(err error) { *errs = append(*errs, err) }
	switch dist {
	case "fixed":
		return Fixed(value("value"))
	case "uniform":
		lo, hi := value("min"), value("max")
		if hi < lo {
			bad(fmt.Errorf("max %s is below min %s", show(hi), show(lo)))
		}
		return Uniform(lo, hi)
	case "normal":
		return Normal(value("mean"), value("sd"))
	case "exponential":
		return Exponential(value("mean"))
	case "lognormal":
		s := 0.0
		if sigma == nil || *sigma < 0 {
			bad(errors.New("sigma: missing or negative"))
		} else {
			s = *sigma
		}
		return LogNormal(value("median"), s)
	case "empirical":
		var pts []CDFPoint
		for i := range n {
			at, p := point(i)
			if !(p >= 0 && p <= 1) {
				bad(fmt.Errorf("cdf[%d].p: must be from 0 to 1, got %v", i, p))
			}
			if i > 0 && (at <= pts[i-1].At || p < pts[i-1].P) {
				bad(fmt.Errorf("cdf[%d]: not increasing (%v at %s after %v at %s)", i, p, show(at), pts[i-1].P, show(pts[i-1].At)))
			}
			pts = append(pts, CDFPoint{At: at, P: p})
		}
		if len(pts) < 2 || pts[len(pts)-1].P != 1 {
			bad(errors.New("cdf: needs at least two points, the last with p 1"))
		}
		return Empirical(pts)
	}
	bad(fmt.Errorf("dist: %q, want fixed, uniform, normal, exponential, lognormal or empirical", dist))
	return Dist{}
}

//go:embed profiles/*.json
var builtinFiles embed.FS

// builtins are the built-in profiles, read from their embedded files.
var builtins = func() []Profile {
	var out []Profile
	for _, name := range []string{ProfileSeed2021, ProfileGo2026, ProfileManaged2026} {
		b, err := builtinFiles.ReadFile(path.Join("profiles", name+".json"))
		if err == nil {
			var p Profile
			if p, err = ParseProfile(bytes.NewReader(b)); err == nil {
				out = append(out, p)
				continue
			}
		}
		panic(fmt.Sprintf("lambdasim: built-in profile %s: %v", name, err))
	}
	return out
}()

// ReadProfile reads the profile file at path.
func ReadProfile(path string) (Profile, error) {
	f, err := os.Open(path)
	if err != nil {
		return Profile{}, fmt.Errorf("profile file: %w", err)
	}
	defer f.Close()
	p, err := ParseProfile(f)
	if err != nil {
		return Profile{}, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}
