package summary

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"github.com/lambda-reuse/lambda-reuse/reusetest/stats"
)

func init() {
	registerSection(schedule.KindIdle, SectionKind{
		New: func() Section { return new(IdleSummary) },
		Analyse: func(s schedule.Schedule) SectionAnalysis {
			if i, ok := s.(*schedule.Idle); ok {
				return newIdleAnalysis(i)
			}
			return nil
		},
	})
}

// IdleSummary is the idle experiment's section of a summary.
type IdleSummary struct {
	// Size is the number of calls per phase; Rounds the trials per gap.
	Size   int64 `json:"size"`
	Rounds int64 `json:"rounds"`
	// Points is the survival curve, by gap.
	Points []IdlePoint `json:"points"`
	// HalfSurvivalMinutes is the gap at which half the environments
	// survive, interpolated linearly between the points around it; absent
	// when the curve does not cross one half.
	HalfSurvivalMinutes *float64 `json:"half_survival_minutes,omitempty"`
	// IdleSurvivalHalfMinutes is the same for the idle timeout's own
	// survival (IdlePoint.IdleSurvival), age retirement separated out.
	IdleSurvivalHalfMinutes *float64 `json:"idle_survival_half_minutes,omitempty"`
	// IdleSurvivalNote says why the idle survival is missing at some or all
	// gaps (the two causes could not be separated there); empty otherwise.
	IdleSurvivalNote string `json:"idle_survival_note,omitempty"`
	// ExcludedTrials counts trials left out because a probe call failed or
	// was throttled (a survivor might then have gone unseen).
	ExcludedTrials int64 `json:"excluded_trials"`
	// Interrupted counts trials left out because a stop cut them: their
	// calls after the stop were not sent (StatusInterrupted), so that no
	// resumed run shortens a gap, or the records end inside them.
	Interrupted int64 `json:"interrupted"`
	// Throttled counts throttled calls in either phase.
	Throttled int64 `json:"throttled"`
	// ProactiveDuringGaps counts environments, each once, that served a
	// probe call of an included trial without having served its warm
	// phase, initialised after that phase was sent and more than
	// ProactiveThreshold before the call: started during the gap, ahead
	// of demand.
	ProactiveDuringGaps int64 `json:"proactive_during_gaps"`
}

// IdlePoint is the survival of one gap.
type IdlePoint struct {
	// GapMinutes is the idle gap.
	GapMinutes float64 `json:"gap_minutes"`
	// Samples is the number of environments that served a warm phase of an
	// included trial; Warm how many of them served again after the gap.
	Samples int64 `json:"samples"`
	Warm    int64 `json:"warm"`
	// P is Warm / Samples: P(still warm | idle for the gap), whatever ended
	// the environments that did not serve again.
	P float64 `json:"p"`
	// Low and High bound P's 95% confidence interval (Wilson score).
	Low  float64 `json:"low"`
	High float64 `json:"high"`
	// IdleSurvival is the survival of the idle timeout alone at this gap,
	// with retirement by age separated out (see idlesurvival.go), and its
	// 95% interval; absent where the two causes cannot be told apart.
	IdleSurvival *IdleEstimate `json:"idle_survival,omitempty"`
}

// idleAnalysis builds an IdleSummary from records in any order. It keeps
// the environments of each trial's two phases (2 × Size ids per trial).
type idleAnalysis struct {
	s         *schedule.Idle
	trials    []idleTrial
	throttled int64
}

type idleTrial struct {
	warm        map[string]warmCall
	probe       []probeCall
	probeFail   bool
	interrupted bool
	records     int64 // of either phase
	probeSent   int64 // unix ns: the earliest probe send
	warmSent    int64 // unix ns: the earliest warm send
}

// warmCall is what the warm phase shows of an environment: when its call
// was sent and when it was initialised (unix ns; 0 unknown).
type warmCall struct{ sent, initAt int64 }

