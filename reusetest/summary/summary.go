package summary

import (
	"encoding/json"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
)

// SchemaV1 names the summary format; tools reading summaries check it.
const SchemaV1 = "lambda-reuse/summary/v1"

// censorWindow decides which instances count as still serving at the end of
// a run: those whose last call finished within this window of the run's last
// call. Their measured lifetime is a lower bound (censored).
const censorWindow = time.Minute

// Summary is the result of one experiment. Its JSON is the contract that
// other tools read; every field is documented.
type Summary struct {
	// Schema is SchemaV1.
	Schema string `json:"schema"`
	// Target is what was called: "simulator", or a redacted endpoint description.
	Target string `json:"target"`
	// Plan is the schedule that ran, in brief: its calls, mean rate and
	// handler time.
	Plan schedule.Plan `json:"plan"`
	// PlannedCalls is the number of calls the schedule planned, when the
	// records cover fewer (a stopped run, the first part of a log): Plan
	// then holds the calls they cover, from seq 0 to the highest recorded,
	// and every figure is of those.
	PlannedCalls int64 `json:"planned_calls,omitempty"`
	// Schedule describes the schedule in full when it is not a steady plan
	// (Poisson arrivals, an experiment's schedule).
	Schedule *schedule.ScheduleSpec `json:"schedule,omitempty"`
	// Simulator describes the simulated pool; absent for live runs.
	Simulator *Simulator `json:"simulator,omitempty"`
	// Requests counts the records by outcome.
	Requests Requests `json:"requests"`
	// Instances counts the execution environments that answered.
	Instances Instances `json:"instances"`
	// Reuse is the distribution of calls served per instance.
	Reuse Reuse `json:"reuse"`
	// LifetimeMinutes is the distribution of measured instance lifetimes: from
	// the sending of an instance's first call to the answer of its last.
	LifetimeMinutes Lifetime `json:"lifetime_minutes"`
	// Concurrency is how many calls an environment was serving at once, seen
	// from the caller (send to answer).
	Concurrency Concurrency `json:"concurrency"`
	// SeedMethod is the 2021 estimate applied to this run's data, to stand
	// beside the measured lifetime.
	SeedMethod SeedMethod `json:"seed_method"`
	// TimeScale is the time scale a served pool declared (model seconds per
	// real second); absent for real endpoints and the in-process simulator.
	// When present, every duration above is in model time (lifetimes, the
	// censor window, the 2021-method lifetime, latencies, idle gaps); the
	// plan and the record log keep real times.
	TimeScale float64 `json:"time_scale,omitempty"`
	// ServedProfile is the model profile a served pool declared running
	// (simlambda, lambdahost); absent for real endpoints. A live run's
	// prediction uses it by default.
	ServedProfile string `json:"served_profile,omitempty"`
	// Predictions are the simulator's predictions for this run's schedule,
	// each beside the measured figures with verdicts: under a named profile
	// and under the profile fitted to this run. Live runs carry them;
	// simulated runs do not.
	Predictions []Prediction `json:"predictions,omitempty"`
	// Generations are the runtime generations' calls and lifetimes (init
	// or reset to the next reset or the end), when an environment was
	// reset; absent otherwise.
	Generations *Generations `json:"runtime_generations,omitempty"`
	// Memory is what the records' memory readings show per runtime
	// generation (growth per call, calls to the memory size, the share
	// expected to reach it, out-of-memory failures); absent when no record
	// carried a reading.
	Memory *Memory `json:"memory,omitempty"`
	// Logs describes the Lambda logs the records were read from (events
	// read, used and skipped, streams), for a summary of a function's own
	// logs; absent otherwise.
	Logs *LogsRead `json:"logs,omitempty"`
	// Multi is what a run on environments serving many calls at once
	// (Managed Instances) shows; absent otherwise.
	Multi *MultiConcurrency `json:"multi_concurrency,omitempty"`
	// Tenants is what the run shows per tenant, when its calls carried
	// tenants (a function in tenant isolation mode); absent otherwise.
	Tenants *Tenants `json:"tenants,omitempty"`
	// Sections are the schedule kind's own parts, by kind name: the
	// section a kind of schedule.Kinds registers (registerSection), such as
	// "burst": *BurstSummary. In the JSON each sits at its kind's name. A
	// kind that registers none adds none.
	Sections map[string]Section `json:"-"`
	// Absent lists the numbers the file this summary was read from lacks,
	// as JSON paths ("reuse.p99", "idle.trials"): figures that joined the
	// contract after the file was written, 0 here and no measurement
	// (ReadsAbsent). Nil for a summary made from records. A number written
	// only when not zero (omitempty) is never absent.
	Absent []string `json:"-"`
}

