package fit

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdasim"
	"github.com/lambda-reuse/lambda-reuse/reusetest/stats"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
)

// quantiles is the grid on which fitted distributions are written as
// empirical CDFs.
var quantiles = func() []float64 {
	var q []float64
	for i := 0; i <= 20; i++ {
		q = append(q, float64(i)/20)
	}
	return q
}()

// shortEnd is the share of the median ended lifetime below which an ended
// environment counts as a spare that idled out rather than one retired for
// its age: spares started for a peak idle out within minutes, while age
// retirements cluster around the maximum lifetime.
const shortEnd = 0.5

// shortCut is the lifetime (model time) below which an end is not taken as
// an age retirement: shortEnd of the median lifetime of the environments
// that ended having served minCallsForAge or more calls.
func shortCut(envs []summary.Environment, factor float64) time.Duration {
	var lives []float64
	for _, e := range envs {
		if !e.Censored && e.Calls >= minCallsForAge {
			lives = append(lives, e.Last.Sub(e.First).Seconds()*factor)
		}
	}
	slices.Sort(lives)
	return seconds(shortEnd * stats.Percentile(lives, 50))
}

// ageEnds tells which ended environments count as retired for their age.
// An environment's end is seen only as its last answer; it was gone by
// the first start on the request path after it (a call then found no idle
// environment). An end counts as of age when the environment served
// minCallsForAge or more calls, lived cut or more (model time), and was
// gone within idleLow of its last answer: sooner than it could have idled
// out, as the idle timeout is at least idleLow. Any other end (gone later,
// or with no start after it) may be an idle timeout: its lifetime is
// right-censored (lived at least that long), never an age.
type ageEnds struct {
	cut, idleLow time.Duration
	factor       float64
	starts       []int64 // starts on the request path, unix ns, sorted
}

// ageEnds is how f tells age retirements, the idle timeout being at least
// idleLow.
func (f *Fitter) ageEnds(idleLow time.Duration) ageEnds {
	slices.Sort(f.starts)
	return ageEnds{cut: shortCut(f.sum.Environments(), f.sum.TimeFactor()), idleLow: idleLow, factor: f.sum.TimeFactor(), starts: f.starts}
}

// ended reports whether e counts as retired for its age.
func (a ageEnds) ended(e summary.Environment) bool {
	if e.Censored || e.Calls < minCallsForAge || float64(e.Last.Sub(e.First))*a.factor < float64(a.cut) {
		return false
	}
	last := e.Last.UnixNano()
	i, _ := slices.BinarySearch(a.starts, last+1)
	return i < len(a.starts) && float64(a.starts[i]-last)*a.factor <= float64(a.idleLow)
}

// idleLow is the least the idle timeout can be, as far as the run and the
// base tell: the longest idle gap an environment survived, or the base's
// least idle timeout when that is more.
func (f *Fitter) idleLow(base lambdasim.Profile) time.Duration {
	lo, _ := ends(base.IdleTimeout)
	return max(f.longestGap(), lo)
}

// estimate is one fitted distribution: the value, its basis, the number of
// observations it rests on and, where one applies, a 95% interval.
type estimate struct {
	d        lambdasim.Dist
	how      string
	ok       bool
	n        int64
	interval string
	// undecided is, for a value the run could not pin down, the range
	// of what it allows and why (nil when it could).
	undecided *KeptRange
}

// maxLifetime is the Kaplan-Meier estimate of the maximum lifetime, with
// a bootstrap interval of its median and, where some ends could not be
// told from idle timeouts, the range of medians they allow (undecided).
func (f *Fitter) maxLifetime(idleLow time.Duration) estimate {
	km := f.maxLifetimeKM(idleLow)
	if !km.ok {
		return estimate{how: km.how}
	}
	ended := int64(0)
	for _, o := range km.obs {
		if o.Ended {
			ended++
		}
	}
	return estimate{d: km.d, how: km.how, ok: true, n: ended, interval: kmMedianInterval(km.obs), undecided: km.undecided}
}

