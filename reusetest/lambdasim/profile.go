package lambdasim

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
)

// Profile is a named set of model parameters. Sources are cited beside each
// value by their number in the docs/sources.md ([S1] to [S11]).
type Profile struct {
	// Name identifies the profile in summaries and flags.
	Name string
	// File is the profile file it was read from, compacted JSON (sources
	// included); empty for a profile built in code. Summaries carry it, so
	// any simulated run can be re-run from its summary.
	File []byte
	// IdleTimeout is how long an environment survives idle; drawn anew each
	// time it goes idle.
	IdleTimeout Dist
	// MaxLifetime is the most an environment lives, even when busy; drawn
	// once at creation. It is retired when next idle after that.
	MaxLifetime Dist
	// InitLatency is the cold-start (Init phase) latency before a new
	// environment's first call.
	InitLatency Dist
	// WarmOverhead is the platform's per-call time on top of the handler.
	WarmOverhead Dist
	// FrontDoorLatency is the one-way time between the caller and the front
	// door (Function URL, API Gateway or Invoke API), drawn each way.
	FrontDoorLatency Dist
	// ConcurrencyLimit is the most environments busy at once; a call that
	// would need more is throttled.
	ConcurrencyLimit int
	// ScalingRate is the most environments started on demand in any 10
	// seconds; a call that would need one more is throttled.
	ScalingRate int
	// ProactiveShare is the share (0 to 1) of environments retired for their
	// age whose replacement the platform starts before they retire
	// (proactive initialisation): the replacement joins the idle pool as the
	// old one leaves, already initialised. 0 turns it off.
	ProactiveShare float64
	// ProactiveLead is how long before that retirement the replacement was
	// initialised.
	ProactiveLead Dist
	// Provisioned is the provisioned concurrency: this many environments
	// initialised ahead of the run and kept ready (docs/sources.md [S12]);
	// calls go to an idle one first and spill to on-demand environments
	// beyond them. They never idle out; each is recycled at its maximum
	// lifetime and replaced at once by a new one initialised ahead (an
	// assumption: AWS documents the count, not the recycling). 0 turns it
	// off; at most ConcurrencyLimit.
	Provisioned int
	// Managed, when set, runs the function on Lambda Managed Instances
	// (docs/sources.md [S14]): environments serve many calls at once and a
	// scaler, not arriving calls, adds them; see Managed.
	Managed *Managed
	// Placement is the profile's placement rule among idle environments;
	// "" leaves it to the caller (DefaultPlacement when none is named).
	Placement Placement
	// HandlerTime, when set, is each call's handler time, drawn per call in
	// place of the schedule's (a user's "my handler takes 2 s on average").
	HandlerTime *Dist
	// ColdServiceTime, when set, is a cold call's whole service time, drawn
	// in place of InitLatency + handler time (SimFaaS's model, docs/sources.md
	// [S9]); the warm overhead is added to every call either way.
	ColdServiceTime *Dist
	// Schedule, when set, is the schedule the profile was fitted on: a
	// run of the profile that names no schedule of its own runs it.
	Schedule *schedule.ScheduleSpec
	// Memory, when set, is the function's memory: its size, and for each
	// runtime generation the memory it starts from and its growth per
	// call. A call that would take its generation past the size fails out
	// of memory and resets its environment (failures.go).
	Memory *Memory
	// Timeout, when set, is the function's timeout (1 s to 15 minutes): a
	// call that runs past it fails and resets its environment, and the
	// re-init that follows counts against the next call's (failures.go).
	Timeout time.Duration
}

// Memory is a function's memory: its size, and the distributions each
// runtime generation (init or reset to the next reset or retirement)
// draws its starting memory and its growth per call from.
type Memory struct {
	// SizeMB is the function's memory size, 128 to 10,240 MB
	// (docs/sources.md [S17]).
	SizeMB int
	// StartMB is the memory a generation starts from (after its init), MB.
	StartMB Amount
	// GrowthMBPerCall is what each call a generation serves adds to its
	// memory, MB: 0 for a function that does not leak.
	GrowthMBPerCall Amount
}

