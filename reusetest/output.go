package reusetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/lambda-reuse/lambda-reuse/reusetest/reuse"
)

// MarshalSummary is a summary's JSON as written to files and golden files:
// indented, with a final newline.
func MarshalSummary(s reuse.Summary) ([]byte, error) {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("marshal summary: %w", err)
	}
	return append(b, '\n'), nil
}

// WriteFileAtomic writes data to path, creating its folder, through a
// temporary file renamed into place: a reader sees the old file or the whole
// new one, never half of it.
func WriteFileAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// ModuleRoot returns the nearest folder at or above dir that holds go.mod.
// The project keeps testdata/ and out/ there rather than in each package.
func ModuleRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("module root: no go.mod at or above the working folder")
		}
		dir = parent
	}
}

// DefaultSimOut is where a simulated summary goes when -reuse.out is not
// given: a file under out/ (git-ignored) at the module root, named for the
// run so that what-ifs do not overwrite each other.
func DefaultSimOut(root string, f Flags) string {
	name := fmt.Sprintf("sim-%s-%s-%s-seed%d-%dcalls-%srps-%dms.json",
		f.Profile, f.Placement, f.Arrivals, f.Seed, f.Calls,
		strconv.FormatFloat(f.Rate, 'g', -1, 64), f.Handler.Milliseconds())
	return filepath.Join(root, "out", name)
}

// ReadSummary reads a summary JSON file and checks its schema.
func ReadSummary(path string) (reuse.Summary, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return reuse.Summary{}, err
	}
	var s reuse.Summary
	if err := json.Unmarshal(b, &s); err != nil {
		return reuse.Summary{}, fmt.Errorf("read summary %s: %w", path, err)
	}
	if s.Schema != reuse.SchemaV1 {
		return reuse.Summary{}, fmt.Errorf("read summary %s: schema %q, want %q", path, s.Schema, reuse.SchemaV1)
	}
	return s, nil
}
