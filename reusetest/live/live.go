package live

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"github.com/lambda-reuse/lambda-reuse/reusetest/recordlog"
	"github.com/lambda-reuse/lambda-reuse/reusetest/runner"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
)

// Analysis consumes a run's records, each once: those already in a resumed
// log, then every new one. summary.Summarizer is one; report.Collector (the
// summary and the charts' data in the same pass) is another.
type Analysis interface {
	Add(*record.Record)
	Summary() summary.Summary
	// NumEnvironments is the number of environments seen so far, for
	// progress lines.
	NumEnvironments() int
}

// Live is one live run: a schedule against a caller, logged to LogPath.
type Live struct {
	// Schedule says when each call is due.
	Schedule schedule.Schedule
	Caller   Caller
	LogPath  string
	Options  runner.Options
	// Analysis receives every record of the log once (default: a
	// summary.Summarizer of the run); Run returns its summary.
	Analysis Analysis
	// Out receives the plan, progress lines and the results table.
	Out io.Writer
	// Now is the clock (time.Now).
	Now func() time.Time
	// StartupWindow is how long a run whose calls all fail the same way
	// rides it out before fail-fast stops it (defaultStartupWindow).
	StartupWindow time.Duration
	// NoFailFast turns the fail-fast rule off: the run goes to the end of
	// its schedule whatever its calls answer.
	NoFailFast bool
	// StopBy, if set, stops scheduling at that time and drains, as the
	// first signal does (so a go test -timeout deadline ends a run cleanly).
	StopBy time.Time
}

// Run runs (or resumes) the schedule. Closing stop stops scheduling and drains;
// cancelling ctx cancels calls in flight. The summary covers every segment
// of the log.
func (l *Live) Run(ctx context.Context, stop <-chan struct{}) (summary.Summary, runner.Result, error) {
	now := l.Now
	if now == nil {
		now = time.Now
	}
	desc := l.Caller.Describe()
	plan := l.Schedule.Plan()
	if err := os.MkdirAll(filepath.Dir(l.LogPath), 0o755); err != nil {
		return summary.Summary{}, runner.Result{}, fmt.Errorf("live run: %w", err)
	}
	sum := l.Analysis
	if sum == nil {
		sum = summary.NewSummarizer(l.Schedule, desc, nil)
	}
	ff := &failFast{window: l.StartupWindow}
	if ff.window <= 0 {
		ff.window = defaultStartupWindow
	}
	lastSeq, lastScheduled := int64(-1), time.Time{} // the latest call the log holds
	w, st, err := recordlog.Open(l.LogPath, l.Schedule, desc, now(), func(r *record.Record) {
		sum.Add(r)
		ff.observe(r)
		if r.Seq > lastSeq {
			lastSeq, lastScheduled = r.Seq, r.Scheduled
		}
	})
	if err != nil {
		return summary.Summary{}, runner.Result{}, err
	}
	defer w.Close()
	var lost []runner.Lost
	for _, seq := range st.Missing() {
		lost = append(lost, runner.Lost{Seq: seq, Scheduled: st.Scheduled(seq)})
	}

	from := st.Next
	opts := l.Options
	var cut int64
	if u, ok := schedule.UnitsOf(l.Schedule); ok && lastSeq >= 0 && from < plan.Calls {
		// A unit the stop cut is not finished late: its gap would be wrong.
		if first, end := u.Unit(from); first < from {
			for seq := from; seq < end; seq++ {
				lost = append(lost, runner.Lost{Seq: seq, Scheduled: st.Scheduled(seq), Interrupted: true})
			}
			cut, from = end-from, end
		}
		if from < plan.Calls {
			opts.NotBefore = lastScheduled.Add(l.Schedule.Due(from) - l.Schedule.Due(lastSeq))
		}
	}
	remaining := plan.Calls - from
	fmt.Fprintf(l.Out, "live run against %s\nplan: %s: %s in all\n",
		desc, l.Schedule.Spec(), summary.HumanDuration(plan.Duration()))
	switch {
	case st.Count > 0 && remaining == 0 && len(lost) == 0:
		fmt.Fprintf(l.Out, "%s is complete: nothing to call; summarizing it (use another -reuse.log for a new run)\n", l.LogPath)
	case st.Count > 0:
		fmt.Fprintf(l.Out, "resuming %s: %d records in %d segments; %d lost in flight (recorded as cancelled); %d calls to go, about %v\n",
			l.LogPath, st.Count, st.Segments, len(lost)-int(cut), remaining, summary.HumanDuration(time.Duration(float64(remaining)/plan.RatePerSec*1e9)))
		if cut > 0 {
			fmt.Fprintf(l.Out, "the stop cut a trial or burst: its %d unsent calls are recorded as interrupted and it is left out of the analysis (sending them now would change the gap it measures)\n", cut)
		}
		if wait := opts.NotBefore.Sub(now()); wait > 0 {
			fmt.Fprintf(l.Out, "waiting %v before the next call, so that the gap or pause before it is not shortened\n", wait.Round(time.Millisecond))
		}
	default:
		fmt.Fprintf(l.Out, "log: %s\n", l.LogPath)
	}
	if n := schedule.AtOnce(l.Schedule); opts.MaxInFlight == 0 && n > runner.DefaultMaxInFlight {
		opts.MaxInFlight = int(n) // a burst is sent whole, never partly skipped by the caller's own bound
	}
	userProgress := opts.Progress
	opts.Progress = func(p runner.Progress) {
		writeProgress(l.Out, p, sum.NumEnvironments())
		if userProgress != nil {
			userProgress(p)
		}
	}
	sink := &summarizingSink{w: w, sum: sum}
	r := runner.New(l.Schedule, l.Caller, sink, opts)
	if !l.NoFailFast {
		sink.failFast, sink.stop, sink.out = ff, r.Stop, l.Out
	}
	if stop != nil {
		go func() {
			select {
			case <-stop:
				r.Stop()
			case <-ctx.Done():
			}
		}()
	}
	if !l.StopBy.IsZero() {
		defer time.AfterFunc(l.StopBy.Sub(now()), func() {
			fmt.Fprintf(l.Out, "stopping before the test deadline; rerun with the same flags to resume\n")
			r.Stop()
		}).Stop()
	}
	res, err := r.Run(ctx, from, lost)
	if errors.Is(err, runner.ErrScheduleFailed) {
		// Its calls were drained and recorded: the summary stands, and a
		// resume refuses the changed file until it is restored.
		return sum.Summary(), res, fmt.Errorf("live run stopped at seq %d: %w; restore the file and rerun with the same flags to resume", res.Next, err)
	}
	if err != nil {
		return summary.Summary{}, res, err
	}
	if sink.failFast != nil && ff.tripped {
		return sum.Summary(), res, ff.err()
	}
	return sum.Summary(), res, nil
}

