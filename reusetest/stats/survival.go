package stats

import (
	"cmp"
	"slices"
)

// Observation is one lifetime for a survival estimate: T (any unit), and
// whether the end was seen (Ended) or the life is only a lower bound
// (censored).
type Observation struct {
	T     float64
	Ended bool
}

// KaplanMeier is the Kaplan-Meier estimate of survival from lifetimes, some
// of them censored: at each distinct time t where a life ended, S(t) is the
// product over ends so far of (1 - ended / at risk). It returns the times
// (starting at 0) and S just after each. The report's survival chart and
// the fitter's lifetime estimate both use it.
func KaplanMeier(obs []Observation) (times, surv []float64) {
	all := slices.Clone(obs)
	slices.SortFunc(all, func(a, b Observation) int { return cmp.Compare(a.T, b.T) })
	s := 1.0
	times, surv = []float64{0}, []float64{1}
	atRisk := len(all)
	for i := 0; i < len(all); {
		j, ended := i, 0
		for ; j < len(all) && all[j].T == all[i].T; j++ {
			if all[j].Ended {
				ended++
			}
		}
		if ended > 0 {
			s *= 1 - float64(ended)/float64(atRisk)
			times, surv = append(times, all[i].T), append(surv, s)
		}
		atRisk -= j - i
		i = j
	}
	return times, surv
}

// Reaching is the share of lives that reach t or more, from a survival
// curve as KaplanMeier gives it: S just before t (a life that ends at t
// reached it). 1 at or before the first time.
func Reaching(times, surv []float64, t float64) float64 {
	s := 1.0
	for i, at := range times {
		if at >= t {
			break
		}
		s = surv[i]
	}
	return s
}
