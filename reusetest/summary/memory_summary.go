package summary

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"github.com/lambda-reuse/lambda-reuse/reusetest/stats"
)

// OutOfMemory is the error type Lambda names a call that ran out of
// memory (docs/sources.md [S15]).
const OutOfMemory = record.ErrorOutOfMemory

// MinCallsForGrowth is the fewest calls with a memory reading a runtime
// generation must have served for its growth per call to be measured.
const MinCallsForGrowth = 100

// MemorySample is the most readings a runtime generation keeps for its
// growth: a deterministic, evenly spaced sample of its calls (see
// memGen.add), so memory is bounded by generations, never by calls.
const MemorySample = 128

// maxCallsToLimit bounds a projected number of calls to the limit: a
// growth of a byte a call is a limit a billion calls away, which is
// "never" for any function.
const maxCallsToLimit = 1e12

// Memory is what the records' memory readings show (the probe's resident
// memory, or Max Memory Used from Lambda's logs), per runtime generation:
// how fast memory grows with the calls a generation serves, how many
// calls it takes to reach the memory size, and how many generations live
// that long. Absent when no record carried a reading.
type Memory struct {
	// SizeMB is the function's memory size, as most generations' records
	// said it (Memory Size, the probe's memory_mb); 0 when none said.
	SizeMB int `json:"size_mb"`
	// SizesMB lists every size the records said, when they said more than
	// one (the function was reconfigured in the window); each
	// generation's projection uses its own.
	SizesMB []int `json:"sizes_mb,omitempty"`
	// Environments is the number of environments with readings, and
	// Generations the number of their runtime generations with readings.
	Environments int `json:"environments"`
	Generations  int `json:"generations"`
	// Measured counts the generations with MinCallsForGrowth or more
	// readings, whose growth is measured; Growing those of them whose
	// memory grows (its fitted rise over the calls it served is at least
	// 1 MB and three times its readings' spread about the line). The
	// others are flat.
	Measured int `json:"measured"`
	Growing  int `json:"growing"`
	// GrowthMBPerCall is the growth per call of the growing generations,
	// each the Theil-Sen slope of its memory against the calls it served:
	// median, p10 and p90. Absent when none grows.
	GrowthMBPerCall *MemorySpread `json:"growth_mb_per_call,omitempty"`
	// StartMB is the memory the growing generations whose start the
	// records show began from (their line at 0 calls served, init
	// included): median, p10 and p90. Absent when there are none.
	StartMB *MemorySpread `json:"start_mb,omitempty"`
	// CallsToLimit is, over those same generations, the calls each serves
	// from its start until its memory reaches its size, projected from
	// its start and its growth: median and least. Absent when there are
	// none, or no size was said.
	CallsToLimit *CallsToLimit `json:"calls_to_limit,omitempty"`
	// ReachLimitShare is the share of generations expected to reach the
	// limit before they end: each growing generation counts the share of
	// generations that serve its calls to the limit or more (the run's
	// own Kaplan-Meier of calls per generation, whose start the records
	// show; one still serving at the end, or ended by running out of
	// memory, is censored), summed and divided by the measured
	// generations whose start the records show (a flat one never reaches
	// it). Absent with CallsToLimit.
	ReachLimitShare *float64 `json:"reach_limit_share,omitempty"`
	// OutOfMemory counts the calls that failed with Runtime.OutOfMemory.
	OutOfMemory int64 `json:"out_of_memory"`
}

// MemorySpread is a median and the 10th and 90th percentiles, in MB or
// MB per call.
type MemorySpread struct {
	Median float64 `json:"median"`
	P10    float64 `json:"p10"`
	P90    float64 `json:"p90"`
}

// CallsToLimit is the median and the least of projected calls to the
// memory size.
type CallsToLimit struct {
	Median float64 `json:"median"`
	Min    float64 `json:"min"`
}

// memPoint is one kept reading: the calls the generation had served,
// this one included, and its memory in MB.
type memPoint struct {
	x  int64
	mb float64
}

// memGen is what one runtime generation's memory readings keep: a sample
// of at most MemorySample of them, and its line once fitted.
type memGen struct {
	id       string
	sizeMB   int   // the memory size its records said (the largest)
	readings int64 // calls with a reading
	order    int64 // readings in arrival order: the x of a reading without an invocation count
	minX     int64
	maxX     int64
	stride   int64 // a reading is kept when its x is a multiple
	pts      []memPoint
	oom      bool // a call of it ran out of memory
	line     *memLine
}

