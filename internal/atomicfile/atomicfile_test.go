package atomicfile

import (
	"os"
	"path/filepath"
	"testing"

	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "summary.json")
	assert.NilError(t, Write(path, []byte("one")))
	assert.NilError(t, Write(path, []byte("two")))
	got, err := os.ReadFile(path)
	assert.NilError(t, err)
	assert.Check(t, is.Equal(string(got), "two"))
	entries, err := os.ReadDir(filepath.Dir(path))
	assert.NilError(t, err)
	assert.Check(t, is.Len(entries, 1), "no temporary file left behind")

	// A folder where the file should be: an error, and nothing half-written.
	assert.NilError(t, os.MkdirAll(filepath.Join(dir, "taken"), 0o755))
	err = Write(filepath.Join(dir, "taken"), []byte("x"))
	assert.Check(t, is.ErrorContains(err, "write "))
	entries, err = os.ReadDir(dir)
	assert.NilError(t, err)
	assert.Check(t, is.Len(entries, 2), "no temporary file left behind")
}
