package summary

import (
	"fmt"
	"math"

	"github.com/lambda-reuse/lambda-reuse/reusetest/stats"
)

// The idle experiment sees an environment "gone" after a gap for either of
// two reasons: it idled out, or it reached its maximum age during the gap
// (Lambda retires environments every few hours whatever their use). The
// curve P(warm | gap) is what a user sees, for any cause; IdleSurvival is
// the idle timeout's own survival, with age retirement separated out.
//
// The method is a competing-risks model on two clocks. Every warmed
// environment of an included trial is one sample: its gap g, its age a when
// its warm call was sent and b when the trial's probe calls were sent (both
// from its own init_at), and whether it served again. The model is
//
//	P(served again) = S_idle(g) × S_age(b) / S_age(a)
//
// with S_idle free at each gap and S_age the survival of a piecewise-
// constant hazard in age (ageBins pieces). Because the trials' order is
// shuffled, ages and gaps vary independently, which is what lets the two
// factors be told apart. Both are fitted by maximum likelihood (see
// fitAgeHazard); the hazard stays 0 unless a likelihood-ratio test finds
// age retirement in the data. The point estimate at a gap is then
//
//	p = survivors / Σ c_i,   c_i = S_age(b_i) / S_age(a_i),
//
// over the samples with c_i ≥ minAgeSurvival (those likely to have
// outlived their age, so that an error in the fitted hazard moves p
// little): the survivors over the samples expected to outlive their age.
// Its interval is the score interval of that ratio under the model's own
// variance, Σ p c_i (1 − p c_i) (Wilson's when every c_i is 1), plus p²
// times the variance of Σ c_i that the fitted hazard's covariance gives.
//
// It assumes what the model says: the idle timeout depends on idle time
// alone, age retirement on age alone, and the two are independent. A cause
// that is neither (a host drained at random) is taken as age retirement
// when it strikes at a constant rate. It cannot separate them when the
// environments do not report their init time, or when at a gap too few
// samples are expected to outlive their age; it then says so (Note) and
// gives no idle survival rather than a guess.

// IdleEstimate is an estimated survival with its 95% interval.
type IdleEstimate struct {
	P    float64 `json:"p"`
	Low  float64 `json:"low"`
	High float64 `json:"high"`
}

// idleSample is one warmed environment of an included trial.
type idleSample struct {
	gap      int     // index into the schedule's gaps
	a, b     float64 // ages (model minutes) at the warm call and at the probe
	survived bool
}

// Limits of the separation.
const (
	// minExpectedAlive is the fewest samples at a gap that must be expected
	// to outlive their age for that gap's idle survival to be given.
	minExpectedAlive = 10
	// maxUnknownAge is the largest share of samples without an init time
	// for which the separation is still made (from the others).
	maxUnknownAge = 0.1
	// minAgeSurvival is the least fitted chance of outliving its age that
	// a sample must have to count in the estimate.
	minAgeSurvival = 0.8
	// ageBins is the number of pieces of the age hazard.
	ageBins = 16
)

// idleSeparation is the result of separating the two causes.
type idleSeparation struct {
	points []*IdleEstimate // by gap index; nil where it cannot tell
	note   string          // why some or all cannot be told; "" when all can
}

// separateIdle fits the model to samples over nGaps gaps. unknown is the
// number of samples left out for want of an init time; z the normal
// quantile of the intervals.
func separateIdle(samples []idleSample, unknown int64, nGaps int, z float64) idleSeparation {
	out := idleSeparation{points: make([]*IdleEstimate, nGaps)}
	total := int64(len(samples)) + unknown
	if total == 0 {
		out.note = "no warmed environments to separate"
		return out
	}
	if float64(unknown) > maxUnknownAge*float64(total) {
		out.note = fmt.Sprintf("cannot separate age retirement from the idle timeout: %d of %d warmed environments reported no init time, so their ages are unknown", unknown, total)
		return out
	}
	h := fitAgeHazard(samples, nGaps)
	// Per gap: survivors, Σc, Σc², and the variance of Σc from the hazard.
	k := make([]float64, nGaps)
	sumC := make([]float64, nGaps)
	sumC2 := make([]float64, nGaps)
	gradC := make([][]float64, nGaps) // d(Σc)/d(hazard of each bin)
	for g := range gradC {
		gradC[g] = make([]float64, len(h.rate))
	}
	for _, s := range samples {
		c := h.survival(s.a, s.b)
		if c < minAgeSurvival {
			continue
		}
		if s.survived {
			k[s.gap]++
		}
		sumC[s.gap] += c
		sumC2[s.gap] += c * c
		h.eachOverlap(s.a, s.b, func(j int, dt float64) { gradC[s.gap][j] -= c * dt })
	}
	var short []int
	for g := range nGaps {
		if sumC[g] < minExpectedAlive {
			short = append(short, g)
			continue
		}
		var varN float64 // the variance of Σc from the hazard's
		nb := len(h.rate)
		for i, di := range gradC[g] {
			for j, dj := range gradC[g] {
				varN += di * h.cov[i*nb+j] * dj
			}
		}
		varN = max(0, varN)
		out.points[g] = ratioInterval(k[g], sumC[g], sumC2[g], varN, z)
	}
	if len(short) > 0 {
		out.note = fmt.Sprintf("cannot separate age retirement from the idle timeout at %d gap(s): fewer than %d warmed environments there were expected to outlive their age", len(short), minExpectedAlive)
	}
	return out
}

