package experiment

import (
	"errors"
	"flag"
	"fmt"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/lambda-reuse/lambda-reuse/probe/protocol"
	"github.com/lambda-reuse/lambda-reuse/reusetest/fit"
	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdasim"
	"github.com/lambda-reuse/lambda-reuse/reusetest/runner"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
)

// Flags are the -reuse.* flags that let a user run what-ifs without
// editing code: the ones every experiment shares (the model, the handler,
// outputs, live options) and each experiment's own (Params). Their
// defaults are the 2021 experiment's plan and the simulator's documented
// defaults.
type Flags struct {
	Handler   time.Duration
	Seed      uint64
	Profile   string
	Placement string
	Out       string
	// CallTimeout is -reuse.call-timeout: a live run's caller's timeout
	// of each call.
	CallTimeout time.Duration
	Log         string
	Report      string
	Baseline    string
	Predict     string
	FailFast    bool
	Sweep       string

	// Leak is -reuse.leak: what each call grows the function's memory by.
	Leak Leak
	// MemoryMB is -reuse.memory: the function's memory size (simulated
	// runs); 0 keeps the profile's.
	MemoryMB int
	// FunctionTimeout is -reuse.timeout: the function's timeout
	// (simulated runs); 0 keeps the profile's.
	FunctionTimeout time.Duration

	// tenants are -reuse.tenants and its popularity.
	tenants tenantFlags
	// params are each experiment's own flags, by experiment name.
	params map[string]Params
	// set names the flags given on the command line (NoteSet).
	set map[string]bool
}

// defaultFlags are the common flags' values when none is given.
func defaultFlags() Flags {
	return Flags{
		Handler:     schedule.SeedHandler,
		Seed:        lambdasim.DefaultSeed,
		Profile:     lambdasim.DefaultProfile,
		CallTimeout: runner.DefaultTimeout,
		FailFast:    true,
	}
}

// RegisterFlags defines the -reuse.* flags on fs: the common ones and
// every experiment's own.
func RegisterFlags(fs *flag.FlagSet) *Flags {
	d := defaultFlags()
	f := &Flags{params: map[string]Params{}}
	fs.DurationVar(&f.Handler, "reuse.handler", d.Handler, "handler sleep per call, in whole milliseconds (e.g. 500ms); a trace's calls that carry no duration")
	fs.Uint64Var(&f.Seed, "reuse.seed", d.Seed, "simulator seed (and the seed of a schedule's draws)")
	fs.StringVar(&f.Profile, "reuse.profile", d.Profile, "simulator profile: "+strings.Join(lambdasim.ProfileNames(), ", ")+", or a profile file's path (docs/simulator.md: profile files)")
	fs.StringVar(&f.Placement, "reuse.placement", d.Placement, "simulator placement among idle environments: "+strings.Join(lambdasim.PlacementNames(), ", ")+" (default: the profile's, else "+string(lambdasim.DefaultPlacement)+")")
	fs.StringVar(&f.Out, "reuse.out", "", "where to write the summary JSON (default: simulated runs a file under out/, live runs testdata/live/)")
	fs.DurationVar(&f.CallTimeout, "reuse.call-timeout", d.CallTimeout, "live runs: the caller's timeout of each call")
	fs.Func("reuse.timeout", fmt.Sprintf("simulated runs: the function's timeout (D: %v to %v, as Lambda allows); a call longer fails and resets its environment, whose re-init counts against the next call's (default: the profile's, else none)", lambdasim.MinTimeout, lambdasim.MaxTimeout),
		func(v string) (err error) { f.FunctionTimeout, err = parseFunctionTimeout(v); return err })
	fs.Func("reuse.memory", fmt.Sprintf("simulated runs: the function's memory size (MB: %d to %d, as Lambda allows); a call that would take its runtime generation past it fails out of memory and resets its environment (default: the profile's, else none)", lambdasim.MinMemoryMB, lambdasim.MaxMemoryMB),
		func(v string) (err error) { f.MemoryMB, err = parseMemoryMB(v); return err })
	fs.StringVar(&f.Report, "reuse.report", "", "where to write the report folder (report.md and charts) of a simulated or live run, or a sweep's table and chart (default: beside the summary; the simulated seed experiment writes none)")
	fs.StringVar(&f.Baseline, "reuse.baseline", "", "live runs: the accepted baseline summary to compare with (default: testdata/live/TARGET.baseline.json)")
	fs.StringVar(&f.Predict, "reuse.predict", "", "live runs: the profile (built-in name or file) whose prediction stands beside the measurement, with the profile fitted to the run (default: the profile a served pool declares, else "+fit.DefaultPredictProfile+")")
	fs.BoolVar(&f.FailFast, "reuse.failfast", d.FailFast, "live runs: stop early when every call fails the same way past the start-up window and none succeeds (docs/live.md: fail fast)")
	fs.StringVar(&f.Sweep, "reuse.sweep", "", "simulated runs: what-ifs over the same schedule, in parallel, one of: "+sweepUsage()+" (idle: fixed idle timeouts; provisioned: provisioned concurrency; memory: sizes in MB; leak: growth per call; timeout: the function's)")
	fs.StringVar(&f.Log, "reuse.log", "", "live runs: the record log to write or resume (default: out/live/TARGET.jsonl, git-ignored); simulated runs: a new record log of the run, to fit or report like a measured one (default: none)")
	fs.Var(&f.Leak, "reuse.leak", "a leak per call (SIZE: 100KB or 0.1MB; a KB is 1,024 bytes, an MB 1,024 KB, as Lambda counts memory; at most "+
		strconv.Itoa(protocol.MaxLeakKB/1024)+"MB): live runs ask the probe to grow a global by it each call (leak_kb); simulated runs grow each runtime generation's memory by it each call (a profile without a memory part starts generations at an assumed "+
		strconv.Itoa(lambdasim.AssumedStartMB)+" MB, at -reuse.memory or "+strconv.Itoa(lambdasim.DefaultMemoryMB)+" MB)")
	f.tenants.register(fs)
	shared := &Shared{fs: fs, flags: map[string]*sharedValue{}}
	for _, e := range Experiments() {
		f.params[e.Name] = e.Flags(fs, shared)
	}
	return f
}

