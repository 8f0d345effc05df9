package fit

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdasim"
	"github.com/lambda-reuse/lambda-reuse/reusetest/metric"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"github.com/lambda-reuse/lambda-reuse/reusetest/stats"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
)

// KeptRange is what a kept parameter may be, as far as the base, the
// sources and the run tell: the values a prediction from the profile runs
// it at (a range's ends, each fixed; a fitted distribution scaled to each
// median; the placement rules the run left undecided between), so the
// prediction carries the spread the parameter allows. Only parameters
// that move a predicted figure have one.
type KeptRange struct {
	Name   string   `json:"name"`
	Values []string `json:"values"`
	Why    string   `json:"why"`
}

// The kept parameters a range is given for.
const (
	rangeIdleTimeout = "idle_timeout"
	rangeMaxLifetime = "max_lifetime"
	rangePlacement   = "placement"
	// rangeLifetimeMedian is a fitted max lifetime the run could not pin
	// down: its distribution scaled to each median.
	rangeLifetimeMedian = "max_lifetime_median"
)

// apply sets p's parameter to the range's value v.
func (r KeptRange) apply(p *lambdasim.Profile, v string) error {
	switch r.Name {
	case rangeIdleTimeout, rangeMaxLifetime:
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fmt.Errorf("kept range %s: %q is not a positive duration", r.Name, v)
		}
		if r.Name == rangeIdleTimeout {
			p.IdleTimeout = lambdasim.Fixed(d)
		} else {
			p.MaxLifetime = lambdasim.Fixed(d)
		}
	case rangeLifetimeMedian:
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fmt.Errorf("kept range %s: %q is not a positive duration", r.Name, v)
		}
		p.MaxLifetime = scaledTo(p.MaxLifetime, d)
	case rangePlacement:
		rule, err := lambdasim.ParsePlacement(v)
		if err != nil {
			return fmt.Errorf("kept range %s: %w", r.Name, err)
		}
		p.Placement = rule
	default:
		return fmt.Errorf("kept range %q: not a parameter a prediction runs over (%s, %s, %s, %s)", r.Name, rangeIdleTimeout, rangeMaxLifetime, rangeLifetimeMedian, rangePlacement)
	}
	return nil
}

// scaledTo is d scaled so its median is median: each quantile of the grid
// times the same factor.
func scaledTo(d lambdasim.Dist, median time.Duration) lambdasim.Dist {
	m := d.Quantile(0.5)
	if m <= 0 {
		return lambdasim.Fixed(median)
	}
	k := float64(median) / float64(m)
	pts := make([]lambdasim.CDFPoint, len(quantiles))
	for i, q := range quantiles {
		pts[i] = lambdasim.CDFPoint{At: time.Duration(float64(d.Quantile(q)) * k), P: q}
	}
	return empirical(pts)
}

// atLeast is d with each quantile of the grid below lo raised to lo.
func atLeast(d lambdasim.Dist, lo time.Duration) lambdasim.Dist {
	pts := make([]lambdasim.CDFPoint, len(quantiles))
	for i, q := range quantiles {
		pts[i] = lambdasim.CDFPoint{At: max(d.Quantile(q), lo), P: q}
	}
	return empirical(pts)
}

// String is the range as outputs name it.
func (r KeptRange) String() string {
	return fmt.Sprintf("%s %s", r.Name, strings.Join(r.Values, ", "))
}

// ends are a distribution's ends: its least and greatest values for the
// bounded families, its 2.5th and 97.5th percentiles for the others.
func ends(d lambdasim.Dist) (lo, hi time.Duration) {
	switch strings.SplitN(d.String(), "(", 2)[0] {
	case "fixed", "uniform", "empirical":
		return d.Quantile(0), d.Quantile(1)
	}
	return d.Quantile(0.025), d.Quantile(0.975)
}

// durations are the range's values of lo and hi, rounded to the second,
// once each.
func durations(lo, hi time.Duration) []string {
	lo, hi = lo.Round(time.Second), hi.Round(time.Second)
	if lo == hi {
		return []string{lo.String()}
	}
	return []string{lo.String(), hi.String()}
}

