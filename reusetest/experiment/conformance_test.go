package experiment

import (
	"bytes"
	"flag"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"github.com/lambda-reuse/lambda-reuse/reusetest/recordlog"
	"github.com/lambda-reuse/lambda-reuse/reusetest/report"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// commonCharts are the charts every report has; a kind's own come after.
var commonCharts = []string{report.ChartTimeline, report.ChartReuse, report.ChartConcurrency, report.ChartSurvival}

// TestEveryKindConforms walks the registry: every schedule kind
// round-trips its spec through a record log's header to the same calls,
// has a model-time form, is run by an experiment whose default flags
// parse, and runs simulated with one record per call. A kind with a
// summary section (summary.HasSection) has it, with a text table, in
// report.md with a chart of its own, and in a summary file that reads
// back as written. A kind that makes calls due at once has units (resume).
// (Package live's TestEveryKindRunsLive runs each kind against a served
// pool, and stops and resumes it mid-run.)
func TestEveryKindConforms(t *testing.T) {
	root, err := ModuleRoot(".")
	assert.NilError(t, err)
	for _, k := range schedule.Kinds {
		t.Run(k.Name, func(t *testing.T) {
			dir := t.TempDir()
			s, err := k.Example(dir)
			assert.NilError(t, err)
			assert.NilError(t, s.Validate())
			spec := s.Spec()
			assert.Check(t, is.Equal(spec.Kind, k.Name))
			assert.Check(t, spec.String() != "", "described")
			calls := s.Plan().Calls
			if n := schedule.AtOnce(s); n > 1 {
				_, ok := schedule.UnitsOf(s)
				assert.Check(t, ok, "%s makes %d calls due at once but has no units (schedule.Units): a resume would send the rest of a bunch the stop cut late", k.Name, n)
			}

			// Through a log header and back: the same spec, the same calls.
			path := filepath.Join(dir, "header.jsonl")
			w, _, err := recordlog.Open(path, s, "conformance", time.Unix(0, 0), nil)
			assert.NilError(t, err)
			assert.NilError(t, w.Close())
			f, err := os.Open(path)
			assert.NilError(t, err)
			var back schedule.Schedule
			_, _, err = recordlog.Read(f, func(_ *recordlog.Header, sched schedule.Schedule) { back = sched }, func(*record.Record) {})
			f.Close()
			assert.NilError(t, err)
			assert.Assert(t, back != nil)
			assert.Check(t, back.Spec().Same(spec), "%s, read back %s", spec, back.Spec())
			for seq := range min(calls, 1000) {
				if back.Due(seq) != s.Due(seq) || back.HandlerTime(seq) != s.HandlerTime(seq) {
					t.Fatalf("seq %d: read back due %v handler %v, want %v %v", seq, back.Due(seq), back.HandlerTime(seq), s.Due(seq), s.HandlerTime(seq))
				}
			}

			// In model time: the same kind and calls, stretched.
			m, err := schedule.InModelTime(s, 3)
			assert.NilError(t, err)
			assert.Check(t, is.Equal(m.Spec().Kind, k.Name))
			assert.Check(t, is.Equal(m.Plan().Calls, calls))
			assert.Check(t, m.Validate())
			if last := s.Due(calls - 1); last > 0 {
				assert.Check(t, m.Due(calls-1) > last, "model time stretches: %v, was %v", m.Due(calls-1), last)
			}

			// An experiment runs the kind, and its default flags parse.
			i := slices.IndexFunc(Experiments(), func(e Experiment) bool { return slices.Contains(e.Kinds, k.Name) })
			assert.Assert(t, i >= 0, "no experiment runs %s schedules", k.Name)
			e := Experiments()[i]
			flags := newFlags(t)
			def, err := flags.Schedule(e.Name, root)
			assert.NilError(t, err, "experiment %s's default flags", e.Name)
			assert.Check(t, slices.Contains(e.Kinds, def.Spec().Kind), "experiment %s gives a %s schedule", e.Name, def.Spec().Kind)

			// Simulated.
			reportDir := filepath.Join(dir, "report")
			sim, err := Simulate(t.Context(), io.Discard, flags, s, Outputs{Summary: filepath.Join(dir, "sim.json"), Report: reportDir})
			assert.NilError(t, err)
			assert.Check(t, is.Equal(sim.Summary.Requests.Total, calls), "one record per call")
			read, err := summary.ReadSummary(filepath.Join(dir, "sim.json"))
			assert.NilError(t, err)
			again, err := summary.MarshalSummary(read)
			assert.NilError(t, err)
			assert.Check(t, is.Equal(string(again), string(sim.JSON)), "the summary file reads back as written")
			assert.Check(t, is.Len(read.Absent, 0), "a summary file written today lacks no number")
			md, err := os.ReadFile(filepath.Join(reportDir, report.ReportFile))
			assert.NilError(t, err)
			names := report.ChartNames(sim.Summary)
			for _, n := range names {
				assert.Check(t, is.Contains(string(md), "("+n+".svg)"))
				_, err := os.Stat(filepath.Join(reportDir, n+".png"))
				assert.Check(t, err)
			}
			if summary.HasSection(k.Name) {
				sec, ok := read.Sections[k.Name]
				assert.Assert(t, ok, "no %s section in the summary", k.Name)
				var table bytes.Buffer
				assert.NilError(t, sec.WriteTable(&table))
				first, _, _ := strings.Cut(strings.TrimSpace(table.String()), "\n")
				assert.Check(t, first != "", "an empty table")
				assert.Check(t, is.Contains(string(md), "## Experiment"))
				assert.Check(t, is.Contains(string(md), first), "report.md has the %s table", k.Name)
				own := slices.DeleteFunc(slices.Clone(names), func(n string) bool { return slices.Contains(commonCharts, n) })
				assert.Check(t, len(own) > 0, "no chart of its own: %v", names)
			} else {
				assert.Check(t, is.Len(read.Sections, 0))
			}
		})
	}
}

// newFlags are the default flags.
func newFlags(t *testing.T) *Flags {
	t.Helper()
	fs := flag.NewFlagSet("conformance", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f := RegisterFlags(fs)
	assert.NilError(t, fs.Parse(nil))
	f.NoteSet(fs)
	return f
}
