package experiment

import (
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdasim"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
)

// The idle experiment's defaults.
const (
	DefaultIdleSize   = 20
	DefaultIdleRounds = 50
	// DefaultIdleGaps span 1 to 60 minutes, densest around the idle
	// timeouts published since 2019 (5 to 10 minutes; docs/sources.md).
	DefaultIdleGaps = "1m,2m,3m,4m,5m,6m,7m,8m,10m,20m,60m"
)

// idleExperiment asks how long an environment stays warm when nobody calls
// it: for each gap of -reuse.idle.gaps, -reuse.idle.rounds trials warm
// -reuse.idle.size environments, leave them idle for the gap, and call
// again, in an order shuffled from -reuse.seed.
var idleExperiment = Experiment{
	Name:  "idle",
	Kinds: []string{schedule.KindIdle},
	Flags: func(fs *flag.FlagSet, shared *Shared) Params {
		p := defaultIdleParams()
		fs.Int64Var(&p.Size, "reuse.idle.size", p.Size, fmt.Sprintf("idle experiment: calls per phase, the environments each trial warms (1 to %d)", schedule.MaxBurstSize))
		fs.Int64Var(&p.Rounds, "reuse.idle.rounds", p.Rounds, "idle experiment: trials per gap")
		fs.StringVar(&p.Gaps, "reuse.idle.gaps", p.Gaps, "idle experiment: the idle gaps, comma-separated durations")
		shared.Int64("reuse.n", "reuse.idle.size", &p.Size)
		shared.Int64("reuse.rounds", "reuse.idle.rounds", &p.Rounds)
		shared.String("reuse.gaps", "reuse.idle.gaps", &p.Gaps)
		return &p
	},
}

func init() { register(idleExperiment) }

// idleParams are the idle experiment's own flags.
type idleParams struct {
	Size, Rounds int64
	Gaps         string
}

func defaultIdleParams() idleParams {
	return idleParams{Size: DefaultIdleSize, Rounds: DefaultIdleRounds, Gaps: DefaultIdleGaps}
}

// Default reports the default curve.
func (p *idleParams) Default() bool { return *p == defaultIdleParams() }

// Schedule is the trials, or an error naming every bad value.
func (p *idleParams) Schedule(f *Flags, _ string) (schedule.Schedule, error) {
	var errs []error
	ms, err := f.handlerMS()
	errs = append(errs, err)
	gaps, err := ParseGaps(p.Gaps)
	errs = append(errs, err)
	if len(gaps) > schedule.MaxIdleGaps {
		errs = append(errs, fmt.Errorf("-reuse.idle.gaps: %d gaps, more than %d", len(gaps), schedule.MaxIdleGaps))
	}
	errs = append(errs, inRange("reuse.idle.size", p.Size, 1, schedule.MaxBurstSize), inRange("reuse.idle.rounds", p.Rounds, 1, schedule.MaxRounds))
	if f.Handler < schedule.MinIdleHandler {
		errs = append(errs, fmt.Errorf("-reuse.handler must be at least %v for the idle experiment (the calls of a phase must overlap), got %v", schedule.MinIdleHandler, f.Handler))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return schedule.NewIdle(p.Size, gaps, p.Rounds, ms, f.Seed, 0)
}

// CheckModel refuses a profile whose environments never idle out (Lambda
// Managed Instances: not frozen between calls, removed by the scaler): the
// question of how long an idle environment stays warm does not apply, and
// the curve would measure the scaler instead.
func (p *idleParams) CheckModel(profile lambdasim.Profile) error {
	if profile.Managed != nil {
		return fmt.Errorf("-reuse.profile %s runs on Managed Instances, whose environments are not frozen and never idle out (the scaler removes them): the idle experiment's question, how long an idle environment stays warm, does not apply there", profile.Name)
	}
	return nil
}

// ParseGaps reads a comma-separated list of idle gaps, naming every bad one.
func ParseGaps(list string) ([]time.Duration, error) {
	var gaps []time.Duration
	var errs []error
	for _, g := range strings.Split(list, ",") {
		d, err := time.ParseDuration(strings.TrimSpace(g))
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("-reuse.idle.gaps: %q is not a duration (e.g. 90s, 5m)", g))
		case d <= 0 || d%time.Millisecond != 0 || d > schedule.MaxGap:
			errs = append(errs, fmt.Errorf("-reuse.idle.gaps: %v must be a positive whole number of milliseconds, at most %v", d, schedule.MaxGap))
		default:
			gaps = append(gaps, d)
		}
	}
	return gaps, errors.Join(errs...)
}