// keptRanges are the ranges of what the fit could not pin down that moves
// a predicted figure (environments, reuse, lifetimes, starts): undecided,
// the fitted parameters' own (a max lifetime whose ends may be idle
// timeouts); then the kept idle timeout (idleRange), the kept maximum
// lifetime (the base's range) and an undecided placement rule (the rules
// the run could not tell apart). Latencies move no predicted figure; the
// limits and the proactive share are single values.
func keptRanges(p lambdasim.Profile, base lambdasim.Profile, params []Param, longestGap time.Duration, d PlacementDecision, undecided []KeptRange) []KeptRange {
	out := slices.Clone(undecided)
	for _, pm := range params {
		if pm.Status != StatusKept {
			continue
		}
		switch pm.Name {
		case rangeIdleTimeout:
			out = append(out, idleRange(base, longestGap))
		case rangeMaxLifetime:
			lo, hi := ends(p.MaxLifetime)
			out = append(out, KeptRange{Name: rangeMaxLifetime, Values: durations(lo, hi),
				Why: fmt.Sprintf("kept: %s's range, %v to %v", base.Name, lo.Round(time.Second), hi.Round(time.Second))})
		case rangePlacement:
			if rules, why := rivals(d, p.Placement); len(rules) > 0 {
				out = append(out, KeptRange{Name: rangePlacement, Values: rules, Why: why})
			}
		}
	}
	return out
}

// idleCeiling is the longest idle timeout the sources allow: the maximum
// idle time measured in 2018 (docs/sources.md [S6]); in 2020 an eighth of
// idle environments still lived after 19 minutes [S5].
const idleCeiling = 27 * time.Minute

// idleRange is a kept idle timeout's range: from the least it can be (the
// longest idle gap an environment of the run survived, as the environment
// saw it, or the base's least when that is more) to the most: a run that is not an idle experiment
// gives no upper bound (an environment's end does not say it idled out),
// so the range runs up to the base's greatest or idleCeiling, whichever is
// more.
func idleRange(base lambdasim.Profile, longestGap time.Duration) KeptRange {
	baseLo, baseHi := ends(base.IdleTimeout)
	lo := max(longestGap, baseLo)
	if t := lo.Truncate(time.Second); t < lo {
		lo = t + time.Second // the range's values are whole seconds: never below the bound
	}
	hi := max(baseHi, idleCeiling, lo)
	why := fmt.Sprintf("kept: the run gives a lower bound only, the longest idle gap an environment survived (%v, the front door's time both ways included)", longestGap.Round(time.Second))
	if baseLo > longestGap {
		why += fmt.Sprintf(", below %s's least (%v), so from that", base.Name, baseLo.Round(time.Second))
	}
	why += fmt.Sprintf("; no upper bound (no environment is seen to idle out), so up to %v", hi.Round(time.Second))
	if hi == idleCeiling {
		why += ", the longest idle time a source reports (docs/sources.md [S6])"
	} else {
		why += fmt.Sprintf(", %s's greatest", base.Name)
	}
	return KeptRange{Name: rangeIdleTimeout, Values: durations(lo, hi), Why: why}
}

// rivals are the placement rules an undecided decision leaves beside the
// kept one: those whose account of the choices is within the threshold of
// the best's (when the rules were scored on enough choices and one
// explains them), else every rule.
func rivals(d PlacementDecision, kept lambdasim.Placement) ([]string, string) {
	all := []string{string(lambdasim.MostRecentlyUsed), string(lambdasim.LeastRecentlyUsed), string(lambdasim.NewestCreated), string(lambdasim.Random)}
	var left []string
	why := ""
	if d.Choices < minChoices || len(d.Scores) == 0 || !d.Scores[0].Explains {
		left, why = all, "the run could not score the rules apart: every rule"
	} else {
		for _, s := range d.Scores {
			if s.Explains && d.Scores[0].LogLik-s.LogLik <= d.Threshold {
				left = append(left, s.Placement)
			}
		}
		slices.SortFunc(left, func(a, b string) int { return slices.Index(all, a) - slices.Index(all, b) })
		why = fmt.Sprintf("undecided between %s, their accounts of the run's choices within %.1f of the best's", strings.Join(left, " and "), d.Threshold)
	}
	return slices.DeleteFunc(slices.Clone(left), func(r string) bool { return r == string(kept) }), fmt.Sprintf("kept %s: %s", kept, why)
}

// rangesOf reads the kept ranges a fitted profile's provenance records
// (none for another profile).
func rangesOf(p lambdasim.Profile) ([]KeptRange, error) {
	if len(p.File) == 0 {
		return nil, nil
	}
	var file struct {
		Provenance *struct {
			Ranges []KeptRange `json:"kept_ranges"`
		} `json:"provenance"`
	}
	if err := json.Unmarshal(p.File, &file); err != nil || file.Provenance == nil {
		return nil, nil // not a fitted profile's file: no ranges
	}
	for _, r := range file.Provenance.Ranges {
		if len(r.Values) == 0 || len(r.Values) > 4 {
			return nil, fmt.Errorf("profile %s: kept range %s has %d values: want 1 to 4", p.Name, r.Name, len(r.Values))
		}
		for _, v := range r.Values {
			q := p
			if err := r.apply(&q, v); err != nil {
				return nil, fmt.Errorf("profile %s: %w", p.Name, err)
			}
		}
	}
	return file.Provenance.Ranges, nil
}

