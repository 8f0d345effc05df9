package summary

import (
	"fmt"
	"io"
	"slices"

	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"github.com/lambda-reuse/lambda-reuse/reusetest/stats"
)

// MultiConcurrency is what a run on environments that serve many calls at
// once (Lambda Managed Instances) shows: how many calls each environment
// served together, what was throttled, and how the environments came and
// went. "Calls per environment" (Reuse) then counts calls that overlapped.
type MultiConcurrency struct {
	// MaxConcurrency is the most calls at once any environment said it
	// takes (AWS_LAMBDA_MAX_CONCURRENCY); 0 when none said.
	MaxConcurrency int `json:"max_concurrency"`
	// InFlight is the calls in flight in their environment as each served
	// call started, itself included: the mean over calls and the most.
	InFlight InFlight `json:"in_flight"`
	// PerEnvironment is the spread over environments of each one's mean
	// calls in flight as its calls started, and of its most.
	PerEnvironment EnvironmentConcurrency `json:"per_environment"`
	// Throttled counts the calls refused as throttled: with no cold
	// start, a call that finds no room is refused.
	Throttled int64 `json:"throttled"`
	// Started counts the environments started in the run: by the scaler
	// on Managed Instances, none on the request path
	// (Instances.Starts.Managed), those it began with included.
	Started int `json:"started"`
	// Added counts environments first seen after the run's first
	// censorWindow, Removed those last seen before its last: the scaling
	// the records show once the run is under way (an environment's
	// replacement at its age counts in both). Those the scaler began with
	// are in Started, not in Added.
	Added   int `json:"added"`
	Removed int `json:"removed"`
}

// InFlight is a mean and a most of calls in flight.
type InFlight struct {
	Mean float64 `json:"mean"`
	Max  int     `json:"max"`
}

// EnvironmentConcurrency is the median, 90th percentile and most, over
// environments, of each one's mean and most calls in flight.
type EnvironmentConcurrency struct {
	Mean [3]float64 `json:"mean"`
	Max  [3]float64 `json:"max"`
}

// multiTally counts what the records say of calls served together.
type multiTally struct {
	seen    bool
	maxConc int
	sum     int64
	n       int64
	max     int
}

// multi builds the MultiConcurrency part; nil when no record said its
// environment serves more than one call at a time.
func (s *Summarizer) multi() *MultiConcurrency {
	t := &s.multiSeen
	if !t.seen {
		return nil
	}
	out := &MultiConcurrency{MaxConcurrency: t.maxConc, InFlight: InFlight{Max: t.max}, Throttled: s.known[statusIndex(record.StatusThrottled)]}
	if t.n > 0 {
		out.InFlight.Mean = stats.Round(float64(t.sum) / float64(t.n))
	}
	var means, maxes []float64
	for _, in := range s.instances {
		if in.inFlightN > 0 {
			means = append(means, float64(in.inFlightSum)/float64(in.inFlightN))
		} else {
			means = append(means, 1)
		}
		maxes = append(maxes, float64(max(in.maxInFlight, 1)))
		if in.cold() && in.maxConc > 0 {
			out.Started++
		}
		if s.anyServed && in.first > s.firstSent+int64(float64(censorWindow)/s.TimeFactor()) {
			out.Added++
		}
		if !s.censored(in) {
			out.Removed++
		}
	}
	spread := func(v []float64) [3]float64 {
		if len(v) == 0 {
			return [3]float64{}
		}
		slices.Sort(v)
		return [3]float64{stats.Round(stats.Percentile(v, 50)), stats.Round(stats.Percentile(v, 90)), stats.Round(v[len(v)-1])}
	}
	out.PerEnvironment = EnvironmentConcurrency{Mean: spread(means), Max: spread(maxes)}
	return out
}

// WriteTable writes the part's lines.
func (m *MultiConcurrency) WriteTable(w io.Writer) error {
	_, err := fmt.Fprintf(w, "\n%d environments started in the run by the scaler, those it began with included (Managed Instances: none on the request path)\n"+
		"Calls at once per environment (max concurrency %d): %.3g on average as a call starts, at most %d\n"+
		"per environment (median / p90 / max): in flight as its calls start, on average %g / %g / %g, at most %g / %g / %g\n"+
		"%d calls throttled; after the run's first minute %d environments were added (first seen) and before its last %d removed (last seen)\n",
		m.Started, m.MaxConcurrency, m.InFlight.Mean, m.InFlight.Max,
		m.PerEnvironment.Mean[0], m.PerEnvironment.Mean[1], m.PerEnvironment.Mean[2],
		m.PerEnvironment.Max[0], m.PerEnvironment.Max[1], m.PerEnvironment.Max[2],
		m.Throttled, m.Added, m.Removed)
	return err
}
