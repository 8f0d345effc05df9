package fit

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdasim"
	"github.com/lambda-reuse/lambda-reuse/reusetest/reuse"
)

// Options configures a fit.
type Options struct {
	// Base gives every parameter the log cannot tell (default go-2026).
	Base string
	// Name names the fitted profile (default "fitted").
	Name string
	// From names what was fitted (the log's path) in the provenance.
	From string
	// Seeds is how many seeded simulations score each placement rule
	// (default 2).
	Seeds int
}

// Result is a fitted profile and how it was reached.
type Result struct {
	// Profile is the fitted profile (Profile.File its compacted JSON, as
	// summaries carry it).
	Profile lambdasim.Profile
	// File is the profile file to write, indented for people.
	File []byte
	// Scores are the placement rules by their distance to the measured
	// calls-per-environment distribution, nearest first.
	Scores []Score
	// Fitted and Kept say, per parameter, what was estimated and how, and
	// what kept the base's value and why.
	Fitted, Kept map[string]string
}

// Score is one placement rule's distances (two-sample Kolmogorov-Smirnov,
// the mean over the seeded simulations) to the measured run: KS, the
// criterion, between the distributions of idle gaps (from an environment's
// answer to its next call), and KSCalls between the calls-per-environment
// distributions (relative to their medians), shown beside it.
type Score struct {
	Placement string  `json:"placement"`
	KS        float64 `json:"ks_idle_gaps"`
	KSCalls   float64 `json:"ks_calls_per_env"`
}

// Provenance is what a fitted profile file says of its origin.
type Provenance struct {
	Fitter       string            `json:"fitter"`
	From         string            `json:"from"`
	Target       string            `json:"target"`
	Schedule     string            `json:"schedule"`
	Records      int64             `json:"records"`
	Environments int               `json:"environments"`
	Base         string            `json:"base"`
	Fitted       map[string]string `json:"fitted"`
	Kept         map[string]string `json:"kept"`
	Placement    []Score           `json:"placement_scores"`
}

