package live

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/experiment"
	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdasim"
	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"github.com/lambda-reuse/lambda-reuse/reusetest/recordlog"
	"github.com/lambda-reuse/lambda-reuse/reusetest/report"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// TestEveryKindRunsLive walks the registry as experiment's
// TestEveryKindConforms does, through the front door a live run takes:
// every schedule kind's example, run by its experiment's RunExperiment
// against a served pool of its own, the kinds side by side, gets one
// record per call, every call served, and a kind with a summary section
// has it in the live summary. Then the run is stopped mid-run (its log cut
// inside calls due at once, where the kind has them, as a kill leaves it)
// and resumed: every call has one record, and calls due at once never go
// out apart across the stop (the rest of a cut unit is recorded as
// interrupted), so a kind that makes calls due at once without
// implementing schedule.Units fails here by name.
func TestEveryKindRunsLive(t *testing.T) {
	t.Parallel()
	for _, k := range schedule.Kinds {
		t.Run(k.Name, func(t *testing.T) {
			t.Parallel() // a pool of its own, asserting only that every call is served and kept
			_, url := startSim(t, lambdasim.Faults{})
			dir := t.TempDir()
			s, err := k.Example(dir)
			assert.NilError(t, err)
			calls := s.Plan().Calls
			i := slices.IndexFunc(experiment.Experiments(), func(e experiment.Experiment) bool { return slices.Contains(e.Kinds, k.Name) })
			assert.Assert(t, i >= 0, "no experiment runs %s schedules", k.Name)
			e := experiment.Experiments()[i]

			flags := experimentFlags(t)
			flags.Log, flags.Out = filepath.Join(dir, "live.jsonl"), filepath.Join(dir, "live.summary.json")
			env := func(k string) string {
				if k == EnvURL {
					return url
				}
				return ""
			}
			res, err := RunExperiment(t.Context(), io.Discard, flags, s, ExperimentOptions{Experiment: e.Name, Root: dir, Getenv: env})
			assert.NilError(t, err)
			assert.Check(t, !res.Stopped)
			assert.Check(t, is.Equal(res.Summary.Requests.Total, calls), "one record per call")
			assert.Check(t, is.Equal(res.Summary.Requests.OK, calls), "every call served")
			if summary.HasSection(k.Name) {
				_, ok := res.Summary.Sections[k.Name]
				assert.Check(t, ok, "no %s section in the live summary", k.Name)
			}

			// Stopped mid-run, then resumed.
			cut := calls / 2
			for c := cut; c < calls; c++ {
				if s.Due(c) == s.Due(c-1) {
					cut = c // inside calls due at once
					break
				}
			}
			flags.Log, flags.Out = filepath.Join(dir, "cut.jsonl"), filepath.Join(dir, "cut.summary.json")
			cutLog(t, filepath.Join(dir, "live.jsonl"), flags.Log, s, cut)
			res, err = RunExperiment(t.Context(), io.Discard, flags, s, ExperimentOptions{Experiment: e.Name, Root: dir, Getenv: env})
			assert.NilError(t, err)
			assert.Check(t, is.Equal(res.Summary.Requests.Total, calls), "one record per call after a resume")
			interrupted := int64(0)
			if u, ok := schedule.UnitsOf(s); ok {
				if first, end := u.Unit(cut); first < cut {
					interrupted = end - cut
				}
			}
			assert.Check(t, is.Equal(res.Summary.Requests.ByStatus[record.StatusInterrupted], interrupted), "the rest of the unit the stop cut, and nothing else, is interrupted")
			sent := map[time.Duration]time.Time{} // due -> when such calls were scheduled
			apart := false
			logFile, err := os.Open(flags.Log)
			assert.NilError(t, err)
			defer logFile.Close()
			_, _, err = recordlog.Read(logFile, nil, func(r *record.Record) {
				if r.Sent.IsZero() {
					return
				}
				due := s.Due(r.Seq)
				if at, ok := sent[due]; !ok {
					sent[due] = r.Scheduled
				} else if !at.Equal(r.Scheduled) && !apart {
					apart = true
					t.Errorf("%s: call %d is due at once with others, but went out %v apart from them across the stop: a kind whose calls come in units must implement schedule.Units (docs/layout.md)", k.Name, r.Seq, r.Scheduled.Sub(at))
				}
			})
			assert.NilError(t, err)
		})
	}
}

// cutLog writes to path what a run of s stopped before call cut leaves:
// the header and the records of calls before cut from the complete log at
// from.
func cutLog(t *testing.T, from, path string, s schedule.Schedule, cut int64) {
	t.Helper()
	f, err := os.Open(from)
	assert.NilError(t, err)
	defer f.Close()
	var target string
	var kept []record.Record
	_, _, err = recordlog.Read(f, func(h *recordlog.Header, _ schedule.Schedule) { target = h.Target }, func(r *record.Record) {
		if r.Seq < cut {
			kept = append(kept, *r)
		}
	})
	assert.NilError(t, err)
	w, _, err := recordlog.Open(path, s, target, time.Now(), nil)
	assert.NilError(t, err)
	for i := range kept {
		assert.NilError(t, w.Append(&kept[i]))
	}
	assert.NilError(t, w.Close())
}

// experimentFlags are the experiments' flags as args set them.
func experimentFlags(t *testing.T, args ...string) *experiment.Flags {
	t.Helper()
	fs := flag.NewFlagSet("live", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	flags := experiment.RegisterFlags(fs)
	assert.NilError(t, fs.Parse(args))
	flags.NoteSet(fs)
	return flags
}

// TestALiveReportGoesWhereAsked: -reuse.report names a live run's report
// folder, as a simulated run's (it was ignored: the report went beside
// the summary).
func TestALiveReportGoesWhereAsked(t *testing.T) {
	t.Parallel()
	_, url := startSim(t, lambdasim.Faults{})
	dir := t.TempDir()
	want := filepath.Join(dir, "my-report")
	f := experimentFlags(t, "-reuse.report="+want, "-reuse.log="+filepath.Join(dir, "run.jsonl"), "-reuse.out="+filepath.Join(dir, "run.summary.json"))
	_, err := RunExperiment(t.Context(), io.Discard, f, schedule.Steady{Calls: 50, RatePerSec: 50, HandlerMS: 10}, ExperimentOptions{Root: dir, Getenv: targetEnv(t, "http", url)})
	assert.NilError(t, err)
	_, err = os.Stat(filepath.Join(want, report.ReportFile))
	assert.Check(t, err)
	_, err = os.Stat(experiment.ReportDir(filepath.Join(dir, "run.summary.json")))
	assert.Check(t, os.IsNotExist(err), "not beside the summary as well")
}

// TestTheSimulatorsFlagsAreRefusedOnALiveRun: a sweep or a placement given
// to a live run, which would do nothing, are refused before any call: no
// log is begun.
func TestTheSimulatorsFlagsAreRefusedOnALiveRun(t *testing.T) {
	t.Parallel()
	_, url := startSim(t, lambdasim.Faults{})
	dir := t.TempDir()
	log := filepath.Join(dir, "run.jsonl")
	f := experimentFlags(t, "-reuse.sweep=placement=mru,lru", "-reuse.log="+log)
	_, err := RunExperiment(t.Context(), io.Discard, f, schedule.Steady{Calls: 50, RatePerSec: 50, HandlerMS: 10}, ExperimentOptions{Root: dir, Getenv: targetEnv(t, "http", url)})
	assert.Check(t, is.ErrorContains(err, "-reuse.sweep has no effect on a live run"))
	_, err = os.Stat(log)
	assert.Check(t, os.IsNotExist(err), "no log begun")
}