// memLine is a generation's fitted line: memory against calls served.
type memLine struct {
	slope, start float64 // MB per call; MB at 0 calls served
	spread       float64 // the median distance of its kept readings from the line, MB
	ok           bool
}

// add keeps the reading mb of the call that was the generation's xth
// (x from 1). The sample is every stride-th call: while more than
// MemorySample are kept, the stride doubles and the readings between go.
// Which readings are kept depends on their x alone, not on the order
// they came in: the least power of two that keeps MemorySample or fewer
// of the generation's calls.
func (g *memGen) add(x int64, mb float64) {
	if g.readings == 0 {
		g.minX, g.maxX, g.stride = x, x, 1
	}
	g.readings++
	g.minX, g.maxX = min(g.minX, x), max(g.maxX, x)
	g.line = nil
	if x%g.stride != 0 {
		return
	}
	g.pts = append(g.pts, memPoint{x, mb})
	for len(g.pts) > MemorySample {
		g.stride *= 2
		g.pts = slices.DeleteFunc(g.pts, func(p memPoint) bool { return p.x%g.stride != 0 })
	}
}

// fit is the generation's line, fitted once per change.
func (g *memGen) fit() memLine {
	if g.line != nil {
		return *g.line
	}
	xs, ys := make([]float64, len(g.pts)), make([]float64, len(g.pts))
	for i, p := range g.pts {
		xs[i], ys[i] = float64(p.x), p.mb
	}
	var l memLine
	l.slope, l.start, l.ok = stats.TheilSen(xs, ys)
	if l.ok {
		dist := make([]float64, len(xs))
		for i := range xs {
			dist[i] = math.Abs(ys[i] - l.start - l.slope*xs[i])
		}
		slices.Sort(dist)
		l.spread = stats.Percentile(dist, 50)
	}
	g.line = &l
	return l
}

// growing reports a line whose rise over the calls the generation served
// is at least 1 MB (the resolution of Lambda's readings) and three times
// the readings' spread about it: growth the readings can tell from noise.
func (g *memGen) growing(l memLine) bool {
	rise := l.slope * float64(g.maxX-g.minX)
	return l.ok && rise >= 1 && rise >= 3*l.spread
}

// memGenOf is in's generation id's memory, made on first use.
func (in *instance) memGenOf(id string) *memGen {
	for _, g := range in.mem {
		if g.id == id {
			return g
		}
	}
	g := &memGen{id: id}
	in.mem = append(in.mem, g)
	return g
}

// addMemoryOf accounts a call's memory reading (usedMB, 0 for none) and
// its failure (errType) to its generation id in in: the call was the
// generation's invocation-th (0 when not said), its memory size sizeMB.
func (s *Summarizer) addMemoryOf(in *instance, id, errType string, sizeMB int, usedMB float64, invocation int64) {
	g := in.memGenOf(id)
	g.oom = g.oom || errType == OutOfMemory
	g.sizeMB = max(g.sizeMB, sizeMB)
	if !(usedMB > 0) {
		return
	}
	s.memSeen = true
	g.order++
	x := invocation
	if x <= 0 {
		x = g.order
	}
	g.add(x, usedMB)
}

// MemoryPoint is one reading of a generation's memory: after the Calls-th
// call it served, MB.
type MemoryPoint struct {
	Calls int64
	MB    float64
}

// MemoryGeneration is what the records show of one runtime generation's
// memory: a sample of its readings (at most MemorySample, evenly spaced
// over its calls) and the line fitted through them.
type MemoryGeneration struct {
	// Environment is its environment's key (EnvironmentOf), ID its
	// instance id.
	Environment, ID string
	// Readings is the number of its calls with a reading; Points those
	// kept, by calls served.
	Readings int64
	Points   []MemoryPoint
	// SizeMB is the memory size its records said; 0 when none said.
	SizeMB int
	// StartSeen is true when the records show its start (its calls are
	// counted from its first): its start and calls to the limit are its
	// own, not the window's.
	StartSeen bool
	// Measured is true with MinCallsForGrowth readings or more; Growing
	// when its memory grows beyond its readings' noise.
	Measured, Growing bool
	// GrowthMBPerCall is its line's slope and StartMB its memory at 0
	// calls served; zero when fewer than two readings.
	GrowthMBPerCall, StartMB float64
	// CallsToLimit is the calls from its start to its size, projected; 0
	// unless growing, with a size and its start seen.
	CallsToLimit float64
	// OutOfMemory is true when one of its calls ran out of memory.
	OutOfMemory bool
	// Calls is the calls it served (with a reading or not), and Censored
	// true when it was still serving at the end.
	Calls    int64
	Censored bool
}

