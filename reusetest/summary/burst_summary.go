package summary

import (
	"fmt"
	"io"
	"math"
	"slices"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"github.com/lambda-reuse/lambda-reuse/reusetest/stats"
)

func init() {
	registerSection(schedule.KindBurst, SectionKind{
		New: func() Section { return new(BurstSummary) },
		Analyse: func(s schedule.Schedule) SectionAnalysis {
			if b, ok := s.(schedule.Burst); ok {
				return newBurstAnalysis(b)
			}
			return nil
		},
	})
}

// BurstSummary is the burst experiment's section of a summary.
type BurstSummary struct {
	// Size is the number of calls per burst; Rounds the number of bursts.
	Size   int64 `json:"size"`
	Rounds int64 `json:"rounds"`
	// PauseSeconds is the time between bursts.
	PauseSeconds float64 `json:"pause_seconds"`
	// Bursts describes each burst, in order.
	Bursts []BurstRound `json:"bursts"`
	// ColdLatencyMS is the caller-side latency (send to answer) of calls
	// that were their environment's first (invocation 1): cold starts.
	ColdLatencyMS LatencyDist `json:"cold_latency_ms"`
	// WarmLatencyMS is the latency of the other served calls.
	WarmLatencyMS LatencyDist `json:"warm_latency_ms"`
	// Interrupted counts bursts cut by a stop: read their rows as partial.
	Interrupted int64 `json:"interrupted"`
	// SendSpreadMS is the largest spread of send times within one burst:
	// how far the caller was from sending a burst as one (real time, even
	// under a time scale: it is the caller's).
	SendSpreadMS float64 `json:"send_spread_ms"`
}

// BurstRound is one burst.
type BurstRound struct {
	// Calls is the number of its calls with a record.
	Calls int64 `json:"calls"`
	// Served counts the calls an environment answered; Cold those that were
	// their environment's first.
	Served int64 `json:"served"`
	Cold   int64 `json:"cold"`
	// NewEnvironments counts environments first seen in this burst.
	NewEnvironments int64 `json:"new_environments"`
	// Throttled counts calls refused as throttled; Failed every other failure.
	Throttled int64 `json:"throttled"`
	Failed    int64 `json:"failed"`
	// Interrupted counts calls not sent because a stop cut the burst (see
	// StatusInterrupted); a burst with any is not a whole burst.
	Interrupted int64 `json:"interrupted,omitempty"`
	// SendSpreadMS is the last send time less the first, within the burst.
	SendSpreadMS float64 `json:"send_spread_ms"`
}

// LatencyDist is a distribution of latencies, in milliseconds.
type LatencyDist struct {
	Count int64   `json:"count"`
	P50   float64 `json:"p50"`
	P90   float64 `json:"p90"`
	P99   float64 `json:"p99"`
	Max   float64 `json:"max"`
}

func latencyDist(ms []float64, factor float64) LatencyDist {
	if len(ms) == 0 {
		return LatencyDist{}
	}
	s := slices.Sorted(slices.Values(ms))
	return LatencyDist{Count: int64(len(s)), P50: stats.Round(stats.Percentile(s, 50) * factor), P90: stats.Round(stats.Percentile(s, 90) * factor),
		P99: stats.Round(stats.Percentile(s, 99) * factor), Max: stats.Round(s[len(s)-1] * factor)}
}

// burstAnalysis builds a BurstSummary from records in any order. Memory is
// one entry per environment, one per burst, and one latency per served call
// (bursts are thousands of calls, not millions).
type burstAnalysis struct {
	b          schedule.Burst
	rounds     []burstState
	firstRound map[string]int64 // environment -> the first burst it served
	cold, warm []float64
}

type burstState struct {
	BurstRound
	firstSent, lastSent time.Time
}

func newBurstAnalysis(b schedule.Burst) *burstAnalysis {
	return &burstAnalysis{b: b, rounds: make([]burstState, b.Rounds), firstRound: map[string]int64{}}
}

// Add accounts for one record.
func (a *burstAnalysis) Add(r *record.Record, _ float64) {
	round := a.b.Round(r.Seq)
	if round < 0 || round >= int64(len(a.rounds)) {
		return
	}
	st := &a.rounds[round]
	st.Calls++
	if !r.Sent.IsZero() {
		if st.firstSent.IsZero() || r.Sent.Before(st.firstSent) {
			st.firstSent = r.Sent
		}
		if r.Sent.After(st.lastSent) {
			st.lastSent = r.Sent
		}
	}
	switch {
	case r.Served():
		st.Served++
		ms := float64(r.Done.Sub(r.Sent)) / float64(time.Millisecond)
		if r.Invocation == 1 {
			st.Cold++
			a.cold = append(a.cold, ms)
		} else {
			a.warm = append(a.warm, ms)
		}
		if first, ok := a.firstRound[r.InstanceID]; !ok || round < first {
			a.firstRound[r.InstanceID] = round
		}
	case r.Status == record.StatusThrottled:
		st.Throttled++
	case r.Status == record.StatusInterrupted:
		st.Interrupted++
	default:
		st.Failed++
	}
}

// Section is the section, durations in model time (factor: model seconds
// per real second) except the send spread, which is the caller's own.
func (a *burstAnalysis) Section(factor float64) Section {
	out := &BurstSummary{Size: a.b.Size, Rounds: a.b.Rounds, PauseSeconds: stats.Round(a.b.Pause.Seconds() * factor),
		Bursts: make([]BurstRound, len(a.rounds)), ColdLatencyMS: latencyDist(a.cold, factor), WarmLatencyMS: latencyDist(a.warm, factor)}
	for i, st := range a.rounds {
		out.Bursts[i] = st.BurstRound
		if !st.firstSent.IsZero() {
			out.Bursts[i].SendSpreadMS = stats.Round(float64(st.lastSent.Sub(st.firstSent)) / float64(time.Millisecond))
		}
		out.SendSpreadMS = math.Max(out.SendSpreadMS, out.Bursts[i].SendSpreadMS)
		if st.Interrupted > 0 {
			out.Interrupted++
		}
	}
	for _, first := range a.firstRound {
		out.Bursts[first].NewEnvironments++
	}
	return out
}

// WriteTable writes the bursts, one row each, and the latencies.
func (b *BurstSummary) WriteTable(w io.Writer) error {
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

// Burst is the burst experiment's section of s, or nil.
func (s Summary) Burst() *BurstSummary { return sectionOf[BurstSummary](s, schedule.KindBurst) }
