package reuse

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// WriteExperimentTables writes the tables of the experiment sections s has
// (burst, idle, trace); nothing for a plain run.
func WriteExperimentTables(w io.Writer, s Summary) error {
	if b := s.Burst; b != nil {
		if err := writeBurstTable(w, b); err != nil {
			return err
		}
	}
	if i := s.Idle; i != nil {
		return writeIdleTable(w, i)
	}
	if t := s.Trace; t != nil {
		return writeTraceTable(w, t)
	}
	return nil
}

// writeTraceTable writes the trace's cold starts, and by hour of the day.
func writeTraceTable(w io.Writer, t *TraceSummary) error {
	clock := "hours from the trace's start, modulo 24"
	if t.Start != nil {
		clock = "UTC hour of the day; the trace starts " + t.Start.Format("2006-01-02 15:04:05 MST")
	}
	fmt.Fprintf(w, "\ntrace %s (speed %g): %d cold starts, %.2f%% of the calls served\n", t.File, t.Speed, t.ColdCalls, t.ColdShare*100)
	fmt.Fprintf(w, "by %s:\n%4s %10s %11s %8s\n", clock, "hour", "calls", "cold starts", "cold %")
	// The bars follow the share printed beside them, the largest hour's 30
	// characters wide.
	share := func(h int) float64 { return float64(t.ColdByHour[h]) / float64(t.CallsByHour[h]) }
	var most float64
	for h := range 24 {
		if t.CallsByHour[h] > 0 {
			most = max(most, share(h))
		}
	}
	var err error
	for h := range 24 {
		if t.CallsByHour[h] == 0 {
			continue
		}
		bar := ""
		if most > 0 {
			bar = strings.Repeat("#", int(math.Ceil(share(h)/most*30)))
		}
		_, err = fmt.Fprintf(w, "%4d %10d %11d %8.2f  %s\n", h, t.CallsByHour[h], t.ColdByHour[h], 100*share(h), bar)
	}
	return err
}

func writeBurstTable(w io.Writer, b *BurstSummary) error {
	fmt.Fprintf(w, "\nbursts: %d of %d calls, %gs apart\n", b.Rounds, b.Size, b.PauseSeconds)
	fmt.Fprintf(w, "%5s %8s %8s %9s %6s %10s %7s %15s\n", "burst", "calls", "served", "new envs", "cold", "throttled", "failed", "send spread ms")
	for i, r := range b.Bursts {
		cut := ""
		if r.Interrupted > 0 {
			cut = fmt.Sprintf("  interrupted: %d calls not sent", r.Interrupted)
		}
		fmt.Fprintf(w, "%5d %8d %8d %9d %6d %10d %7d %15.1f%s\n", i+1, r.Calls, r.Served, r.NewEnvironments, r.Cold, r.Throttled, r.Failed, r.SendSpreadMS, cut)
	}
	fmt.Fprintf(w, "%-22s %8s %9s %9s %9s %9s\n", "latency, send to answer", "calls", "p50 ms", "p90 ms", "p99 ms", "max ms")
	for _, l := range []struct {
		name string
		d    LatencyDist
	}{{"cold (first call)", b.ColdLatencyMS}, {"warm", b.WarmLatencyMS}} {
		fmt.Fprintf(w, "%-23s %8d %9.1f %9.1f %9.1f %9.1f\n", l.name, l.d.Count, l.d.P50, l.d.P90, l.d.P99, l.d.Max)
	}
	_, err := fmt.Fprintf(w, "largest send spread within a burst: %.1f ms\n", b.SendSpreadMS)
	return err
}

func writeIdleTable(w io.Writer, s *IdleSummary) error {
	fmt.Fprintf(w, "\nidle-timeout curve: %d calls per phase, %d rounds per gap\n", s.Size, s.Rounds)
	fmt.Fprintf(w, "%10s %8s %6s %8s %13s   %s\n", "gap, min", "samples", "warm", "P(warm)", "95% (Wilson)", "idle timeout alone (age retirement separated), 95%")
	for _, p := range s.Points {
		alone := "-"
		if e := p.IdleSurvival; e != nil {
			alone = fmt.Sprintf("%.3f  %.3f-%.3f", e.P, e.Low, e.High)
		}
		fmt.Fprintf(w, "%10s %8d %6d %8.3f %13s   %s\n", strconv.FormatFloat(p.GapMinutes, 'f', -1, 64), p.Samples, p.Warm, p.P,
			fmt.Sprintf("%.3f-%.3f", p.Low, p.High), alone)
	}
	half := func(m *float64) string {
		if m == nil {
			return "not crossed within the gaps"
		}
		return strconv.FormatFloat(*m, 'f', 1, 64) + " min"
	}
	fmt.Fprintf(w, "half survive at: %s (any cause); %s (idle timeout alone)\n", half(s.HalfSurvivalMinutes), half(s.IdleSurvivalHalfMinutes))
	if s.IdleSurvivalNote != "" {
		fmt.Fprintf(w, "note: %s\n", s.IdleSurvivalNote)
	}
	_, err := fmt.Fprintf(w, "trials excluded (a probe call failed): %d; interrupted by a stop: %d; throttled calls: %d; proactive starts during gaps: %d\n",
		s.ExcludedTrials, s.Interrupted, s.Throttled, s.ProactiveDuringGaps)
	return err
}