// MemoryGenerations returns every runtime generation with a memory
// reading or an out-of-memory failure, by its environment's first call,
// then its own first call: the figures the memory part is built from,
// for charts and fits. Memory is one entry per generation.
func (s *Summarizer) MemoryGenerations() []MemoryGeneration {
	return s.drained().memoryGenerations()
}

// memoryGenerations is MemoryGenerations of a drained Summarizer.
func (d *Summarizer) memoryGenerations() []MemoryGeneration {
	type keyed struct {
		first int64
		g     MemoryGeneration
	}
	var all []keyed
	for key, in := range d.instances {
		if len(in.mem) == 0 {
			continue
		}
		gens := in.gens
		if gens == nil {
			gens = []generation{in.firstGeneration()}
		}
		last := slices.MaxFunc(gens, func(a, b generation) int { return cmp.Or(cmp.Compare(a.first, b.first), cmp.Compare(a.id, b.id)) }).id
		for _, mg := range in.mem {
			i := slices.IndexFunc(gens, func(g generation) bool { return g.id == mg.id })
			if i < 0 {
				continue
			}
			gen := gens[i]
			out := MemoryGeneration{Environment: key, ID: mg.id, Readings: mg.readings, SizeMB: mg.sizeMB,
				StartSeen: !gen.startUnseen && gen.minInvocation <= 1, OutOfMemory: mg.oom,
				Calls: gen.calls, Censored: gen.id == last && d.censored(in)}
			for _, p := range mg.pts {
				out.Points = append(out.Points, MemoryPoint{p.x, p.mb})
			}
			slices.SortFunc(out.Points, func(a, b MemoryPoint) int { return cmp.Compare(a.Calls, b.Calls) })
			if l := mg.fit(); l.ok {
				// Memory is never below 0 nor above what a record holds,
				// whatever a line through odd readings extrapolates to.
				out.GrowthMBPerCall, out.StartMB = l.slope, min(max(0, l.start), record.MaxMemoryMB)
				out.Measured = mg.readings >= MinCallsForGrowth
				out.Growing = out.Measured && mg.growing(l)
				if out.Growing && out.StartSeen && out.SizeMB > 0 {
					out.CallsToLimit = min(max(0, (float64(out.SizeMB)-l.start)/l.slope), maxCallsToLimit)
				}
			}
			all = append(all, keyed{gen.first, out})
		}
	}
	envFirst := map[string]int64{}
	for key, in := range d.instances {
		if len(in.mem) > 0 {
			envFirst[key] = in.first
		}
	}
	slices.SortFunc(all, func(a, b keyed) int {
		return cmp.Or(cmp.Compare(envFirst[a.g.Environment], envFirst[b.g.Environment]), cmp.Compare(a.g.Environment, b.g.Environment),
			cmp.Compare(a.first, b.first), cmp.Compare(a.g.ID, b.g.ID))
	})
	out := make([]MemoryGeneration, len(all))
	for i, k := range all {
		out[i] = k.g
	}
	return out
}

