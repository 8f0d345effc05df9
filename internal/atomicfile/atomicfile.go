// Package atomicfile writes a file whole or not at all: through a temporary
// file in the same folder, synced and renamed into place.
package atomicfile

import (
	"fmt"
	"os"
	"path/filepath"
)

// Write writes data to path, creating its folder, through a temporary file
// renamed into place: a reader sees the old file or the whole new one, never
// half of it, and a failed write leaves no temporary file behind.
func Write(path string, data []byte) error {
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
