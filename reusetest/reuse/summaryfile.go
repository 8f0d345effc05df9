package reuse

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/lambda-reuse/lambda-reuse/internal/onejson"
)

// MarshalSummary is a summary's JSON as written to files and golden files:
// indented, with a final newline.
func MarshalSummary(s Summary) ([]byte, error) {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("marshal summary: %w", err)
	}
	return append(b, '\n'), nil
}

// ReadSummary reads a summary JSON file and checks its schema.
func ReadSummary(path string) (Summary, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Summary{}, err
	}
	if err := onejson.Check(b); err != nil {
		return Summary{}, fmt.Errorf("read summary %s: %w", path, err)
	}
	var s Summary
	if err := json.Unmarshal(b, &s); err != nil {
		return Summary{}, fmt.Errorf("read summary %s: %w", path, err)
	}
	if s.Schema != SchemaV1 {
		return Summary{}, fmt.Errorf("read summary %s: schema %q, want %q", path, s.Schema, SchemaV1)
	}
	return s, nil
}