// Fit estimates a profile from the records added so far. It simulates the
// run's schedule a few times (placement scores, the proactive share), so it
// takes a few times as long as one simulation of the schedule.
func (f *Fitter) Fit(ctx context.Context, opts Options) (Result, error) {
	if opts.Base == "" {
		opts.Base = lambdasim.ProfileGo2026
	}
	if opts.Name == "" {
		opts.Name = "fitted"
	}
	if opts.Seeds <= 0 {
		opts.Seeds = 2
	}
	base, err := lambdasim.LookupProfile(opts.Base)
	if err != nil {
		return Result{}, fmt.Errorf("fit: %w", err)
	}
	var pf lambdasim.ProfileFile
	if err := json.Unmarshal(base.File, &pf); err != nil {
		return Result{}, fmt.Errorf("fit: base profile %s has no file: %w", base.Name, err)
	}
	summary := f.sum.Summary()
	if summary.Instances.Count == 0 {
		return Result{}, errors.New("fit: no call was served: nothing to fit")
	}
	if _, err := f.model(); err != nil {
		return Result{}, err
	}
	res := Result{Fitted: map[string]string{}, Kept: map[string]string{}}
	p := base
	p.Name, p.File, p.HandlerTime, p.ColdServiceTime = opts.Name, nil, nil, nil
	pf.Name = opts.Name
	pf.Description = fmt.Sprintf("Fitted to %s (lambda-reuse fit); what the run could not tell is %s's.", orDash(opts.From), base.Name)
	pf.HandlerTime, pf.ColdServiceTime = nil, nil
	if base.HandlerTime != nil || base.ColdServiceTime != nil {
		res.Kept["handler_time"] = "dropped: the run's calls measure init and handler apart"
	}
	fitted := func(field string, d lambdasim.Dist, how string) *lambdasim.DistFile {
		res.Fitted[field] = how
		return d.File(fmt.Sprintf("fitted to %s: %s", orDash(opts.From), how))
	}

	// Maximum lifetime.
	if d, how, ok := f.maxLifetime(); ok {
		p.MaxLifetime, pf.MaxLifetime = d, fitted("max_lifetime", d, how)
	} else {
		res.Kept["max_lifetime"] = how
	}
	// Idle timeout.
	if d, how, ok := f.idleTimeout(summary); ok {
		p.IdleTimeout, pf.IdleTimeout = d, fitted("idle_timeout", d, how)
	} else {
		res.Kept["idle_timeout"] = how
	}
	// Front door and init.
	if factor := f.sum.TimeFactor(); factor != 1 {
		why := fmt.Sprintf("a run at time scale %g: its latencies are real network time plus the served pool's hold, not model time: the base's", factor)
		res.Kept["front_door_latency"], res.Kept["init_latency"] = why, why
	} else {
		if d, how, ok := f.frontDoor(base); ok {
			p.FrontDoorLatency, pf.FrontDoorLatency = d, fitted("front_door_latency", d, how)
		} else {
			res.Kept["front_door_latency"] = how
		}
		if d, how, ok := f.initLatency(); ok {
			p.InitLatency, pf.InitLatency = d, fitted("init_latency", d, how)
		} else {
			res.Kept["init_latency"] = how
		}
	}
	res.Kept["warm_overhead"] = "not told apart from the front door by a caller: the base's"
	res.Kept["concurrency_limit"] = "a run below the limit cannot show it: the base's"
	res.Kept["scaling_rate"] = "a run below the rate cannot show it: the base's"

	// Placement: the rule whose simulations look most like the run.
	measured := callsPerEnv(f.sum.Environments())
	gaps := relative(f.gaps)
	for _, name := range lambdasim.PlacementNames() {
		var ks, ksGaps float64
		for seed := range opts.Seeds {
			sim, err := f.simulate(ctx, p, lambdasim.Placement(name), uint64(seed+1))
			if err != nil {
				return Result{}, err
			}
			ks += KS(measured, callsPerEnv(sim.sum.Environments()))
			ksGaps += KS(gaps, relative(sim.gaps))
		}
		n := float64(opts.Seeds)
		res.Scores = append(res.Scores, Score{Placement: name, KS: round4(ksGaps / n), KSCalls: round4(ks / n)})
	}
	slices.SortStableFunc(res.Scores, func(a, b Score) int { return cmp.Compare(a.KS, b.KS) })
	p.Placement = lambdasim.Placement(res.Scores[0].Placement)
	how := fmt.Sprintf("nearest distribution of idle gaps between an environment's calls (two-sample Kolmogorov-Smirnov distance %.3g, mean of %d seeded simulations; calls per environment %.3g); runner-up %s at %.3g (%.3g)",
		res.Scores[0].KS, opts.Seeds, res.Scores[0].KSCalls, res.Scores[1].Placement, res.Scores[1].KS, res.Scores[1].KSCalls)
	res.Fitted["placement"] = how
	pf.Placement = &lambdasim.PlacementFile{Rule: string(p.Placement), Source: fmt.Sprintf("fitted to %s: %s", orDash(opts.From), how)}

	// Proactive share: proactive starts over environments seen to end of
	// age, calibrated by a simulation.
	if err := f.proactive(ctx, &p, &pf, summary, base, res, opts); err != nil {
		return Result{}, err
	}

	prov := Provenance{Fitter: "lambda-reuse fit (reusetest/fit)", From: orDash(opts.From), Target: summary.Target,
		Schedule: f.sched.Spec().String(), Records: summary.Requests.Total, Environments: summary.Instances.Count,
		Base: base.Name, Fitted: res.Fitted, Kept: res.Kept, Placement: res.Scores}
	if pf.Provenance, err = json.Marshal(prov); err != nil {
		return Result{}, fmt.Errorf("fit: %w", err)
	}
	raw, err := json.MarshalIndent(pf, "", "  ")
	if err != nil {
		return Result{}, fmt.Errorf("fit: %w", err)
	}
	// The one reader checks what was written.
	if res.Profile, err = lambdasim.ParseProfile(strings.NewReader(string(raw))); err != nil {
		return Result{}, fmt.Errorf("fit: the fitted profile does not read back: %w", err)
	}
	res.File = append(raw, '\n')
	return res, nil
}

