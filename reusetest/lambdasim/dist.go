package lambdasim

import (
	"fmt"
	"math"
	"time"
)

type distKind uint8

const (
	kindFixed distKind = iota
	kindUniform
	kindNormal
	kindExponential
)

// Dist is a distribution of durations. The zero value is always 0.
type Dist struct {
	kind distKind
	a, b time.Duration
}

// Fixed is always d.
func Fixed(d time.Duration) Dist { return Dist{kind: kindFixed, a: d} }

// Uniform is uniform between lo and hi.
func Uniform(lo, hi time.Duration) Dist { return Dist{kind: kindUniform, a: lo, b: hi} }

// Normal is normal with the given mean and standard deviation, clamped at 0.
func Normal(mean, sd time.Duration) Dist { return Dist{kind: kindNormal, a: mean, b: sd} }

// Exponential is exponential with the given mean.
func Exponential(mean time.Duration) Dist { return Dist{kind: kindExponential, a: mean} }

// Sample draws one value.
func (d Dist) Sample(r *Rand) time.Duration {
	switch d.kind {
	case kindUniform:
		return d.a + time.Duration(r.Float64()*float64(d.b-d.a))
	case kindNormal:
		return max(0, d.a+time.Duration(r.NormFloat64()*float64(d.b)))
	case kindExponential:
		return time.Duration(r.ExpFloat64() * float64(d.a))
	default:
		return d.a
	}
}

// Mean is the distribution's mean (ignoring the clamp of Normal at 0).
func (d Dist) Mean() time.Duration {
	if d.kind == kindUniform {
		return (d.a + d.b) / 2
	}
	return d.a
}

// String describes the distribution, as written into summaries.
func (d Dist) String() string {
	switch d.kind {
	case kindUniform:
		return fmt.Sprintf("uniform(%v, %v)", d.a, d.b)
	case kindNormal:
		return fmt.Sprintf("normal(mean %v, sd %v)", d.a, d.b)
	case kindExponential:
		return fmt.Sprintf("exponential(mean %v)", d.a)
	default:
		return fmt.Sprintf("fixed(%v)", d.a)
	}
}

// validate reports a distribution that can produce negative durations.
func (d Dist) validate() error {
	if d.a < 0 || d.b < 0 || (d.kind == kindUniform && d.b < d.a) || d.a > math.MaxInt64/2 {
		return fmt.Errorf("invalid distribution %v", d)
	}
	return nil
}