// ratioInterval is the estimate k / n of a survival p whose samples each
// survive with probability p × c_i (n = Σc, c2 = Σc²), with the score
// interval of k − p n under variance Σ p c_i (1 − p c_i) + p² varN (varN:
// the variance of n itself).
func ratioInterval(k, n, c2, varN, z float64) *IdleEstimate {
	p := min(1, k/n)
	// (k − p n)² ≤ z² (p n − p² c2 + p² varN): a quadratic in p.
	qa := n*n + z*z*(c2-varN)
	qb := -(2*k*n + z*z*n)
	qc := k * k
	low, high := 0.0, 1.0
	if disc := qb*qb - 4*qa*qc; qa > 0 && disc >= 0 {
		r := math.Sqrt(disc)
		low, high = (-qb-r)/(2*qa), (-qb+r)/(2*qa)
	}
	low, high = max(0, min(low, p)), min(1, max(high, p))
	if k == 0 {
		low = 0
	}
	return &IdleEstimate{P: stats.Round(p), Low: stats.Round(low), High: stats.Round(high)}
}

// ageHazard is a piecewise-constant hazard in age (per model minute) on
// bins of equal width from 0.
type ageHazard struct {
	width float64
	rate  []float64
	cov   []float64 // the rates' covariance, bins × bins, row-major
}

// survival is S(b) / S(a).
func (h *ageHazard) survival(a, b float64) float64 {
	var cum float64
	h.eachOverlap(a, b, func(j int, dt float64) { cum += h.rate[j] * dt })
	return math.Exp(-cum)
}

// eachOverlap calls f with each bin that [a, b] overlaps and the length of
// the overlap. Ages past the last bin fall in it.
func (h *ageHazard) eachOverlap(a, b float64, f func(j int, dt float64)) {
	last := len(h.rate) - 1
	t := max(a, 0)
	for j := min(int(t/h.width), last); t < b; j++ {
		end := b
		if j < last {
			end = min(b, float64(j+1)*h.width)
		}
		if end > t {
			f(j, end-t)
			t = end
		}
		if j == last {
			return
		}
	}
}

// fitData is the samples as the fit reads them: each sample's gap, outcome
// and overlaps with the age bins, flattened.
type fitData struct {
	nGaps   int
	gap     []int32
	alive   []bool
	off     []int32 // sample i's overlaps are [off[i], off[i+1])
	bin     []int32
	dt      []float64
	exposed []float64 // the survivors' exposure per bin
	alivePG []float64 // survivors per gap
}

