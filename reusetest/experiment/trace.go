package experiment

import (
	"flag"
	"path/filepath"
	"strings"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
)

// defaultTrace is the trace the trace experiment replays when -reuse.trace
// is not given: a synthetic day of calls per minute, under testdata/.
const defaultTrace = "testdata/traces/counts-per-minute.csv"

// traceExperiment replays a trace of the user's traffic (-reuse.trace):
// -reuse.trace.* shape the replay, -reuse.handler is the handler time of
// calls that carry none, -reuse.seed seeds the spread.
var traceExperiment = Experiment{
	Name:  "trace",
	Kinds: []string{schedule.KindTrace},
	Flags: func(fs *flag.FlagSet, _ *Shared) Params {
		p := defaultTraceParams()
		fs.StringVar(&p.Path, "reuse.trace", p.Path, "trace experiment: the trace file to replay, timestamps or counts per interval, CSV or JSON Lines, from the module root (docs/experiments.md: your traffic)")
		fs.Float64Var(&p.Speed, "reuse.trace.speed", p.Speed, "trace experiment: trace seconds per run second (10 replays a day in 2.4 hours)")
		fs.DurationVar(&p.Start, "reuse.trace.start", p.Start, "trace experiment: where in the trace to start (trace time)")
		fs.DurationVar(&p.Length, "reuse.trace.length", p.Length, "trace experiment: how much of the trace to replay (trace time; 0 to its end)")
		fs.StringVar(&p.Spread, "reuse.trace.spread", p.Spread, "trace experiment: how a counts trace's calls fall in their interval: uniform, poisson or even")
		fs.DurationVar(&p.Interval, "reuse.trace.interval", p.Interval, "trace experiment: a start,count trace's interval")
		fs.Int64Var(&p.MaxCalls, "reuse.trace.maxcalls", p.MaxCalls, "trace experiment: the most calls a replay may make; a trace whose window holds more is refused before any call")
		return &p
	},
}

func init() { register(traceExperiment) }

// traceParams are the trace experiment's own flags.
type traceParams struct {
	Path          string
	Speed         float64
	Start, Length time.Duration
	Spread        string
	Interval      time.Duration
	MaxCalls      int64
}

func defaultTraceParams() traceParams {
	return traceParams{Path: defaultTrace, Speed: 1, Spread: schedule.SpreadUniform, Interval: time.Minute, MaxCalls: schedule.DefaultMaxTraceCalls}
}

// Default reports the default replay of the default trace.
func (p *traceParams) Default() bool { return *p == defaultTraceParams() }

// OutName names a replay for its trace file, so replays of different
// files do not overwrite each other.
func (p *traceParams) OutName(f *Flags) string {
	return outName("trace-"+strings.TrimSuffix(filepath.Base(p.Path), filepath.Ext(p.Path)), f)
}

// Schedule opens the trace (relative to root unless absolute).
func (p *traceParams) Schedule(f *Flags, root string) (schedule.Schedule, error) {
	ms, err := f.handlerMS()
	if err != nil {
		return nil, err
	}
	path := p.Path
	if !filepath.IsAbs(path) {
		path = filepath.Join(root, path)
	}
	return schedule.OpenTrace(path, schedule.TraceOptions{Spread: p.Spread, Seed: f.Seed, Speed: p.Speed,
		Start: p.Start, Length: p.Length, Interval: p.Interval, HandlerMS: ms, MaxCalls: p.MaxCalls})
}
