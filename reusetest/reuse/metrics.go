package reuse

// Metric is one number of a summary, named once: the results table, the
// comparison of two summaries and the commands all read this list.
type Metric struct {
	// Name is how comparisons and commands call it.
	Name string
	// Value reads it from a summary.
	Value func(Summary) float64
	// Integer says it is a count, shown without decimals.
	Integer bool
	// Tolerance is the largest allowed |got/base - 1| when a live run is
	// judged against its baseline: live numbers vary from run to run. 0
	// means the metric is shown but not judged.
	Tolerance float64
}

// The metrics. Those with a tolerance are the documented drift bounds for
// live runs: ±30% on instances, median reuse, measured median lifetime and
// the 2021-method lifetime, and ±2 percentage points on the failed share
// (compared as a relative change of 1 + share, so 0.02 means two points).
var (
	MetricRequests       = Metric{Name: "requests", Value: func(s Summary) float64 { return float64(s.Requests.Total) }, Integer: true}
	MetricOK             = Metric{Name: "requests ok", Value: func(s Summary) float64 { return float64(s.Requests.OK) }, Integer: true}
	MetricFailed         = Metric{Name: "requests failed", Value: func(s Summary) float64 { return float64(s.Requests.Failed) }, Integer: true}
	MetricColdStarts     = Metric{Name: "cold starts", Value: func(s Summary) float64 { return float64(s.Instances.ColdStarts) }, Integer: true}
	MetricProactive      = Metric{Name: "proactive starts", Value: func(s Summary) float64 { return float64(s.Instances.Proactive) }, Integer: true}
	MetricReuseMean      = Metric{Name: "reuse mean", Value: func(s Summary) float64 { return s.Reuse.Mean }}
	MetricReuseP10       = Metric{Name: "reuse p10", Value: func(s Summary) float64 { return s.Reuse.P10 }}
	MetricReuseP90       = Metric{Name: "reuse p90", Value: func(s Summary) float64 { return s.Reuse.P90 }}
	MetricReuseMin       = Metric{Name: "reuse min", Value: func(s Summary) float64 { return float64(s.Reuse.Min) }, Integer: true}
	MetricReuseMax       = Metric{Name: "reuse max", Value: func(s Summary) float64 { return float64(s.Reuse.Max) }, Integer: true}
	MetricLifetimeMean   = Metric{Name: "lifetime mean, min", Value: func(s Summary) float64 { return s.LifetimeMinutes.Mean }}
	MetricLifetimeP90    = Metric{Name: "lifetime p90, min", Value: func(s Summary) float64 { return s.LifetimeMinutes.P90 }}
	MetricLifetimeMax    = Metric{Name: "lifetime max, min", Value: func(s Summary) float64 { return s.LifetimeMinutes.Max }}
	MetricCensored       = Metric{Name: "censored", Value: func(s Summary) float64 { return float64(s.LifetimeMinutes.Censored) }, Integer: true}
	MetricBusyMean       = Metric{Name: "busy mean", Value: func(s Summary) float64 { return s.Concurrency.Mean }}
	MetricBusyMax        = Metric{Name: "busy max", Value: func(s Summary) float64 { return float64(s.Concurrency.Max) }, Integer: true}
	MetricGenerations    = Metric{Name: "generations (2021 method)", Value: func(s Summary) float64 { return s.SeedMethod.Generations }}
	MetricInstances      = Metric{Name: "instances", Value: func(s Summary) float64 { return float64(s.Instances.Count) }, Integer: true, Tolerance: 0.30}
	MetricReuseMedian    = Metric{Name: "reuse median", Value: func(s Summary) float64 { return s.Reuse.Median }, Tolerance: 0.30}
	MetricLifetimeMedian = Metric{Name: "lifetime median, min", Value: func(s Summary) float64 { return s.LifetimeMinutes.Median }, Tolerance: 0.30}
	MetricSeedLifetime   = Metric{Name: "lifetime (2021 method), min", Value: func(s Summary) float64 { return s.SeedMethod.AvgLifetimeMinutes }, Tolerance: 0.30}
	MetricFailedShare    = Metric{Name: "1 + failed share", Value: func(s Summary) float64 {
		if s.Requests.Total == 0 {
			return 1
		}
		return 1 + float64(s.Requests.Failed)/float64(s.Requests.Total)
	}, Tolerance: 0.02}
)

// Metrics is every metric, in the order comparisons list them: those shown
// only, then those judged.
var Metrics = []Metric{
	MetricRequests, MetricOK, MetricFailed, MetricColdStarts, MetricProactive, MetricReuseMean, MetricReuseP10, MetricReuseP90,
	MetricReuseMin, MetricReuseMax, MetricLifetimeMean, MetricLifetimeP90, MetricLifetimeMax, MetricCensored,
	MetricBusyMean, MetricBusyMax, MetricGenerations,
	MetricInstances, MetricReuseMedian, MetricLifetimeMedian, MetricSeedLifetime, MetricFailedShare,
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
