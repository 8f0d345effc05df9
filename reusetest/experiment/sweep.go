package experiment

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdasim"
	"github.com/lambda-reuse/lambda-reuse/reusetest/report"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
)

// Variant is one what-if of a sweep: a model to simulate the same schedule
// under.
type Variant struct {
	Name      string
	Profile   lambdasim.Profile
	Placement lambdasim.Placement
	// Tenants, when set, gives the schedule's calls tenants drawn from it
	// (a tenants= sweep).
	Tenants *schedule.Population
}

// maxSweepValues bounds the what-ifs of one sweep: its memory follows
// their number (a row of figures each), never a list on the command line.
const maxSweepValues = 1000

// sweepKey is one thing -reuse.sweep sweeps: its name, an example of its
// values, and how one value makes a what-if of the flags' own model (base
// and placement: -reuse.profile and -reuse.placement with -reuse.memory,
// -reuse.leak and -reuse.timeout on it).
type sweepKey struct {
	name, example string
	variant       func(f *Flags, base lambdasim.Profile, placement lambdasim.Placement, v string) (Variant, error)
}

// sweepKeys is the one list of what -reuse.sweep sweeps.
var sweepKeys = []sweepKey{
	{"profile", "A,B", func(f *Flags, _ lambdasim.Profile, _ lambdasim.Placement, v string) (Variant, error) {
		p, pl, err := lambdasim.Resolve(v, f.Placement)
		if err == nil {
			p, err = f.override(p)
		}
		return Variant{Name: "profile " + p.Name, Profile: p, Placement: pl}, err
	}},
	{"placement", "mru,lru", func(_ *Flags, base lambdasim.Profile, _ lambdasim.Placement, v string) (Variant, error) {
		pl, err := lambdasim.ParsePlacement(v)
		return Variant{Name: "placement " + v, Profile: base, Placement: pl}, err
	}},
	{"idle", "5m,15m", func(_ *Flags, base lambdasim.Profile, placement lambdasim.Placement, v string) (Variant, error) {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return Variant{}, fmt.Errorf("idle %q: want a positive duration such as 15m", v)
		}
		p := base
		p.IdleTimeout, p.File = lambdasim.Fixed(d), nil
		return Variant{Name: "idle timeout " + d.String(), Profile: p, Placement: placement}, nil
	}},
	{"provisioned", "0,10", func(_ *Flags, base lambdasim.Profile, placement lambdasim.Placement, v string) (Variant, error) {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > base.ConcurrencyLimit {
			return Variant{}, fmt.Errorf("provisioned %q: want a count from 0 to the profile's concurrency limit (%d)", v, base.ConcurrencyLimit)
		}
		p := base
		p.Provisioned, p.File = n, nil
		return Variant{Name: fmt.Sprintf("provisioned %d", n), Profile: p, Placement: placement}, nil
	}},
	{"tenants", "1,10,100", func(f *Flags, base lambdasim.Profile, placement lambdasim.Placement, v string) (Variant, error) {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > schedule.MaxTenants {
			return Variant{}, fmt.Errorf("tenants %q: want a whole number of tenants from 1 to %d", v, schedule.MaxTenants)
		}
		pop, err := f.tenants.population(n)
		if err != nil {
			return Variant{}, fmt.Errorf("tenants %q: %w", v, err)
		}
		return Variant{Name: fmt.Sprintf("tenants %d", n), Profile: base, Placement: placement, Tenants: &pop}, nil
	}},
	overrideKey("memory", "512,1024", func(v string) (lambdasim.Overrides, string, error) {
		mb, err := parseMemoryMB(v)
		return lambdasim.Overrides{MemoryMB: mb}, fmt.Sprintf("memory %d MB", mb), err
	}),
	overrideKey("leak", "0,100KB,1MB", func(v string) (lambdasim.Overrides, string, error) {
		l, err := parseLeak(v)
		return lambdasim.Overrides{Leak: true, LeakMB: l.MB()}, "leak " + l.String() + " a call", err
	}),
	overrideKey("timeout", "3s,30s", func(v string) (lambdasim.Overrides, string, error) {
		d, err := parseFunctionTimeout(v)
		return lambdasim.Overrides{Timeout: d}, "timeout " + d.String(), err
	}),
}