// probeCall is a probe call served: by which environment, and whether it
// was initialised more than ProactiveThreshold before the call, when (unix
// ns; 0 unknown).
type probeCall struct {
	id        string
	proactive bool
	initAt    int64
}

func newIdleAnalysis(s *schedule.Idle) *idleAnalysis {
	return &idleAnalysis{s: s, trials: make([]idleTrial, s.Trials())}
}

// add accounts for r; factor turns real durations into model time (see
// Summarizer.TimeFactor), for the proactive rule.
// Add accounts for one record.
func (a *idleAnalysis) Add(r *record.Record, factor float64) {
	if r.Seq < 0 || r.Seq >= 2*a.s.Size*a.s.Trials() {
		return
	}
	k, probe, _ := a.s.Trial(r.Seq)
	t := &a.trials[k]
	t.records++
	if r.Status == record.StatusThrottled {
		a.throttled++
	}
	if r.Status == record.StatusInterrupted {
		t.interrupted = true
	}
	switch {
	case !probe && r.Served():
		if t.warm == nil {
			t.warm = map[string]warmCall{}
		}
		w := warmCall{sent: r.Sent.UnixNano()}
		if !r.InitAt.IsZero() {
			w.initAt = r.InitAt.UnixNano()
		}
		if old, ok := t.warm[r.InstanceID]; ok && old.sent < w.sent {
			w = old
		}
		t.warm[r.InstanceID] = w
		if t.warmSent == 0 || w.sent < t.warmSent {
			t.warmSent = w.sent
		}
	case probe && r.Served():
		early := !r.InitAt.IsZero() && float64(r.Sent.Sub(r.InitAt))*factor > float64(ProactiveThreshold)
		c := probeCall{id: r.InstanceID, proactive: early}
		if early {
			c.initAt = r.InitAt.UnixNano()
		}
		t.probe = append(t.probe, c)
	case probe:
		t.probeFail = true
	}
	if probe && !r.Sent.IsZero() {
		if sent := r.Sent.UnixNano(); t.probeSent == 0 || sent < t.probeSent {
			t.probeSent = sent
		}
	}
}

// IdleSurvival is the idle timeout's own survival at each of the idle
// schedule's gaps (in the schedule's order of gaps), with intervals at the
// normal quantile z (1.96 for 95%, 3.29 for 99.9%), and the note of the
// summary's section; nil for a run that is not an idle experiment.
func (s *Summarizer) IdleSurvival(z float64) ([]*IdleEstimate, string) {
	a, ok := s.section.(*idleAnalysis)
	if !ok {
		return nil, ""
	}
	_, sep := a.collect(s.TimeFactor(), z)
	return sep.points, sep.note
}

// Section is the section, gaps in model time (factor: model seconds per
// real second).
func (a *idleAnalysis) Section(factor float64) Section {
	out, sep := a.collect(factor, 1.96)
	out.IdleSurvivalNote = sep.note
	for g, gap := range a.s.Gaps {
		pt := IdlePoint{GapMinutes: stats.Round(gap.Minutes() * factor), Samples: out.Points[g].Samples, Warm: out.Points[g].Warm, IdleSurvival: sep.points[g]}
		if pt.Samples > 0 {
			pt.P = stats.Round(float64(pt.Warm) / float64(pt.Samples))
		}
		low, high := stats.Wilson(pt.Warm, pt.Samples, 1.96)
		pt.Low, pt.High = stats.Round(low), stats.Round(high)
		out.Points[g] = pt
	}
	slices.SortStableFunc(out.Points, func(a, b IdlePoint) int { return cmp.Compare(a.GapMinutes, b.GapMinutes) })
	gaps := make([]float64, len(out.Points))
	seen, idle := make([]*float64, len(out.Points)), make([]*float64, len(out.Points))
	for i := range out.Points {
		p := &out.Points[i]
		gaps[i] = p.GapMinutes
		if p.Samples > 0 {
			seen[i] = &p.P
		}
		if p.IdleSurvival != nil {
			idle[i] = &p.IdleSurvival.P
		}
	}
	out.HalfSurvivalMinutes = halfSurvivalOf(gaps, seen)
	out.IdleSurvivalHalfMinutes = halfSurvivalOf(gaps, idle)
	return out
}

