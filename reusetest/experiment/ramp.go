package experiment

import (
	"flag"
	"fmt"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
)

// rampExperiment asks how the platform keeps up with traffic that grows:
// the rate rises linearly from -reuse.ramp.start to -reuse.ramp.end calls
// per second over -reuse.ramp.duration. The defaults reach 5,000 calls a
// second in 5 minutes: past what the default concurrency of 1,000
// environments (docs/sources.md [S3]) serves with a 500 ms handler, about
// 1,900 calls a second.
var rampExperiment = Experiment{
	Name:  "ramp",
	Kinds: []string{schedule.KindRamp},
	Flags: func(fs *flag.FlagSet, _ *Shared) Params {
		p := defaultRampParams()
		fs.Float64Var(&p.Start, "reuse.ramp.start", p.Start, "ramp experiment: the rate at the start, calls per second")
		fs.Float64Var(&p.End, "reuse.ramp.end", p.End, fmt.Sprintf("ramp experiment: the rate at the end, calls per second (up to %d)", schedule.MaxRampRate))
		fs.DurationVar(&p.Duration, "reuse.ramp.duration", p.Duration, "ramp experiment: how long the rate takes to go from start to end")
		return &p
	},
}

func init() { register(rampExperiment) }

// rampParams are the ramp experiment's own flags.
type rampParams struct {
	Start, End float64
	Duration   time.Duration
}

func defaultRampParams() rampParams {
	return rampParams{Start: 10, End: 5000, Duration: 5 * time.Minute}
}

// Default reports the default ramp.
func (p *rampParams) Default() bool { return *p == defaultRampParams() }

// Schedule is the ramp, or an error naming every bad value.
func (p *rampParams) Schedule(f *Flags, _ string) (schedule.Schedule, error) {
	ms, err := f.handlerMS()
	if err != nil {
		return nil, err
	}
	r := schedule.Ramp{StartRate: p.Start, EndRate: p.End, Duration: p.Duration, HandlerMS: ms}
	if err := r.Validate(); err != nil {
		return nil, fmt.Errorf("-reuse.ramp.*: %w", err)
	}
	return r, nil
}
