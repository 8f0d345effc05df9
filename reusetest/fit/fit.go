package fit

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdasim"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"github.com/lambda-reuse/lambda-reuse/reusetest/stats"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
)

// Options configures a fit.
type Options struct {
	// Base gives every parameter the log cannot tell (default go-2026, or
	// managed-2026 for a run on Managed Instances). A run on Managed
	// Instances needs a base with a managed part, and a run on Lambda's own
	// environments one without: a profile of the other kind is refused.
	Base string
	// Name names the fitted profile (default "fitted").
	Name string
	// From names what was fitted (the log's path) in the provenance.
	From string
	// Seeds is how many seeded simulations calibrate the placement
	// decision (per rule compared) and the proactive share (default 2).
	Seeds int
	// NoCallerTime says the records hold no caller-side time (a function's
	// own logs, package lambdalogs): the front door's latency is the base's.
	NoCallerTime bool
}

// Result is a fitted profile and how it was reached.
type Result struct {
	// Profile is the fitted profile (Profile.File its compacted JSON, as
	// summaries carry it).
	Profile lambdasim.Profile
	// File is the profile file to write, indented for people.
	File []byte
	// Params is every parameter of the profile, fitted, kept from the base
	// or assumed, with its value, basis, sample size and interval: the
	// fit's one table.
	Params []Param
	// Placement is how the placement rule was decided, or why not.
	Placement PlacementDecision
	// Fitted, Kept and Assumed give each parameter's basis by status.
	Fitted, Kept, Assumed map[string]string
	// Ranges are what the kept parameters that move a predicted figure
	// may be: a prediction from the profile runs over them (a band).
	Ranges []KeptRange
}

// The statuses of a parameter.
const (
	StatusFitted  = "fitted"
	StatusKept    = "kept"
	StatusAssumed = "assumed"
)

// Param is one parameter of a fitted profile.
type Param struct {
	Name   string `json:"name"`
	Status string `json:"status"`
	Value  string `json:"value"`
	Basis  string `json:"basis"`
	// N is how many observations the value rests on (0 for a kept or
	// assumed one).
	N int64 `json:"n"`
	// Interval is a 95% interval, where one applies.
	Interval string `json:"interval,omitempty"`
}

// PlacementDecision is how the placement rule was decided: every rule's
// account of the run's choices, and whether the best one's lead over the
// runner-up is beyond what runs of one model differ by.
type PlacementDecision struct {
	// Rule is the rule named, or "" when undecided (the base's is kept).
	Rule string `json:"rule"`
	// Choices is the number of warm calls with a proven alternative on
	// which the rules were scored; Crowded those left out for another
	// call sent within crowdWindow.
	Choices int   `json:"choices"`
	Crowded int64 `json:"crowded"`
	// Scores are the rules' accounts, best first.
	Scores []PlacementScore `json:"scores"`
	// Separation is the best rule's log-likelihood over the runner-up's;
	// Threshold the separation it must pass: ln 1000, or more if simulated
	// runs of the runner-up's model showed more.
	Separation float64 `json:"separation"`
	Threshold  float64 `json:"threshold"`
	// RunnerUpRuns and BestRuns are the separation in seeded simulations
	// of the fitted profile under the runner-up's rule and the best's.
	RunnerUpRuns []float64 `json:"runner_up_runs,omitempty"`
	BestRuns     []float64 `json:"best_runs,omitempty"`
	// Why says what decided it.
	Why string `json:"why"`
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
	Assumed      map[string]string `json:"assumed,omitempty"`
	Parameters   []Param           `json:"parameters"`
	Placement    PlacementDecision `json:"placement"`
	// Ranges are the kept parameters' ranges a prediction runs over.
	Ranges []KeptRange `json:"kept_ranges,omitempty"`
}

