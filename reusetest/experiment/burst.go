package experiment

import (
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
)

// The burst experiment's defaults.
const (
	defaultBurstSize   = 200
	defaultBurstRounds = 5
	defaultBurstPause  = time.Minute
)

// burstExperiment asks how many environments a burst creates, and how slow
// their first calls are: -reuse.burst.size calls due at the same instant,
// -reuse.burst.rounds times, -reuse.burst.pause apart.
var burstExperiment = Experiment{
	Name:  "burst",
	Kinds: []string{schedule.KindBurst},
	Flags: func(fs *flag.FlagSet, shared *Shared) Params {
		p := defaultBurstParams()
		fs.Int64Var(&p.Size, "reuse.burst.size", p.Size, fmt.Sprintf("burst experiment: calls due at once (1 to %d)", schedule.MaxBurstSize))
		fs.Int64Var(&p.Rounds, "reuse.burst.rounds", p.Rounds, "burst experiment: bursts")
		fs.DurationVar(&p.Pause, "reuse.burst.pause", p.Pause, "burst experiment: time between bursts")
		shared.Int64("reuse.n", "reuse.burst.size", &p.Size)
		shared.Int64("reuse.rounds", "reuse.burst.rounds", &p.Rounds)
		shared.Duration("reuse.pause", "reuse.burst.pause", &p.Pause)
		return &p
	},
}

func init() { register(burstExperiment) }

// burstParams are the burst experiment's own flags.
type burstParams struct {
	Size, Rounds int64
	Pause        time.Duration
}

func defaultBurstParams() burstParams {
	return burstParams{Size: defaultBurstSize, Rounds: defaultBurstRounds, Pause: defaultBurstPause}
}

// Default reports the default bursts.
func (p *burstParams) Default() bool { return *p == defaultBurstParams() }

// Schedule is the bursts, or an error naming every bad value.
func (p *burstParams) Schedule(f *Flags, _ string) (schedule.Schedule, error) {
	var errs []error
	ms, err := f.handlerMS()
	errs = append(errs, err)
	errs = append(errs, inRange("reuse.burst.size", p.Size, 1, schedule.MaxBurstSize), inRange("reuse.burst.rounds", p.Rounds, 1, schedule.MaxRounds))
	if p.Pause < time.Second || p.Pause%time.Millisecond != 0 || p.Pause > schedule.MaxGap {
		errs = append(errs, fmt.Errorf("-reuse.burst.pause must be whole milliseconds, from 1s to %v, got %v", schedule.MaxGap, p.Pause))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	b := schedule.Burst{Size: p.Size, Rounds: p.Rounds, Pause: p.Pause, HandlerMS: ms}
	return b, b.Validate()
}
