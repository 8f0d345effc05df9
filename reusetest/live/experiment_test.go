package live

import (
	"flag"
	"io"
	"path/filepath"
	"slices"
	"testing"

	"github.com/lambda-reuse/lambda-reuse/reusetest/experiment"
	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdasim"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// TestEveryKindRunsLive walks the registry as experiment's
// TestEveryKindConforms does, through the front door a live run takes:
// every schedule kind's example, run by its experiment's RunExperiment
// against a served pool, gets one record per call, every call served, and
// a kind with a summary section has it in the live summary.
func TestEveryKindRunsLive(t *testing.T) {
	_, url := startSim(t, lambdasim.Faults{})
	for _, k := range schedule.Kinds {
		t.Run(k.Name, func(t *testing.T) {
			dir := t.TempDir()
			s, err := k.Example(dir)
			assert.NilError(t, err)
			calls := s.Plan().Calls
			i := slices.IndexFunc(experiment.Experiments(), func(e experiment.Experiment) bool { return slices.Contains(e.Kinds, k.Name) })
			assert.Assert(t, i >= 0, "no experiment runs %s schedules", k.Name)
			e := experiment.Experiments()[i]

			fs := flag.NewFlagSet("live", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			flags := experiment.RegisterFlags(fs)
			assert.NilError(t, fs.Parse(nil))
			flags.NoteSet(fs)
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