// Fit estimates a profile from the records added so far. It simulates the
// run's schedule a few times (the placement decision, the proactive
// share), up to GOMAXPROCS of them at once, with the result one after
// another gives: it takes a few times as long as one simulation of the
// part of the schedule the records cover, shared among the cores.
func (f *Fitter) Fit(ctx context.Context, opts Options) (Result, error) {
	summary := f.sum.Summary()
	if summary.Instances.Count == 0 {
		return Result{}, errors.New("fit: no call was served: nothing to fit")
	}
	// A run on Managed Instances: its environments said how many calls
	// they take at once.
	managed := summary.Multi != nil && summary.Multi.MaxConcurrency > 0
	if opts.Base == "" {
		opts.Base = lambdasim.ProfileGo2026
		if managed {
			opts.Base = lambdasim.ProfileManaged2026
		}
	}
	if opts.Name == "" {
		opts.Name = "fitted"
	}
	opts.Seeds = seeds(opts)
	base, err := lambdasim.LookupProfile(opts.Base)
	if err != nil {
		return Result{}, fmt.Errorf("fit: %w", err)
	}
	switch m := summary.Multi; {
	case managed && base.Managed == nil:
		return Result{}, fmt.Errorf("fit: the run is on Managed Instances (its environments said they take %d calls at once, and served up to %d at once), but the base profile %s has no managed part: "+
			"a classic profile in its place would start environments for calls, cold on the request path; give a base with one (-base %s) or none", m.MaxConcurrency, m.InFlight.Max, base.Name, lambdasim.ProfileManaged2026)
	case !managed && base.Managed != nil:
		return Result{}, fmt.Errorf("fit: the base profile %s runs on Managed Instances, but no environment of the run said it takes calls at once: give a base without a managed part (-base %s) or none",
			base.Name, lambdasim.ProfileGo2026)
	}
	var pf lambdasim.ProfileFile
	if err := json.Unmarshal(base.File, &pf); err != nil {
		return Result{}, fmt.Errorf("fit: base profile %s has no file: %w", base.Name, err)
	}
	sched, err := f.model()
	if err != nil {
		return Result{}, err
	}
	f.place.finish()
	res := Result{Fitted: map[string]string{}, Kept: map[string]string{}, Assumed: map[string]string{}}
	from := orDash(opts.From)
	p := base
	p.Name, p.File, p.ColdServiceTime = opts.Name, nil, nil
	pf.Name = opts.Name
	pf.Description = fmt.Sprintf("Fitted to %s (lambda-reuse fit); what the run could not tell is %s's or assumed, as the provenance lists.", from, base.Name)
	pf.ColdServiceTime = nil
	param := func(name, status, value, basis string, n int64, interval string) {
		res.Params = append(res.Params, Param{Name: name, Status: status, Value: value, Basis: basis, N: n, Interval: interval})
		map[string]map[string]string{StatusFitted: res.Fitted, StatusKept: res.Kept, StatusAssumed: res.Assumed}[status][name] = basis
	}
	var undecided []KeptRange // fitted parameters the run could not pin down
	dist := func(name string, e estimate, field *lambdasim.Dist, file **lambdasim.DistFile) {
		if e.undecided != nil {
			undecided = append(undecided, *e.undecided)
		}
		if !e.ok {
			param(name, StatusKept, describe(*field), e.how, 0, "")
			return
		}
		*field, *file = e.d, e.d.File(fmt.Sprintf("fitted to %s: %s", from, e.how))
		param(name, StatusFitted, describe(e.d), e.how, e.n, e.interval)
	}
	kept := func(name, value, why string) { param(name, StatusKept, value, why, 0, "") }

	// Handler time: what the calls asked.
	// A schedule whose calls ask different times (a trace's handler
	// column) keeps them per call: the profile carries the schedule, and
	// a distribution in its place would shuffle them.
	p.HandlerTime, pf.HandlerTime = nil, nil
	if h := f.handlerTime(); h.ok && h.d.Quantile(0) == h.d.Quantile(1) {
		p.HandlerTime = &h.d
		pf.HandlerTime = h.d.File(fmt.Sprintf("fitted to %s: %s", from, h.how))
		param("handler_time", StatusFitted, describe(h.d), h.how, h.n, "")
	} else if h.ok {
		param("handler_time", StatusFitted, describe(h.d), h.how+"; they differ from call to call, so each keeps its own through the schedule the profile carries", h.n, "")
	}
	// Maximum lifetime: an idle experiment's environments mostly end of
	// their idle timeout, which an end alone cannot tell from age; on
	// Managed Instances the scaler removes environments too.
	switch {
	case managed:
		kept("max_lifetime", describe(p.MaxLifetime), "on Managed Instances the scaler removes environments too, which an environment's end cannot tell from age: the base's")
	case summary.Idle() != nil:
		kept("max_lifetime", describe(p.MaxLifetime), "an idle experiment's environments mostly end of the idle timeout, which an environment's end cannot tell from age (the idle curve separates age only as a nuisance): the base's")
	default:
		dist("max_lifetime", f.maxLifetime(f.idleLow(base)), &p.MaxLifetime, &pf.MaxLifetime)
	}
	if managed {
		kept("idle_timeout", describe(p.IdleTimeout), "Managed Instances' environments are not frozen and do not idle out: the base's, unused")
	} else {
		dist("idle_timeout", f.idleTimeout(summary), &p.IdleTimeout, &pf.IdleTimeout)
	}
	// Front door and init.
	if factor := f.sum.TimeFactor(); factor != 1 {
		why := fmt.Sprintf("a run at time scale %g: its latencies are real network time plus the served pool's hold, not model time: the base's", factor)
		kept("front_door_latency", describe(p.FrontDoorLatency), why)
		kept("init_latency", describe(p.InitLatency), why)
	} else {
		if opts.NoCallerTime {
			kept("front_door_latency", describe(p.FrontDoorLatency), "the records are the function's own logs, which hold no caller-side time: the base's")
		} else {
			dist("front_door_latency", f.frontDoor(base), &p.FrontDoorLatency, &pf.FrontDoorLatency)
		}
		if managed {
			kept("init_latency", describe(p.InitLatency), "on Managed Instances no call waits for an init (the scaler starts environments ahead): the base's")
		} else {
			dist("init_latency", f.initLatency(), &p.InitLatency, &pf.InitLatency)
		}
	}
	kept("warm_overhead", describe(p.WarmOverhead), "not told apart from the front door by a caller: the base's")
	// A kept idle timeout, but never below what the run rules out: the
	// longest idle gap an environment survived, as the environment saw it
	// (the caller's gap and the front door's median both ways).
	survived := time.Duration(0)
	if gap := f.longestGap(); gap > 0 && res.Kept["idle_timeout"] != "" && !managed {
		survived = gap + 2*p.FrontDoorLatency.Quantile(0.5)
		if survived > p.IdleTimeout.Quantile(0) {
			p.IdleTimeout = atLeast(p.IdleTimeout, survived)
			pf.IdleTimeout = p.IdleTimeout.File(fmt.Sprintf("kept from %s, each value below the longest idle gap an environment of %s survived (%v, the front door's time both ways included) raised to it", base.Name, from, survived.Round(time.Millisecond)))
			for i := range res.Params {
				if pm := &res.Params[i]; pm.Name == "idle_timeout" {
					pm.Value = describe(p.IdleTimeout)
					pm.Basis += fmt.Sprintf("; each value below that gap as the environment saw it (%v, the front door's time both ways included) raised to it", survived.Round(time.Millisecond))
					res.Kept["idle_timeout"] = pm.Basis
				}
			}
		}
	}
	kept("concurrency_limit", fmt.Sprint(p.ConcurrencyLimit), "a run below the limit cannot show it: the base's")
	kept("scaling_rate", fmt.Sprint(p.ScalingRate), "a run below the rate cannot show it: the base's")

	// Managed Instances: the calls at once the environments said they
	// take; the scaler's own figures a run shows only through its results.
	if managed {
		m := *p.Managed
		m.MaxConcurrency = summary.Multi.MaxConcurrency
		p.Managed = &m
		mf := *pf.Managed
		how := fmt.Sprintf("the most calls at once the run's %d environments said they take (AWS_LAMBDA_MAX_CONCURRENCY); up to %d were in flight in one", summary.Instances.Count, summary.Multi.InFlight.Max)
		mf.MaxConcurrency = &lambdasim.CountFile{Value: m.MaxConcurrency, Source: fmt.Sprintf("fitted to %s: %s", from, how)}
		pf.Managed = &mf
		param("managed.max_concurrency", StatusFitted, fmt.Sprint(m.MaxConcurrency), how, int64(summary.Instances.Count), "")
		kept("managed.scaler", fmt.Sprintf("%d to %d environments, target utilisation %g, every %v, start delay %s, doubling per %v",
			m.MinEnvironments, m.MaxEnvironments, m.TargetUtilisation, m.ScaleInterval, describe(m.StartDelay), m.GrowthWindow),
			"a run shows what the scaler did, not the figures it works by: the base's")
	}

	// Placement: the rule whose account of the choices is best, when it
	// is clearly best; on Managed Instances calls share environments, and
	// the accounts of choices among idle ones do not apply.
	if managed {
		res.Placement = PlacementDecision{Why: "calls share environments on Managed Instances: choices among idle environments do not apply"}
	} else if res.Placement, err = f.decidePlacement(ctx, p, opts); err != nil {
		return Result{}, err
	}
	d := res.Placement
	if d.Rule != "" {
		p.Placement = lambdasim.Placement(d.Rule)
		param("placement", StatusFitted, d.Rule, d.Why, int64(d.Choices), "")
		pf.Placement = &lambdasim.PlacementFile{Rule: d.Rule, Source: fmt.Sprintf("fitted to %s: %s", from, d.Why)}
	} else {
		if p.Placement == "" {
			p.Placement = lambdasim.DefaultPlacement
		}
		kept("placement", string(p.Placement), "undecided: "+d.Why+": the base's")
		pf.Placement = &lambdasim.PlacementFile{Rule: string(p.Placement), Source: fmt.Sprintf("kept from %s: the fit to %s could not decide (%s)", base.Name, from, d.Why)}
	}

	// Proactive share: proactive starts over environments seen to end of
	// age, calibrated by a simulation; on Managed Instances the scaler
	// starts every environment, none proactively for a call.
	if managed {
		kept("proactive", fmt.Sprint(p.ProactiveShare), "on Managed Instances the scaler starts every environment ahead of calls: no proactive start to count: the base's")
	} else if err := f.proactive(ctx, &p, &pf, summary, base, param, opts); err != nil {
		return Result{}, err
	}

	// Memory: the size, each generation's start and growth per call,
	// where the records carry memory readings.
	if mf := fitMemory(summary, f.sum.MemoryGenerations(), from); mf.mem != nil {
		p.Memory, pf.Memory = mf.mem, mf.file
		for _, pm := range mf.params {
			param(pm.Name, pm.Status, pm.Value, pm.Basis, pm.N, pm.Interval)
		}
	} else if summary.Memory != nil {
		what := "none"
		if p.Memory != nil {
			what = fmt.Sprintf("size %d MB", p.Memory.SizeMB)
		}
		kept("memory", what, mf.why+": the base's")
	}

	// The schedule it was fitted on, so the profile alone reruns the run.
	spec := sched.Spec()
	if pre, ok := schedule.PrefixOf(sched, summary.Plan.Calls); ok && summary.Plan.Calls < spec.Calls {
		spec = pre.Spec()
	}
	p.Schedule, pf.Schedule = &spec, &spec
	param("schedule", StatusFitted, fmt.Sprintf("%s, %d calls", spec.Kind, spec.Calls), "the schedule the records cover, in model time ("+spec.String()+"): a run of this profile with no schedule flag runs it", summary.Requests.Total, "")

	if !managed {
		res.Ranges = keptRanges(p, base, res.Params, survived, res.Placement, undecided)
	}
	prov := Provenance{Fitter: "lambda-reuse fit (reusetest/fit)", From: from, Target: summary.Target,
		Schedule: summary.PlanText(), Records: summary.Requests.Total, Environments: summary.Instances.Count,
		Base: base.Name, Fitted: res.Fitted, Kept: res.Kept, Assumed: res.Assumed, Parameters: res.Params, Placement: res.Placement, Ranges: res.Ranges}
	if len(prov.Assumed) == 0 {
		prov.Assumed = nil
	}
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

// describe is a distribution in brief: its median and family.
func describe(d lambdasim.Dist) string {
	if d.String() == "" {
		return "-"
	}
	m := d.Quantile(0.5)
	switch {
	case m >= time.Minute:
		m = m.Round(time.Second)
	case m >= time.Second:
		m = m.Round(time.Millisecond)
	default:
		m = m.Round(time.Microsecond)
	}
	return fmt.Sprintf("median %v (%s)", m, strings.SplitN(d.String(), "(", 2)[0])
}

// handlerTime is the handler time the calls asked, as a distribution.
func (f *Fitter) handlerTime() estimate {
	if len(f.handler) == 0 {
		return estimate{}
	}
	xs := slices.Clone(f.handler)
	slices.Sort(xs)
	return estimate{d: quantileDist(xs), how: fmt.Sprintf("the handler time the schedule asked of the %d served calls (%d sampled)", f.handlerN, len(xs)), ok: true, n: f.handlerN}
}

// decidePlacement names the rule whose account of the choices is best
// when it explains them and leads the runner-up by more than ln 1000 and
// more than simulated runs of the runner-up's model lead by; else it
// names none and says why.
func (f *Fitter) decidePlacement(ctx context.Context, p lambdasim.Profile, opts Options) (PlacementDecision, error) {
	scores, n := f.place.scores()
	d := PlacementDecision{Choices: n, Crowded: f.place.crowded, Scores: scores, Threshold: round4(math.Log(1000))}
	if n < minChoices {
		d.Why = fmt.Sprintf("only %d warm calls chose among idle environments the records prove alive (%d left out, sent within %v of another call): fewer than %d", n, d.Crowded, crowdWindow, minChoices)
		return d, nil
	}
	best, runner := scores[0], scores[1]
	d.Separation = round4(best.LogLik - runner.LogLik)
	if !best.Explains {
		d.Why = fmt.Sprintf("no rule explains the %d choices: the likeliest, %s, would have chosen otherwise in %.0f%% of them (at most %.0f%% allowed)", n, best.Placement, best.ErrorRate*100, maxErrorRate*100)
		if best.Placement == string(lambdasim.Random) {
			d.Why = fmt.Sprintf("no rule explains the %d choices: the likeliest is the uniform one, but a deterministic rule matches them far more often than chance", n)
		}
		return d, nil
	}
	var runs []simRun // per seed, the runner-up's model, then the best's
	for seed := range opts.Seeds {
		for _, rule := range []string{runner.Placement, best.Placement} {
			runs = append(runs, simRun{p, lambdasim.Placement(rule), uint64(seed + 1)})
		}
	}
	leads, err := f.simulations(ctx, runs, func(sim *Fitter) float64 {
		sim.place.finish()
		simScores, _ := sim.place.scores()
		return round4(separation(simScores, best.Placement, runner.Placement))
	})
	if err != nil {
		return d, err
	}
	for i := 0; i < len(leads); i += 2 {
		d.RunnerUpRuns, d.BestRuns = append(d.RunnerUpRuns, leads[i]), append(d.BestRuns, leads[i+1])
	}
	d.Threshold = round4(max(d.Threshold, slices.Max(d.RunnerUpRuns)))
	accounts := fmt.Sprintf("log-likelihood of %d choices among idle environments: %s %.1f (chose otherwise in %.1f%%), runner-up %s %.1f; lead %.1f; simulated runs (%d seeds) of the fitted model under %s led by %s, under %s by %s",
		n, best.Placement, best.LogLik, best.ErrorRate*100, runner.Placement, runner.LogLik, d.Separation,
		opts.Seeds, runner.Placement, floats(d.RunnerUpRuns), best.Placement, floats(d.BestRuns))
	if d.Separation <= d.Threshold {
		d.Why = fmt.Sprintf("%s: a lead of %.1f does not pass %.1f (ln 1000, or what runs of the runner-up's model show)", accounts, d.Separation, d.Threshold)
		return d, nil
	}
	d.Rule = best.Placement
	d.Why = fmt.Sprintf("%s: the lead passes %.1f (ln 1000, or what runs of the runner-up's model show)", accounts, d.Threshold)
	return d, nil
}

func floats(xs []float64) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmt.Sprintf("%.1f", x)
	}
	return strings.Join(s, ", ")
}