// summarizingSink writes each record to the log and to the analysis, and,
// when failFast is set, stops the run when its rule trips.
type summarizingSink struct {
	w        *recordlog.Writer
	sum      Analysis
	failFast *failFast
	stop     func()
	out      io.Writer
}

func (s *summarizingSink) Append(r *record.Record) error {
	if err := s.w.Append(r); err != nil {
		return err
	}
	s.sum.Add(r)
	if s.failFast != nil && s.failFast.observe(r) {
		fmt.Fprintf(s.out, "fail-fast: %d calls in a row failed with %s and none succeeded: stopping; draining calls in flight\n",
			s.failFast.streak, s.failFast.class)
		s.stop()
	}
	return nil
}

func (s *summarizingSink) Sync() error { return s.w.Sync() }

func writeProgress(w io.Writer, p runner.Progress, instances int) {
	eta := "-"
	if rate := p.Rate(); rate > 0 {
		eta = (time.Duration(float64(p.Total-p.Done)/rate) * time.Second).Round(time.Second).String()
	}
	var errs []string
	for _, class := range slices.Sorted(maps.Keys(p.ByClass)) {
		errs = append(errs, fmt.Sprintf("%s %d", class, p.ByClass[class]))
	}
	if skipped := p.ByStatus[record.StatusSkipped]; skipped > 0 {
		errs = append(errs, fmt.Sprintf("skipped %d", skipped))
	}
	if len(errs) == 0 {
		errs = []string{"none"}
	}
	fmt.Fprintf(w, "progress: %d/%d done, %.1f/s, %d instances seen, errors: %s, ETA %s\n",
		p.Done, p.Total, p.Rate(), instances, strings.Join(errs, ", "), eta)
}
