package reusetest

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/fit"
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
	Predict   string
	FailFast  bool
	// The experiments' own flags (burst, idle).
	N      int64
	Rounds int64
	Pause  time.Duration
	Gaps   string
	// The trace experiment's own flags.
	Trace         string
	TraceSpeed    float64
	TraceStart    time.Duration
	TraceLength   time.Duration
	TraceSpread   string
	TraceInterval time.Duration
	TraceMaxCalls int64
	Sweep         string

	// set names the flags given on the command line (NoteSet).
	set map[string]bool
}

// NoteSet records which flags of fs were given, after fs is parsed: a
// profile that carries the schedule it was fitted on runs that schedule
// when no schedule flag was given.
func (f *Flags) NoteSet(fs *flag.FlagSet) {
	f.set = map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { f.set[fl.Name] = true })
}

// scheduleFlags are the flags that say a steady or Poisson schedule.
var scheduleFlags = []string{"reuse.calls", "reuse.rate", "reuse.handler", "reuse.arrivals"}

// profileSchedule is the schedule the flags' profile carries, when it
// carries one and no schedule flag was given; else nil.
func (f *Flags) profileSchedule() (reuse.Schedule, error) {
	for _, name := range scheduleFlags {
		if f.set[name] {
			return nil, nil
		}
	}
	p, _, err := lambdasim.Resolve(f.Profile, f.Placement)
	if err != nil || p.Schedule == nil {
		return nil, nil // a bad profile is reported where the simulation is made
	}
	s, err := reuse.FromSpec(*p.Schedule)
	if err != nil {
		return nil, fmt.Errorf("bad -reuse flags: -reuse.profile %s: its schedule: %w", f.Profile, err)
	}
	return s, nil
}

// DefaultTrace is the trace the trace experiment replays when -reuse.trace
// is not given: a synthetic day of calls per minute, under testdata/.
const DefaultTrace = "testdata/traces/counts-per-minute.csv"

// The experiments' defaults, where -reuse.n and -reuse.rounds are 0.
const (
	DefaultBurstSize   = 200
	DefaultBurstRounds = 5
	DefaultBurstPause  = time.Minute
	DefaultIdleSize    = 20
	DefaultIdleRounds  = 50
	// DefaultIdleGaps span 1 to 60 minutes, densest around the idle
	// timeouts published since 2019 (5 to 10 minutes; docs/sources.md).
	DefaultIdleGaps = "1m,2m,3m,4m,5m,6m,7m,8m,10m,20m,60m"
)