// kmMedianInterval is a 95% interval of the Kaplan-Meier median, from 400
// bootstrap resamples of the environments (seeded: a fit is reproducible).
func kmMedianInterval(obs []stats.Observation) string {
	lo, hi, ok := kmMedianBounds(obs)
	if !ok {
		return "not bounded: in more than 5% of resamples fewer than half the lives ended"
	}
	return fmt.Sprintf("median %v to %v", seconds(lo).Round(time.Second), seconds(hi).Round(time.Second))
}

// kmMedianBounds is kmMedianInterval's interval in seconds; ok is false
// when it is not bounded.
func kmMedianBounds(obs []stats.Observation) (lo, hi float64, ok bool) {
	rng := rand.New(rand.NewPCG(0x5eed, uint64(len(obs))))
	var meds []float64
	sample := make([]stats.Observation, len(obs))
	for range 400 {
		for i := range sample {
			sample[i] = obs[rng.IntN(len(obs))]
		}
		times, surv := stats.KaplanMeier(sample)
		for i := range surv {
			if surv[i] <= 0.5 {
				meds = append(meds, times[i])
				break
			}
		}
	}
	if len(meds) < 380 {
		return 0, 0, false
	}
	slices.Sort(meds)
	return meds[int(0.025*400)], meds[min(len(meds)-1, int(0.975*400))], true
}

// medianInterval is a 95% distribution-free interval of the median of n
// sorted values (order statistics n/2 -+ 1.96 sqrt(n)/2), in seconds.
func medianInterval(sorted []float64, round time.Duration) string {
	n := len(sorted)
	if n < 6 {
		return ""
	}
	half := 1.96 * math.Sqrt(float64(n)) / 2
	lo := max(0, int(math.Floor(float64(n)/2-half)))
	hi := min(n-1, int(math.Ceil(float64(n)/2+half)))
	return fmt.Sprintf("median %v to %v", seconds(sorted[lo]).Round(round), seconds(sorted[hi]).Round(round))
}

// lifetimeKM is the Kaplan-Meier estimate of the maximum lifetime: the
// distribution, its basis, the observations it rests on and, where some
// ends may have been idle timeouts, the range of medians they allow.
type lifetimeKM struct {
	d         lambdasim.Dist
	how       string
	obs       []stats.Observation
	ok        bool
	undecided *KeptRange
}