// collect counts the trials into a section whose points (in the order of
// the schedule's gaps) hold only samples and warm counts, and separates
// the two causes at quantile z.
func (a *idleAnalysis) collect(factor, z float64) (*IdleSummary, idleSeparation) {
	out := &IdleSummary{Size: a.s.Size, Rounds: a.s.Rounds, Throttled: a.throttled}
	samples := make([]int64, len(a.s.Gaps))
	warm := make([]int64, len(a.s.Gaps))
	var aged []idleSample
	var unknownAge int64
	proactive := map[string]bool{} // environments started during a gap, each once
	minutes := func(ns int64) float64 { return float64(ns) / 6e10 * factor }
	for k, t := range a.trials {
		switch {
		case t.records == 0:
			continue // not reached
		case t.interrupted || t.records < 2*a.s.Size:
			out.Interrupted++
			continue
		case t.probeFail:
			out.ExcludedTrials++
			continue
		}
		g := a.s.GapIndex(int64(k))
		samples[g] += int64(len(t.warm))
		seen := map[string]bool{}
		for _, c := range t.probe {
			_, warmed := t.warm[c.id]
			switch {
			case warmed && !seen[c.id]:
				warm[g]++
				seen[c.id] = true
			case !warmed && c.proactive && c.initAt > t.warmSent && !proactive[c.id]:
				proactive[c.id] = true
				out.ProactiveDuringGaps++
			}
		}
		for id, w := range t.warm {
			if w.initAt == 0 || w.initAt > w.sent {
				unknownAge++
				continue
			}
			aged = append(aged, idleSample{gap: g, a: minutes(w.sent - w.initAt), b: minutes(t.probeSent - w.initAt), survived: seen[id]})
		}
	}
	// Samples in a fixed order, so the fit is the same for the same records.
	slices.SortFunc(aged, func(x, y idleSample) int {
		return cmp.Or(cmp.Compare(x.gap, y.gap), cmp.Compare(x.a, y.a), cmp.Compare(x.b, y.b), boolCompare(x.survived, y.survived))
	})
	for g := range a.s.Gaps {
		out.Points = append(out.Points, IdlePoint{Samples: samples[g], Warm: warm[g]})
	}
	return out, separateIdle(aged, unknownAge, len(a.s.Gaps), z)
}

func boolCompare(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// WriteTable writes the curve, a row per gap, and where half survive.
func (s *IdleSummary) WriteTable(w io.Writer) error {
	fmt.Fprintf(w, "\nidle-timeout curve: %d calls per phase, %d rounds per gap\n", s.Size, s.Rounds)
	fmt.Fprintf(w, "%10s %8s %6s %8s %13s   %s\n", "gap, min", "samples", "warm", "P(warm)", "95% (Wilson)", "idle timeout alone (age retirement separated), 95%")
	for _, p := range s.Points {
		alone := "-"
		if e := p.IdleSurvival; e != nil {
			alone = fmt.Sprintf("%.3f  %.3f-%.3f", e.P, e.Low, e.High)
		}
		// A gap with no sample has no P(warm): "-", not a 0.
		pw, interval := "-", "-"
		if p.Samples > 0 {
			pw, interval = fmt.Sprintf("%.3f", p.P), fmt.Sprintf("%.3f-%.3f", p.Low, p.High)
		}
		fmt.Fprintf(w, "%10s %8d %6d %8s %13s   %s\n", strconv.FormatFloat(p.GapMinutes, 'f', -1, 64), p.Samples, p.Warm, pw, interval, alone)
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

// Idle is the idle experiment's section of s, or nil.
func (s Summary) Idle() *IdleSummary { return sectionOf[IdleSummary](s, schedule.KindIdle) }
