package fit

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdasim"
	"github.com/lambda-reuse/lambda-reuse/reusetest/metric"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
)

// DefaultPredictProfile is the named profile a live run's prediction uses
// when none is given.
const DefaultPredictProfile = lambdasim.ProfileGo2026

// predictionSeed seeds the predictions' simulations.
const predictionSeed = 1

// Predict simulates schedule under profile (its own placement rule, else the
// default) and returns the simulated summary: the prediction.
func Predict(ctx context.Context, schedule schedule.Schedule, profile lambdasim.Profile, seed uint64) (summary.Summary, error) {
	return predictFirst(ctx, schedule, schedule.Plan().Calls, profile, seed)
}

// predictFirst is Predict of the schedule's first calls only: the part a
// run's records cover.
func predictFirst(ctx context.Context, schedule schedule.Schedule, calls int64, profile lambdasim.Profile, seed uint64) (summary.Summary, error) {
	placement := profile.Placement
	if placement == "" {
		placement = lambdasim.DefaultPlacement
	}
	sim, err := lambdasim.NewOf(schedule, profile, placement, seed)
	if err != nil {
		return summary.Summary{}, fmt.Errorf("predict: %w", err)
	}
	sim.FirstCalls(calls)
	sum := summary.NewSummarizer(schedule, "simulator", sim.Describe())
	if _, err := sim.SummarizeInto(ctx, sum); err != nil {
		return summary.Summary{}, fmt.Errorf("predict: %w", err)
	}
	return sum.Summary(), nil
}

// Predictions are what a live run's summary carries beside its figures: the
// prediction for its schedule under the named profile (when "": the
// built-in profile a served pool declared running, else
// DefaultPredictProfile), and, when the run holds enough to fit one, under the profile
// fitted to it. It returns the fit too (its profile is worth keeping beside
// the summary); a run that cannot be fitted gets the named prediction alone.
func (f *Fitter) Predictions(ctx context.Context, named string, opts Options) ([]summary.Prediction, *Result, error) {
	measured := f.sum.Summary()
	if named == "" {
		named = DefaultPredictProfile
		// A served pool says which built-in profile it runs: compare like
		// with like. (Only a built-in's name: a declared name is never read
		// as a file.)
		if served := measured.ServedProfile; slices.Contains(lambdasim.ProfileNames(), served) {
			named = served
		}
	}
	profile, err := lambdasim.LookupProfile(named)
	if err != nil {
		return nil, nil, fmt.Errorf("predict: %w", err)
	}
	sched, err := f.model()
	if err != nil {
		return nil, nil, fmt.Errorf("predict: %w", err)
	}
	// Like with like: a stopped run is predicted over the calls it made.
	// A profile fitted elsewhere carries its kept parameters' ranges: its
	// prediction is a band too.
	ranges, err := rangesOf(profile)
	if err != nil {
		return nil, nil, fmt.Errorf("predict: %w", err)
	}
	pred, err := predictBand(ctx, sched, f.sum.Covered().Calls, profile, ranges, seeds(opts), false, measured)
	if err != nil {
		return nil, nil, err
	}
	out := []summary.Prediction{pred}
	if measured.Instances.Count == 0 {
		return out, nil, nil
	}
	res, err := f.Fit(ctx, opts)
	if err != nil {
		return nil, nil, err
	}
	fitted, err := f.PredictFitted(ctx, res, opts)
	if err != nil {
		return nil, nil, err
	}
	return append(out, fitted), &res, nil
}

// PredictFitted predicts the run's own calls under the profile fitted to
// it (res): a point when the fit kept nothing that moves a predicted
// figure, else a band over the kept parameters' ranges (res.Ranges), each
// combination simulated with opts.Seeds seeds, up to GOMAXPROCS at once.
// Its Assumed lists what the profile did not fit.
func (f *Fitter) PredictFitted(ctx context.Context, res Result, opts Options) (summary.Prediction, error) {
	sched, err := f.model()
	if err != nil {
		return summary.Prediction{}, fmt.Errorf("predict: %w", err)
	}
	fitted, err := predictBand(ctx, sched, f.sum.Covered().Calls, res.Profile, res.Ranges, seeds(opts), true, f.sum.Summary())
	if err != nil {
		return summary.Prediction{}, err
	}
	for _, p := range res.Params {
		if p.Status != StatusFitted {
			fitted.Assumed = append(fitted.Assumed, fmt.Sprintf("%s %s (%s): %s", p.Name, p.Status, p.Value, p.Basis))
		}
	}
	fitted.Assumed = append(fitted.Assumed, Notes(f.sum.Summary(), fitted)...)
	return fitted, nil
}

// Notes say what no kept parameter explains in a prediction (pred) of a
// run (measured): environments warm before the run (WarmBefore), and
// failures the model does not make (UnmodelledFailures).
func Notes(measured summary.Summary, pred summary.Prediction) []string {
	var out []string
	for _, n := range []string{WarmBefore(measured), UnmodelledFailures(measured, pred)} {
		if n != "" {
			out = append(out, n)
		}
	}
	return out
}

// UnmodelledFailures says, for a run that failed more calls than the
// prediction's band allows, that the model fails a call only when its
// runtime generation's memory grows past the memory size or the call runs
// past the timeout: errors of the function's own (a crash, a call's own
// peak of memory) are not drawn, nor the resets that follow them. "" when
// the band holds the run's failed share.
func UnmodelledFailures(measured summary.Summary, pred summary.Prediction) string {
	failed := measured.Requests.Failed
	if failed == 0 {
		return ""
	}
	for _, m := range pred.Metrics {
		if m.Metric != metric.MetricFailedShare.Name {
			continue
		}
		high := m.Predicted
		if m.High != nil {
			high = *m.High
		}
		if m.Measured <= high {
			return ""
		}
	}
	types := slices.Sorted(maps.Keys(measured.Requests.ByError))
	by := make([]string, len(types))
	for i, t := range types {
		by[i] = fmt.Sprintf("%s %d", t, measured.Requests.ByError[t])
	}
	of := ""
	if len(by) > 0 {
		of = " (" + strings.Join(by, ", ") + ")"
	}
	return fmt.Sprintf("the run failed %d calls%s, more than the prediction: the model fails a call only when its runtime generation's memory grows past the memory size or the call runs past the timeout, so the function's own errors (a crash, a call's own peak of memory) are not in it, nor the resets that followed them", failed, of)
}

// WarmBefore says, for a run some of whose environments were warm before
// its first call (their starts unseen: a function's own logs), that a
// prediction starts with none warm, so it counts their starts as its
// own; "" for a run without.
func WarmBefore(measured summary.Summary) string {
	n := measured.Instances.LeftCensored
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("the model starts with no environment warm, where the run had %d warm from before its first call (their starts unseen): the prediction starts them itself, up to %d more starts on the request path than the run's", n, n)
}

// seeds is how many seeds a band runs each combination with: the fit's.
func seeds(opts Options) int {
	if opts.Seeds <= 0 {
		return 2
	}
	return opts.Seeds
}