// maxLifetimeKM estimates the maximum lifetime from the environments'
// lives: an age retirement (ageEnds) ended, every other life censored.
// Ends the run cannot tell from idle timeouts (gone later than idleLow
// after their last call) are censored in the estimate, which so errs
// long; as ended, it errs short: the range of medians runs from the 95%
// bootstrap bound below the one to the bound above the other.
func (f *Fitter) maxLifetimeKM(idleLow time.Duration) lifetimeKM {
	factor := f.sum.TimeFactor()
	envs := f.sum.Environments()
	aged := f.ageEnds(idleLow)
	var obs, asAged []stats.Observation
	var ended, spares, idled, censored int
	longest := 0.0
	for _, e := range envs {
		life := e.Last.Sub(e.First).Seconds() * factor
		longest = max(longest, life)
		o := stats.Observation{T: life, Ended: aged.ended(e)}
		// An end is seen only as the last call: the retirement came in
		// the gap after it, on average half the environment's mean gap
		// between calls (a burst's pause, where traffic comes in bursts).
		if e.Calls > 1 {
			life += life / float64(e.Calls-1) / 2
		}
		a := stats.Observation{T: life, Ended: o.Ended}
		if o.Ended {
			o.T = life
		}
		switch {
		case o.Ended:
			ended++
		case e.Censored:
			censored++
		case e.Calls < minCallsForAge || float64(e.Last.Sub(e.First))*factor < float64(aged.cut):
			spares++
		default:
			idled++
			a.Ended = true
		}
		obs, asAged = append(obs, o), append(asAged, a)
	}
	kind := fmt.Sprintf("environments ended having served %d or more calls, lived %v or more (half the median such life) and gone within %v of their last call (the least idle timeout: the longest idle gap survived, or the base's least), so not idled out",
		minCallsForAge, aged.cut.Round(time.Second), idleLow.Round(time.Second))
	ambiguous := fmt.Sprintf("%d gone later or with no start on the request path after them (they may have idled out: lived at least that long)", idled)
	d, reached, ok := kmDist(obs, longest)
	used, how := obs, fmt.Sprintf("Kaplan-Meier over %d %s; censored: %d still serving at the end, %d spares (fewer calls or shorter lives: idled out) and %s", ended, kind, censored, spares, ambiguous)
	if (!ok || ended < 10) && idled > 0 {
		// Too few lives end for certain: take the ends that may be idle
		// timeouts as ended of age, and say so.
		d, reached, ok = kmDist(asAged, longest)
		used, how = asAged, fmt.Sprintf("Kaplan-Meier over %d %s, and %s taken as ended of age (too few ended for certain); censored: %d still serving at the end and %d spares (fewer calls or shorter lives: idled out)",
			ended, kind, ambiguous, censored, spares)
		ended += idled
	}
	switch {
	case ended < 10:
		return lifetimeKM{how: fmt.Sprintf("only %d environments ended having served %d or more calls: too few for a lifetime (the base's)", ended, minCallsForAge)}
	case !ok:
		return lifetimeKM{how: fmt.Sprintf("fewer than half the environments' lifetimes ended within the run (Kaplan-Meier reaches %.2f): the base's", reached)}
	}
	if reached < 1 {
		how += fmt.Sprintf("; beyond %.0f%% the tail is unknown and capped at the longest life seen (%v)", reached*100, seconds(longest).Round(time.Second))
	}
	out := lifetimeKM{d: d, how: how, obs: used, ok: true}
	if lo, hi, ok := kmMedianBounds(used); ok && idled == 0 {
		med := d.Quantile(0.5).Seconds()
		lo, hi = min(lo, med), max(hi, med)
		out.undecided = &KeptRange{Name: rangeLifetimeMedian, Values: durations(seconds(lo), seconds(hi)),
			Why: fmt.Sprintf("fitted, from %d lives that ended: the fitted distribution scaled to the ends of its median's 95%% bootstrap interval, %v to %v",
				ended, seconds(lo).Round(time.Second), seconds(hi).Round(time.Second))}
	}
	if idled > 0 {
		lo, _, okLo := kmMedianBounds(asAged)
		if !okLo {
			lo = kmMedian(asAged, longest)
		}
		_, hi, okHi := kmMedianBounds(obs)
		if !okHi {
			hi = max(kmMedian(obs, longest), longest)
		}
		med := d.Quantile(0.5).Seconds()
		lo, hi = min(lo, med), max(hi, med)
		out.undecided = &KeptRange{Name: rangeLifetimeMedian, Values: durations(seconds(lo), seconds(hi)),
			Why: fmt.Sprintf("fitted, but the run could not tell whether %d ends were of age or of the idle timeout: the fitted distribution scaled to medians from %v (those ends taken as of age, the 95%% bootstrap bound below) to %v (censored, the bound above)",
				idled, seconds(lo).Round(time.Second), seconds(hi).Round(time.Second))}
	}
	return out
}

// kmDist is the Kaplan-Meier estimate of obs as an empirical distribution
// on the quantile grid, its tail beyond what ended capped at longest
// (seconds); ok is false when it reaches less than one half.
func kmDist(obs []stats.Observation, longest float64) (lambdasim.Dist, float64, bool) {
	if len(obs) == 0 {
		return lambdasim.Dist{}, 0, false
	}
	times, surv := stats.KaplanMeier(obs)
	reached := 1 - surv[len(surv)-1]
	if reached < 0.5 {
		return lambdasim.Dist{}, reached, false
	}
	// F(t) = 1 - S(t), a step at each end; the grid's quantiles from it.
	var pts []lambdasim.CDFPoint
	for _, q := range quantiles {
		if q > reached {
			break
		}
		i := 1
		for i < len(times) && 1-surv[i] < q-1e-12 {
			i++
		}
		i = min(i, len(times)-1)
		pts = append(pts, lambdasim.CDFPoint{At: seconds(times[i]), P: q})
	}
	if reached < 1 {
		pts = append(pts, lambdasim.CDFPoint{At: seconds(longest), P: 1})
	}
	return empirical(pts), reached, true
}

// kmMedian is the Kaplan-Meier median of obs (seconds), or longest when
// fewer than half ended.
func kmMedian(obs []stats.Observation, longest float64) float64 {
	if d, _, ok := kmDist(obs, longest); ok {
		return d.Quantile(0.5).Seconds()
	}
	return longest
}

