package metric

import (
	"math"
	"strconv"

	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
)

// Metric is one number of a summary, named once: the comparison of two
// summaries, the drift judgement, the median of recent nights, the trend
// and the commands all read this list.
type Metric struct {
	// Name is how comparisons and commands call it.
	Name string
	// Value reads it from a summary.
	Value func(summary.Summary) float64
	// Known, when set, says whether a summary holds the metric at all (a
	// share of nothing, an idle curve of a run that was not one): a
	// summary that does not is no baseline for it, never a drift. A
	// number an older summary's file lacks needs no Known: Of finds it
	// (summary.ReadsAbsent).
	Known func(summary.Summary) bool
	// Integer says it is a count, shown without decimals.
	Integer bool
	// Tolerance is the largest allowed |got/base - 1| when a live run is
	// judged against its baseline: live numbers vary from run to run. 0
	// means the metric is shown but not judged.
	Tolerance float64
	// Trend, when set, follows the metric night by night in the trend
	// report, under this file key; a change point is a night more than
	// ChangeTolerance (Tolerance when 0) from the median of those before.
	Trend           string
	ChangeTolerance float64
}

// Of is m's value in s, and whether s holds it: not when Known says it
// does not, nor when m reads a number s's file lacks (a summary written
// before that number was counted).
func (m Metric) Of(s summary.Summary) (float64, bool) {
	if m.Known != nil && !m.Known(s) || s.ReadsAbsent(m.Value) {
		return 0, false
	}
	return m.Value(s), true
}

// ChangePoint is the trend's tolerance for m.
func (m Metric) ChangePoint() float64 {
	if m.ChangeTolerance > 0 {
		return m.ChangeTolerance
	}
	return m.Tolerance
}

// shareTolerance is the change-point tolerance of the figures the
// comparison does not judge (cold-start and proactive shares, the idle
// curve's half-survival gap): the judged metrics' ±30%.
const shareTolerance = 0.30

