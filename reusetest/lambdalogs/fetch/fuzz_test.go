package fetch

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoadState holds the reader of a fetch's state file to its promises
// on any input: no panic, and a state it takes says no more of the export
// than the export holds.
func FuzzLoadState(f *testing.F) {
	f.Fuzz(func(t *testing.T, state []byte, exportSize uint16) {
		dir := t.TempDir()
		path := filepath.Join(dir, "logs.jsonl")
		if err := os.WriteFile(path, make([]byte, exportSize), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path+stateSuffix, state, 0o644); err != nil {
			t.Fatal(err)
		}
		st, err := loadState(path)
		if err != nil {
			return
		}
		if st == nil || st.Size < 0 || st.Size > int64(exportSize) || st.Events < 0 || len(st.LastIDs) > maxLastIDs {
			t.Fatalf("state taken: %+v", st)
		}
	})
}