// proactive fits the proactive share into p and pf: the proactive starts
// measured over the age retirements seen (environments that ended having
// served minCallsForAge or more calls, as the lifetime estimate counts
// them), calibrated once by simulating that share and counting the same way.
// Where no call reported its init time the share cannot be measured: it is
// assumed 0, and said so.
func (f *Fitter) proactive(ctx context.Context, p *lambdasim.Profile, pf *lambdasim.ProfileFile, summary summary.Summary,
	base lambdasim.Profile, param func(name, status, value, basis string, n int64, interval string), opts Options) error {
	if summary.Instances.InitKnown == 0 {
		p.ProactiveShare, p.ProactiveLead = 0, lambdasim.Dist{}
		pf.Proactive = &lambdasim.ProactiveFile{Share: 0, Source: "assumed: no call of the run reported its environment's init time, so proactive starts could not be counted; predictions from this profile count none"}
		param("proactive", StatusAssumed, "0", "no call reported its environment's init time: proactive starts cannot be counted, so none are assumed (predictions count none)", 0, "")
		return nil
	}
	aged := f.agedEnds(base)
	if aged == 0 {
		param("proactive", StatusKept, fmt.Sprint(p.ProactiveShare), "no environment was seen to end of age: the base's", 0, "")
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
		runs := make([]simRun, opts.Seeds)
		for seed := range runs {
			runs[seed] = simRun{trial, p.Placement, uint64(seed + 1)}
		}
		ratios, err := f.simulations(ctx, runs, func(sim *Fitter) float64 {
			if n := sim.agedEnds(base); n > 0 {
				return float64(sim.sum.Summary().Instances.Proactive) / float64(n) / float64(opts.Seeds)
			}
			return 0
		})
		if err != nil {
			return err
		}
		var ratio float64
		for _, r := range ratios {
			ratio += r // in seed order, as one after another would sum them
		}
		if ratio > 0 {
			share = math.Min(1, share*measured/ratio)
		}
	}
	share = math.Round(share*1000) / 1000
	how := fmt.Sprintf("%d proactive starts measured over %d environments seen to end of age, calibrated by simulating that ratio (%d seeds)",
		summary.Instances.Proactive, aged, opts.Seeds)
	low, high := stats.Wilson(int64(summary.Instances.Proactive), int64(aged), 1.96)
	p.ProactiveShare, p.ProactiveLead = share, lead
	pf.Proactive = &lambdasim.ProactiveFile{Share: share, Source: fmt.Sprintf("fitted to %s: %s", orDash(opts.From), how)}
	if share > 0 {
		pf.Proactive.Lead = lead.File(leadSource)
	}
	param("proactive", StatusFitted, fmt.Sprint(share), how, int64(aged), fmt.Sprintf("measured ratio %.3f to %.3f (Wilson), before calibration", low, high))
	return nil
}