// NotModelled lists what the profile says that the model does not
// simulate, each saying what that means for a run under it: on Managed
// Instances, its memory part (no call fails out of memory, none resets)
// and its timeout (no call times out). None for a profile without them,
// and none on Lambda's own environments, where both are modelled
// (ModelsFailures).
func (p Profile) NotModelled() []string {
	if p.Managed == nil {
		return nil
	}
	return p.failureNotes("on Managed Instances")
}

// failureNotes says, for a memory part and a timeout, that they are not
// simulated where (on Managed Instances, say), and what that means.
func (p Profile) failureNotes(where string) []string {
	var out []string
	if m := p.Memory; m != nil {
		out = append(out, fmt.Sprintf("memory (size %d MB, starting memory median %s MB, growth per call median %s MB): not simulated %s, so no call of this run fails out of memory and none resets for it",
			m.SizeMB, strconv.FormatFloat(m.StartMB.Quantile(0.5), 'g', 4, 64), strconv.FormatFloat(m.GrowthMBPerCall.Quantile(0.5), 'g', 4, 64), where))
	}
	if p.Timeout > 0 {
		out = append(out, fmt.Sprintf("timeout %v: not simulated %s, so no call of this run times out", p.Timeout, where))
	}
	return out
}

// serviceTime is how long a call keeps its environment busy from the
// moment it reaches the pool: for a cold call the init latency, then the
// handler time (the profile's, or handler: the schedule's), then the warm
// overhead; a profile with a cold service time draws that in place of init
// and handler. The simulator and the served pool both use it.
func (p *Profile) serviceTime(rng *Rand, handler time.Duration, cold bool) time.Duration {
	var t time.Duration
	switch {
	case cold && p.ColdServiceTime != nil:
		t = p.ColdServiceTime.Sample(rng)
	case cold:
		t = p.InitLatency.Sample(rng) + p.handlerTime(rng, handler)
	default:
		t = p.handlerTime(rng, handler)
	}
	return t + p.WarmOverhead.Sample(rng)
}

// handlerTime is the profile's handler time when it has one, else handler.
func (p *Profile) handlerTime(rng *Rand, handler time.Duration) time.Duration {
	if p.HandlerTime != nil {
		return p.HandlerTime.Sample(rng)
	}
	return handler
}

// Resolve returns the profile named (a built-in name or a file's path, ""
// for DefaultProfile) and the placement rule to run it with: the one named,
// else the profile's own, else DefaultPlacement. Every driver of the pool
// (the simulator, the served pool, the local host) resolves through it.
func Resolve(profile, placement string) (Profile, Placement, error) {
	p, err := LookupProfile(profile)
	if placement == "" && err == nil && p.Placement != "" {
		return p, p.Placement, nil
	}
	pl, perr := ParsePlacement(placement)
	return p, pl, errors.Join(err, perr)
}

// Profile names.
const (
	// ProfileSeed2021 reproduces the 2021 experiment's world: a Python
	// function behind API Gateway, in early 2021.
	ProfileSeed2021 = "seed-2021"
	// ProfileGo2026 is today's best guess for the Go probe on provided.al2023.
	ProfileGo2026 = "go-2026"
	// ProfileManaged2026 is the Go probe on Lambda Managed Instances
	// (Profile.Managed), its scaler's parameters assumed.
	ProfileManaged2026 = "managed-2026"
	// DefaultProfile is used when none is named.
	DefaultProfile = ProfileSeed2021
)

// defaultConcurrencyLimit is AWS's default account concurrency per Region,
// and defaultScalingRate the environments a function may add every 10
// seconds (AWS Lambda developer guide, "Lambda quotas" and "Lambda scaling
// behavior"; docs/sources.md [S3]).
const (
	defaultConcurrencyLimit = 1000
	defaultScalingRate      = 1000
)

// maxConcurrencyLimit bounds a profile's concurrency limit and scaling
// rate: a thousand times Lambda's defaults, far past any account's quota,
// so the figures derived from them (the tenant cap, 2.5 per unit of
// concurrency) stay far from overflowing.
const maxConcurrencyLimit = 1_000_000

