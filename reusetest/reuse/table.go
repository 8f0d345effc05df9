package reuse

import (
	"fmt"
	"io"
	"strconv"
	"time"
)

// Published2021 is the table the 2021 experiment published
// (shared/reference/seed-experiment.md): 600,000 requests, 72 instances,
// mean reuse 8,333, median reuse 10,911, estimated lifetime 69.4 minutes.
var Published2021 = struct {
	Requests, Instances    int64
	MeanReuse, MedianReuse float64
	LifetimeMinutes        float64
}{600_000, 72, 8_333, 10_911, 69.4}

// WriteTable writes the results table of s, with the published 2021 figures
// beside it where they measure the same thing.
func WriteTable(w io.Writer, s Summary) error {
	title := s.Target
	if sim := s.Simulator; sim != nil {
		title = fmt.Sprintf("simulator: profile %s, placement %s, arrivals %s, seed %d",
			sim.Profile, sim.Placement, sim.Arrivals, sim.Seed)
	}
	fmt.Fprintf(w, "%s\nplan: %d calls at %g/s, handler %d ms (%s)\n",
		title, s.Plan.Calls, s.Plan.RatePerSec, s.Plan.HandlerMS, HumanDuration(s.Plan.Duration()))
	var err error
	row := func(name, ours, theirs string) {
		if err == nil {
			_, err = fmt.Fprintf(w, "%-36s %15s %12s\n", name, ours, theirs)
		}
	}
	const none = "-"
	num := func(x float64) string { return strconv.FormatFloat(x, 'f', 1, 64) }
	integer := func(x int64) string { return strconv.FormatInt(x, 10) }

	row("metric", "ours", "2021")
	row("requests", integer(s.Requests.Total), integer(Published2021.Requests))
	row("  ok", integer(s.Requests.OK), none)
	row("  failed", integer(s.Requests.Failed), none)
	row("instances", strconv.Itoa(s.Instances.Count), integer(Published2021.Instances))
	row("  cold starts", strconv.Itoa(s.Instances.ColdStarts), none)
	row("reuse: mean calls/instance", num(s.Reuse.Mean), num(Published2021.MeanReuse))
	row("reuse: median", num(s.Reuse.Median), num(Published2021.MedianReuse))
	row("reuse: p10 / p90", num(s.Reuse.P10)+" / "+num(s.Reuse.P90), none)
	row("reuse: min / max", integer(s.Reuse.Min)+" / "+integer(s.Reuse.Max), none)
	row("lifetime (2021 method), min", num(s.SeedMethod.AvgLifetimeMinutes), num(Published2021.LifetimeMinutes))
	row("lifetime measured: mean, min", num(s.LifetimeMinutes.Mean), none)
	row("lifetime measured: median, min", num(s.LifetimeMinutes.Median), none)
	row("lifetime measured: p90 / max, min", num(s.LifetimeMinutes.P90)+" / "+num(s.LifetimeMinutes.Max), none)
	row("  still serving at end (censored)", strconv.Itoa(s.LifetimeMinutes.Censored), none)
	row("busy at once: mean / max", num(s.Concurrency.Mean)+" / "+strconv.Itoa(s.Concurrency.Max), "5 (assumed)")
	return err
}

// HumanDuration is d in hours with one decimal from an hour up ("16.7
// hours"), else rounded to the second ("10s").
func HumanDuration(d time.Duration) string {
	if d >= time.Hour {
		return strconv.FormatFloat(d.Hours(), 'f', 1, 64) + " hours"
	}
	return d.Round(time.Second).String()
}
