package live

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/fit"
	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdasim"
	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"github.com/lambda-reuse/lambda-reuse/reusetest/recordlog"
	"github.com/lambda-reuse/lambda-reuse/reusetest/report"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// startFastSim serves a simulated pool 1,000 times faster than real time:
// the seed-2021 idle timeout (5m18s-7m) lasts 318-420 ms.
func startFastSim(t *testing.T) string {
	t.Helper()
	_, url := servePool(t, lambdasim.ServerOptions{Scale: 1000, Options: lambdasim.Options{Profile: lambdasim.ProfileSeed2021}})
	return url
}

// cutRun runs schedule against a served pool of its own into logPath; when cutAt > 0 it stops
// the run that long after it starts, then, when kill is set, keeps only
// the log as it was at the stop plus a cut-off line (what a SIGKILL
// leaves: fsynced lines and a torn last one), and resumes it. It returns
// the final summary and the resumed run's output.
func cutRun(t *testing.T, schedule schedule.Schedule, logPath string, cutAt time.Duration, kill bool) (summary.Summary, string) {
	t.Helper()
	url := startFastSim(t) // a pool of its own, the same seed for every run
	caller, _, err := NewCaller(t.Context(), urlEnv(url), schedule.Plan().HandlerMS)
	assert.NilError(t, err)
	var out bytes.Buffer
	if cutAt > 0 {
		stop := make(chan struct{})
		time.AfterFunc(cutAt, func() { close(stop) })
		_, res, err := (&Live{Schedule: schedule, Caller: caller, LogPath: logPath, Out: &out}).Run(t.Context(), stop)
		assert.NilError(t, err, "%s", out.String())
		assert.Assert(t, res.Stopped, "the stop came after the run ended: %+v\n%s", res, out.String())
		if kill {
			f, err := os.OpenFile(logPath, os.O_APPEND|os.O_WRONLY, 0)
			assert.NilError(t, err)
			_, err = f.WriteString(`{"seq":`) // torn mid-write
			assert.NilError(t, err)
			assert.NilError(t, f.Close())
		}
		out.Reset()
	}
	sum, _, err := (&Live{Schedule: schedule, Caller: caller, LogPath: logPath, Out: &out}).Run(t.Context(), nil)
	assert.NilError(t, err, "%s", out.String())
	return sum, out.String()
}

// firstSends reads a log, checks that every seq has one record, and
// returns when each unit's first sent call was scheduled (unit: seq to its
// unit's number).
func firstSends(t *testing.T, logPath string, unit func(int64) int64) map[int64]time.Time {
	t.Helper()
	f, err := os.Open(logPath)
	assert.NilError(t, err)
	defer f.Close()
	first := map[int64]time.Time{}
	perSeq := map[int64]int{}
	_, _, err = recordlog.Read(f, nil, func(r *record.Record) {
		perSeq[r.Seq]++
		if r.Sent.IsZero() {
			return
		}
		// The time the call was scheduled for, not the time it went out:
		// the schedule is what a resume must not shorten, and it does not
		// move with the machine's load.
		if u := unit(r.Seq); first[u].IsZero() || r.Scheduled.Before(first[u]) {
			first[u] = r.Scheduled
		}
	})
	assert.NilError(t, err)
	for seq, n := range perSeq {
		assert.Check(t, is.Equal(n, 1), "seq %d has %d records", seq, n)
	}
	return first
}