// NoteSet records which flags of fs were given, after fs is parsed: a
// profile that carries the schedule it was fitted on runs that schedule
// when no schedule flag was given.
func (f *Flags) NoteSet(fs *flag.FlagSet) {
	f.set = map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { f.set[fl.Name] = true })
}

// Params are experiment name's own flags.
func (f *Flags) Params(name string) (Params, error) {
	if _, err := Lookup(name); err != nil {
		return nil, err
	}
	return f.params[name], nil
}

// Schedule is the schedule experiment name's flags describe (files
// relative to root), or one error naming every bad value: the schedule's,
// the tenants', and the model's (-reuse.profile, -reuse.placement, and a
// model the experiment's question does not apply to).
func (f *Flags) Schedule(name, root string) (schedule.Schedule, error) {
	p, err := f.Params(name)
	if err != nil {
		return nil, err
	}
	swept := strings.HasPrefix(f.Sweep, "tenants=")
	s, err := p.Schedule(f, root)
	errs := []error{err, f.tenants.check(swept)}
	if err == nil && errs[1] == nil {
		s, err = f.tenants.apply(s, swept)
		errs = append(errs, err)
	}
	if profile, _, err := f.Model(); err != nil {
		errs = append(errs, err)
	} else {
		errs = append(errs, f.checkModel(name, profile))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("bad -reuse flags: %w", err)
	}
	return s, nil
}

// ModelChecker is implemented by Params whose experiment asks a question
// some models cannot answer (the idle timeout of environments that never
// idle out): CheckModel says why profile cannot.
type ModelChecker interface {
	CheckModel(profile lambdasim.Profile) error
}

// checkModel reports why experiment name's question does not apply under
// profile, or nil.
func (f *Flags) checkModel(name string, profile lambdasim.Profile) error {
	if c, ok := f.params[name].(ModelChecker); ok {
		return c.CheckModel(profile)
	}
	return nil
}

// The flags that act on one kind of run only: given to the other, they
// would do nothing without a word.
var (
	liveOnlyFlags      = []string{"reuse.call-timeout", "reuse.baseline", "reuse.predict", "reuse.failfast"}
	simulatedOnlyFlags = []string{"reuse.sweep", "reuse.placement", "reuse.memory", "reuse.timeout"}
)