// overrideKey is a sweep key whose value sets one of the profile's memory
// and timeout figures (lambdasim.Overrides), as parse reads it and names
// the what-if.
func overrideKey(name, example string, parse func(v string) (lambdasim.Overrides, string, error)) sweepKey {
	return sweepKey{name, example, func(f *Flags, base lambdasim.Profile, placement lambdasim.Placement, v string) (Variant, error) {
		o, what, err := parse(v)
		if err == nil {
			o.Source = f.source
			base, err = base.Override(o)
		}
		if err != nil {
			return Variant{}, fmt.Errorf("%s %q: %w", name, v, err)
		}
		return Variant{Name: what, Profile: base, Placement: placement}, nil
	}}
}

// sweepUsage is what -reuse.sweep takes, from sweepKeys: "profile=A,B,
// placement=mru,lru, ...".
func sweepUsage() string {
	parts := make([]string, len(sweepKeys))
	for i, k := range sweepKeys {
		parts[i] = k.name + "=" + k.example
	}
	return strings.Join(parts, ", ")
}

// SweepVariants returns the what-ifs -reuse.sweep names over experiment
// name's schedule sched, each a change of the flags' own model
// (-reuse.profile, -reuse.placement, with -reuse.memory, -reuse.leak and
// -reuse.timeout): one of sweepKeys, "profile=A,B" (built-in names or
// files), "placement=mru,lru", "idle=5m,15m" (a fixed idle timeout),
// "provisioned=0,5,10" (provisioned concurrency), "tenants=1,10,100" (the
// calls' tenants, drawn with the popularity of -reuse.tenants.popularity),
// "memory=512,1024" (the memory size, MB), "leak=0,100KB" (each
// generation's growth per call) or "timeout=3s,30s" (the function's
// timeout); at most maxSweepValues of them. Every bad value, and every
// what-if its schedule cannot run under (tenants with provisioned
// concurrency, a question the model cannot answer), is named in one error,
// before any runs.
func (f *Flags) SweepVariants(name string, sched schedule.Schedule) ([]Variant, error) {
	base, placement, err := f.Model()
	if err != nil {
		return nil, err
	}
	what, values, ok := strings.Cut(f.Sweep, "=")
	if !ok || values == "" {
		return nil, fmt.Errorf("bad -reuse flags: -reuse.sweep %q: want %s", f.Sweep, sweepUsage())
	}
	if n := strings.Count(values, ",") + 1; n > maxSweepValues {
		return nil, fmt.Errorf("bad -reuse flags: -reuse.sweep: %d values, more than the %d a sweep takes: sweep fewer, or in parts", n, maxSweepValues)
	}
	i := slices.IndexFunc(sweepKeys, func(k sweepKey) bool { return k.name == what })
	if i < 0 {
		names := make([]string, len(sweepKeys))
		for i, k := range sweepKeys {
			names[i] = k.name
		}
		return nil, fmt.Errorf("bad -reuse flags: -reuse.sweep %q: sweeps %s", what, strings.Join(names, ", "))
	}
	var out []Variant
	var errs []error
	for _, v := range strings.Split(values, ",") {
		vr, err := sweepKeys[i].variant(f, base, placement, strings.TrimSpace(v))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, vr)
	}
	if len(errs) == 0 {
		// Each what-if's model against the schedule, as its run would
		// make it (no call is simulated here).
		for _, v := range out {
			if _, _, err := v.simulation(sched, f.Seed); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", v.Name, err))
			}
			if err := f.checkModel(name, v.Profile); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", v.Name, err))
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("bad -reuse flags: -reuse.sweep: %w", err)
	}
	return out, nil
}

