package fit

import (
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdasim"
	"github.com/lambda-reuse/lambda-reuse/reusetest/stats"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
)

// memoryFit is the profile's memory part fitted to the records' memory
// readings, or why there is none.
type memoryFit struct {
	mem    *lambdasim.Memory
	file   *lambdasim.MemoryFile
	params []Param
	why    string // no memory part: why
}

// fitMemory fits the memory part from the runtime generations' readings
// (summary.MemoryGenerations): the size most generations' records said;
// each measured generation's growth per call (its Theil-Sen slope, a
// falling one as 0: a leak does not shrink) and the starting memory of
// those whose start the records show, as empirical distributions over
// generations, so a mix of flat and growing generations stays a mix.
// None when the records carry no readings; when they carry readings but
// no size, or no generation served MinCallsForGrowth calls with readings
// from its start, the part is left out and the reason said.
func fitMemory(sum summary.Summary, gens []summary.MemoryGeneration, from string) memoryFit {
	m := sum.Memory
	if m == nil {
		return memoryFit{why: "the records carry no memory readings"}
	}
	var growth, start []float64
	for _, g := range gens {
		if !g.Measured {
			continue
		}
		growth = append(growth, max(0, g.GrowthMBPerCall))
		if g.StartSeen {
			start = append(start, g.StartMB)
		}
	}
	switch {
	case m.SizeMB == 0:
		return memoryFit{why: "the records carry memory readings but not the memory size"}
	case m.SizeMB < lambdasim.MinMemoryMB || m.SizeMB > lambdasim.MaxMemoryMB:
		return memoryFit{why: fmt.Sprintf("the records say a memory size of %d MB, outside Lambda's %d to %d MB", m.SizeMB, lambdasim.MinMemoryMB, lambdasim.MaxMemoryMB)}
	case len(start) == 0:
		return memoryFit{why: fmt.Sprintf("no runtime generation whose start the records show served %d calls with readings", summary.MinCallsForGrowth)}
	}
	size := float64(m.SizeMB)
	startDist, growthDist := amountOf(start, size), amountOf(growth, size)
	sizeWhy := fmt.Sprintf("the memory size the records of %d of %d generations said", m.Generations, m.Generations)
	if len(m.SizesMB) > 1 {
		sizeWhy = fmt.Sprintf("the memory size most generations' records said (they said %v MB: the function was reconfigured in the window)", m.SizesMB)
	}
	startWhy := fmt.Sprintf("each runtime generation's memory at 0 calls served (its Theil-Sen line's), over the %d generations of %d calls or more whose start the records show", len(start), summary.MinCallsForGrowth)
	growthWhy := fmt.Sprintf("each runtime generation's growth per call (the Theil-Sen slope of its memory against the calls it served; a falling one as 0), over the %d generations of %d calls or more: %d grow", len(growth), summary.MinCallsForGrowth, m.Growing)
	if m.Growing > 0 && m.Growing < len(growth) {
		growthWhy += fmt.Sprintf(", the rest are flat: a mix, kept as one (%.0f%% of draws flat)", 100*float64(len(growth)-m.Growing)/float64(len(growth)))
	}
	src := func(why string) string { return fmt.Sprintf("fitted to %s: %s", from, why) }
	out := memoryFit{
		mem: &lambdasim.Memory{SizeMB: m.SizeMB, StartMB: startDist, GrowthMBPerCall: growthDist},
		file: &lambdasim.MemoryFile{SizeMB: &lambdasim.CountFile{Value: m.SizeMB, Source: src(sizeWhy)},
			StartMB: startDist.File(src(startWhy)), GrowthMBPerCall: growthDist.File(src(growthWhy))},
	}
	out.params = []Param{
		{Name: "memory.size_mb", Status: StatusFitted, Value: strconv.Itoa(m.SizeMB), Basis: sizeWhy, N: int64(m.Generations)},
		{Name: "memory.start_mb", Status: StatusFitted, Value: describeAmount(startDist, "MB"), Basis: startWhy, N: int64(len(start))},
		{Name: "memory.growth_mb_per_call", Status: StatusFitted, Value: describeAmount(growthDist, "MB a call"), Basis: growthWhy, N: int64(len(growth))},
	}
	return out
}

// amountOf is the values' quantiles on the fit's grid as an empirical
// distribution (a value repeated keeps its highest share; one value alone
// is fixed), each cut to [0, limit].
func amountOf(xs []float64, limit float64) lambdasim.Amount {
	xs = slices.Clone(xs)
	slices.Sort(xs)
	ats, ps := make([]float64, len(quantiles)), make([]float64, len(quantiles))
	for i, q := range quantiles {
		ats[i] = min(limit, max(0, math.Round(stats.Percentile(xs, q*100)*1e6)/1e6))
		ps[i] = q
	}
	ats, ps = cdfMerged(ats, ps)
	if len(ats) < 2 {
		return lambdasim.FixedAmount(ats[0])
	}
	pts := make([]lambdasim.AmountPoint, len(ats))
	for i := range ats {
		pts[i] = lambdasim.AmountPoint{At: ats[i], P: ps[i]}
	}
	return lambdasim.EmpiricalAmount(pts)
}

// describeAmount is a distribution of numbers in brief: its median,
// quartiles and family.
func describeAmount(a lambdasim.Amount, unit string) string {
	f := func(q float64) string { return strconv.FormatFloat(a.Quantile(q), 'g', 4, 64) }
	return fmt.Sprintf("median %s %s, quartiles %s to %s (empirical)", f(0.5), unit, f(0.25), f(0.75))
}
