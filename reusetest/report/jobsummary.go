package report

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// WriteSkipped writes a warning line per skipped file, as the job
// summary shows them.
func WriteSkipped(w io.Writer, skipped []error) error {
	for _, e := range skipped {
		if _, err := fmt.Fprintf(w, "> **warning**: %v\n\n", e); err != nil {
			return err
		}
	}
	return nil
}

// mermaidNights is how many of the latest nights a Mermaid chart shows.
const mermaidNights = 60

// WriteTrendSummary writes what a CI job summary shows of a trend: the
// tables of the latest nights and each figure as a Mermaid chart (job
// summaries render Mermaid, not images linked by relative paths).
func WriteTrendSummary(w io.Writer, nights []Night) error {
	if len(nights) == 0 {
		return errors.New("trend: no nights")
	}
	groups := byConfig(nights)
	var dates []string
	for _, n := range nights {
		dates = append(dates, n.Date)
	}
	slices.Sort(dates)
	dates = slices.Compact(dates)
	dates = dates[max(0, len(dates)-mermaidNights):]
	var err error
	line := func(format string, args ...any) {
		if err == nil {
			_, err = fmt.Fprintf(w, format, args...)
		}
	}
	for _, m := range trendMetrics {
		if !hasAny(m, nights) {
			continue
		}
		// Mermaid draws every point of a line, so a night without a figure
		// cannot be left blank. Cells with a figure every night share one
		// chart; a cell with gaps gets its own, whose axis holds only its
		// nights with a figure, and the title counts the nights left out.
		var whole [][]string
		var wholeGroups [][]Night
		for _, g := range groups {
			byDate := map[string]string{}
			for _, n := range g {
				if v, ok := m.Of(n.Summary); ok {
					byDate[n.Date] = m.Format(v)
				}
			}
			var have, vals []string
			for _, d := range dates {
				if v, ok := byDate[d]; ok {
					have, vals = append(have, d), append(vals, v)
				}
			}
			switch {
			case len(have) == len(dates):
				whole, wholeGroups = append(whole, vals), append(wholeGroups, g)
			case len(have) > 0:
				line("\n```mermaid\nxychart-beta\n  title \"%s, night by night (%s; %d of %d nights without a figure left out)\"\n  x-axis [%s]\n  y-axis \"%s\"\n  line [%s]\n```\n",
					m.Name, g[0].Config, len(dates)-len(have), len(dates), quoteAll(have), m.Name, strings.Join(vals, ", "))
			}
		}
		if len(whole) == 0 {
			continue
		}
		line("\n```mermaid\nxychart-beta\n  title \"%s, night by night (%s)\"\n  x-axis [%s]\n  y-axis \"%s\"\n", m.Name, configsTitle(wholeGroups), quoteAll(dates), m.Name)
		for _, vals := range whole {
			line("  line [%s]\n", strings.Join(vals, ", "))
		}
		line("```\n")
	}
	return err
}

func configsTitle(groups [][]Night) string {
	var names []string
	for _, g := range groups {
		names = append(names, g[0].Config)
	}
	if len(names) > 4 {
		return fmt.Sprintf("%d configurations, one line each", len(names))
	}
	return "lines: " + strings.Join(names, ", ")
}

func quoteAll(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}