// The metrics. Those with a tolerance are the documented drift bounds for
// live runs: ±30% on instances, median reuse, measured median lifetime and
// the 2021-method lifetime, and ±2 percentage points on the failed share
// (compared as a relative change of 1 + share, so 0.02 means two points).
var (
	MetricRequests     = Metric{Name: "requests", Value: func(s summary.Summary) float64 { return float64(s.Requests.Total) }, Integer: true}
	metricOK           = Metric{Name: "requests ok", Value: func(s summary.Summary) float64 { return float64(s.Requests.OK) }, Integer: true}
	MetricFailed       = Metric{Name: "requests failed", Value: func(s summary.Summary) float64 { return float64(s.Requests.Failed) }, Integer: true}
	metricColdStarts   = Metric{Name: "cold starts", Value: func(s summary.Summary) float64 { return float64(s.Instances.ColdStarts) }, Integer: true}
	metricProactive    = Metric{Name: "proactive starts", Value: func(s summary.Summary) float64 { return float64(s.Instances.Proactive) }, Integer: true}
	metricReuseMean    = Metric{Name: "reuse mean", Value: func(s summary.Summary) float64 { return s.Reuse.Mean }}
	metricReuseP10     = Metric{Name: "reuse p10", Value: func(s summary.Summary) float64 { return s.Reuse.P10 }}
	metricReuseP90     = Metric{Name: "reuse p90", Value: func(s summary.Summary) float64 { return s.Reuse.P90 }}
	MetricReuseMin     = Metric{Name: "reuse min", Value: func(s summary.Summary) float64 { return float64(s.Reuse.Min) }, Integer: true}
	metricReuseMax     = Metric{Name: "reuse max", Value: func(s summary.Summary) float64 { return float64(s.Reuse.Max) }, Integer: true}
	metricLifetimeMean = Metric{Name: "lifetime mean, min", Value: func(s summary.Summary) float64 { return s.LifetimeMinutes.Mean }}
	metricLifetimeP90  = Metric{Name: "lifetime p90, min", Value: func(s summary.Summary) float64 { return s.LifetimeMinutes.P90 }}
	metricLifetimeMax  = Metric{Name: "lifetime max, min", Value: func(s summary.Summary) float64 { return s.LifetimeMinutes.Max }}
	metricCensored     = Metric{Name: "censored", Value: func(s summary.Summary) float64 { return float64(s.LifetimeMinutes.Censored) }, Integer: true}
	// metricLeftCensored and MetricResets count environments whose start the
	// records do not show, and resets of environments (a new runtime
	// generation in one that had served).
	metricLeftCensored   = Metric{Name: "start unseen (left-censored)", Value: func(s summary.Summary) float64 { return float64(s.Instances.LeftCensored) }, Integer: true}
	MetricResets         = Metric{Name: "resets", Value: func(s summary.Summary) float64 { return float64(s.Instances.Resets) }, Integer: true}
	MetricBusyMean       = Metric{Name: "busy mean", Value: func(s summary.Summary) float64 { return s.Concurrency.Mean }}
	MetricBusyMax        = Metric{Name: "busy max", Value: func(s summary.Summary) float64 { return float64(s.Concurrency.Max) }, Integer: true}
	metricGenerations    = Metric{Name: "generations (2021 method)", Value: func(s summary.Summary) float64 { return s.SeedMethod.Generations }}
	MetricInstances      = Metric{Name: "instances", Value: func(s summary.Summary) float64 { return float64(s.Instances.Count) }, Integer: true, Tolerance: 0.30, Trend: "instances"}
	MetricReuseMedian    = Metric{Name: "reuse median", Value: func(s summary.Summary) float64 { return s.Reuse.Median }, Tolerance: 0.30, Trend: "reuse-median"}
	MetricLifetimeMedian = Metric{Name: "lifetime median, min", Value: func(s summary.Summary) float64 { return s.LifetimeMinutes.Median }, Tolerance: 0.30, Trend: "lifetime-median"}
	metricSeedLifetime   = Metric{Name: "lifetime (2021 method), min", Value: func(s summary.Summary) float64 { return s.SeedMethod.AvgLifetimeMinutes }, Tolerance: 0.30}
	MetricFailedShare    = Metric{Name: "1 + failed share", Value: func(s summary.Summary) float64 {
		if s.Requests.Total == 0 {
			return 1
		}
		return 1 + float64(s.Requests.Failed)/float64(s.Requests.Total)
	}, Tolerance: 0.02}
	// MetricColdShare is cold starts per served call, in percent: every
	// table, sweep and trend that shows a cold-start share reads it.
	MetricColdShare = Metric{Name: "cold-start share, %", Value: func(s summary.Summary) float64 {
		return 100 * float64(s.Instances.ColdStarts) / float64(s.Requests.OK)
	}, Known: func(s summary.Summary) bool { return s.Requests.OK > 0 }, Trend: "cold-share", ChangeTolerance: shareTolerance}
	metricProactiveShare = Metric{Name: "proactive share, %", Value: func(s summary.Summary) float64 {
		return 100 * float64(s.Instances.Proactive) / float64(s.Instances.InitKnown)
	}, Known: func(s summary.Summary) bool { return s.Instances.InitKnown > 0 }, Trend: "proactive-share", ChangeTolerance: shareTolerance}
	// The starts by type (summary.Starts): absent from summaries made
	// before they were counted, so no baseline there.
	MetricRequestPath = Metric{Name: "starts on the request path", Value: func(s summary.Summary) float64 { return float64(s.Instances.Starts.RequestPath) },
		Known: hasStarts, Integer: true}
	MetricProvisioned = Metric{Name: "provisioned starts", Value: func(s summary.Summary) float64 { return float64(s.Instances.Starts.Provisioned) },
		Known: hasStarts, Integer: true}
	metricRestored = Metric{Name: "restored starts (SnapStart)", Value: func(s summary.Summary) float64 { return float64(s.Instances.Starts.Restored) },
		Known: hasStarts, Integer: true}
	MetricRequestPathShare = Metric{Name: "request-path start share, %", Value: func(s summary.Summary) float64 {
		return 100 * float64(s.Instances.Starts.RequestPath) / float64(s.Requests.OK)
	}, Known: func(s summary.Summary) bool { return hasStarts(s) && s.Requests.OK > 0 }, Trend: "request-path-share", ChangeTolerance: shareTolerance}
	MetricIdleHalfSurvival = Metric{Name: "idle half-survival, min", Value: func(s summary.Summary) float64 { return *s.Idle().HalfSurvivalMinutes },
		Known: func(s summary.Summary) bool { return s.Idle() != nil && s.Idle().HalfSurvivalMinutes != nil }, Trend: "idle-half-survival", ChangeTolerance: shareTolerance}
)

