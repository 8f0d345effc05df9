package experiment

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdasim"
)

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

// DefaultOut is where a simulated run of experiment name goes when
// -reuse.out is not given: a file under root's out/ (git-ignored) named
// for the run, so that what-ifs do not overwrite each other. The seed
// experiment's name carries its plan; a trace replay's, its file.
func DefaultOut(root, name string, f *Flags) string {
	file := outName(name, f)
	if n, ok := f.params[name].(Named); ok {
		file = n.OutName(f)
	}
	if tag := f.tenants.tag(); tag != "" {
		file = strings.TrimSuffix(file, ".json") + tag + ".json"
	}
	return filepath.Join(root, "out", file)
}

// outName is a simulated run's file name: the experiment, the model.
func outName(experiment string, f *Flags) string {
	return fmt.Sprintf("sim-%s-%s-%s-seed%d.json", experiment, profileTag(f.Profile), f.placementTag(), f.Seed)
}

// LiveName names a live run's files (its log, summary, report, baseline):
// the target's key, then, for any experiment but the seed one, the
// experiment's name.
func LiveName(targetKey, experiment string) string {
	if experiment == "" || experiment == seedExperiment.Name {
		return targetKey
	}
	return targetKey + "." + experiment
}

// ReportDir is the report folder beside a summary file.
func ReportDir(summary string) string { return strings.TrimSuffix(summary, ".json") + ".report" }

// placementTag names the run's placement rule in file names: the one
// given, else the profile's (or the default).
func (f *Flags) placementTag() string {
	if f.Placement != "" {
		return f.Placement
	}
	if _, pl, err := lambdasim.Resolve(f.Profile, ""); err == nil {
		return string(pl)
	}
	return string(lambdasim.DefaultPlacement)
}

// profileTag names a profile in file names: a built-in's name, or a profile
// file's name without its folder and extension.
func profileTag(profile string) string {
	return strings.TrimSuffix(filepath.Base(profile), ".json")
}
