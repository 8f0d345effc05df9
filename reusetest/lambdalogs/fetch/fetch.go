// Package fetch fetches a function's Lambda logs from its CloudWatch Logs
// group with the AWS SDK for Go v2 (FilterLogEvents, through its
// paginator) into an export file that package lambdalogs reads, one page
// at a time, so that a fetch stopped at any point continues where it
// ended and never holds an event twice (docs/your-function.md). It is apart
// from lambdalogs so that the analysis packages link no AWS SDK: of the
// project's commands only reusereport links it.
package fetch

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/smithy-go"
	"github.com/lambda-reuse/lambda-reuse/internal/atomicfile"
	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdalogs"
)

// DefaultMaxEvents bounds the events one fetch takes when Options say
// nothing: a day of a function called 100 times a second, REPORT lines
// only (8.64 million), fits; the file is about 300 bytes an event.
const DefaultMaxEvents = 10_000_000

// settle is how much of the newest logs a fetch with no end leaves for
// the next: a function's lines reach CloudWatch Logs a moment after they
// are written, and an event put after a fetch passed its time would be
// missed by the next, which begins where this one ended.
const settle = time.Minute

// pageEvents is the most events FilterLogEvents returns a page (and at
// most 1 MB of them).
const pageEvents = 10000

// stateSuffix names the file beside an export that says how far its fetch
// got: the export's name and this.
const stateSuffix = ".fetch.json"

// Options say what a fetch takes.
type Options struct {
	Group string    // the log group, /aws/lambda/NAME for a function's own
	Since time.Time // the window's start (inclusive)
	// Until is the window's end (inclusive); zero is settle before the
	// fetch began.
	Until time.Time
	// Filter is a filter pattern the service applies ("" takes every
	// event; "REPORT" the text REPORT lines alone).
	Filter string
	// MaxEvents bounds the events this fetch takes (DefaultMaxEvents when
	// 0); a run again continues.
	MaxEvents int64
	// PageLimit bounds a page's events (pageEvents when 0).
	PageLimit int32
	// Progress, when set, is told how the fetch goes at least every
	// ProgressEvery (2 s when 0), and once at the end.
	Progress      io.Writer
	ProgressEvery time.Duration
	// AfterPage, when set, is called after each page is in the file.
	AfterPage func(Status)
}

// Status is how a fetch goes: what this run took.
type Status struct {
	Events, Pages, Throttles int64
	Streams                  int
	First, Last              time.Time // the earliest and latest event time taken; zero before any
	Held                     int64     // events in the file, from every run
}

// Result is what a fetch did.
type Result struct {
	Status
	From, To time.Time // the window this run fetched in (or continued)
	Resumed  bool      // it continued what the file held
	Complete bool      // the file holds the window to its end
	Capped   bool      // it stopped at MaxEvents
	UpToDate bool      // there was nothing new to fetch
}

// state is what the file beside an export says of its fetch.
type state struct {
	Group  string    `json:"group"`
	Filter string    `json:"filter"`
	Since  time.Time `json:"since"`           // the first window's start
	Until  time.Time `json:"until,omitzero"`  // the end asked for; zero: open
	From   time.Time `json:"from"`            // the current (or last) window
	To     time.Time `json:"to"`              //
	Token  string    `json:"token,omitempty"` // where the current window goes on; "" when it is done
	Size   int64     `json:"size"`            // the export's bytes that are whole pages
	Events int64     `json:"events"`
	// Ordered: every event held came in time order, as AWS returns them,
	// so that a fetch may continue after the last one (LastMS, with the
	// ids of those of that millisecond held) when a saved token expired.
	Ordered bool     `json:"ordered"`
	LastMS  int64    `json:"last_ms"`
	LastIDs []string `json:"last_ids,omitempty"`
}

// maxLastIDs bounds the ids of the last millisecond a state keeps; past
// it the fetch cannot continue after its last event.
const maxLastIDs = pageEvents

// maxState bounds a state file: its ids of the last millisecond (at most
// maxLastIDs, each at most 256 bytes) and a token.
const maxState = 4 << 20

var groupName = regexp.MustCompile(`^[.\-_/#A-Za-z0-9]{1,512}$`)