// agedEnds counts the environments the lifetime estimate takes as ended of
// age (ageEnds), the idle timeout being at least f.idleLow(base).
func (f *Fitter) agedEnds(base lambdasim.Profile) int {
	n := 0
	aged := f.ageEnds(f.idleLow(base))
	for _, e := range f.sum.Environments() {
		if aged.ended(e) {
			n++
		}
	}
	return n
}

// simRun is one seeded simulation of a candidate model.
type simRun struct {
	profile   lambdasim.Profile
	placement lambdasim.Placement
	seed      uint64
}

// parallelism is how many of a fit's simulations run at once.
var parallelism = func() int { return runtime.GOMAXPROCS(0) }

// simulations runs the fit's schedule under each of runs, up to
// parallelism at once, and returns measure of each run's fitter, in runs'
// order: the figures running them one after another gives, each run
// having a schedule, a model and an analysis of its own. Only the figures
// are kept, so memory follows the runs at once, not the runs.
func (f *Fitter) simulations(ctx context.Context, runs []simRun, measure func(*Fitter) float64) ([]float64, error) {
	return parallel(len(runs), func(i int) (float64, error) {
		sim, err := f.simulate(ctx, runs[i])
		if err != nil {
			return 0, err
		}
		return measure(sim), nil
	})
}