// memory builds the Memory part, or nil when no record carried a
// reading.
func (s *Summarizer) memory() *Memory {
	if !s.memSeen {
		return nil
	}
	m := &Memory{OutOfMemory: s.byError[OutOfMemory]}
	gens := s.memoryGenerations()
	envs := map[string]bool{}
	sizes := map[int]int{}
	var growth, start, limits []float64
	for _, g := range gens {
		if g.Readings == 0 {
			continue
		}
		m.Generations++
		envs[g.Environment] = true
		if g.SizeMB > 0 {
			sizes[g.SizeMB]++
		}
		if g.Measured {
			m.Measured++
		}
		if g.Growing {
			m.Growing++
			growth = append(growth, g.GrowthMBPerCall)
			if g.StartSeen {
				start = append(start, g.StartMB)
			}
		}
		if g.CallsToLimit > 0 {
			limits = append(limits, g.CallsToLimit)
		}
	}
	m.Environments = len(envs)
	for size, n := range sizes {
		if n > sizes[m.SizeMB] || n == sizes[m.SizeMB] && size > m.SizeMB {
			m.SizeMB = size
		}
	}
	if len(sizes) > 1 {
		for size := range sizes {
			m.SizesMB = append(m.SizesMB, size)
		}
		slices.Sort(m.SizesMB)
	}
	m.GrowthMBPerCall = spreadOf(growth, 1e6)
	m.StartMB = spreadOf(start, 1e3)
	if len(limits) > 0 {
		slices.Sort(limits)
		m.CallsToLimit = &CallsToLimit{Median: math.Round(stats.Percentile(limits, 50)), Min: math.Round(limits[0])}
		share := stats.Round(s.reachLimitShare(gens))
		m.ReachLimitShare = &share
	}
	return m
}

// reachLimitShare is the share of generations expected to reach the
// limit before they end (Memory.ReachLimitShare).
func (s *Summarizer) reachLimitShare(mem []MemoryGeneration) float64 {
	// The lives: every generation whose start the records show, its calls
	// served; censored when still serving at the end, or ended by running
	// out of memory (without the leak it would have lived on).
	oom := map[string]bool{}
	for _, g := range mem {
		if g.OutOfMemory {
			oom[g.Environment+"\x00"+g.ID] = true
		}
	}
	var obs []stats.Observation
	for key, in := range s.instances {
		gens := in.gens
		if gens == nil {
			gens = []generation{in.firstGeneration()}
		}
		last := slices.MaxFunc(gens, func(a, b generation) int { return cmp.Or(cmp.Compare(a.first, b.first), cmp.Compare(a.id, b.id)) }).id
		for _, g := range gens {
			if g.startUnseen || g.minInvocation > 1 {
				continue
			}
			censored := g.id == last && s.censored(in) || oom[key+"\x00"+g.id]
			obs = append(obs, stats.Observation{T: float64(g.calls), Ended: !censored})
		}
	}
	times, surv := stats.KaplanMeier(obs)
	measured, reach := 0, 0.0
	for _, g := range mem {
		if g.Measured && g.StartSeen {
			measured++
		}
		if g.CallsToLimit > 0 {
			reach += stats.Reaching(times, surv, g.CallsToLimit)
		}
	}
	if measured == 0 {
		return 0
	}
	return reach / float64(measured)
}

// spreadOf is the median, p10 and p90 of xs rounded to 1/unit, or nil for
// none.
func spreadOf(xs []float64, unit float64) *MemorySpread {
	if len(xs) == 0 {
		return nil
	}
	slices.Sort(xs)
	r := func(p float64) float64 { return math.Round(stats.Percentile(xs, p)*unit) / unit }
	return &MemorySpread{Median: r(50), P10: r(10), P90: r(90)}
}

// WriteTable writes the memory part, ending with its answer in words.
func (m *Memory) WriteTable(w io.Writer) error {
	size := "not said"
	if m.SizeMB > 0 {
		size = fmt.Sprintf("%d MB", m.SizeMB)
	}
	if len(m.SizesMB) > 1 {
		size += fmt.Sprintf(" (the records said %s MB: each generation is projected to its own)", joinInts(m.SizesMB))
	}
	fmt.Fprintf(w, "\nmemory, per runtime generation (memory against the calls it served): size %s; %d environments, %d generations with readings\n",
		size, m.Environments, m.Generations)
	fmt.Fprintf(w, "  generations of %d calls or more: %d, of which %d grow\n", MinCallsForGrowth, m.Measured, m.Growing)
	if g := m.GrowthMBPerCall; g != nil {
		fmt.Fprintf(w, "  growth per call (Theil-Sen slope): median %s, p10 %s, p90 %s\n", perCall(g.Median), perCallAs(g.P10, g.Median), perCallAs(g.P90, g.Median))
	}
	if st := m.StartMB; st != nil {
		fmt.Fprintf(w, "  memory at the start: median %.1f MB, p10 %.1f, p90 %.1f\n", st.Median, st.P10, st.P90)
	}
	if c := m.CallsToLimit; c != nil {
		fmt.Fprintf(w, "  calls to the limit: median %s, least %s\n", Thousands(c.Median), Thousands(c.Min))
	}
	if m.ReachLimitShare != nil {
		fmt.Fprintf(w, "  expected to reach the limit before they end: %.0f%% of generations\n", *m.ReachLimitShare*100)
	}
	fmt.Fprintf(w, "  out-of-memory failures: %d\n", m.OutOfMemory)
	_, err := fmt.Fprintf(w, "  %s\n", m.Answer())
	return err
}