// Fetch fetches opts.Group's events of the window into the export at path
// (JSON Lines of lambdalogs.Event), a page at a time: each page appended
// whole and synced, then the state beside it (path+stateSuffix) saved, so
// that a stop at any point leaves a valid file and a fetch again with the
// same options continues where the last ended, every event once. A file
// whose window was fetched whole goes on from that window's end to the new
// end. Only a page without a token ends a window: empty or partly full
// pages with one go on. A stop (ctx done) returns what was done with an
// error that says how to continue.
func Fetch(ctx context.Context, c *Client, path string, opts Options) (Result, error) {
	var res Result
	if !groupName.MatchString(opts.Group) {
		return res, fmt.Errorf("log group %q: want 1 to 512 of letters, digits and . - _ / #, as /aws/lambda/NAME", opts.Group)
	}
	if opts.Since.IsZero() {
		return res, errors.New("no start: give the window's start (-since)")
	}
	if opts.MaxEvents < 0 || opts.PageLimit < 0 || opts.PageLimit > pageEvents {
		return res, fmt.Errorf("-max-events %d or page limit %d: want at least 1 event (and a page of at most %d)", opts.MaxEvents, opts.PageLimit, pageEvents)
	}
	if opts.MaxEvents == 0 {
		opts.MaxEvents = DefaultMaxEvents
	}
	if opts.PageLimit == 0 {
		opts.PageLimit = pageEvents
	}
	since := opts.Since.Truncate(time.Millisecond)
	until := opts.Until.Truncate(time.Millisecond)
	to := until
	if to.IsZero() {
		to = time.Now().Add(-settle).Truncate(time.Millisecond)
	}
	st, err := loadState(path)
	switch {
	case err != nil:
		return res, err
	case st == nil:
		if _, err := os.Stat(path); err == nil {
			return res, fmt.Errorf("%s exists and no fetch's state is beside it (%s): name a new file", path, path+stateSuffix)
		}
		if !to.After(since) {
			return res, fmt.Errorf("the window %s to %s is empty: its end must come after its start", stamp(since), stamp(to))
		}
		st = &state{Group: opts.Group, Filter: opts.Filter, Since: since, Until: until, From: since, To: to, Ordered: true}
	default:
		res.Resumed = true
		switch {
		case st.Group != opts.Group || st.Filter != opts.Filter:
			return res, fmt.Errorf("%s holds log group %s's events (filter %q): name a new file for group %s (filter %q)", path, st.Group, st.Filter, opts.Group, opts.Filter)
		case since.Before(st.Since):
			return res, fmt.Errorf("%s holds events from %s on: a start before it would leave a gap; name a new file", path, stamp(st.Since))
		case st.Token != "" && !until.Equal(st.Until):
			return res, fmt.Errorf("%s holds a fetch of %s to %s stopped mid-way: continue it with the same end, or name a new file", path, stamp(st.From), stamp(st.To))
		case st.Token == "":
			// The last window is whole: the next begins after it.
			if !to.After(st.To) {
				res.UpToDate, res.Complete = true, true
				res.From, res.To = st.From, st.To
				res.Held = st.Events
				return res, nil
			}
			st.From, st.To, st.Until = st.To.Add(time.Millisecond), to, until
		}
	}
	res.From, res.To = st.From, st.To
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return res, fmt.Errorf("logs export: %w", err)
	}
	defer f.Close()
	// Bytes past the last whole page are a page whose state was never
	// saved (a stop between the two): it is fetched again.
	if err := f.Truncate(st.Size); err != nil {
		return res, fmt.Errorf("logs export %s: %w", path, err)
	}
	if _, err := f.Seek(st.Size, io.SeekStart); err != nil {
		return res, fmt.Errorf("logs export %s: %w", path, err)
	}
	// Saved before the first page, so that a stop before it continues.
	if err := saveState(path, st); err != nil {
		return res, err
	}
	fr := &fetchRun{c: c, f: f, path: path, opts: opts, st: st, throttles0: c.throttles.Load(), streams: map[string]struct{}{}, started: time.Now(),
		held: st.Events, from: st.From, to: st.To}
	stopProgress := fr.progress()
	err = fr.run(ctx)
	stopProgress()
	res.Status = fr.status()
	res.From, res.To = st.From, st.To
	res.Complete = err == nil && st.Token == "" && !fr.capped
	res.Capped = fr.capped
	return res, err
}