// bandRun is one simulation behind a band: a value of each kept range
// (0: the profile's own, i: the range's value i-1) and a seed.
type bandRun struct {
	at   []int
	seed uint64
}

// predictBand predicts the first calls of sched under profile: the point
// (the profile as it is, seed predictionSeed) and, when ranges are given,
// every combination of each kept parameter as the profile has it and at
// each of its range's values, each with seeds 1 to seeds, up to
// GOMAXPROCS at once. The prediction carries each metric's least and
// greatest value over them all (the point among them) and names, for each
// kept parameter, the figures it moves: those two runs that differ in it
// alone predict differently. With no range it is the point alone.
func predictBand(ctx context.Context, sched schedule.Schedule, calls int64, profile lambdasim.Profile, ranges []KeptRange, seeds int, fitted bool, measured summary.Summary) (summary.Prediction, error) {
	runs := []bandRun{{at: make([]int, len(ranges)), seed: predictionSeed}} // the point
	if len(ranges) > 0 {
		at := make([]int, len(ranges))
		for {
			for seed := range uint64(max(seeds, 1)) {
				if r := (bandRun{at: slices.Clone(at), seed: seed + 1}); !r.point() {
					runs = append(runs, r)
				}
			}
			k := 0
			for ; k < len(ranges); k++ {
				if at[k]++; at[k] <= len(ranges[k].Values) {
					break
				}
				at[k] = 0
			}
			if k == len(ranges) {
				break
			}
		}
	}
	preds, err := parallel(len(runs), func(i int) (summary.Prediction, error) {
		p := profile
		for k, r := range ranges {
			if v := runs[i].at[k]; v > 0 {
				if err := r.apply(&p, r.Values[v-1]); err != nil {
					return summary.Prediction{}, err
				}
			}
		}
		sum, err := predictFirst(ctx, schedule.Own(sched), calls, p, runs[i].seed)
		if err != nil {
			return summary.Prediction{}, err
		}
		return metric.PredictionOf(profile.Name, fitted, sum, measured), nil
	})
	if err != nil {
		return summary.Prediction{}, err
	}
	out := preds[0]
	if len(runs) == 1 {
		return out, nil
	}
	// Each metric's least and greatest over every run.
	value := func(p summary.Prediction, name string) (float64, bool) {
		for _, m := range p.Metrics {
			if m.Metric == name {
				return m.Predicted, true
			}
		}
		return 0, false
	}
	for j := range out.Metrics {
		m := &out.Metrics[j]
		lo, hi := m.Predicted, m.Predicted
		for _, p := range preds[1:] {
			if v, ok := value(p, m.Metric); ok {
				lo, hi = min(lo, v), max(hi, v)
			}
		}
		lo, hi = min(stats.Round(lo), m.Predicted), max(stats.Round(hi), m.Predicted)
		m.Low, m.High = &lo, &hi
	}
	for k, r := range ranges {
		var moved []string
		for _, m := range out.Metrics {
			seen := map[string]float64{}
			for i, run := range runs {
				key := fmt.Sprint(run.seed, slices.Delete(slices.Clone(run.at), k, k+1))
				v, _ := value(preds[i], m.Metric)
				if w, ok := seen[key]; ok && w != v {
					moved = append(moved, m.Metric)
					break
				}
				seen[key] = v
			}
		}
		what := "moves no predicted figure here"
		if len(moved) > 0 {
			what = "moves " + strings.Join(moved, "; ")
		}
		out.Spread = append(out.Spread, fmt.Sprintf("%s (%s): %s", r, r.Why, what))
	}
	out.Spread = append(out.Spread, fmt.Sprintf("%d simulations: each kept parameter as the profile has it and at each of those values, every combination run with seeds 1 to %d (the point: the profile as it is, seed %d), so the band holds the model's spread between seeds too; the fitted parameters are taken at their values, save as a range above runs one: their own sampling error is not otherwise in the band",
		len(runs), max(seeds, 1), predictionSeed))
	return out, nil
}

// point reports whether r is the point: every kept parameter as the
// profile has it, seed predictionSeed.
func (r bandRun) point() bool {
	return r.seed == predictionSeed && !slices.ContainsFunc(r.at, func(v int) bool { return v > 0 })
}