// Prediction is a simulation of a run's schedule under one profile,
// compared with the run on the judged metrics.
type Prediction struct {
	// Profile names the profile: a built-in's name, a file's, or the
	// fitted profile's.
	Profile string `json:"profile"`
	// Fitted is true for the profile fitted to this very run.
	Fitted bool `json:"fitted,omitempty"`
	// Placement and Seed complete the model that was simulated.
	Placement string `json:"placement"`
	Seed      uint64 `json:"seed"`
	// Metrics are the judged metrics: predicted, measured, and the verdict
	// under the live tolerance.
	Metrics []PredictedMetric `json:"metrics"`
	// Assumed lists, for a fitted profile, what it did not fit from the
	// run: each parameter kept from its base or assumed, and why.
	Assumed []string `json:"assumed,omitempty"`
	// Spread names, for a fitted profile that kept parameters a run could
	// not tell, each kept parameter the prediction ran over (its values,
	// why, and the figures it moves): the metrics' low and high.
	Spread []string `json:"spread,omitempty"`
}

// PredictedMetric is one metric predicted and measured.
type PredictedMetric struct {
	Metric    string  `json:"metric"`
	Predicted float64 `json:"predicted"`
	Measured  float64 `json:"measured"`
	// Ratio is measured / predicted; absent when the prediction is 0 and
	// the measurement is not.
	Ratio     *float64 `json:"ratio,omitempty"`
	Tolerance float64  `json:"tolerance"`
	OK        bool     `json:"ok"`
	// Low and High are the least and greatest predicted over the kept
	// parameters' ranges (Prediction.Spread), the point among them;
	// absent for a point prediction.
	Low  *float64 `json:"low,omitempty"`
	High *float64 `json:"high,omitempty"`
}

// Simulator describes the simulated pool that produced a run.
type Simulator struct {
	// Seed seeds every random choice; the same seed gives the same run.
	Seed uint64 `json:"seed"`
	// Profile names the calibrated parameter set.
	Profile string `json:"profile"`
	// Placement is the rule choosing among idle environments.
	Placement string `json:"placement"`
	// Arrivals is the arrival process: "fixed" (the plan's schedule) or "poisson".
	Arrivals string `json:"arrivals"`
	// IdleTimeout is the distribution of how long an idle environment survives.
	IdleTimeout string `json:"idle_timeout"`
	// MaxLifetime is the distribution of an environment's maximum lifetime.
	MaxLifetime string `json:"max_lifetime"`
	// InitLatency is the distribution of cold-start (init) latency.
	InitLatency string `json:"init_latency"`
	// WarmOverhead is the distribution of per-call overhead on top of the handler.
	WarmOverhead string `json:"warm_overhead"`
	// FrontDoorLatency is the distribution of one-way client-to-front-door latency.
	FrontDoorLatency string `json:"front_door_latency"`
	// ConcurrencyLimit is the number of busy environments beyond which calls are throttled.
	ConcurrencyLimit int `json:"concurrency_limit"`
	// ScalingRate is the most environments started on demand in any 10
	// seconds; beyond it calls are throttled.
	ScalingRate int `json:"scaling_rate"`
	// ProactiveShare is the share of environments retired for their age
	// whose replacement the model starts before they retire.
	ProactiveShare float64 `json:"proactive_share"`
	// Provisioned is the provisioned concurrency: environments initialised
	// ahead and kept ready; absent when none.
	Provisioned int `json:"provisioned,omitempty"`
	// NotModelled lists what the profile says that the model does not
	// simulate (its memory part and its timeout on Managed Instances),
	// each saying what that means for this run; absent when there is
	// nothing of the kind.
	NotModelled []string `json:"not_modelled,omitempty"`
	// ProfileFile is the whole profile the run used, as a profile file
	// (lambdasim's lambda-reuse/profile/v1, sources included): written to
	// a file, it re-runs the simulation with -reuse.profile.
	ProfileFile json.RawMessage `json:"profile_file,omitempty"`
}

// Requests counts records by outcome.
type Requests struct {
	// Total is the number of records (scheduled calls accounted for).
	Total int64 `json:"total"`
	// OK is the number of records with status ok.
	OK int64 `json:"ok"`
	// Failed is Total minus OK.
	Failed int64 `json:"failed"`
	// ByStatus counts records per status; statuses that never occurred are absent.
	ByStatus map[record.Status]int64 `json:"by_status"`
	// ByErrorClass counts failed records per error class.
	ByErrorClass map[record.ErrorClass]int64 `json:"by_error_class,omitempty"`
	// ByError counts failed calls by the error type Lambda named (a log's
	// Error Type, e.g. Runtime.OutOfMemory; Sandbox.Timedout, as the
	// Invoke API names it, for a timeout whose log line named none, so a
	// run's logs and its callers count timeouts under one key); absent when
	// no record carried one.
	ByError map[string]int64 `json:"by_error,omitempty"`
}

