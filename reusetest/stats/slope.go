package stats

import "slices"

// TheilSen is the Theil-Sen line through the points (xs[i], ys[i]): its
// slope is the median of the slopes between every two points of different
// x, its intercept the median of y - slope*x. A median of pairwise slopes
// ignores up to 29% of wild points (a spike, a release), where least
// squares follows them, and on clean data loses little precision to it.
// It costs n^2/2 slopes: callers keep n small (a bounded sample). ok is
// false when no two points differ in x.
func TheilSen(xs, ys []float64) (slope, intercept float64, ok bool) {
	n := min(len(xs), len(ys))
	slopes := make([]float64, 0, n*(n-1)/2)
	for i := range n {
		for j := i + 1; j < n; j++ {
			if dx := xs[j] - xs[i]; dx != 0 {
				slopes = append(slopes, (ys[j]-ys[i])/dx)
			}
		}
	}
	if len(slopes) == 0 {
		return 0, 0, false
	}
	slices.Sort(slopes)
	slope = Percentile(slopes, 50)
	rest := slopes[:0]
	for i := range n {
		rest = append(rest, ys[i]-slope*xs[i])
	}
	slices.Sort(rest)
	return slope, Percentile(rest, 50), true
}
