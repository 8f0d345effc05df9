package reusetest

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdasim"
	"github.com/lambda-reuse/lambda-reuse/reusetest/reuse"
	"github.com/lambda-reuse/lambda-reuse/reusetest/runner"
)

// Flags are the -reuse.* test flags that let a user run what-ifs without
// editing code. Their defaults are the 2021 experiment's plan and the
// simulator's documented defaults.
type Flags struct {
	Calls     int64
	Rate      float64
	Handler   time.Duration
	Seed      uint64
	Profile   string
	Placement string
	Arrivals  string
	Out       string
	Timeout   time.Duration
	Log       string
	Report    string
	Baseline  string
	FailFast  bool
}

// DefaultFlags are the flags' values when none is given.
func DefaultFlags() Flags {
	return Flags{
		Calls:     reuse.SeedCalls,
		Rate:      reuse.SeedRatePerSec,
		Handler:   reuse.SeedHandler,
		Seed:      lambdasim.DefaultSeed,
		Profile:   lambdasim.DefaultProfile,
		Placement: string(lambdasim.DefaultPlacement),
		Arrivals:  lambdasim.ArrivalsFixed,
		Timeout:   runner.DefaultTimeout,
		FailFast:  true,
	}
}

// RegisterFlags defines the -reuse.* flags on fs.
func RegisterFlags(fs *flag.FlagSet) *Flags {
	d := DefaultFlags()
	f := &Flags{}
	fs.Int64Var(&f.Calls, "reuse.calls", d.Calls, "number of calls in the plan")
	fs.Float64Var(&f.Rate, "reuse.rate", d.Rate, "open-loop call rate, calls per second")
	fs.DurationVar(&f.Handler, "reuse.handler", d.Handler, "handler sleep per call, in whole milliseconds (e.g. 500ms)")
	fs.Uint64Var(&f.Seed, "reuse.seed", d.Seed, "simulator seed")
	fs.StringVar(&f.Profile, "reuse.profile", d.Profile, "simulator profile: "+strings.Join(lambdasim.ProfileNames(), ", "))
	fs.StringVar(&f.Placement, "reuse.placement", d.Placement, "simulator placement among idle environments: "+strings.Join(lambdasim.PlacementNames(), ", "))
	fs.StringVar(&f.Arrivals, "reuse.arrivals", d.Arrivals, "simulator arrival process: "+lambdasim.ArrivalsFixed+" or "+reuse.KindPoisson)
	fs.StringVar(&f.Out, "reuse.out", "", "where to write the summary JSON (default: simulated runs a file under out/, live runs testdata/live/)")
	fs.DurationVar(&f.Timeout, "reuse.timeout", d.Timeout, "live runs: timeout of each call")
	fs.StringVar(&f.Report, "reuse.report", "", "simulated runs: write a report folder (report.md and charts) here; live runs always write one beside the summary")
	fs.StringVar(&f.Baseline, "reuse.baseline", "", "live runs: the accepted baseline summary to compare with (default: testdata/live/TARGET.baseline.json)")
	fs.BoolVar(&f.FailFast, "reuse.failfast", d.FailFast, "live runs: stop early when every call fails the same way past the start-up window and none succeeds (README: Fail fast)")
	fs.StringVar(&f.Log, "reuse.log", "", "live runs: the record log to write or resume (default: out/live/TARGET.jsonl, git-ignored)")
	return f
}

// Plan returns the plan the flags describe, or why they describe none.
func (f *Flags) Plan() (reuse.Plan, error) {
	if f.Handler%time.Millisecond != 0 {
		return reuse.Plan{}, fmt.Errorf("bad -reuse flags: -reuse.handler %v is not a whole number of milliseconds", f.Handler)
	}
	plan := reuse.Plan{Calls: f.Calls, RatePerSec: f.Rate, HandlerMS: f.Handler.Milliseconds()}
	if err := plan.Validate(); err != nil {
		return reuse.Plan{}, fmt.Errorf("bad -reuse flags: %w", err)
	}
	return plan, nil
}

// Schedule returns the schedule the flags describe: the plan's calls at a
// fixed interval, or (-reuse.arrivals=poisson) as Poisson arrivals drawn
// from the seed.
func (f *Flags) Schedule() (reuse.Schedule, error) {
	plan, err := f.Plan()
	var errs []error
	if err != nil {
		errs = append(errs, err)
	}
	var s reuse.Schedule = plan
	switch f.Arrivals {
	case lambdasim.ArrivalsFixed:
	case reuse.KindPoisson:
		s = reuse.NewPoisson(plan, f.Seed)
	default:
		errs = append(errs, fmt.Errorf("bad -reuse flags: unknown arrivals %q (known: %s, %s)", f.Arrivals, lambdasim.ArrivalsFixed, reuse.KindPoisson))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return s, nil
}

// Simulation returns the simulation the flags describe, or an error naming
// every bad value.
func (f *Flags) Simulation() (*lambdasim.Simulation, error) {
	schedule, err := f.Schedule()
	if err != nil {
		return nil, err
	}
	sim, err := lambdasim.New(schedule, lambdasim.Options{Profile: f.Profile, Placement: f.Placement, Seed: f.Seed})
	if err != nil {
		return nil, fmt.Errorf("bad -reuse flags: %w", err)
	}
	return sim, nil
}

// IsDefaultSimulation reports whether the flags describe the default
// simulated seed experiment, the one the golden file records. Output paths
// and live-only flags do not matter.
func (f *Flags) IsDefaultSimulation() bool {
	g, d := *f, DefaultFlags()
	g.Out, g.Log, g.Timeout, g.Report, g.Baseline, g.FailFast = d.Out, d.Log, d.Timeout, d.Report, d.Baseline, d.FailFast
	return g == d
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