// fitAgeHazard fits the competing-risks model by maximum likelihood and
// returns the age hazard with its covariance.
//
// With u = log S_idle(g) and x the cumulative hazard over [a, b], a sample
// contributes u − x if it served again and log(1 − e^(u−x)) if not. Both
// are concave in z = x − u, which is linear in the parameters, so the
// log-likelihood is concave in (u, hazard) jointly: projected Newton steps
// (u ≤ 0) with a backtracking line search find its maximum. The hazard is
// left free of the bound at 0: where its true value is 0, noise then
// comes out on both sides and averages away, while a bound at 0 would
// keep only the positive half and bias every idle survival upwards (seen
// in the method's tests); the covariance stays that of an interior
// maximum. Only the likelihood itself bounds it (z > 0 for every sample
// that did not serve again).
func fitAgeHazard(samples []idleSample, nGaps int) *ageHazard {
	var maxAge float64
	for _, s := range samples {
		maxAge = max(maxAge, s.b)
	}
	h := &ageHazard{width: max(maxAge, 1) / ageBins, rate: make([]float64, ageBins), cov: make([]float64, ageBins*ageBins)}
	d := &fitData{nGaps: nGaps, exposed: make([]float64, ageBins), alivePG: make([]float64, nGaps)}
	n := make([]float64, nGaps)
	seen := make([]bool, ageBins) // bins any sample was exposed in
	for _, s := range samples {
		d.gap = append(d.gap, int32(s.gap))
		d.alive = append(d.alive, s.survived)
		d.off = append(d.off, int32(len(d.bin)))
		h.eachOverlap(s.a, s.b, func(j int, dt float64) {
			d.bin, d.dt = append(d.bin, int32(j)), append(d.dt, dt)
			seen[j] = true
			if s.survived {
				d.exposed[j] += dt
			}
		})
		n[s.gap]++
		if s.survived {
			d.alivePG[s.gap]++
		}
	}
	d.off = append(d.off, int32(len(d.bin)))
	dim := nGaps + ageBins
	theta := make([]float64, dim)
	for g := range nGaps {
		if n[g] > 0 {
			theta[g] = math.Log(max(1e-6, d.alivePG[g]/n[g]))
		}
	}
	fixed := make([]bool, dim) // no data: stays at its start
	for g := range nGaps {
		fixed[g] = n[g] == 0
	}
	for j := range ageBins {
		fixed[nGaps+j] = !seen[j]
	}
	grad, hess := make([]float64, dim), make([]float64, dim*dim)
	trial := make([]float64, dim)
	ll := d.logLik(theta)
	for range newtonIterations {
		d.derivatives(theta, grad, hess)
		var free []int
		for i := range dim {
			atBound := (i < nGaps && theta[i] >= 0 && grad[i] >= 0) || (i >= nGaps && theta[i] <= 0 && grad[i] <= 0)
			if !fixed[i] && !atBound {
				free = append(free, i)
			}
		}
		if len(free) == 0 {
			break
		}
		step := solveNegDef(hess, dim, free, grad)
		improved := false
		for t := 1.0; t > 1e-10; t /= 2 {
			copy(trial, theta)
			for k, i := range free {
				trial[i] += t * step[k]
			}
			for g := range nGaps {
				trial[g] = min(0, trial[g])
			}
			for j := nGaps; j < dim; j++ {
				trial[j] = max(0, trial[j])
			}
			if l := d.logLik(trial); l > ll {
				improved = l-ll > newtonTolerance
				copy(theta, trial)
				ll = l
				break
			}
		}
		if !improved {
			break
		}
	}
	// No age retirement unless the data call for it: the hazard stays 0
	// when it does not raise the likelihood beyond what fitting noise in
	// its bins would (a likelihood-ratio test at the 0.1% level), so a run
	// in which no environment reached its age is read as it was seen.
	null := make([]float64, dim)
	df := 0
	for g := range nGaps {
		if n[g] > 0 {
			null[g] = math.Log(max(1e-300, d.alivePG[g]/n[g]))
		}
	}
	for j := range ageBins {
		if seen[j] {
			df++
		}
	}
	if nullLL := d.logLik(null); df == 0 || 2*(ll-nullLL) < chiSquare999(df) {
		return h // rates 0, covariance 0
	}
	copy(h.rate, theta[nGaps:])
	// The covariance of the hazard: the inverse of the observed information
	// over the parameters inside their bounds.
	d.derivatives(theta, grad, hess)
	var inside []int
	for i := range dim {
		inBounds := (i < nGaps && theta[i] < -1e-9) || (i >= nGaps && theta[i]*h.width > 1e-6)
		if !fixed[i] && inBounds && -hess[i*dim+i] > 1e-9 {
			inside = append(inside, i)
		}
	}
	for col, i := range inside {
		if i < nGaps {
			continue
		}
		e := make([]float64, len(inside))
		e[col] = 1
		x := solveNegDefVec(hess, dim, inside, e)
		for row, k := range inside {
			if k >= nGaps {
				h.cov[(i-nGaps)*ageBins+(k-nGaps)] = x[row]
			}
		}
	}
	return h
}

// chiSquare999 is the 99.9% quantile of the chi-square distribution with
// df degrees of freedom (Wilson and Hilferty's approximation, within 1%
// from 3 degrees of freedom on).
func chiSquare999(df int) float64 {
	k := float64(df)
	c := 1 - 2/(9*k) + 3.0902*math.Sqrt(2/(9*k))
	return k * c * c * c
}

// Limits of the Newton fit.
const (
	newtonIterations = 200
	newtonTolerance  = 1e-9
)