// idleTimeout is the idle experiment's survival curve as a CDF, or, for
// other runs, why it cannot be told (with the lower bound the run gives).
func (f *Fitter) idleTimeout(summary summary.Summary) estimate {
	if summary.Idle() == nil || len(summary.Idle().Points) < 2 {
		return estimate{how: fmt.Sprintf("not an idle experiment: a run only shows the longest idle gap an environment survived (%v), a lower bound; the base's", f.longestGap().Round(time.Second))}
	}
	// The idle timeout's own survival, age retirement separated out, where
	// the run could separate it; else what the user saw, for any cause.
	type point struct {
		gap, p, low, high float64
		n                 int64
	}
	var pts []point
	var samples int64
	basis := "the idle timeout's survival, age retirement separated out"
	for _, pt := range summary.Idle().Points {
		if pt.IdleSurvival != nil {
			pts = append(pts, point{pt.GapMinutes, pt.IdleSurvival.P, pt.IdleSurvival.Low, pt.IdleSurvival.High, pt.Samples})
		}
	}
	if len(pts) < 2 {
		pts = pts[:0]
		for _, pt := range summary.Idle().Points {
			pts = append(pts, point{pt.GapMinutes, pt.P, pt.Low, pt.High, pt.Samples})
		}
		basis = "P(warm | gap), age retirement not separated"
		if note := summary.Idle().IdleSurvivalNote; note != "" {
			basis += " (" + note + ")"
		}
	}
	slices.SortFunc(pts, func(a, b point) int { return cmp.Compare(a.gap, b.gap) })
	// P(ended by gap) = 1 - survival, made non-decreasing by pooling
	// adjacent violators, weighted by samples.
	type block struct {
		f, w float64
		n    int
	}
	var blocks []block
	for _, pt := range pts {
		samples += pt.n
		w := float64(max(pt.n, 1))
		blocks = append(blocks, block{1 - pt.p, w, 1})
		for len(blocks) > 1 && blocks[len(blocks)-2].f > blocks[len(blocks)-1].f {
			a, b := blocks[len(blocks)-2], blocks[len(blocks)-1]
			blocks = append(blocks[:len(blocks)-2], block{(a.f*a.w + b.f*b.w) / (a.w + b.w), a.w + b.w, a.n + b.n})
		}
	}
	var cdf []lambdasim.CDFPoint
	i := 0
	for _, b := range blocks {
		for range b.n {
			cdf = append(cdf, lambdasim.CDFPoint{At: time.Duration(pts[i].gap * float64(time.Minute)), P: b.f})
			i++
		}
	}
	note := ""
	if cdf[0].P > 0 {
		cdf = append([]lambdasim.CDFPoint{{At: 0, P: 0}}, cdf...)
		note += fmt.Sprintf("; %.0f%% ended before the shortest gap, spread from 0", cdf[1].P*100)
	}
	if last := &cdf[len(cdf)-1]; last.P < 1 {
		note += fmt.Sprintf("; %.0f%% outlived the longest gap (%v), put at it", (1-last.P)*100, last.At)
		last.P = 1
	}
	// The median lies where survival crosses one half: beyond the last gap
	// whose lower bound is still above it, by the first whose upper bound
	// is at or below it.
	interval := ""
	lo, hi := 0.0, -1.0
	for _, pt := range pts {
		if hi < 0 && pt.low > 0.5 {
			lo = pt.gap
		}
		if hi < 0 && pt.high <= 0.5 {
			hi = pt.gap
		}
	}
	switch {
	case hi >= 0:
		interval = fmt.Sprintf("median between %v and %v (where the per-gap 95%% intervals cross one half)", minutes(lo), minutes(hi))
	default:
		interval = fmt.Sprintf("median beyond %v (the upper 95%% bound stays above one half to the longest gap)", minutes(lo))
	}
	return estimate{d: empirical(cdf), how: fmt.Sprintf("the idle experiment's curve over %d gaps (%d samples): %s, made monotone%s", len(pts), samples, basis, note),
		ok: true, n: samples, interval: interval}
}