// TestResumedIdleRunKeepsItsGaps stops an idle run inside a long gap (by
// the first signal's drain and by a kill), resumes it, and compares it with
// a clean run: no probe phase goes out sooner than its gap after its warm
// phase, the cut trial is counted as interrupted, and the curve is the
// clean run's (survive the short gap, never the long one).
func TestResumedIdleRunKeepsItsGaps(t *testing.T) {
	t.Parallel()
	// Against a pool 1,000 times faster, the runner's real wait for the
	// handler (100 ms) counts too: the environments idle 200 s of model
	// time after the short gap (they survive) and 600 s after the long one
	// (they do not).
	short, long := 100*time.Millisecond, 500*time.Millisecond
	idle, err := schedule.NewIdle(5, []time.Duration{short, long}, 2, 100, 3, 300*time.Millisecond)
	assert.NilError(t, err)
	// The first trial with the long gap: stop 300 ms into its gap.
	var cutAt time.Duration
	for k := int64(0); k < idle.Trials(); k++ {
		if _, _, gap := idle.Trial(2 * idle.Size * k); gap == long {
			cutAt = idle.Due(2*idle.Size*k) + idle.HandlerTime(0) + 300*time.Millisecond
			break
		}
	}
	clean, _ := cutRun(t, idle, filepath.Join(t.TempDir(), "clean.jsonl"), 0, false)
	for _, kill := range []bool{false, true} {
		logPath := filepath.Join(t.TempDir(), "cut.jsonl")
		sum, out := cutRun(t, idle, logPath, cutAt, kill)
		assert.Check(t, is.Contains(out, "recorded as interrupted"))
		assert.Check(t, is.Equal(sum.Idle().Interrupted, int64(1)), "kill %v", kill)
		assert.Check(t, is.Equal(sum.Requests.Total, 2*idle.Size*idle.Trials()))
		assert.Check(t, is.Equal(sum.Requests.ByStatus[record.StatusInterrupted], idle.Size))
		for i, pt := range sum.Idle().Points {
			want := clean.Idle().Points[i]
			assert.Check(t, pt.Samples > 0 && pt.P == want.P, "kill %v, gap %v: P %v of %d, clean %v of %d", kill, pt.GapMinutes, pt.P, pt.Samples, want.P, want.Samples)
		}
		warm := firstSends(t, logPath, func(seq int64) int64 { return seq / idle.Size }) // by phase
		for phase := int64(1); phase < 2*idle.Trials(); phase += 2 {
			_, _, gap := idle.Trial(phase * idle.Size)
			w, p := warm[phase-1], warm[phase]
			if w.IsZero() || p.IsZero() {
				continue // the cut trial's probe was never sent
			}
			assert.Check(t, p.Sub(w) >= idle.HandlerTime(0)+gap-time.Millisecond, "kill %v, trial %d: probe scheduled %v after the warm phase, gap %v", kill, phase/2, p.Sub(w), gap)
		}
	}
	assert.Check(t, clean.Idle().Points[0].P == 1 && clean.Idle().Points[1].P == 0, "clean run: %+v", clean.Idle().Points)
}

// TestResumedBurstRunKeepsItsPauses stops a burst run inside a pause,
// resumes it, and compares it with a clean run: no burst goes out sooner
// than the pause after the one before, and every burst is as cold as in
// the clean run (the pause outlasts the idle timeout).
func TestResumedBurstRunKeepsItsPauses(t *testing.T) {
	t.Parallel()
	b := schedule.Burst{Size: 50, Rounds: 3, Pause: time.Second, HandlerMS: 20_000}
	clean, _ := cutRun(t, b, filepath.Join(t.TempDir(), "clean.jsonl"), 0, false)
	for _, kill := range []bool{false, true} {
		logPath := filepath.Join(t.TempDir(), "cut.jsonl")
		sum, _ := cutRun(t, b, logPath, 1300*time.Millisecond, kill) // in the pause after burst 2
		assert.Check(t, is.Equal(sum.Burst().Interrupted, int64(0)), "a stop between bursts cuts none")
		for i, r := range sum.Burst().Bursts {
			assert.Check(t, is.Equal(r.Cold, clean.Burst().Bursts[i].Cold), "kill %v, burst %d", kill, i+1)
			assert.Check(t, is.Equal(r.Cold, b.Size), "kill %v, burst %d", kill, i+1)
		}
		first := firstSends(t, logPath, b.Round)
		for r := int64(1); r < b.Rounds; r++ {
			assert.Check(t, first[r].Sub(first[r-1]) >= b.Pause-time.Millisecond, "kill %v: burst %d scheduled %v after burst %d", kill, r+1, first[r].Sub(first[r-1]), r)
		}
	}
}

// TestServedPoolNamesItsProfile: a served pool declares the profile it
// runs; the run's summary carries it (through the HTTP and Invoke targets,
// and through the log), and the run's prediction uses it by default, so a
// run against simlambda's seed-2021 is predicted under seed-2021.
func TestServedPoolNamesItsProfile(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{"http", "invoke"} {
		url := startFastSim(t) // seed-2021
		plan := schedule.Steady{Calls: 200, RatePerSec: 200, HandlerMS: 500}
		caller := callerFor(t, kind, url, plan.HandlerMS)
		sum := summary.NewSummarizer(plan, caller.Describe(), nil)
		fitter := fit.NewFitter(sum, plan, nil)
		logPath := filepath.Join(t.TempDir(), "run.jsonl")
		var out bytes.Buffer
		got, _, err := (&Live{Schedule: plan, Caller: caller, LogPath: logPath, Out: &out, Analysis: fitter}).Run(t.Context(), nil)
		assert.NilError(t, err, out.String())
		assert.Check(t, is.Equal(got.ServedProfile, lambdasim.ProfileSeed2021), kind)
		replayed, err := report.FromLog(logPath)
		assert.NilError(t, err)
		assert.Check(t, is.Equal(replayed.Summary().ServedProfile, lambdasim.ProfileSeed2021), "%s: through the log", kind)
		preds, _, err := fitter.Predictions(t.Context(), "", fit.Options{})
		assert.NilError(t, err)
		assert.Assert(t, len(preds) > 0)
		assert.Check(t, is.Equal(preds[0].Profile, lambdasim.ProfileSeed2021), kind)
	}
}
