package lambdasim

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

type distKind uint8

const (
	kindFixed distKind = iota
	kindUniform
	kindNormal
	kindExponential
	kindLogNormal
	kindEmpirical
)

// Dist is a distribution of durations. The zero value is always 0.
type Dist struct {
	kind  distKind
	a, b  time.Duration
	sigma float64    // lognormal
	cdf   []CDFPoint // empirical
}

// CDFPoint is one point of an empirical distribution: P(X <= At) = P.
type CDFPoint struct {
	At time.Duration
	P  float64
}

// LogNormal is lognormal with the given median and sigma (of the log).
func LogNormal(median time.Duration, sigma float64) Dist {
	return Dist{kind: kindLogNormal, a: median, sigma: sigma}
}

// Empirical follows the CDF through points (At increasing, P not
// decreasing, the last P 1), linearly between them.
func Empirical(points []CDFPoint) Dist { return Dist{kind: kindEmpirical, cdf: points} }

// Fixed is always d.
func Fixed(d time.Duration) Dist { return Dist{kind: kindFixed, a: d} }

// Uniform is uniform between lo and hi.
func Uniform(lo, hi time.Duration) Dist { return Dist{kind: kindUniform, a: lo, b: hi} }

// Normal is normal with the given mean and standard deviation, clamped at 0.
func Normal(mean, sd time.Duration) Dist { return Dist{kind: kindNormal, a: mean, b: sd} }

// Exponential is exponential with the given mean.
func Exponential(mean time.Duration) Dist { return Dist{kind: kindExponential, a: mean} }

// Sample draws one value.
func (d *Dist) Sample(r *Rand) time.Duration {
	if d.kind == kindUniform { // the commonest kind: its draw inlined, the rest apart
		return d.a + time.Duration(r.Float64()*float64(d.b-d.a))
	}
	return d.sample(r)
}

// sample is Sample of the kinds other than uniform.
func (d *Dist) sample(r *Rand) time.Duration {
	switch d.kind {
	case kindNormal:
		return bounded(float64(d.a) + r.NormFloat64()*float64(d.b))
	case kindExponential:
		return bounded(r.ExpFloat64() * float64(d.a))
	case kindLogNormal:
		return bounded(float64(d.a) * math.Exp(d.sigma*r.NormFloat64()))
	case kindEmpirical:
		return d.inverse(r.Float64())
	default:
		return d.a
	}
}

// maxSample bounds every draw: a sample of an unbounded distribution
// (normal, exponential, lognormal) is cut to 0 below and to maxSample
// above, so no duration the model uses is negative or wraps around, however
// wide the distribution a profile names (a lognormal with sigma 50, say).
const maxSample = 100 * 365 * 24 * time.Hour

// bounded is ns nanoseconds as a duration, cut to [0, maxSample].
func bounded(ns float64) time.Duration {
	if !(ns > 0) { // NaN too
		return 0
	}
	if ns >= float64(maxSample) {
		return maxSample
	}
	return time.Duration(ns)
}

// inverse is the empirical CDF's inverse at u, interpolated linearly.
func (d Dist) inverse(u float64) time.Duration {
	pts := d.cdf
	if len(pts) == 0 {
		return 0
	}
	if u <= pts[0].P {
		return pts[0].At
	}
	for i := 1; i < len(pts); i++ {
		lo, hi := pts[i-1], pts[i]
		if u <= hi.P {
			if hi.P == lo.P {
				return hi.At
			}
			return lo.At + time.Duration((u-lo.P)/(hi.P-lo.P)*float64(hi.At-lo.At))
		}
	}
	return pts[len(pts)-1].At
}

// String describes the distribution, as written into summaries.
func (d Dist) String() string { return d.describe(time.Duration.String) }

// describe is the distribution in brief, each value written by show.
func (d Dist) describe(show func(time.Duration) string) string {
	switch d.kind {
	case kindUniform:
		return fmt.Sprintf("uniform(%s, %s)", show(d.a), show(d.b))
	case kindNormal:
		return fmt.Sprintf("normal(mean %s, sd %s)", show(d.a), show(d.b))
	case kindExponential:
		return fmt.Sprintf("exponential(mean %s)", show(d.a))
	case kindLogNormal:
		return fmt.Sprintf("lognormal(median %s, sigma %g)", show(d.a), d.sigma)
	case kindEmpirical:
		parts := make([]string, len(d.cdf))
		for i, p := range d.cdf {
			parts[i] = fmt.Sprintf("%s:%g", show(p.At), p.P)
		}
		return "empirical(" + strings.Join(parts, " ") + ")"
	default:
		return fmt.Sprintf("fixed(%s)", show(d.a))
	}
}

// validate reports a distribution that can produce negative durations.
func (d Dist) validate() error {
	if d.a < 0 || d.b < 0 || (d.kind == kindUniform && d.b < d.a) || d.a > math.MaxInt64/2 {
		return fmt.Errorf("invalid distribution %v", d)
	}
	return nil
}