// logLik is the log-likelihood of theta; −Inf outside the model (a
// failure with z ≤ 0).
func (d *fitData) logLik(theta []float64) float64 {
	rate := theta[d.nGaps:]
	var ll float64
	for g := range d.nGaps {
		ll += d.alivePG[g] * theta[g]
	}
	for j, e := range d.exposed {
		ll -= rate[j] * e
	}
	for i, g := range d.gap {
		if d.alive[i] {
			continue
		}
		z := -theta[g]
		for o := d.off[i]; o < d.off[i+1]; o++ {
			z += rate[d.bin[o]] * d.dt[o]
		}
		if z <= 0 {
			return math.Inf(-1)
		}
		ll += math.Log(-math.Expm1(-z))
	}
	return ll
}

// derivatives fills the gradient and the Hessian (dim × dim, row-major)
// of the log-likelihood at theta.
func (d *fitData) derivatives(theta, grad, hess []float64) {
	dim := len(theta)
	rate := theta[d.nGaps:]
	clear(hess)
	for g := range d.nGaps {
		grad[g] = d.alivePG[g]
	}
	for j, e := range d.exposed {
		grad[d.nGaps+j] = -e
	}
	var idx []int
	var dz []float64
	for i, g := range d.gap {
		if d.alive[i] {
			continue
		}
		idx, dz = append(idx[:0], int(g)), append(dz[:0], -1)
		z := -theta[g]
		for o := d.off[i]; o < d.off[i+1]; o++ {
			z += rate[d.bin[o]] * d.dt[o]
			idx, dz = append(idx, d.nGaps+int(d.bin[o])), append(dz, d.dt[o])
		}
		z = max(z, 1e-12)
		em1 := math.Expm1(z)
		f1 := 1 / em1                  // d/dz log(1 − e^−z)
		f2 := -(em1 + 1) / (em1 * em1) // d²/dz²
		for a, ia := range idx {
			grad[ia] += f1 * dz[a]
			row := hess[ia*dim:]
			for b, ib := range idx {
				row[ib] += f2 * dz[a] * dz[b]
			}
		}
	}
}

// solveNegDef solves −H[free,free] x = g[free] (H negative semidefinite,
// a small ridge added) by Cholesky.
func solveNegDef(hess []float64, dim int, free []int, g []float64) []float64 {
	rhs := make([]float64, len(free))
	for k, i := range free {
		rhs[k] = g[i]
	}
	return solveNegDefVec(hess, dim, free, rhs)
}

func solveNegDefVec(hess []float64, dim int, free []int, rhs []float64) []float64 {
	m := len(free)
	l := make([]float64, m*m)
	for a, i := range free {
		for b, j := range free {
			l[a*m+b] = -hess[i*dim+j]
		}
		l[a*m+a] += 1e-9 * (1 + math.Abs(l[a*m+a]))
	}
	// Cholesky in place: l = L Lᵀ, L lower.
	for j := range m {
		sum := l[j*m+j]
		for k := range j {
			sum -= l[j*m+k] * l[j*m+k]
		}
		diag := math.Sqrt(max(sum, 1e-300))
		l[j*m+j] = diag
		for i := j + 1; i < m; i++ {
			v := l[i*m+j]
			for k := range j {
				v -= l[i*m+k] * l[j*m+k]
			}
			l[i*m+j] = v / diag
		}
	}
	x := make([]float64, m)
	for i := range m {
		v := rhs[i]
		for k := range i {
			v -= l[i*m+k] * x[k]
		}
		x[i] = v / l[i*m+i]
	}
	for i := m - 1; i >= 0; i-- {
		v := x[i]
		for k := i + 1; k < m; k++ {
			v -= l[k*m+i] * x[k]
		}
		x[i] = v / l[i*m+i]
	}
	return x
}

// halfSurvivalOf is the gap where a curve (gaps in minutes, ascending;
// survivals, nil where unknown) first falls below one half, interpolated
// linearly from the point before it; nil when it never does, or already
// starts below.
func halfSurvivalOf(gaps []float64, ps []*float64) *float64 {
	prev := -1
	for i := range gaps {
		if ps[i] == nil {
			continue
		}
		if *ps[i] < 0.5 {
			if prev < 0 {
				return nil
			}
			x := stats.Round(gaps[prev] + (*ps[prev]-0.5)/(*ps[prev]-*ps[i])*(gaps[i]-gaps[prev]))
			return &x
		}
		prev = i
	}
	return nil
}