// simulation is v's simulation of sched, and the schedule it runs: sched
// with v's tenants given to its calls, v's model checked against them.
func (v Variant) simulation(sched schedule.Schedule, seed uint64) (*lambdasim.Simulation, schedule.Schedule, error) {
	if v.Tenants != nil {
		var err error
		if sched, err = schedule.WithTenants(sched, *v.Tenants); err != nil {
			return nil, nil, err
		}
	}
	sim, err := lambdasim.NewOf(sched, v.Profile, v.Placement, seed)
	return sim, sched, err
}

// Sweep simulates experiment name's schedule under each variant (from
// SweepVariants), GOMAXPROCS at a time (each variant with a schedule of its
// own, so a trace has a reader each), prints one comparison table to w and
// writes it and its chart into dir. It returns what the table and the
// chart read of each variant's summary (report.SweepFigures), in the
// variants' order: memory is a row of figures per variant and the
// simulations running, never every variant's whole summary. Each summary
// passes its check before it joins the table.
func Sweep(ctx context.Context, w io.Writer, f *Flags, name, root string, variants []Variant, dir string) ([]summary.Summary, error) {
	if err := f.Unused(false); err != nil {
		return nil, err
	}
	if f.Log != "" {
		return nil, fmt.Errorf("bad -reuse flags: -reuse.log has no effect on a sweep: it writes the record log of one simulated run")
	}
	if len(variants) == 0 || len(variants) > maxSweepValues {
		return nil, fmt.Errorf("sweep: %d what-ifs: from 1 to %d", len(variants), maxSweepValues)
	}
	first, err := f.Schedule(name, root)
	if err != nil {
		return nil, err
	}
	sums := make([]summary.Summary, len(variants))
	names := make([]string, len(variants))
	errs := make([]error, len(variants))
	workers := min(len(variants), runtime.GOMAXPROCS(0))
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range next {
				sums[i], errs[i] = runVariant(ctx, variants[i], first, i == 0, f.Seed)
			}
		})
	}
	for i, v := range variants {
		names[i] = v.Name
		next <- i
	}
	close(next)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	fmt.Fprintf(w, "\nwhat-ifs over %s (%d in parallel)\n\n", first.Spec(), workers)
	if variants[0].Tenants != nil && f.tenants.count != 0 {
		fmt.Fprintf(w, "(-reuse.tenants=%d is replaced by each what-if's tenants)\n\n", f.tenants.count)
	}
	if err := report.WriteSweepTable(w, names, sums); err != nil {
		return nil, err
	}
	paths, err := report.WriteSweep(dir, names, sums)
	if err != nil {
		return nil, err
	}
	for _, p := range paths {
		fmt.Fprintf(w, "  %s\n", p)
	}
	return sums, nil
}

// runVariant simulates variant v of the sweep and returns what the sweep
// keeps of its summary, checked; the first variant runs on first, the
// schedule already made, every other on a copy of it with reading state
// of its own (schedule.Own: a trace is read once, not once a variant).
func runVariant(ctx context.Context, v Variant, first schedule.Schedule, isFirst bool, seed uint64) (summary.Summary, error) {
	own := first
	if !isFirst {
		own = schedule.Own(first)
	}
	sim, own, err := v.simulation(own, seed)
	if err != nil {
		return summary.Summary{}, fmt.Errorf("%s: %w", v.Name, err)
	}
	s := summary.NewSummarizer(own, "simulator", sim.Describe())
	if _, err := sim.SummarizeInto(ctx, s); err != nil {
		return summary.Summary{}, fmt.Errorf("%s: %w", v.Name, err)
	}
	sum := s.Summary()
	if err := sum.Check(); err != nil {
		return summary.Summary{}, fmt.Errorf("%s: %w (a bug: please report it)", v.Name, err)
	}
	return report.SweepFigures(sum), nil
}
