package summary

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"

	"github.com/lambda-reuse/lambda-reuse/internal/simcall"
	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
)

// A Section is a kind's own part of a summary (the burst table, the idle
// curve, a trace's cold starts by hour), built from the same records in the
// same pass as the common figures. Its JSON sits at its kind's name in the
// summary ("burst": {...}).
type Section interface {
	// WriteTable writes the section's text table, as the console and
	// report.md show it.
	WriteTable(w io.Writer) error
	// check checks the section's own numbers, within the summary s
	// (Summary.Check).
	check(c checker, s *Summary)
}

// SectionKind is how a kind's section is analysed and read back.
type SectionKind struct {
	// New returns a new, empty section (a pointer) to decode into.
	New func() Section
	// Analyse starts the analysis of a run of schedule; nil when schedule
	// is not of the kind's type.
	Analyse func(schedule schedule.Schedule) SectionAnalysis
}

// A SectionAnalysis builds a section from records, one at a time, in any
// order; memory grows with environments and the schedule's units, never
// with calls.
type SectionAnalysis interface {
	// Add accounts for one record; factor is model seconds per real
	// second (1 but against a served pool with a time scale).
	Add(r *record.Record, factor float64)
	// Section is the section of the records added so far.
	Section(factor float64) Section
}

// callAnalysis is implemented by a section's analysis that reads a
// simulation's calls as they are (Summarizer.AddCalls) as it reads their
// records; AddCalls makes a record of each call for any other.
type callAnalysis interface {
	addCall(c *simcall.Call, factor float64)
}

// sectionOf returns the summary's section of the kind named kind, as its
// type S, or nil.
func sectionOf[S any](s Summary, kind string) *S {
	sec, _ := any(s.Sections[kind]).(*S)
	return sec
}

// sections holds each kind's section, by kind name; each registers its
// own, from its file.
var sections = map[string]SectionKind{}

// registerSection records kind's section; twice is a programming error.
func registerSection(kind string, k SectionKind) {
	if _, dup := sections[kind]; dup {
		panic("summary: section of kind " + kind + " registered twice")
	}
	sections[kind] = k
}

// HasSection reports whether kind adds a section to summaries.
func HasSection(kind string) bool {
	_, ok := sections[kind]
	return ok
}

// sectionKind is a kind with a section: its name and its section.
type sectionKind struct {
	Name    string
	Section SectionKind
}

// sectionKinds lists the kinds with a section, in Kinds order.
func sectionKinds() []sectionKind {
	var out []sectionKind
	for _, k := range schedule.Kinds {
		if sec, ok := sections[k.Name]; ok {
			out = append(out, sectionKind{k.Name, sec})
		}
	}
	return out
}

// summaryFields is a Summary without its methods: its common fields as
// JSON writes them.
type summaryFields Summary

// MarshalJSON writes the common fields, then each section at its key,
// leaving out the numbers s's file lacked (Absent): written as 0 they
// would read as a measurement, and a summary read, written and read again
// would be a different summary.
func (s Summary) MarshalJSON() ([]byte, error) {
	b, err := s.marshalAll()
	if err != nil || len(s.Absent) == 0 {
		return b, err
	}
	return withoutPaths(b, s.Absent)
}

// marshalAll writes the common fields, then each section at its key.
func (s Summary) marshalAll() ([]byte, error) {
	b, err := json.Marshal(summaryFields(s))
	if err != nil || len(s.Sections) == 0 {
		return b, err
	}
	var extra bytes.Buffer
	for _, k := range sectionKinds() {
		sec, ok := s.Sections[k.Name]
		if !ok {
			continue
		}
		v, err := json.Marshal(sec)
		if err != nil {
			return nil, fmt.Errorf("summary section %s: %w", k.Name, err)
		}
		fmt.Fprintf(&extra, ",%q:%s", k.Name, v)
	}
	return append(append(b[:len(b)-1], extra.Bytes()...), '}'), nil
}

// UnmarshalJSON reads the common fields, then every section a kind has a
// key for, and notes the numbers the JSON lacks (Absent).
func (s *Summary) UnmarshalJSON(b []byte) error {
	var f summaryFields
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	*s = Summary(f)
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	s.Absent = findAbsent(reflect.TypeFor[summaryFields](), b, "", nil)
	for _, k := range sectionKinds() {
		v, ok := raw[k.Name]
		if !ok || string(v) == "null" {
			continue
		}
		sec := k.Section.New()
		if err := json.Unmarshal(v, sec); err != nil {
			return fmt.Errorf("summary section %s: %w", k.Name, err)
		}
		if s.Sections == nil {
			s.Sections = map[string]Section{}
		}
		s.Sections[k.Name] = sec
		s.Absent = findAbsent(reflect.TypeOf(sec).Elem(), v, k.Name+".", s.Absent)
	}
	return nil
}

// WriteExperimentTables writes the runtime generations' and the memory
// tables, then the tables of the sections s has, in Kinds order, then the
// calls at once', the tenants' and the logs' tables; nothing for a plain
// run.
func WriteExperimentTables(w io.Writer, s Summary) error {
	if s.Generations != nil {
		if err := s.Generations.WriteTable(w); err != nil {
			return err
		}
	}
	if s.Memory != nil {
		if err := s.Memory.WriteTable(w); err != nil {
			return err
		}
	}
	for _, k := range sectionKinds() {
		if sec, ok := s.Sections[k.Name]; ok {
			if err := sec.WriteTable(w); err != nil {
				return err
			}
		}
	}
	if s.Multi != nil {
		if err := s.Multi.WriteTable(w); err != nil {
			return err
		}
	}
	if s.Tenants != nil {
		if err := s.Tenants.WriteTable(w); err != nil {
			return err
		}
	}
	if s.Logs != nil {
		return s.Logs.WriteTable(w)
	}
	return nil
}

// HasExperimentTables reports whether WriteExperimentTables writes
// anything for s.
func HasExperimentTables(s Summary) bool {
	return len(s.Sections) > 0 || s.Tenants != nil || s.Multi != nil || s.Generations != nil || s.Memory != nil || s.Logs != nil
}