// DefaultFlags are the flags' values when none is given.
func DefaultFlags() Flags {
	return Flags{
		Calls:    reuse.SeedCalls,
		Rate:     reuse.SeedRatePerSec,
		Handler:  reuse.SeedHandler,
		Seed:     lambdasim.DefaultSeed,
		Profile:  lambdasim.DefaultProfile,
		Arrivals: lambdasim.ArrivalsFixed,
		Timeout:  runner.DefaultTimeout,
		FailFast: true,
		Pause:    DefaultBurstPause,
		Gaps:     DefaultIdleGaps,

		TraceMaxCalls: reuse.DefaultMaxTraceCalls,
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
	fs.StringVar(&f.Profile, "reuse.profile", d.Profile, "simulator profile: "+strings.Join(lambdasim.ProfileNames(), ", ")+", or a profile file's path (docs/simulator.md: profile files)")
	fs.StringVar(&f.Placement, "reuse.placement", d.Placement, "simulator placement among idle environments: "+strings.Join(lambdasim.PlacementNames(), ", ")+" (default: the profile's, else "+string(lambdasim.DefaultPlacement)+")")
	fs.StringVar(&f.Arrivals, "reuse.arrivals", d.Arrivals, "simulator arrival process: "+lambdasim.ArrivalsFixed+" or "+reuse.KindPoisson)
	fs.StringVar(&f.Out, "reuse.out", "", "where to write the summary JSON (default: simulated runs a file under out/, live runs testdata/live/)")
	fs.DurationVar(&f.Timeout, "reuse.timeout", d.Timeout, "live runs: timeout of each call")
	fs.StringVar(&f.Report, "reuse.report", "", "simulated runs: write a report folder (report.md and charts) here; live runs always write one beside the summary")
	fs.StringVar(&f.Baseline, "reuse.baseline", "", "live runs: the accepted baseline summary to compare with (default: testdata/live/TARGET.baseline.json)")
	fs.StringVar(&f.Predict, "reuse.predict", "", "live runs: the profile (built-in name or file) whose prediction stands beside the measurement, with the profile fitted to the run (default: the profile a served pool declares, else "+fit.DefaultPredictProfile+")")
	fs.BoolVar(&f.FailFast, "reuse.failfast", d.FailFast, "live runs: stop early when every call fails the same way past the start-up window and none succeeds (docs/live.md: fail fast)")
	fs.Int64Var(&f.N, "reuse.n", 0, fmt.Sprintf("burst and idle experiments: calls at once (default %d for bursts, %d for the idle curve)", DefaultBurstSize, DefaultIdleSize))
	fs.Int64Var(&f.Rounds, "reuse.rounds", 0, fmt.Sprintf("burst and idle experiments: bursts, or trials per gap (default %d for bursts, %d for the idle curve)", DefaultBurstRounds, DefaultIdleRounds))
	fs.DurationVar(&f.Pause, "reuse.pause", d.Pause, "burst experiment: time between bursts")
	fs.StringVar(&f.Gaps, "reuse.gaps", d.Gaps, "idle experiment: the idle gaps, comma-separated durations")
	fs.StringVar(&f.Trace, "reuse.trace", "", "trace experiment: the trace file to replay, timestamps or counts per interval, CSV or JSON Lines (docs/experiments.md: your traffic; default "+DefaultTrace+")")
	fs.Float64Var(&f.TraceSpeed, "reuse.trace.speed", d.TraceSpeed, "trace experiment: trace seconds per run second (10 replays a day in 2.4 hours)")
	fs.DurationVar(&f.TraceStart, "reuse.trace.start", 0, "trace experiment: where in the trace to start (trace time)")
	fs.DurationVar(&f.TraceLength, "reuse.trace.length", 0, "trace experiment: how much of the trace to replay (trace time; 0 to its end)")
	fs.StringVar(&f.TraceSpread, "reuse.trace.spread", d.TraceSpread, "trace experiment: how a counts trace's calls fall in their interval: uniform, poisson or even")
	fs.DurationVar(&f.TraceInterval, "reuse.trace.interval", 0, "trace experiment: a start,count trace's interval (default 1m)")
	fs.Int64Var(&f.TraceMaxCalls, "reuse.trace.maxcalls", reuse.DefaultMaxTraceCalls, "trace experiment: the most calls a replay may make; a trace whose window holds more is refused before any call")
	fs.StringVar(&f.Sweep, "reuse.sweep", "", "trace experiment: what-ifs run in parallel: profile=A,B,... or placement=mru,lru,... or idle=5m,15m,... (idle timeouts, fixed)")
	fs.StringVar(&f.Log, "reuse.log", "", "live runs: the record log to write or resume (default: out/live/TARGET.jsonl, git-ignored); simulated runs: a new record log of the run, to fit or report like a measured one (default: none)")
	return f
}

// Plan returns the plan the flags describe, or why they describe none.
func (f *Flags) Plan() (reuse.Plan, error) {
	var errs []error
	if f.Handler%time.Millisecond != 0 {
		errs = append(errs, fmt.Errorf("bad -reuse flags: -reuse.handler %v is not a whole number of milliseconds", f.Handler))
	}
	plan := reuse.Plan{Calls: f.Calls, RatePerSec: f.Rate, HandlerMS: f.Handler.Milliseconds()}
	if err := plan.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("bad -reuse flags: %w", err))
	}
	if err := errors.Join(errs...); err != nil {
		return reuse.Plan{}, err
	}
	return plan, nil
}