// proactive fits the proactive share into p and pf: the proactive starts
// measured over the age retirements seen (environments that ended having
// served MinCallsForAge or more calls, as the lifetime estimate counts
// them), calibrated once by simulating that share and counting the same way.
func (f *Fitter) proactive(ctx context.Context, p *lambdasim.Profile, pf *lambdasim.ProfileFile, summary reuse.Summary,
	base lambdasim.Profile, res Result, opts Options) error {
	if summary.Instances.InitKnown == 0 {
		res.Kept["proactive"] = "no call reported its environment's init time: the base's"
		return nil
	}
	aged := agedEnds(f.sum)
	if aged == 0 {
		res.Kept["proactive"] = "no environment was seen to end of age: the base's"
		return nil
	}
	lead, leadSource := base.ProactiveLead, "the base's"
	if base.ProactiveShare == 0 {
		lead = lambdasim.Uniform(10*time.Second, time.Minute)
		leadSource = "assumption, not sourced: more than the 10 s by which proactive inits are told apart"
	}
	measured := float64(summary.Instances.Proactive) / float64(aged)
	share := math.Min(1, measured)
	if share > 0 {
		trial := *p
		trial.ProactiveShare, trial.ProactiveLead = share, lead
		var ratio float64
		for seed := range opts.Seeds {
			sim, err := f.simulate(ctx, trial, p.Placement, uint64(seed+1))
			if err != nil {
				return err
			}
			if n := agedEnds(sim.sum); n > 0 {
				ratio += float64(sim.sum.Summary().Instances.Proactive) / float64(n) / float64(opts.Seeds)
			}
		}
		if ratio > 0 {
			share = math.Min(1, share*measured/ratio)
		}
	}
	share = math.Round(share*1000) / 1000
	how := fmt.Sprintf("%d proactive starts measured over %d environments seen to end of age, calibrated by simulating that ratio (%d seeds)",
		summary.Instances.Proactive, aged, opts.Seeds)
	res.Fitted["proactive"] = how
	p.ProactiveShare, p.ProactiveLead = share, lead
	pf.Proactive = &lambdasim.ProactiveFile{Share: share, Source: fmt.Sprintf("fitted to %s: %s", orDash(opts.From), how)}
	if share > 0 {
		pf.Proactive.Lead = lead.File(leadSource)
	}
	return nil
}

// agedEnds counts the environments the lifetime estimate takes as ended of
// age: not serving at the end, having served MinCallsForAge or more calls.
func agedEnds(sum *reuse.Summarizer) int {
	n := 0
	cut := shortCut(sum.Environments(), sum.TimeFactor())
	for _, e := range sum.Environments() {
		if agedEnd(e, cut, sum.TimeFactor()) {
			n++
		}
	}
	return n
}

// simulate runs the fit's schedule under a candidate model into a fitter
// of its own, so measured and simulated runs are seen the same way.
func (f *Fitter) simulate(ctx context.Context, p lambdasim.Profile, placement lambdasim.Placement, seed uint64) (*Fitter, error) {
	sched, err := f.model()
	if err != nil {
		return nil, err
	}
	sim, err := lambdasim.NewOf(sched, p, placement, seed)
	if err != nil {
		return nil, fmt.Errorf("fit: %w", err)
	}
	g := NewFitter(reuse.NewSummarizer(sched, "simulator", nil), sched, nil)
	if _, err := sim.Run(ctx, g.Add); err != nil {
		return nil, fmt.Errorf("fit: %w", err)
	}
	return g, nil
}

// relative is xs sorted and divided by their median: the shape of a
// distribution without its scale (the rotation through N idle environments
// of the lru rule is a gap of about N calls' time, and N wanders from run to
// run).
func relative(xs []float64) []float64 {
	xs = slices.Clone(xs)
	slices.Sort(xs)
	if med := reuse.Percentile(xs, 50); med > 0 {
		for i := range xs {
			xs[i] /= med
		}
	}
	return xs
}

func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }

// callsPerEnv is the calls-per-environment distribution relative to its
// median, sorted: the placement rule shapes it (spares with few calls, or
// calls shared evenly), while the lifetime sets its scale, so dividing by
// the median keeps a lifetime slightly off from deciding the rule.
func callsPerEnv(envs []reuse.Environment) []float64 {
	out := make([]float64, len(envs))
	for i, e := range envs {
		out[i] = float64(e.Calls)
	}
	return relative(out)
}

func orDash(s string) string {
	if s == "" {
		return "a run"
	}
	return s
}

// model is the run's schedule in model time: the schedule itself, or, for a
// run against a served pool that declared a time scale, the schedule that
// pool ran (reuse.InModelTime).
func (f *Fitter) model() (reuse.Schedule, error) {
	s, err := reuse.InModelTime(f.sched, f.sum.TimeFactor())
	if err != nil {
		return nil, fmt.Errorf("fit: %w", err)
	}
	return s, nil
}
