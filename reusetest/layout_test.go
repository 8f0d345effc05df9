package reusetest

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lambda-reuse/lambda-reuse/reusetest/experiment"
)

// TestLayoutNamesEveryPackage: docs/layout.md's map names every folder of
// the module that holds Go files (a line starting with the folder and a
// slash), and every folder it names exists, so the map cannot miss a
// package or keep one that has gone.
func TestLayoutNamesEveryPackage(t *testing.T) {
	root, err := experiment.ModuleRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile(filepath.Join(root, "docs", "layout.md"))
	if err != nil {
		t.Fatal(err)
	}
	named := layoutFolders(string(doc))
	if len(named) == 0 {
		t.Fatal("docs/layout.md: no map of folders (a ``` block of lines \"folder/  what it holds\")")
	}
	for _, dir := range named {
		if fi, err := os.Stat(filepath.Join(root, filepath.FromSlash(dir))); err != nil || !fi.IsDir() {
			t.Errorf("docs/layout.md names %s/, which is not a folder of the module", dir)
		}
	}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != root && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata") {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(path, "go.mod")); path != root && err == nil {
				return filepath.SkipDir // another module
			}
			return nil
		}
		if !strings.HasSuffix(d.Name(), ".go") {
			return nil
		}
		rel, err := filepath.Rel(root, filepath.Dir(path))
		if err != nil || rel == "." {
			return err
		}
		if rel = filepath.ToSlash(rel); !slices.Contains(named, rel) {
			t.Errorf("docs/layout.md does not name %s/, a package of the module: add a line for it to the map", rel)
			named = append(named, rel) // once per folder
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// layoutFolders are the folders the first ``` block of a layout document
// names: each line's first word, when it ends in a slash.
func layoutFolders(doc string) []string {
	_, block, _ := strings.Cut(doc, "```\n")
	block, _, _ = strings.Cut(block, "```")
	var out []string
	for line := range strings.Lines(block) {
		if f := strings.Fields(line); len(f) > 0 && line[0] != ' ' && strings.HasSuffix(f[0], "/") {
			out = append(out, strings.TrimSuffix(f[0], "/"))
		}
	}
	return out
}