// Schedule returns the schedule the flags describe: the plan's calls at a
// fixed interval, or (-reuse.arrivals=poisson) as Poisson arrivals drawn
// from the seed; or, when no schedule flag was given and the profile
// carries the schedule it was fitted on, that schedule.
func (f *Flags) Schedule() (reuse.Schedule, error) {
	if s, err := f.profileSchedule(); s != nil || err != nil {
		return s, err
	}
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

// Simulation returns the simulation of the seed experiment the flags
// describe, or an error naming every bad value.
func (f *Flags) Simulation() (*lambdasim.Simulation, error) {
	schedule, err := f.Schedule()
	if err != nil {
		// The model's flags too, so every bad value is named at once.
		if _, _, merr := lambdasim.Resolve(f.Profile, f.Placement); merr != nil {
			err = errors.Join(err, fmt.Errorf("bad -reuse flags: %w", merr))
		}
		return nil, err
	}
	return f.SimulationOf(schedule)
}

// SimulationOf returns the simulation of schedule under the flags' model
// (profile, placement, seed).
func (f *Flags) SimulationOf(schedule reuse.Schedule) (*lambdasim.Simulation, error) {
	sim, err := lambdasim.New(schedule, lambdasim.Options{Profile: f.Profile, Placement: f.Placement, Seed: f.Seed})
	if err != nil {
		return nil, fmt.Errorf("bad -reuse flags: %w", err)
	}
	return sim, nil
}

// handlerMS is -reuse.handler in milliseconds, or why it is not whole.
func (f *Flags) handlerMS() (int64, error) {
	if f.Handler%time.Millisecond != 0 {
		return 0, fmt.Errorf("-reuse.handler %v is not a whole number of milliseconds", f.Handler)
	}
	return f.Handler.Milliseconds(), nil
}

// orDefault is v, or def when v is 0.
func orDefault(v, def int64) int64 {
	if v == 0 {
		return def
	}
	return v
}

// BurstSchedule returns the burst experiment the flags describe
// (-reuse.n calls at once, -reuse.rounds bursts, -reuse.pause apart,
// -reuse.handler), or an error naming every bad value.
func (f *Flags) BurstSchedule() (reuse.Burst, error) {
	var errs []error
	ms, err := f.handlerMS()
	errs = append(errs, err)
	b := reuse.Burst{Size: orDefault(f.N, DefaultBurstSize), Rounds: orDefault(f.Rounds, DefaultBurstRounds), Pause: f.Pause, HandlerMS: ms}
	if b.Size < 1 || b.Size > reuse.MaxBurstSize {
		errs = append(errs, fmt.Errorf("-reuse.n must be from 1 to %d, got %d", reuse.MaxBurstSize, b.Size))
	}
	if b.Rounds < 1 || b.Rounds > reuse.MaxRounds {
		errs = append(errs, fmt.Errorf("-reuse.rounds must be from 1 to %d, got %d", reuse.MaxRounds, b.Rounds))
	}
	if b.Pause < time.Second || b.Pause%time.Millisecond != 0 {
		errs = append(errs, fmt.Errorf("-reuse.pause must be whole milliseconds, at least 1s, got %v", b.Pause))
	}
	if err := errors.Join(errs...); err != nil {
		return reuse.Burst{}, fmt.Errorf("bad -reuse flags: %w", err)
	}
	if err := b.Validate(); err != nil {
		return reuse.Burst{}, fmt.Errorf("bad -reuse flags: %w", err)
	}
	return b, nil
}

// IdleSchedule returns the idle experiment the flags describe (-reuse.n
// calls per phase, -reuse.gaps, -reuse.rounds per gap, -reuse.handler, in an
// order shuffled from -reuse.seed), or an error naming every bad value.
func (f *Flags) IdleSchedule() (*reuse.Idle, error) {
	var errs []error
	ms, err := f.handlerMS()
	errs = append(errs, err)
	var gaps []time.Duration
	for _, g := range strings.Split(f.Gaps, ",") {
		d, err := time.ParseDuration(strings.TrimSpace(g))
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("-reuse.gaps: %q is not a duration (e.g. 90s, 5m)", g))
		case d <= 0 || d%time.Millisecond != 0:
			errs = append(errs, fmt.Errorf("-reuse.gaps: %v must be a positive whole number of milliseconds", d))
		default:
			gaps = append(gaps, d)
		}
	}
	size, rounds := orDefault(f.N, DefaultIdleSize), orDefault(f.Rounds, DefaultIdleRounds)
	if size < 1 || size > reuse.MaxBurstSize {
		errs = append(errs, fmt.Errorf("-reuse.n must be from 1 to %d, got %d", reuse.MaxBurstSize, size))
	}
	if rounds < 1 || rounds > reuse.MaxRounds {
		errs = append(errs, fmt.Errorf("-reuse.rounds must be from 1 to %d, got %d", reuse.MaxRounds, rounds))
	}
	if f.Handler < reuse.MinIdleHandler {
		errs = append(errs, fmt.Errorf("-reuse.handler must be at least %v for the idle experiment (the calls of a phase must overlap), got %v", reuse.MinIdleHandler, f.Handler))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("bad -reuse flags: %w", err)
	}
	s, err := reuse.NewIdle(size, gaps, rounds, ms, f.Seed, 0)
	if err != nil {
		return nil, fmt.Errorf("bad -reuse flags: %w", err)
	}
	return s, nil
}