// The memory part's figures (summary.Memory): known only where records
// carried memory readings, and each where the part holds it. Growth per
// call is in KB, so a table's one decimal keeps a leak of a few KB.
var (
	MetricMemorySize = Metric{Name: "memory size, MB", Value: func(s summary.Summary) float64 { return float64(s.Memory.SizeMB) },
		Known: func(s summary.Summary) bool { return s.Memory != nil && s.Memory.SizeMB > 0 }, Integer: true}
	metricMemoryGrowthMedian = Metric{Name: "memory growth per call median, KB", Value: func(s summary.Summary) float64 { return s.Memory.GrowthMBPerCall.Median * 1024 },
		Known: hasGrowth}
	metricMemoryGrowthP90 = Metric{Name: "memory growth per call p90, KB", Value: func(s summary.Summary) float64 { return s.Memory.GrowthMBPerCall.P90 * 1024 },
		Known: hasGrowth}
	metricCallsToLimitMedian = Metric{Name: "calls to the memory limit median", Value: func(s summary.Summary) float64 { return s.Memory.CallsToLimit.Median },
		Known: hasLimit, Integer: true}
	metricCallsToLimitMin = Metric{Name: "calls to the memory limit min", Value: func(s summary.Summary) float64 { return s.Memory.CallsToLimit.Min },
		Known: hasLimit, Integer: true}
	metricReachLimitShare = Metric{Name: "reach the memory limit, %", Value: func(s summary.Summary) float64 { return 100 * *s.Memory.ReachLimitShare },
		Known: func(s summary.Summary) bool { return s.Memory != nil && s.Memory.ReachLimitShare != nil }}
	MetricOutOfMemory = Metric{Name: "out-of-memory failures", Value: func(s summary.Summary) float64 { return float64(s.Memory.OutOfMemory) },
		Known: func(s summary.Summary) bool { return s.Memory != nil }, Integer: true}
)

func hasGrowth(s summary.Summary) bool { return s.Memory != nil && s.Memory.GrowthMBPerCall != nil }
func hasLimit(s summary.Summary) bool  { return s.Memory != nil && s.Memory.CallsToLimit != nil }

// hasStarts reports a summary that counts its starts by type.
func hasStarts(s summary.Summary) bool { return s.Instances.Starts != nil }

// StartMetrics are the starts by type, as a prediction stands them beside a
// measurement.
func StartMetrics() []Metric {
	return []Metric{MetricRequestPath, metricProactive, MetricProvisioned, metricRestored}
}

// Metrics is every metric, in the order comparisons list them: those shown
// only, then those judged.
var Metrics = []Metric{
	MetricRequests, metricOK, MetricFailed, metricColdStarts, MetricRequestPath, metricProactive, MetricProvisioned, metricRestored, metricReuseMean, metricReuseP10, metricReuseP90,
	MetricReuseMin, metricReuseMax, metricLifetimeMean, metricLifetimeP90, metricLifetimeMax, metricCensored, metricLeftCensored, MetricResets,
	MetricBusyMean, MetricBusyMax, metricGenerations, MetricColdShare, MetricRequestPathShare, metricProactiveShare, MetricIdleHalfSurvival,
	MetricMemorySize, metricMemoryGrowthMedian, metricMemoryGrowthP90, metricCallsToLimitMedian, metricCallsToLimitMin, metricReachLimitShare, MetricOutOfMemory,
	MetricInstances, MetricReuseMedian, MetricLifetimeMedian, metricSeedLifetime, MetricFailedShare,
}

// JudgedMetrics are the metrics with a tolerance: what a live run is judged on.
func JudgedMetrics() []Metric {
	var out []Metric
	for _, m := range Metrics {
		if m.Tolerance > 0 {
			out = append(out, m)
		}
	}
	return out
}

// TrendMetrics are the metrics the trend follows night by night, in the
// order its report shows them: the judged ones first.
func TrendMetrics() []Metric {
	var judged, shown []Metric
	for _, m := range Metrics {
		switch {
		case m.Trend == "":
		case m.Tolerance > 0:
			judged = append(judged, m)
		default:
			shown = append(shown, m)
		}
	}
	return append(judged, shown...)
}

// Format is v as tables and charts show m: a count without decimals, any
// other figure to three decimals at most (never a float's last digits).
func (m Metric) Format(v float64) string {
	if m.Integer {
		return strconv.FormatFloat(math.Round(v), 'f', 0, 64)
	}
	return strconv.FormatFloat(math.Round(v*1000)/1000, 'f', -1, 64)
}