// Unused names every flag given on the command line (NoteSet) that has no
// effect on the run: a live run's own flags on a simulated one, and the
// simulator's on a live one; nil when there is none.
func (f *Flags) Unused(live bool) error {
	flags, what := liveOnlyFlags, "a simulated run: it is a live run's"
	if live {
		flags, what = simulatedOnlyFlags, "a live run: it is the simulator's"
	}
	var errs []error
	for _, name := range flags {
		switch {
		case !f.set[name]:
		case live && name == "reuse.timeout":
			errs = append(errs, fmt.Errorf("-reuse.timeout is the function's timeout, which a live run cannot set on the deployed function: set it there; the caller's timeout of each call is -reuse.call-timeout"))
		case live && name == "reuse.memory":
			errs = append(errs, fmt.Errorf("-reuse.memory is the function's memory size, which a live run cannot set on the deployed function: set it there"))
		default:
			errs = append(errs, fmt.Errorf("-%s has no effect on %s", name, what))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("bad -reuse flags: %w", err)
	}
	return nil
}

// parseMemoryMB reads a memory size in whole MB, within Lambda's range.
func parseMemoryMB(v string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), "MB"))
	if err != nil {
		return 0, fmt.Errorf("%q: want a memory size in whole MB (e.g. 512)", v)
	}
	if n < lambdasim.MinMemoryMB || n > lambdasim.MaxMemoryMB {
		return 0, fmt.Errorf("%d MB: a function's memory size is from %d to %d MB", n, lambdasim.MinMemoryMB, lambdasim.MaxMemoryMB)
	}
	return n, nil
}

// parseFunctionTimeout reads a function's timeout, within Lambda's range.
func parseFunctionTimeout(v string) (time.Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(v))
	if err != nil {
		return 0, fmt.Errorf("%q: want a duration (e.g. 3s, 15m)", v)
	}
	if d < lambdasim.MinTimeout || d > lambdasim.MaxTimeout {
		return 0, fmt.Errorf("%v: a function's timeout is from %v to %v", d, lambdasim.MinTimeout, lambdasim.MaxTimeout)
	}
	return d, nil
}

// source says where a figure the flags set on the profile comes from.
func (f *Flags) source(what string) string {
	return "set by -reuse." + what + " (the run's what-if)"
}

// overrides are the memory and timeout the flags set on the profile.
func (f *Flags) overrides() lambdasim.Overrides {
	return lambdasim.Overrides{MemoryMB: f.MemoryMB, Leak: f.Leak.text != "", LeakMB: f.Leak.MB(), Timeout: f.FunctionTimeout, Source: f.source}
}

// override is p with the memory and timeout the flags set, or why not,
// naming the flags.
func (f *Flags) override(p lambdasim.Profile) (lambdasim.Profile, error) {
	p, err := p.Override(f.overrides())
	if err != nil {
		return lambdasim.Profile{}, fmt.Errorf("-reuse.memory, -reuse.leak, -reuse.timeout on profile %s: %w", p.Name, err)
	}
	return p, nil
}

// Model is the model the flags run: -reuse.profile and -reuse.placement,
// with -reuse.memory, -reuse.leak and -reuse.timeout set on the profile.
func (f *Flags) Model() (lambdasim.Profile, lambdasim.Placement, error) {
	p, pl, err := lambdasim.Resolve(f.Profile, f.Placement)
	if err == nil {
		p, err = f.override(p)
	}
	if err != nil {
		return lambdasim.Profile{}, "", fmt.Errorf("bad -reuse flags: %w", err)
	}
	return p, pl, nil
}

// handlerMS is -reuse.handler in milliseconds, or why it is not whole.
func (f *Flags) handlerMS() (int64, error) {
	if f.Handler%time.Millisecond != 0 {
		return 0, fmt.Errorf("-reuse.handler %v is not a whole number of milliseconds", f.Handler)
	}
	return f.Handler.Milliseconds(), nil
}