// parallel runs job(0) to job(n-1), up to parallelism at once, and returns
// their results in order: what running them one after another gives, each
// job having state of its own. Of the jobs that fail, the first in order
// gives the error.
func parallel[T any](n int, job func(i int) (T, error)) ([]T, error) {
	out := make([]T, n)
	errs := make([]error, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(n, max(1, parallelism())) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				out[i], errs[i] = job(i)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err // the first in order, as one after another would stop at
		}
	}
	return out, nil
}

// simulate runs the fit's schedule under a candidate model into a fitter
// of its own, so measured and simulated runs are seen the same way.
func (f *Fitter) simulate(ctx context.Context, run simRun) (*Fitter, error) {
	sched, err := f.model()
	if err != nil {
		return nil, err
	}
	sched = schedule.Own(sched) // runs beside others: a reader of its own
	sim, err := lambdasim.NewOf(sched, run.profile, run.placement, run.seed)
	if err != nil {
		return nil, fmt.Errorf("fit: %w", err)
	}
	sim.FirstCalls(f.sum.Covered().Calls)
	g := NewFitter(summary.NewSummarizer(sched, "simulator", nil), sched, nil)
	if _, err := sim.Run(ctx, g.Add); err != nil {
		return nil, fmt.Errorf("fit: %w", err)
	}
	return g, nil
}

func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }

func orDash(s string) string {
	if s == "" {
		return "a run"
	}
	return s
}

// model is the run's schedule in model time: the schedule itself, or, for a
// run against a served pool that declared a time scale, the schedule that
// pool ran (schedule.InModelTime).
func (f *Fitter) model() (schedule.Schedule, error) {
	s, err := schedule.InModelTime(f.sched, f.sum.TimeFactor())
	if err != nil {
		return nil, fmt.Errorf("fit: %w", err)
	}
	return s, nil
}

// WriteParams prints the fit as one table: each parameter, fitted, kept
// or assumed, its value, sample size and interval, then its basis; and
// the placement decision.
func WriteParams(w io.Writer, res Result) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "parameter\tstatus\tvalue\tn\t95% interval\tbasis")
	for _, p := range res.Params {
		n := "-"
		if p.N > 0 {
			n = fmt.Sprint(p.N)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", p.Name, p.Status, p.Value, n, cmp.Or(p.Interval, "-"), p.Basis)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	rule := res.Placement.Rule
	if rule == "" {
		rule = "undecided (the base's " + string(res.Profile.Placement) + " kept)"
	}
	_, err := fmt.Fprintf(w, "placement: %s\n", rule)
	return err
}