// longestGap is the longest idle gap an environment of the run survived
// (model time): a lower bound of the idle timeout.
func (f *Fitter) longestGap() time.Duration {
	var longest time.Duration
	for _, e := range f.envs {
		longest = max(longest, e.maxGap)
	}
	return longest
}

func minutes(m float64) time.Duration {
	return time.Duration(m * float64(time.Minute)).Round(time.Second)
}

// frontDoor is half a warm call's time beyond its handler, less the base's
// median warm overhead.
func (f *Fitter) frontDoor(base lambdasim.Profile) estimate {
	if len(f.warm) < 100 {
		return estimate{how: fmt.Sprintf("only %d warm calls: the base's", len(f.warm))}
	}
	overhead := base.WarmOverhead.Quantile(0.5).Seconds()
	xs := make([]float64, len(f.warm))
	for i, w := range f.warm {
		xs[i] = max(0, (w-overhead)/2)
	}
	slices.Sort(xs)
	return estimate{d: quantileDist(xs), how: fmt.Sprintf("half of each warm call's time beyond its handler, less the base's median overhead (%v), over %d of %d warm calls",
		seconds(overhead), len(f.warm), f.seen), ok: true, n: int64(len(xs)), interval: medianInterval(xs, time.Microsecond)}
}

// initLatency is a cold call's time beyond its handler less the median warm
// call's.
func (f *Fitter) initLatency() estimate {
	if len(f.cold) < 5 || len(f.warm) == 0 {
		return estimate{how: fmt.Sprintf("only %d cold calls: the base's", len(f.cold))}
	}
	warm := slices.Clone(f.warm)
	slices.Sort(warm)
	med := stats.Percentile(warm, 50)
	xs := make([]float64, len(f.cold))
	for i, c := range f.cold {
		xs[i] = max(0, c-med)
	}
	slices.Sort(xs)
	resets := ""
	if f.resetInits > 0 {
		resets = fmt.Sprintf(" (%d of them a reset's init, in an environment that had served)", f.resetInits)
	}
	return estimate{d: quantileDist(xs), how: fmt.Sprintf("each cold call's time beyond its handler less the median warm call's (%v), over %d cold calls%s", seconds(med).Round(time.Microsecond), len(f.cold), resets),
		ok: true, n: int64(len(xs)), interval: medianInterval(xs, time.Millisecond)}
}

// quantileDist is an empirical distribution through the grid's quantiles
// of xs, sorted (seconds).
func quantileDist(xs []float64) lambdasim.Dist {
	var pts []lambdasim.CDFPoint
	for _, q := range quantiles {
		pts = append(pts, lambdasim.CDFPoint{At: seconds(stats.Percentile(xs, q*100)), P: q})
	}
	return empirical(pts)
}

// empirical makes a valid empirical distribution of points whose times may
// repeat: a repeated time keeps its highest P; one point alone is fixed.
func empirical(pts []lambdasim.CDFPoint) lambdasim.Dist {
	ats, ps := make([]time.Duration, len(pts)), make([]float64, len(pts))
	for i, p := range pts {
		ats[i], ps[i] = p.At.Round(time.Microsecond), p.P
	}
	ats, ps = cdfMerged(ats, ps)
	if len(ats) < 2 {
		return lambdasim.Fixed(ats[0])
	}
	out := make([]lambdasim.CDFPoint, len(ats))
	for i := range ats {
		out[i] = lambdasim.CDFPoint{At: ats[i], P: ps[i]}
	}
	return lambdasim.Empirical(out)
}

// cdfMerged keeps, of a CDF's points (at not decreasing), one point per
// value of at, with its highest p, and makes the last p 1: a valid
// empirical CDF of values that may repeat.
func cdfMerged[T cmp.Ordered](ats []T, ps []float64) ([]T, []float64) {
	var outAt []T
	var outP []float64
	for i := range ats {
		if n := len(outAt); n > 0 && ats[i] <= outAt[n-1] {
			outP[n-1] = max(outP[n-1], ps[i])
			continue
		}
		outAt, outP = append(outAt, ats[i]), append(outP, ps[i])
	}
	if len(outP) > 0 {
		outP[len(outP)-1] = 1
	}
	return outAt, outP
}

func seconds(s float64) time.Duration { return time.Duration(math.Round(s * 1e9)) }