// SimulationOf returns the simulation of schedule under the flags' model
// (profile, placement, seed).
func (f *Flags) SimulationOf(schedule schedule.Schedule) (*lambdasim.Simulation, error) {
	profile, placement, err := f.Model()
	if err != nil {
		return nil, err
	}
	sim, err := lambdasim.NewOf(schedule, profile, placement, f.Seed)
	if err != nil {
		return nil, fmt.Errorf("bad -reuse flags: %w", err)
	}
	return sim, nil
}

// Simulation returns the simulation of experiment name the flags describe,
// or an error naming every bad value, the model's with the schedule's.
func (f *Flags) Simulation(name, root string) (*lambdasim.Simulation, error) {
	schedule, err := f.Schedule(name, root)
	if err != nil {
		return nil, err
	}
	return f.SimulationOf(schedule)
}

// IsDefaultSimulation reports whether the flags describe the default
// simulated seed experiment, the one the golden file records: the model
// and the seed experiment's own flags at their defaults. Output paths,
// live-only flags and the other experiments' own do not matter.
func (f *Flags) IsDefaultSimulation() bool {
	d := defaultFlags()
	model := func(x Flags) []any {
		return []any{x.Handler, x.Seed, x.Profile, x.Placement, x.Sweep, x.tenants.count, x.MemoryMB, x.FunctionTimeout, x.Leak.KB}
	}
	return reflect.DeepEqual(model(*f), model(d)) && f.params[seedExperiment.Name].Default()
}

// FromRoot makes the flags' relative file paths relative to root instead of
// the working folder: go test runs a package's tests in the package's
// folder, while users write paths from the module root, where they run it.
// Built-in profile names are not paths and stay as they are. An
// experiment's own files (a trace) are read relative to the root it is
// given.
func (f *Flags) FromRoot(root string) {
	abs := func(p *string) {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(root, *p)
		}
	}
	for _, p := range []*string{&f.Out, &f.Log, &f.Report, &f.Baseline} {
		abs(p)
	}
	for _, p := range []*string{&f.Profile, &f.Predict} {
		if lambdasim.IsProfilePath(*p) {
			abs(p)
		}
	}
}

// inRange reports flag's value v outside lo to hi, naming both.
func inRange(flag string, v, lo, hi int64) error {
	if v < lo || v > hi {
		return fmt.Errorf("-%s must be from %d to %d, got %d", flag, lo, hi, v)
	}
	return nil
}

// Leak is a memory leak per call, as -reuse.leak gives it: a size in KB
// or MB (1 KB is 1,024 bytes and 1 MB 1,024 KB, as Lambda's memory sizes
// count), parsed here once for every run that takes it.
type Leak struct {
	// KB is the leak per call in KB; 0 for none.
	KB   float64
	text string
}

// parseLeak reads a leak per call: a number and its unit, KB or MB
// ("100KB", "0.1MB", "1.5 MB"), or 0; from 0 to protocol.MaxLeakKB KB.
func parseLeak(s string) (Leak, error) {
	text := strings.TrimSpace(s)
	num, unit := text, 1.0
	for _, u := range []struct {
		suffix string
		kb     float64
	}{{"KB", 1}, {"MB", 1024}} {
		if n, ok := strings.CutSuffix(strings.ToUpper(text), u.suffix); ok {
			num, unit = strings.TrimSpace(text[:len(n)]), u.kb
			break
		}
	}
	v, err := strconv.ParseFloat(num, 64)
	switch {
	case err != nil || (unit == 1 && num == text && v != 0):
		return Leak{}, fmt.Errorf("-reuse.leak %q: want a size in KB or MB (100KB, 0.1MB) or 0", s)
	case !(v >= 0 && v*unit <= protocol.MaxLeakKB):
		return Leak{}, fmt.Errorf("-reuse.leak %q: must be from 0 to %dMB a call", s, protocol.MaxLeakKB/1024)
	}
	return Leak{KB: v * unit, text: text}, nil
}

// MB is the leak per call in MB.
func (l Leak) MB() float64 { return l.KB / 1024 }

func (l *Leak) String() string {
	if l == nil || l.text == "" {
		return "0"
	}
	return l.text
}

// Set parses a -reuse.leak value.
func (l *Leak) Set(s string) error {
	v, err := parseLeak(s)
	if err == nil {
		*l = v
	}
	return err
}