// Instances counts execution environments.
type Instances struct {
	// Count is the number of execution environments that answered: the
	// distinct log streams (EnvironmentOf), or instance ids where records
	// name no stream.
	Count int `json:"count"`
	// ColdStarts is the number of instances first seen at their first
	// invocation (or whose invocation count is unknown), that is, started
	// during this run rather than kept warm from before it.
	ColdStarts int `json:"cold_starts"`
	// InitKnown is the number of instances that reported when they were
	// initialised (the probe's init_at).
	InitKnown int `json:"init_known"`
	// Proactive is the number of those initialised on demand (or of no
	// known type) more than ProactiveThreshold before their first call was
	// sent: started by the platform before anyone asked. The init time is the environment's clock
	// and the send time the caller's, so clock skew between the two counts
	// in full; it is small against the threshold for NTP-synchronised clocks.
	Proactive int `json:"proactive"`
	// Starts are the environments started during the run (ColdStarts), by
	// how they started; absent from summaries made before it was counted.
	Starts *Starts `json:"starts,omitempty"`
	// LeftCensored is the number of environments whose start the records
	// do not show (Count less ColdStarts): first seen at an invocation
	// above 1, or a log stream whose first call ran no init. Their start
	// type is unknown and their lifetimes and calls are lower bounds.
	LeftCensored int `json:"left_censored,omitempty"`
	// Resets is the number of times an environment that had served was
	// reset: a new runtime generation (a new instance id, an init in a log
	// stream that had served) in the same environment, as Lambda does after
	// a call fails. A reset is neither a new environment nor a cold start.
	Resets int `json:"resets,omitempty"`
}

// Starts count environments started during a run by how they started,
// from the probe's init_type, its max concurrency and the time from init
// to first call. They add up to Instances.ColdStarts.
type Starts struct {
	// RequestPath started on demand for a call that waited for the init:
	// the cold starts a caller feels.
	RequestPath int `json:"request_path"`
	// Proactive started on demand more than ProactiveThreshold before
	// their first call (Instances.Proactive).
	Proactive int `json:"proactive"`
	// Provisioned are provisioned-concurrency environments, initialised
	// ahead and kept ready.
	Provisioned int `json:"provisioned"`
	// Restored were restored from a SnapStart snapshot: a start without an
	// init on the request path.
	Restored int `json:"restored"`
	// Managed are environments of Lambda Managed Instances (they said
	// their max concurrency): started by the scaler, never for a call
	// (docs/sources.md [S14]).
	Managed int `json:"managed,omitempty"`
	// TypeKnown counts those whose init type was reported; the others are
	// taken as on demand.
	TypeKnown int `json:"type_known"`
}

// add counts one environment started in the run, of init type t, whose
// first call came more than ProactiveThreshold after its init (proactive),
// on Managed Instances (managed: it said its max concurrency).
func (st *Starts) add(t record.InitType, proactive, managed bool) {
	if t != "" {
		st.TypeKnown++
	}
	switch {
	case managed:
		st.Managed++
	case t == record.InitProvisioned:
		st.Provisioned++
	case t == record.InitSnapStart:
		st.Restored++
	case proactive:
		st.Proactive++
	default:
		st.RequestPath++
	}
}

// ProactiveThreshold tells a proactive init from an on-demand one: more than
// 10 s between the end of init and the first call, the rule of the public
// analysis of proactive initialisation (docs/sources.md [S8]).
const ProactiveThreshold = 10 * time.Second

// Reuse is the distribution of calls served per instance.
type Reuse struct {
	// Mean is the mean number of calls per instance.
	Mean float64 `json:"mean"`
	// Median is the median (the mean of the two middle values for an even count).
	Median float64 `json:"median"`
	// P10 is the 10th percentile (linear interpolation between ranks).
	P10 float64 `json:"p10"`
	// P90 is the 90th percentile (linear interpolation between ranks).
	P90 float64 `json:"p90"`
	// Min is the fewest calls any instance served.
	Min int64 `json:"min"`
	// Max is the most calls any instance served.
	Max int64 `json:"max"`
}

// Lifetime is the distribution of measured instance lifetimes, in minutes.
type Lifetime struct {
	// Mean is the mean lifetime.
	Mean float64 `json:"mean"`
	// Median is the median lifetime.
	Median float64 `json:"median"`
	// P90 is the 90th percentile.
	P90 float64 `json:"p90"`
	// Max is the longest lifetime.
	Max float64 `json:"max"`
	// Censored is the number of instances still serving at the end of the
	// run (last call within censorWindow of the run's end): their lifetimes
	// are lower bounds.
	Censored int `json:"censored"`
}

// Concurrency is how many served calls were in flight at once.
type Concurrency struct {
	// Mean is the time-average: total time in flight over the run's span.
	Mean float64 `json:"mean"`
	// Max is the most calls in flight at any moment.
	Max int `json:"max"`
}

// SeedMethod is the 2021 lifetime estimate: busy environments = rate x
// handler, generations = instances / busy, lifetime = run length / generations.
type SeedMethod struct {
	// BusyAtOnce is rate x handler seconds (the 2021 "5 containers at any time").
	BusyAtOnce float64 `json:"busy_at_once"`
	// Generations is instances / BusyAtOnce.
	Generations float64 `json:"generations"`
	// RunMinutes is the plan's length: calls / rate.
	RunMinutes float64 `json:"run_minutes"`
	// AvgLifetimeMinutes is RunMinutes / Generations.
	AvgLifetimeMinutes float64 `json:"avg_lifetime_minutes"`
}
