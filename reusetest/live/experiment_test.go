package live

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/lambda-reuse/lambda-reuse/reusetest/experiment"
	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdasim"
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
// record per call, every call served, and
// a kind with a summary section has it in the live summary.
func TestEveryKindRunsLive(t *testing.T) {
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
		})
	}
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
	_, url := startSim(t, lambdasim.Faults{})
	dir := t.TempDir()
	want := filepath.Join(dir, "my-report")
	f := experimentFlags(t, "-reuse.report="+want, "-reuse.log="+filepath.Join(dir, "run.jsonl"), "-reuse.out="+filepath.Join(dir, "run.summary.json"))
	_, err := RunExperiment(t.Context(), io.Discard, f, schedule.Plan{Calls: 50, RatePerSec: 50, HandlerMS: 10}, ExperimentOptions{Root: dir, Getenv: targetEnv(t, "http", url)})
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
	_, url := startSim(t, lambdasim.Faults{})
	dir := t.TempDir()
	log := filepath.Join(dir, "run.jsonl")
	f := experimentFlags(t, "-reuse.sweep=placement=mru,lru", "-reuse.log="+log)
	_, err := RunExperiment(t.Context(), io.Discard, f, schedule.Plan{Calls: 50, RatePerSec: 50, HandlerMS: 10}, ExperimentOptions{Root: dir, Getenv: targetEnv(t, "http", url)})
	assert.Check(t, is.ErrorContains(err, "-reuse.sweep has no effect on a live run"))
	_, err = os.Stat(log)
	assert.Check(t, os.IsNotExist(err), "no log begun")
}