// TraceSchedule returns the trace the flags name (-reuse.trace, else
// DefaultTrace under root) as a schedule: -reuse.trace.* shape the replay,
// -reuse.handler is the handler time of calls that carry none, -reuse.seed
// seeds the spread.
func (f *Flags) TraceSchedule(root string) (*reuse.Trace, error) {
	ms, err := f.handlerMS()
	if err != nil {
		return nil, fmt.Errorf("bad -reuse flags: %w", err)
	}
	path := f.Trace
	if path == "" {
		path = filepath.Join(root, DefaultTrace)
	}
	t, err := reuse.OpenTrace(path, reuse.TraceOptions{Spread: f.TraceSpread, Seed: f.Seed, Speed: f.TraceSpeed,
		Start: f.TraceStart, Length: f.TraceLength, Interval: f.TraceInterval, HandlerMS: ms, MaxCalls: f.TraceMaxCalls})
	if err != nil {
		return nil, fmt.Errorf("bad -reuse flags: %w", err)
	}
	return t, nil
}

// IsDefaultSimulation reports whether the flags describe the default
// simulated seed experiment, the one the golden file records. Output paths
// and live-only flags do not matter.
func (f *Flags) IsDefaultSimulation() bool {
	g, d := *f, DefaultFlags()
	g.Out, g.Log, g.Timeout, g.Report, g.Baseline, g.FailFast = d.Out, d.Log, d.Timeout, d.Report, d.Baseline, d.FailFast
	g.N, g.Rounds, g.Pause, g.Gaps = d.N, d.Rounds, d.Pause, d.Gaps // the other experiments' own
	g.Trace, g.TraceSpeed, g.TraceStart, g.TraceLength, g.TraceSpread, g.TraceInterval, g.Sweep = d.Trace, d.TraceSpeed, d.TraceStart, d.TraceLength, d.TraceSpread, d.TraceInterval, d.Sweep
	g.TraceMaxCalls = d.TraceMaxCalls
	g.Predict = d.Predict // live runs' own
	g.set = nil
	return reflect.DeepEqual(g, d)
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

// DefaultExperimentOut is where a simulated experiment's summary goes when
// -reuse.out is not given: a file under out/ named for the experiment and
// the model.
func DefaultExperimentOut(root, experiment string, f Flags) string {
	if strings.HasPrefix(experiment, "trace") {
		// Each trace's replay apart: named for its file.
		trace := f.Trace
		if trace == "" {
			trace = DefaultTrace
		}
		experiment += "-" + strings.TrimSuffix(filepath.Base(trace), filepath.Ext(trace))
	}
	return filepath.Join(root, "out", fmt.Sprintf("sim-%s-%s-%s-seed%d.json", experiment, profileTag(f.Profile), f.placementTag(), f.Seed))
}

// DefaultSimOut is where a simulated summary goes when -reuse.out is not
// given: a file under out/ (git-ignored) at the module root, named for the
// run so that what-ifs do not overwrite each other.
func DefaultSimOut(root string, f Flags) string {
	name := fmt.Sprintf("sim-%s-%s-%s-seed%d-%dcalls-%srps-%dms.json",
		profileTag(f.Profile), f.placementTag(), f.Arrivals, f.Seed, f.Calls,
		strconv.FormatFloat(f.Rate, 'g', -1, 64), f.Handler.Milliseconds())
	return filepath.Join(root, "out", name)
}

// placementTag names the run's placement rule in file names: the one
// given, else the profile's (or the default).
func (f Flags) placementTag() string {
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

// Variant is one what-if of a sweep: a model to simulate the same schedule
// under.
type Variant struct {
	Name      string
	Profile   lambdasim.Profile
	Placement lambdasim.Placement
}

// SweepVariants returns the what-ifs -reuse.sweep names, each a change of
// the flags' own model (-reuse.profile, -reuse.placement): "profile=A,B"
// (built-in names or files), "placement=mru,lru" or "idle=5m,15m" (a fixed
// idle timeout), or an error naming every bad value.
func (f *Flags) SweepVariants() ([]Variant, error) {
	base, placement, err := lambdasim.Resolve(f.Profile, f.Placement)
	if err != nil {
		return nil, fmt.Errorf("bad -reuse flags: %w", err)
	}
	what, values, ok := strings.Cut(f.Sweep, "=")
	if !ok || values == "" {
		return nil, fmt.Errorf("bad -reuse flags: -reuse.sweep %q: want profile=A,B, placement=mru,lru or idle=5m,15m", f.Sweep)
	}
	var out []Variant
	var errs []error
	for _, v := range strings.Split(values, ",") {
		v = strings.TrimSpace(v)
		switch what {
		case "profile":
			p, pl, err := lambdasim.Resolve(v, f.Placement)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			out = append(out, Variant{Name: "profile " + p.Name, Profile: p, Placement: pl})
		case "placement":
			pl, err := lambdasim.ParsePlacement(v)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			out = append(out, Variant{Name: "placement " + v, Profile: base, Placement: pl})
		case "idle":
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				errs = append(errs, fmt.Errorf("idle %q: want a positive duration such as 15m", v))
				continue
			}
			p := base
			p.IdleTimeout, p.File = lambdasim.Fixed(d), nil
			out = append(out, Variant{Name: "idle timeout " + d.String(), Profile: p, Placement: placement})
		default:
			return nil, fmt.Errorf("bad -reuse flags: -reuse.sweep %q: sweeps profile, placement or idle", what)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("bad -reuse flags: -reuse.sweep: %w", err)
	}
	return out, nil
}

// FromRoot makes the flags' relative file paths relative to root instead of
// the working folder: go test runs a package's tests in the package's
// folder, while users write paths from the module root, where they run it.
// Built-in profile names are not paths and stay as they are.
func (f *Flags) FromRoot(root string) {
	abs := func(p *string) {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(root, *p)
		}
	}
	for _, p := range []*string{&f.Trace, &f.Out, &f.Log, &f.Report, &f.Baseline} {
		abs(p)
	}
	for _, p := range []*string{&f.Profile, &f.Predict} {
		if lambdasim.IsProfilePath(*p) {
			abs(p)
		}
	}
}