// Answer is the memory part's answer in words: how fast memory grows,
// when a generation reaches its size, how many live that long, and the
// failures seen; and what the figures cannot say.
func (m *Memory) Answer() string {
	oom := fmt.Sprintf("%d out-of-memory failures in this window", m.OutOfMemory)
	if m.OutOfMemory == 1 {
		oom = "1 out-of-memory failure in this window"
	}
	switch {
	case m.Measured == 0:
		return fmt.Sprintf("no runtime generation served %d calls with readings: too few to measure growth; %s", MinCallsForGrowth, oom)
	case m.GrowthMBPerCall == nil && m.OutOfMemory > 0:
		return fmt.Sprintf("memory does not grow: none of the %d generations of %d calls or more grew beyond its readings' noise; %s, not of growth the readings show (a call's own peak, or growth within fewer than %d calls)",
			m.Measured, MinCallsForGrowth, oom, MinCallsForGrowth)
	case m.GrowthMBPerCall == nil:
		return fmt.Sprintf("memory does not grow: none of the %d generations of %d calls or more grew beyond its readings' noise; %s", m.Measured, MinCallsForGrowth, oom)
	}
	g := m.GrowthMBPerCall
	var b strings.Builder
	switch {
	case m.CallsToLimit != nil && m.StartMB != nil:
		fmt.Fprintf(&b, "at %s per call from %s MB, a runtime generation reaches %d MB after about %s calls; %.0f%% of generations are expected to live that long; %s",
			perCall(g.Median), strconv.FormatFloat(m.StartMB.Median, 'f', 0, 64), m.SizeMB, Thousands(roundTo2(m.CallsToLimit.Median)), *m.ReachLimitShare*100, oom)
	case m.SizeMB == 0:
		fmt.Fprintf(&b, "memory grows %s per call (median); the records do not say the memory size, so not when it is reached; %s", perCall(g.Median), oom)
	default:
		fmt.Fprintf(&b, "memory grows %s per call (median), but no growing generation's start is in the records, so calls to the limit are not projected; %s", perCall(g.Median), oom)
	}
	if m.Growing < m.Measured {
		fmt.Fprintf(&b, " (only %d of the %d generations of %d calls or more grow: the others' memory is flat, and the figures are the growing ones')",
			m.Growing, m.Measured, MinCallsForGrowth)
	}
	if g.P10 > 0 && g.P90 > 2*g.P10 {
		fmt.Fprintf(&b, "; growth differs %.0f-fold between generations (p10 %s, p90 %s): the median describes no single one", g.P90/g.P10, perCallAs(g.P10, g.Median), perCallAs(g.P90, g.Median))
	}
	return b.String()
}

// perCall is a growth per call, in MB with enough digits, or KB below a
// tenth of an MB.
func perCall(mb float64) string { return perCallAs(mb, mb) }

// perCallAs is mb a call in the unit perCall gives like: one unit for
// figures shown together.
func perCallAs(mb, like float64) string {
	if math.Abs(like) < 0.1 {
		return strconv.FormatFloat(mb*1024, 'f', 1, 64) + " KB"
	}
	return strconv.FormatFloat(mb, 'f', 2, 64) + " MB"
}

// roundTo2 is x to two significant digits: "about 4,300 calls".
func roundTo2(x float64) float64 {
	if x < 100 {
		return math.Round(x)
	}
	p := math.Pow(10, math.Floor(math.Log10(x))-1)
	return math.Round(x/p) * p
}

// Thousands is x rounded to a whole number, its thousands separated by
// commas: 4,300.
func Thousands(x float64) string {
	s := strconv.FormatFloat(math.Round(x), 'f', 0, 64)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

func joinInts(xs []int) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = strconv.Itoa(x)
	}
	return strings.Join(parts, ", ")
}
