package summary

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"
)

// LogsRead is what a summary of a function's own Lambda logs says of them
// (package lambdalogs reads them): the export, its events read, used and
// skipped by reason, its streams and what could not be known.
type LogsRead struct {
	// File is the export's file name.
	File string `json:"file"`
	// Formats are the log formats its messages were in: "text", "json".
	Formats []string `json:"formats"`
	// Events is the number of events read; Used those that went into a
	// call (START, REPORT, an init, a failure's own line); Skipped the
	// rest, by reason (a function's own line, a duplicate event id, a
	// malformed event or message, an impossible value, ...). Used plus the
	// skipped add up to Events.
	Events  int64            `json:"events"`
	Used    int64            `json:"used"`
	Skipped map[string]int64 `json:"skipped,omitempty"`
	// Bad names the first malformed or refused events: their index in the
	// export, their stream's hash and what was wrong.
	Bad []string `json:"bad,omitempty"`
	// Streams is the number of log streams that served calls, and Calls
	// the calls (REPORT lines) read into records.
	Streams int   `json:"streams"`
	Calls   int64 `json:"calls"`
	// Function and Version are the function and version the calls were
	// of, when the logs said (stream names, START lines, JSON records).
	Function string `json:"function,omitempty"`
	Version  string `json:"version,omitempty"`
	// First and Last are the first call's start and the last call's end.
	First time.Time `json:"first"`
	Last  time.Time `json:"last"`
	// Names is true when records and outputs name streams in full; by
	// default they carry a short hash of each name.
	Names bool `json:"names,omitempty"`
	// Partial is true when the export held a token for more events (the
	// API's nextToken, or the CLI's NextToken when --max-items cut it
	// short): the events are a part of the window asked for, not all.
	Partial bool `json:"partial,omitempty"`
	// Notes say what else the reading could not keep, and why (tenant ids
	// refused, calls of which only some carried a tenant).
	Notes []string `json:"notes,omitempty"`
}

// partialNote says what a partial export means and how to get the rest.
const partialNote = "a part of the window only: the export holds a token for more events (--max-items or --no-paginate cut it short); the figures are of the events it holds: export the window whole (the CLI paginates by itself), or fetch it with -cloudwatch-group"

// WriteTable writes what was read, for the console and report.md.
func (l *LogsRead) WriteTable(w io.Writer) error {
	fmt.Fprintf(w, "\nLambda logs %s (%s): %d events read, %d used, %d skipped\n", l.File, strings.Join(l.Formats, " and "), l.Events, l.Used, l.Events-l.Used)
	reasons := slices.SortedFunc(maps.Keys(l.Skipped), func(a, b string) int {
		return cmp.Or(cmp.Compare(l.Skipped[b], l.Skipped[a]), cmp.Compare(a, b))
	})
	for _, r := range reasons {
		fmt.Fprintf(w, "  skipped: %-44s %d\n", r, l.Skipped[r])
	}
	for _, b := range l.Bad {
		fmt.Fprintf(w, "  %s\n", b)
	}
	if l.Partial {
		fmt.Fprintf(w, "  %s\n", partialNote)
	}
	for _, n := range l.Notes {
		fmt.Fprintf(w, "  %s\n", n)
	}
	what := "calls"
	if l.Function != "" || l.Version != "" {
		what = fmt.Sprintf("calls of %s", strings.Trim(l.Function+" version "+l.Version, " "))
	}
	_, err := fmt.Fprintf(w, "%d %s in %d log streams, %s to %s\n", l.Calls, what, l.Streams,
		l.First.Format(time.RFC3339), l.Last.Format(time.RFC3339))
	return err
}
