package experiment

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
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

// SweepVariants returns the what-ifs -reuse.sweep names, each a change of
// the flags' own model (-reuse.profile, -reuse.placement): "profile=A,B"
// (built-in names or files), "placement=mru,lru", "idle=5m,15m" (a fixed
// idle timeout), "provisioned=0,5,10" (provisioned concurrency) or
// "tenants=1,10,100" (the calls' tenants, drawn with the popularity of
// -reuse.tenants.popularity), or an error naming every bad value.
func (f *Flags) SweepVariants() ([]Variant, error) {
	base, placement, err := lambdasim.Resolve(f.Profile, f.Placement)
	if err != nil {
		return nil, fmt.Errorf("bad -reuse flags: %w", err)
	}
	what, values, ok := strings.Cut(f.Sweep, "=")
	if !ok || values == "" {
		return nil, fmt.Errorf("bad -reuse flags: -reuse.sweep %q: want profile=A,B, placement=mru,lru, idle=5m,15m, provisioned=0,10 or tenants=1,10,100", f.Sweep)
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
		case "provisioned":
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > base.ConcurrencyLimit {
				errs = append(errs, fmt.Errorf("provisioned %q: want a count from 0 to the profile's concurrency limit (%d)", v, base.ConcurrencyLimit))
				continue
			}
			p := base
			p.Provisioned, p.File = n, nil
			out = append(out, Variant{Name: fmt.Sprintf("provisioned %d", n), Profile: p, Placement: placement})
		case "tenants":
			n, err := strconv.Atoi(v)
			if err != nil {
				n = 0
			}
			pop, err := f.tenants.population(n)
			if err != nil {
				errs = append(errs, fmt.Errorf("tenants %q: %w", v, err))
				continue
			}
			out = append(out, Variant{Name: fmt.Sprintf("tenants %d", n), Profile: base, Placement: placement, Tenants: &pop})
		default:
			return nil, fmt.Errorf("bad -reuse flags: -reuse.sweep %q: sweeps profile, placement, idle, provisioned or tenants", what)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("bad -reuse flags: -reuse.sweep: %w", err)
	}
	return out, nil
}

// Sweep simulates experiment name's schedule under each variant, in
// parallel on the machine's cores (each variant with a schedule of its
// own, so a trace has a reader each), prints one comparison table to w
// and writes it and its chart into dir. It returns the summaries, in the
// variants' order.
func Sweep(ctx context.Context, w io.Writer, f *Flags, name, root string, variants []Variant, dir string) ([]summary.Summary, error) {
	sums := make([]summary.Summary, len(variants))
	names := make([]string, len(variants))
	errs := make([]error, len(variants))
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	first, err := f.Schedule(name, root)
	if err != nil {
		return nil, err
	}
	for i, v := range variants {
		names[i] = v.Name
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			own := first
			if i > 0 {
				var err error
				if own, err = f.Schedule(name, root); err != nil {
					errs[i] = err
					return
				}
			}
			if v.Tenants != nil {
				var err error
				if own, err = schedule.WithTenants(own, *v.Tenants); err != nil {
					errs[i] = fmt.Errorf("%s: %w", v.Name, err)
					return
				}
			}
			sim, err := lambdasim.NewOf(own, v.Profile, v.Placement, f.Seed)
			if err != nil {
				errs[i] = fmt.Errorf("%s: %w", v.Name, err)
				return
			}
			s := summary.NewSummarizer(own, "simulator", sim.Describe())
			if _, err := sim.Run(ctx, s.Add); err != nil {
				errs[i] = fmt.Errorf("%s: %w", v.Name, err)
				return
			}
			sums[i] = s.Summary()
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	fmt.Fprintf(w, "\nwhat-ifs over %s (%d in parallel)\n\n", first.Spec(), min(len(variants), runtime.GOMAXPROCS(0)))
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