// fetchRun is one run of a fetch.
type fetchRun struct {
	c          *Client
	f          *os.File
	path       string
	opts       Options
	st         *state
	throttles0 int64
	started    time.Time
	capped     bool
	// skip holds the ids of the first millisecond's events held already,
	// when the fetch continues after its last event.
	skip map[string]bool

	// What the progress line reads, under mu.
	mu          sync.Mutex
	events      int64
	pages       int64
	held        int64
	from, to    time.Time
	streams     map[string]struct{}
	first, last int64 // Unix ms
}

func (fr *fetchRun) status() Status {
	fr.mu.Lock()
	defer fr.mu.Unlock()
	s := Status{Events: fr.events, Pages: fr.pages, Throttles: fr.c.throttles.Load() - fr.throttles0, Streams: len(fr.streams), Held: fr.held}
	if fr.events > 0 {
		s.First, s.Last = time.UnixMilli(fr.first).UTC(), time.UnixMilli(fr.last).UTC()
	}
	return s
}

// run asks for pages until the window's end, a stop or MaxEvents.
func (fr *fetchRun) run(ctx context.Context) error {
	st := fr.st
	input := &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String(st.Group), StartTime: aws.Int64(st.From.UnixMilli()),
		EndTime: aws.Int64(st.To.UnixMilli())}
	if st.Filter != "" {
		input.FilterPattern = aws.String(st.Filter)
	}
	if st.Token != "" {
		input.NextToken = aws.String(st.Token)
	}
	resumedToken := st.Token != ""
	var pager *cloudwatchlogs.FilterLogEventsPaginator
	limit := int32(-1)
	for {
		if err := ctx.Err(); err != nil {
			return fr.stopped(err)
		}
		left := fr.opts.MaxEvents - fr.events
		if left <= 0 {
			fr.capped = true
			return nil
		}
		// The last pages ask for what MaxEvents leaves, no more.
		if want := int32(min(left, int64(fr.opts.PageLimit))); pager == nil || want != limit {
			limit = want
			input.NextToken = nil
			if st.Token != "" {
				input.NextToken = aws.String(st.Token)
			}
			pager = cloudwatchlogs.NewFilterLogEventsPaginator(fr.c.api, input, func(o *cloudwatchlogs.FilterLogEventsPaginatorOptions) { o.Limit = limit })
		}
		page, err := pager.NextPage(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return fr.stopped(ctx.Err())
			}
			if resumedToken && fr.pages == 0 && isInvalidParameter(err) {
				// A token lasts 24 hours: continue after the last event held,
				// which the service's time order allows.
				if !st.Ordered || st.LastMS == 0 {
					return fmt.Errorf("the saved place of the stopped fetch in %s was refused (%w), and the events held did not come in time order, so the fetch cannot continue after the last of them: name a new file", fr.path, err)
				}
				fr.skip = map[string]bool{}
				for _, id := range st.LastIDs {
					fr.skip[id] = true
				}
				st.From, st.Token = time.UnixMilli(st.LastMS).UTC(), ""
				fr.mu.Lock()
				fr.from = st.From
				fr.mu.Unlock()
				input.StartTime, input.NextToken = aws.Int64(st.LastMS), nil
				pager, resumedToken = nil, false
				if fr.opts.Progress != nil {
					fmt.Fprintf(fr.opts.Progress, "fetch: the saved place was refused (a place lasts 24 hours); continuing after the last event held, %s\n", stamp(st.From))
				}
				continue
			}
			return fmt.Errorf("FilterLogEvents on log group %s%s: %w", st.Group, fr.where(), err)
		}
		resumedToken = false
		if err := fr.keep(page); err != nil {
			return err
		}
		if !pager.HasMorePages() {
			return nil
		}
	}
}

func (fr *fetchRun) where() string {
	if fr.c.Where != "" {
		return " at " + fr.c.Where
	}
	return " in " + fr.c.Region
}

func (fr *fetchRun) stopped(err error) error {
	return fmt.Errorf("fetch stopped (%w): %s holds %d events, every one whole; run the same command again to continue", err, fr.path, fr.st.Events)
}

// isInvalidParameter reports the service's answer to a token it no longer
// takes.
func isInvalidParameter(err error) bool {
	var api smithy.APIError
	return errors.As(err, &api) && api.ErrorCode() == "InvalidParameterException"
}

