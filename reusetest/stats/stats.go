// Package stats holds the statistics the harness computes in more than one
// place, each written once: percentiles and means (stats.go), the Wilson
// interval (stats.go), Kaplan-Meier survival (survival.go), the Theil-Sen
// line (slope.go) and the seeded hash every indexable draw is made from
// (hash.go).
package stats

import "math"

// Percentile returns the p-th percentile (0 to 100) of sorted values, by
// linear interpolation between closest ranks (numpy's default), so the 50th
// is the usual median. It returns 0 for no values.
func Percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	pos := p / 100 * float64(len(sorted)-1)
	lo := int(math.Floor(pos))
	hi := min(lo+1, len(sorted)-1)
	return sorted[lo] + (sorted[hi]-sorted[lo])*(pos-float64(lo))
}

func Mean(xs []float64) float64 {
	var sum float64
	for _, x := range xs {
		sum += x
	}
	return sum / float64(len(xs))
}

// Wilson is the Wilson score interval of k successes in n trials at the
// normal quantile z (1.96 for 95%).
func Wilson(k, n int64, z float64) (low, high float64) {
	if n == 0 {
		return 0, 1
	}
	p, nf := float64(k)/float64(n), float64(n)
	denom := 1 + z*z/nf
	center := (p + z*z/(2*nf)) / denom
	half := z / denom * math.Sqrt(p*(1-p)/nf+z*z/(4*nf*nf))
	low, high = math.Max(0, center-half), math.Min(1, center+half)
	// At 0 or n successes the bound is exactly 0 or 1; rounding can miss it.
	if k == 0 {
		low = 0
	}
	if k == n {
		high = 1
	}
	return low, high
}

// Round is x to three decimals, as summaries give their figures.
func Round(x float64) float64 { return math.Round(x*1000) / 1000 }
