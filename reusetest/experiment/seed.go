package experiment

import (
	"errors"
	"flag"
	"fmt"
	"strconv"

	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdasim"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
)

// seedExperiment is the 2021 experiment: -reuse.calls calls at
// -reuse.rate, at a fixed interval or as Poisson arrivals.
var seedExperiment = Experiment{
	Name:  "seed",
	Kinds: []string{schedule.KindSteady, schedule.KindPoisson},
	Flags: func(fs *flag.FlagSet, _ *Shared) Params {
		p := defaultSeedParams()
		fs.Int64Var(&p.Calls, "reuse.calls", p.Calls, "seed experiment: number of calls")
		fs.Float64Var(&p.Rate, "reuse.rate", p.Rate, "seed experiment: open-loop call rate, calls per second")
		fs.StringVar(&p.Arrivals, "reuse.arrivals", p.Arrivals, "seed experiment: arrival process: "+lambdasim.ArrivalsFixed+" or "+schedule.KindPoisson)
		return &p
	},
}

func init() { register(seedExperiment) }

// seedParams are the seed experiment's own flags.
type seedParams struct {
	Calls    int64
	Rate     float64
	Arrivals string
}

func defaultSeedParams() seedParams {
	return seedParams{Calls: schedule.SeedCalls, Rate: schedule.SeedRatePerSec, Arrivals: lambdasim.ArrivalsFixed}
}

// scheduleFlags are the flags that say a steady or Poisson schedule.
var scheduleFlags = []string{"reuse.calls", "reuse.rate", "reuse.handler", "reuse.arrivals"}

// Default reports the 2021 plan at a fixed interval.
func (p *seedParams) Default() bool { return *p == defaultSeedParams() }

// OutName names a run for its model and plan: profile, placement,
// arrivals, seed, calls, rate and handler.
func (p *seedParams) OutName(f *Flags) string {
	if spec := f.carriedSpec(); spec != nil {
		// The run is the schedule the profile carries, not the plan the
		// flags would make: the name says so.
		return fmt.Sprintf("sim-%s-%s-seed%d-its-%s-%dcalls.json", profileTag(f.Profile), f.placementTag(), f.Seed, spec.Kind, spec.Calls)
	}
	return fmt.Sprintf("sim-%s-%s-%s-seed%d-%dcalls-%srps-%dms.json", profileTag(f.Profile), f.placementTag(), p.Arrivals, f.Seed,
		p.Calls, strconv.FormatFloat(p.Rate, 'g', -1, 64), f.Handler.Milliseconds())
}

// Schedule is the plan's calls at a fixed interval, or as Poisson
// arrivals drawn from -reuse.seed; or, when no schedule flag was given and
// the profile carries the schedule it was fitted on, that schedule.
func (p *seedParams) Schedule(f *Flags, _ string) (schedule.Schedule, error) {
	if s, err := f.profileSchedule(); s != nil || err != nil {
		return s, err
	}
	var errs []error
	ms, err := f.handlerMS()
	errs = append(errs, err)
	plan := schedule.Steady{Calls: p.Calls, RatePerSec: p.Rate, HandlerMS: f.Handler.Milliseconds()}
	errs = append(errs, plan.Validate())
	plan.HandlerMS = ms
	var s schedule.Schedule = plan
	switch p.Arrivals {
	case lambdasim.ArrivalsFixed:
	case schedule.KindPoisson:
		s = schedule.NewPoisson(plan.Plan(), f.Seed)
	default:
		errs = append(errs, fmt.Errorf("unknown arrivals %q (known: %s, %s)", p.Arrivals, lambdasim.ArrivalsFixed, schedule.KindPoisson))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return s, nil
}

// profileSchedule is the schedule the flags' profile carries, when it
// carries one and no schedule flag was given; else nil.
func (f *Flags) profileSchedule() (schedule.Schedule, error) {
	spec := f.carriedSpec()
	if spec == nil {
		return nil, nil
	}
	s, err := schedule.FromSpec(*spec)
	if err != nil {
		return nil, fmt.Errorf("-reuse.profile %s: its schedule: %w", f.Profile, err)
	}
	return s, nil
}

// carriedSpec is the schedule the flags' profile carries, when it carries
// one and no schedule flag was given; else nil.
func (f *Flags) carriedSpec() *schedule.ScheduleSpec {
	for _, name := range scheduleFlags {
		if f.set[name] {
			return nil
		}
	}
	p, _, err := lambdasim.Resolve(f.Profile, f.Placement)
	if err != nil {
		return nil // a bad profile is reported where the simulation is made
	}
	return p.Schedule
}