// keep appends a page's events to the file in one write, syncs it, and
// saves the state that counts it; a failed write is cut off again.
func (fr *fetchRun) keep(page *cloudwatchlogs.FilterLogEventsOutput) error {
	st := fr.st
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // messages as they are
	taken := int64(0)
	fr.mu.Lock()
	for i := range page.Events {
		e := &page.Events[i]
		ts, id, stream := aws.ToInt64(e.Timestamp), aws.ToString(e.EventId), aws.ToString(e.LogStreamName)
		if fr.skip != nil && ts == st.LastMS && fr.skip[id] {
			continue // held already
		}
		if err := enc.Encode(lambdalogs.Event{LogStreamName: stream, Timestamp: ts, Message: aws.ToString(e.Message),
			IngestionTime: aws.ToInt64(e.IngestionTime), EventID: id}); err != nil {
			fr.mu.Unlock()
			return err
		}
		taken++
		switch {
		case ts < st.LastMS:
			st.Ordered = false
		case ts == st.LastMS:
			if len(st.LastIDs) < maxLastIDs {
				st.LastIDs = append(st.LastIDs, id)
			} else {
				st.Ordered = false
			}
		default:
			st.LastMS, st.LastIDs = ts, append(st.LastIDs[:0], id)
		}
		if (fr.events == 0 && taken == 1) || ts < fr.first {
			fr.first = ts
		}
		fr.last = max(fr.last, ts)
		fr.streams[stream] = struct{}{}
	}
	fr.mu.Unlock()
	if _, err := fr.f.Write(buf.Bytes()); err != nil {
		fr.f.Truncate(st.Size)
		fr.f.Seek(st.Size, io.SeekStart)
		return fmt.Errorf("logs export %s: %w", fr.path, err)
	}
	if err := fr.f.Sync(); err != nil {
		return fmt.Errorf("logs export %s: %w", fr.path, err)
	}
	st.Size += int64(buf.Len())
	st.Events += taken
	st.Token = aws.ToString(page.NextToken)
	if err := saveState(fr.path, st); err != nil {
		return err
	}
	fr.mu.Lock()
	fr.events += taken
	fr.pages++
	fr.held = st.Events
	fr.mu.Unlock()
	if fr.opts.AfterPage != nil {
		fr.opts.AfterPage(fr.status())
	}
	return nil
}

// progress prints how the fetch goes every ProgressEvery until the
// returned func is called, which prints the last line.
func (fr *fetchRun) progress() func() {
	w := fr.opts.Progress
	if w == nil {
		return func() {}
	}
	every := fr.opts.ProgressEvery
	if every <= 0 {
		every = 2 * time.Second
	}
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				fr.printProgress(w)
			case <-stop:
				return
			}
		}
	}()
	return func() {
		close(stop)
		<-done
		fr.printProgress(w)
	}
}

func (fr *fetchRun) printProgress(w io.Writer) {
	s := fr.status()
	fr.mu.Lock()
	from, to := fr.from, fr.to
	fr.mu.Unlock()
	covered := "no event yet"
	if s.Events > 0 {
		covered = fmt.Sprintf("events of %s to %s", stamp(s.First), stamp(s.Last))
	}
	fmt.Fprintf(w, "fetch %s: %d events, %d streams, %d pages, %s (window %s to %s), %d throttled, in %v; the file holds %d\n",
		fr.opts.Group, s.Events, s.Streams, s.Pages, covered, stamp(from), stamp(to), s.Throttles,
		time.Since(fr.started).Round(time.Second), s.Held)
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// loadState reads the state beside the export at path; nil when there is
// none.
func loadState(path string) (*state, error) {
	f, err := os.Open(path + stateSuffix)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("fetch state: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxState+1))
	if err != nil {
		return nil, fmt.Errorf("fetch state: %w", err)
	}
	if len(b) > maxState {
		return nil, fmt.Errorf("fetch state %s is longer than %d bytes, more than a fetch writes: remove it and the export beside it to fetch anew", path+stateSuffix, maxState)
	}
	var st state
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("fetch state %s: %w: remove it and the export beside it to fetch anew", path+stateSuffix, err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() < st.Size || st.Size < 0 || st.Events < 0 || len(st.LastIDs) > maxLastIDs {
		return nil, fmt.Errorf("fetch state %s says %d bytes of %s are whole pages, and the file is missing or shorter: remove both to fetch anew", path+stateSuffix, st.Size, path)
	}
	st.LastIDs = slices.Clip(st.LastIDs)
	return &st, nil
}

func saveState(path string, st *state) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(path+stateSuffix, append(b, '\n'))
}
