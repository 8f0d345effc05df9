package summary

import (
	"fmt"
	"strconv"
	"time"
)

// PlanText describes what ran, for people: a steady plan's calls, rate and
// handler, or another schedule's own description; and how long it lasts.
func (s Summary) PlanText() string {
	length := HumanDuration(s.Plan.Duration())
	if s.TimeScale > 0 {
		length += fmt.Sprintf(", in model time %s at %.4g calls/s", HumanDuration(time.Duration(float64(s.Plan.Duration())*s.TimeScale)),
			s.Plan.RatePerSec/s.TimeScale)
	}
	if s.Schedule != nil {
		if s.PlannedCalls > 0 {
			return fmt.Sprintf("%s; the records cover its first %d calls (%s)", s.Schedule, s.Plan.Calls, length)
		}
		return fmt.Sprintf("%s (%s)", s.Schedule, length)
	}
	of := ""
	if s.PlannedCalls > 0 {
		of = fmt.Sprintf(", the first of %d planned", s.PlannedCalls)
	}
	return fmt.Sprintf("%d calls at %g/s, handler %d ms (%s%s)", s.Plan.Calls, s.Plan.RatePerSec, s.Plan.HandlerMS, length, of)
}

// HumanDuration is d in hours with one decimal from an hour up ("16.7
// hours"), else rounded to the second ("10s").
func HumanDuration(d time.Duration) string {
	if d >= time.Hour {
		return strconv.FormatFloat(d.Hours(), 'f', 1, 64) + " hours"
	}
	return d.Round(time.Second).String()
}
