package summary

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/lambda-reuse/lambda-reuse/internal/onejson"
)

// MarshalSummary is a summary's JSON as written to files and golden files:
// indented, with a final newline. A summary that fails its Check is not
// written: the error names the field and its value (a bug to report, not
// a result).
func MarshalSummary(s Summary) ([]byte, error) {
	if err := s.Check(); err != nil {
		return nil, fmt.Errorf("marshal summary: %w (a bug: please report it)", err)
	}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("marshal summary: %w", err)
	}
	return append(b, '\n'), nil
}

// maxSummaryFile is the largest summary file read: a summary holds a
// fixed set of figures and sections, kilobytes to a few megabytes.
const maxSummaryFile = 64 << 20

// ReadSummary reads a summary JSON file and checks its schema.
func ReadSummary(path string) (Summary, error) {
	f, err := os.Open(path)
	if err != nil {
		return Summary{}, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxSummaryFile+1))
	if err != nil {
		return Summary{}, fmt.Errorf("read summary %s: %w", path, err)
	}
	if len(b) > maxSummaryFile {
		return Summary{}, fmt.Errorf("read summary %s: larger than %d bytes: not a summary", path, maxSummaryFile)
	}
	s, err := ParseSummary(b)
	if err != nil {
		return Summary{}, fmt.Errorf("read summary %s: %w", path, err)
	}
	return s, nil
}

// ParseSummary reads a summary's JSON: exactly one object, no duplicate
// key, the known schema, and numbers that pass its Check.
func ParseSummary(b []byte) (Summary, error) {
	// by_error is read into a map, whose keys (error types a function
	// may name) are distinct in any case.
	if err := onejson.Check(b, "requests.by_error"); err != nil {
		return Summary{}, err
	}
	var s Summary
	if err := json.Unmarshal(b, &s); err != nil {
		return Summary{}, err
	}
	if s.Schema != SchemaV1 {
		return Summary{}, fmt.Errorf("schema %q, want %q", s.Schema, SchemaV1)
	}
	if err := s.Check(); err != nil {
		return Summary{}, err
	}
	return s, nil
}
