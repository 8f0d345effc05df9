package experiment

import (
	"cmp"
	"flag"
	"fmt"
	"slices"
	"strings"

	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
)

// An Experiment is one kind of experiment the harness runs: its name (in
// test names, file names and its flags), the schedule kind it runs, and its
// own flags. Each is its own file and registers itself; the runs
// (Simulate, Sweep, and live.RunExperiment) take any of them.
type Experiment struct {
	// Name names the experiment ("seed", "burst").
	Name string
	// Kinds are the reuse kinds its schedules are (schedule.Kinds names).
	Kinds []string
	// Flags defines the experiment's own flags on fs, each with an explicit
	// default, and returns them.
	Flags func(fs *flag.FlagSet, shared *Shared) Params
}

// Params are an experiment's own flags, parsed.
type Params interface {
	// Schedule is the schedule they describe under the common flags f
	// (files relative to root), or an error naming every bad value.
	Schedule(f *Flags, root string) (schedule.Schedule, error)
	// Default reports whether every one of them is its default.
	Default() bool
}

// Named is implemented by Params whose simulated runs' default output
// file is named for more than the experiment and the model (the seed
// experiment's plan, a trace replay's file): OutName is the file's name.
type Named interface {
	OutName(f *Flags) string
}

// experiments holds every experiment, by name; each registers itself from
// its own file.
var experiments = map[string]Experiment{}

// register records e; a name used twice is a programming error.
func register(e Experiment) {
	if _, dup := experiments[e.Name]; dup {
		panic("experiment: " + e.Name + " registered twice")
	}
	experiments[e.Name] = e
}

// Experiments lists every experiment, in the order of schedule.Kinds (by
// the first kind each runs), then by name.
func Experiments() []Experiment {
	var out []Experiment
	for _, e := range experiments {
		out = append(out, e)
	}
	order := func(e Experiment) int {
		return slices.IndexFunc(schedule.Kinds, func(k schedule.Kind) bool { return slices.Contains(e.Kinds, k.Name) })
	}
	slices.SortFunc(out, func(a, b Experiment) int { return cmp.Or(cmp.Compare(order(a), order(b)), cmp.Compare(a.Name, b.Name)) })
	return out
}

// Lookup returns the experiment named name.
func Lookup(name string) (Experiment, error) {
	e, ok := experiments[name]
	if !ok {
		var names []string
		for _, e := range Experiments() {
			names = append(names, e.Name)
		}
		return Experiment{}, fmt.Errorf("unknown experiment %q (known: %s)", name, strings.Join(names, ", "))
	}
	return e, nil
}
