package summary

import (
	"fmt"
	"io"

	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"github.com/lambda-reuse/lambda-reuse/reusetest/stats"
)

func init() {
	registerSection(schedule.KindRamp, SectionKind{
		New: func() Section { return new(RampSummary) },
		Analyse: func(s schedule.Schedule) SectionAnalysis {
			if r, ok := s.(schedule.Ramp); ok {
				return &rampAnalysis{r: r, steps: make([]RampStep, rampSteps), first: map[string]int{}}
			}
			return nil
		},
	})
}

// rampSteps is how many equal steps of its duration a ramp's section has.
const rampSteps = 20

// RampSummary is the ramp experiment's section of a summary: how the
// platform kept up, step by step, as the rate rose.
type RampSummary struct {
	// StartRate and EndRate are the ramp's rates, calls per second; Minutes
	// its length (model time).
	StartRate float64 `json:"start_rate"`
	EndRate   float64 `json:"end_rate"`
	Minutes   float64 `json:"minutes"`
	// Steps are rampSteps equal parts of the ramp, in order.
	Steps []RampStep `json:"steps"`
	// Throttled counts every throttled call; FirstThrottleRate is the rate
	// of the first step with one (0 when none was).
	Throttled         int64   `json:"throttled"`
	FirstThrottleRate float64 `json:"first_throttle_rate"`
}

// RampStep is one step of a ramp.
type RampStep struct {
	// Rate is the ramp's rate at the step's middle, calls per second.
	Rate float64 `json:"rate"`
	// Calls counts the step's calls with a record; Served those an
	// environment answered, Throttled those refused as throttled.
	Calls     int64 `json:"calls"`
	Served    int64 `json:"served"`
	Throttled int64 `json:"throttled"`
	// NewEnvironments counts environments first seen in the step.
	NewEnvironments int64 `json:"new_environments"`
}

// rampAnalysis builds a RampSummary from records in any order; memory is
// one entry per environment and per step.
type rampAnalysis struct {
	r     schedule.Ramp
	steps []RampStep
	first map[string]int // environment -> the first step it served
}

// step is the step call seq is due in.
func (a *rampAnalysis) step(seq int64) int {
	k := int(float64(a.r.Due(seq)) / float64(a.r.Duration) * rampSteps)
	return min(max(k, 0), rampSteps-1)
}

// Add accounts for one record.
func (a *rampAnalysis) Add(r *record.Record, _ float64) {
	k := a.step(r.Seq)
	st := &a.steps[k]
	st.Calls++
	switch {
	case r.Served():
		st.Served++
		if f, ok := a.first[r.InstanceID]; !ok || k < f {
			a.first[r.InstanceID] = k
		}
	case r.Status == record.StatusThrottled:
		st.Throttled++
	}
}

// Section is the section of the records so far, in model time.
func (a *rampAnalysis) Section(factor float64) Section {
	out := &RampSummary{StartRate: stats.Round(a.r.StartRate / factor), EndRate: stats.Round(a.r.EndRate / factor),
		Minutes: stats.Round(a.r.Duration.Minutes() * factor), Steps: make([]RampStep, rampSteps)}
	copy(out.Steps, a.steps)
	for _, k := range a.first {
		out.Steps[k].NewEnvironments++
	}
	for k := range out.Steps {
		mid := (float64(k) + 0.5) / rampSteps
		out.Steps[k].Rate = stats.Round((a.r.StartRate + (a.r.EndRate-a.r.StartRate)*mid) / factor)
		out.Throttled += out.Steps[k].Throttled
		if out.Steps[k].Throttled > 0 && out.FirstThrottleRate == 0 {
			out.FirstThrottleRate = out.Steps[k].Rate
		}
	}
	return out
}

// WriteTable writes the steps, a row each, and where throttling began.
func (s *RampSummary) WriteTable(w io.Writer) error {
	fmt.Fprintf(w, "\nramp: %g/s to %g/s over %g min, in %d steps\n", s.StartRate, s.EndRate, s.Minutes, len(s.Steps))
	fmt.Fprintf(w, "%4s %10s %8s %8s %10s %9s\n", "step", "rate /s", "calls", "served", "throttled", "new envs")
	for k, st := range s.Steps {
		fmt.Fprintf(w, "%4d %10.1f %8d %8d %10d %9d\n", k+1, st.Rate, st.Calls, st.Served, st.Throttled, st.NewEnvironments)
	}
	if s.Throttled == 0 {
		_, err := fmt.Fprintf(w, "no call throttled\n")
		return err
	}
	_, err := fmt.Fprintf(w, "throttled: %d calls, from the step at %.1f/s\n", s.Throttled, s.FirstThrottleRate)
	return err
}

// Ramp is the ramp experiment's section of s, or nil.
func (s Summary) Ramp() *RampSummary { return sectionOf[RampSummary](s, schedule.KindRamp) }