// File is the distribution as a profile file writes it, with its source;
// durations are rounded to the microsecond.
func (d Dist) File(source string) *DistFile {
	str := func(x time.Duration) string { return x.Round(time.Microsecond).String() }
	f := &DistFile{Source: source}
	fields := map[string]*string{"value": &f.Value, "min": &f.Min, "max": &f.Max, "mean": &f.Mean, "sd": &f.SD, "median": &f.Median}
	f.Dist = d.write(func(field string, v time.Duration) { *fields[field] = str(v) }, func(s float64) { f.Sigma = &s },
		func(at time.Duration, p float64) { f.CDF = append(f.CDF, cdfPointFile{At: str(at), P: p}) })
	return f
}

// write gives the distribution as a profile file names its parts: its
// shape's name (returned), each named value to value, a lognormal's sigma
// to sigma, each CDF point to point; a file of either unit fills itself
// from them.
func (d Dist) write(value func(field string, v time.Duration), sigma func(float64), point func(at time.Duration, p float64)) string {
	switch d.kind {
	case kindUniform:
		value("min", d.a)
		value("max", d.b)
		return "uniform"
	case kindNormal:
		value("mean", d.a)
		value("sd", d.b)
		return "normal"
	case kindExponential:
		value("mean", d.a)
		return "exponential"
	case kindLogNormal:
		value("median", d.a)
		sigma(d.sigma)
		return "lognormal"
	case kindEmpirical:
		for _, p := range d.cdf {
			point(p.At, p.P)
		}
		return "empirical"
	default:
		value("value", d.a)
		return "fixed"
	}
}

// Quantile is the distribution's q-quantile (0 < q < 1), for the kinds
// with a closed form or a table (fixed, uniform, empirical); for the others
// it is estimated from 4,001 seeded draws.
func (d *Dist) Quantile(q float64) time.Duration {
	switch d.kind {
	case kindFixed:
		return d.a
	case kindUniform:
		return d.a + time.Duration(q*float64(d.b-d.a))
	case kindEmpirical:
		return d.inverse(q)
	}
	r := NewRand(1)
	xs := make([]time.Duration, 4001)
	for i := range xs {
		xs[i] = d.Sample(r)
	}
	slices.Sort(xs)
	return xs[int(q*float64(len(xs)-1))]
}

// amountUnit is the resolution of an Amount: a millionth of its unit (of
// an MB, a byte; of an MB a call, a byte a call).
const amountUnit = 1e6

// Amount is a distribution of amounts that are not durations (MB, MB a
// call): the shapes of Dist, drawn the same way, at a millionth of the
// unit. The zero value is always 0.
type Amount struct{ d Dist }

// AmountPoint is one point of an empirical distribution of amounts:
// P(X <= At) = P.
type AmountPoint struct {
	At float64
	P  float64
}

// FixedAmount is always v (at least 0).
func FixedAmount(v float64) Amount { return Amount{Fixed(toUnits(v))} }

// EmpiricalAmount follows the CDF through points (At increasing, P not
// decreasing, the last P 1), linearly between them.
func EmpiricalAmount(points []AmountPoint) Amount {
	pts := make([]CDFPoint, len(points))
	for i, p := range points {
		pts[i] = CDFPoint{At: toUnits(p.At), P: p.P}
	}
	return Amount{Empirical(pts)}
}

// toUnits is v in millionths, cut to [0, maxSample] as a draw is.
func toUnits(v float64) time.Duration { return bounded(math.Round(v * amountUnit)) }

func fromUnits(d time.Duration) float64 { return float64(d) / amountUnit }

// Sample draws one amount.
func (a *Amount) Sample(r *Rand) float64 { return fromUnits(a.d.Sample(r)) }

// Quantile is the distribution's q-quantile, as Dist.Quantile finds it.
func (a *Amount) Quantile(q float64) float64 { return fromUnits(a.d.Quantile(q)) }

// String describes the distribution in its own unit.
func (a Amount) String() string {
	return a.d.describe(func(v time.Duration) string { return strconv.FormatFloat(fromUnits(v), 'g', -1, 64) })
}

// File is the distribution as a profile file writes it, with its source.
func (a Amount) File(source string) *AmountFile {
	f := &AmountFile{Source: source}
	fields := map[string]**float64{"value": &f.Value, "min": &f.Min, "max": &f.Max, "mean": &f.Mean, "sd": &f.SD, "median": &f.Median}
	f.Dist = a.d.write(func(field string, v time.Duration) { x := fromUnits(v); *fields[field] = &x }, func(s float64) { f.Sigma = &s },
		func(at time.Duration, p float64) { f.CDF = append(f.CDF, amountPointFile{At: fromUnits(at), P: p}) })
	return f
}