// tenantEnvsPer1000 is how many tenant environments, busy or idle, Lambda
// allows per 1,000 of a function's concurrency in tenant isolation mode
// (docs/sources.md [S13]); past it, calls are throttled.
const tenantEnvsPer1000 = 2500

// TenantCap is the most tenant environments, busy or idle, the profile's
// concurrency limit allows (tenantEnvsPer1000), at least one.
func (p Profile) TenantCap() int {
	return max(1, int(int64(p.ConcurrencyLimit)*tenantEnvsPer1000/1000))
}

// scalingWindow is the window of the scaling rate: Lambda adds up to
// ScalingRate environments every 10 seconds per function [S3].
const scalingWindow = 10 * time.Second

// profiles are the built-in profiles, from the embedded files
// profiles/*.json (each value's source is written beside it there).
var profiles = builtins

// ProfileNames lists the known profiles.
func ProfileNames() []string {
	names := make([]string, len(profiles))
	for i, p := range profiles {
		names[i] = p.Name
	}
	return names
}

// LookupProfile returns the built-in profile of that name, or the profile
// in the file at that path (a name with a slash or ending in .json); ""
// names DefaultProfile.
func LookupProfile(name string) (Profile, error) {
	if name == "" {
		name = DefaultProfile
	}
	i := slices.IndexFunc(profiles, func(p Profile) bool { return p.Name == name })
	if i >= 0 {
		return profiles[i], nil
	}
	if IsProfilePath(name) {
		return ReadProfile(name)
	}
	return Profile{}, fmt.Errorf("unknown profile %q (known: %s, or a profile file's path)", name, strings.Join(ProfileNames(), ", "))
}

// IsProfilePath reports whether a -profile value names a file rather than
// a built-in profile: it has a slash or ends in .json.
func IsProfilePath(name string) bool {
	return strings.Contains(name, "/") || strings.HasSuffix(name, ".json")
}

// Validate reports a profile the model cannot run.
func (p Profile) Validate() error {
	var errs []error
	for _, d := range []struct {
		name string
		d    Dist
	}{{"idle timeout", p.IdleTimeout}, {"max lifetime", p.MaxLifetime}, {"init latency", p.InitLatency},
		{"warm overhead", p.WarmOverhead}, {"front door latency", p.FrontDoorLatency}, {"proactive lead", p.ProactiveLead},
		{"handler time", orZero(p.HandlerTime)}, {"cold service time", orZero(p.ColdServiceTime)}} {
		if err := d.d.validate(); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", d.name, err))
		}
	}
	if p.ConcurrencyLimit <= 0 || p.ConcurrencyLimit > maxConcurrencyLimit {
		errs = append(errs, fmt.Errorf("concurrency limit must be from 1 to %d, got %d", maxConcurrencyLimit, p.ConcurrencyLimit))
	}
	if p.ScalingRate <= 0 || p.ScalingRate > maxConcurrencyLimit {
		errs = append(errs, fmt.Errorf("scaling rate must be from 1 to %d, got %d", maxConcurrencyLimit, p.ScalingRate))
	}
	if p.Provisioned < 0 || p.Provisioned > p.ConcurrencyLimit {
		errs = append(errs, fmt.Errorf("provisioned concurrency must be from 0 to the concurrency limit (%d), got %d", p.ConcurrencyLimit, p.Provisioned))
	}
	if !(p.ProactiveShare >= 0 && p.ProactiveShare <= 1) {
		errs = append(errs, fmt.Errorf("proactive share must be between 0 and 1, got %v", p.ProactiveShare))
	}
	if p.Placement != "" {
		if _, err := ParsePlacement(string(p.Placement)); err != nil {
			errs = append(errs, err)
		}
	}
	if p.Managed != nil {
		errs = append(errs, p.Managed.validate(p))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("profile %s: %w", p.Name, err)
	}
	return nil
}

// orZero is *d, or the zero distribution for nil.
func orZero(d *Dist) Dist {
	if d == nil {
		return Dist{}
	}
	return *d
}
