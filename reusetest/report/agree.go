package report

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdalogs"
	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"github.com/lambda-reuse/lambda-reuse/reusetest/stats"
	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
)

// Two measurements of one run, the probe's own records and the function's
// Lambda logs, see the same environments: a Tally is what one of them says
// environment by environment, and an Agreement sets two side by side.

// Tally is one measurement's environments, keyed as the summary keys
// them (summary.EnvironmentOf: the log stream): each one's successful
// calls, the send of the first and the answer of the last, and its runtime
// generations (the instance ids that served them). Failed calls are counted
// apart: the probe's record of a failed call names no environment, as the
// probe did not answer it. Memory is per environment.
type Tally struct {
	envs     map[string]*envTally
	failed   int64
	unplaced int64 // successful calls whose records name no environment
}

type envTally struct {
	ok          int64
	first, last time.Time
	gen         string // the instance id of the latest call
	gens        int64  // generations: a new instance id starts one
}

// NewTally is an empty tally.
func NewTally() *Tally { return &Tally{envs: map[string]*envTally{}} }

// Add counts r. An environment's calls come one at a time, so its records,
// in the order they were sent or answered, hold each generation's calls
// together: a change of instance id is a new generation.
func (t *Tally) Add(r *record.Record) {
	if r.Status != record.StatusOK {
		t.failed++
		return
	}
	key := summary.EnvironmentOf(r)
	if key == "" {
		t.unplaced++
		return
	}
	e := t.envs[key]
	if e == nil {
		e = &envTally{first: r.Sent, last: r.Done}
		t.envs[key] = e
	}
	e.ok++
	if e.first.After(r.Sent) {
		e.first = r.Sent
	}
	if r.Done.After(e.last) {
		e.last = r.Done
	}
	if e.gens == 0 || r.InstanceID != e.gen {
		e.gens++
		e.gen = r.InstanceID
	}
}

// lifetimeTolerance is how far two measurements of an environment's
// lifetime may be apart and agree: the probe's records time calls at the
// caller, the logs at the function, and log times are whole milliseconds.
const lifetimeTolerance = time.Second

// maxListed bounds the environments an agreement names one by one.
const maxListed = 10

// Agreement is two tallies of one run side by side.
type Agreement struct {
	Names [2]string // what each measurement is, as the table heads it
	// Environments, successful calls (and those whose records name no
	// environment), failed calls, runtime generations and resets, each side.
	Environments [2]int
	OK, Unplaced [2]int64
	Failed       [2]int64
	Generations  [2]int64
	Resets       [2]int64
	// CallsPerEnvironment is each side's distribution of successful calls
	// per environment.
	CallsPerEnvironment [2]summary.Reuse
	// OnlyIn names (by stream label) environments one side saw and the
	// other did not, at most maxListed each; OnlyN counts them all.
	OnlyIn [2][]string
	OnlyN  [2]int
	// Differ names environments both saw whose successful calls differ, at
	// most maxListed; DifferN counts them all.
	Differ  []EnvDiff
	DifferN int
	// LifetimeDiff is the largest difference of an environment's lifetime
	// (its first call's send to its last call's answer) between the sides,
	// over the environments both saw; LifetimeEnv names it.
	LifetimeDiff time.Duration
	LifetimeEnv  string
}

// EnvDiff is an environment whose successful calls the sides count
// differently.
type EnvDiff struct {
	Env   string
	Calls [2]int64
}

// Agree reports whether the sides saw the same environments, each with
// the same successful calls.
func (a Agreement) Agree() bool { return a.OnlyN == [2]int{} && a.DifferN == 0 }

// LifetimesAgree reports whether every environment's lifetime is within
// lifetimeTolerance on both sides.
func (a Agreement) LifetimesAgree() bool { return a.LifetimeDiff <= lifetimeTolerance }

// Compare sets tallies a and b side by side, named names; environments
// are named by their streams' labels (lambdalogs.StreamLabel) unless
// fullNames.
func Compare(a, b *Tally, names [2]string, fullNames bool) Agreement {
	name := lambdalogs.StreamLabel
	if fullNames {
		name = func(s string) string { return s }
	}
	ag := Agreement{Names: names}
	tallies := [2]*Tally{a, b}
	for i, t := range tallies {
		ag.Environments[i] = len(t.envs)
		ag.Failed[i], ag.Unplaced[i] = t.failed, t.unplaced
		calls := make([]float64, 0, len(t.envs))
		for _, e := range t.envs {
			ag.OK[i] += e.ok
			ag.Generations[i] += e.gens
			ag.Resets[i] += e.gens - 1
			calls = append(calls, float64(e.ok))
		}
		slices.Sort(calls)
		if len(calls) > 0 {
			ag.CallsPerEnvironment[i] = summary.Reuse{Mean: stats.Round(stats.Mean(calls)), Median: stats.Round(stats.Percentile(calls, 50)),
				P10: stats.Round(stats.Percentile(calls, 10)), P90: stats.Round(stats.Percentile(calls, 90)), Min: int64(calls[0]), Max: int64(calls[len(calls)-1])}
		}
		other := tallies[1-i]
		for _, k := range slices.Sorted(maps.Keys(t.envs)) {
			if _, ok := other.envs[k]; !ok {
				ag.OnlyN[i]++
				if len(ag.OnlyIn[i]) < maxListed {
					ag.OnlyIn[i] = append(ag.OnlyIn[i], name(k))
				}
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(a.envs)) {
		ea, eb := a.envs[k], b.envs[k]
		if eb == nil {
			continue
		}
		if ea.ok != eb.ok {
			ag.DifferN++
			if len(ag.Differ) < maxListed {
				ag.Differ = append(ag.Differ, EnvDiff{Env: name(k), Calls: [2]int64{ea.ok, eb.ok}})
			}
		}
		d := ea.last.Sub(ea.first) - eb.last.Sub(eb.first)
		if d < 0 {
			d = -d
		}
		if ag.LifetimeEnv == "" || d > ag.LifetimeDiff {
			ag.LifetimeDiff, ag.LifetimeEnv = d, name(k)
		}
	}
	return ag
}

// WriteAgreement writes the agreement as Markdown: a table of both sides,
// then what disagrees, environment by environment.
func WriteAgreement(w io.Writer, a Agreement) error {
	var b strings.Builder
	verdict := "They agree: the same environments, each with the same successful calls."
	if !a.Agree() {
		verdict = "**DISAGREE**: the two measurements of one run see different environments or calls per environment (below)."
	}
	fmt.Fprintf(&b, "%s\n\n", verdict)
	fmt.Fprintf(&b, "| | %s | %s | |\n|---|---:|---:|---|\n", a.Names[0], a.Names[1])
	same := func(ok bool) string {
		if ok {
			return "agree"
		}
		return "**differ**"
	}
	fmt.Fprintf(&b, "| environments (log streams) | %d | %d | %s |\n", a.Environments[0], a.Environments[1], same(a.OnlyN == [2]int{}))
	fmt.Fprintf(&b, "| successful calls | %d | %d | %s |\n", a.OK[0], a.OK[1], same(a.OK[0] == a.OK[1]))
	cpe := func(r summary.Reuse) string { return fmt.Sprintf("%.1f (%d to %d)", r.Median, r.Min, r.Max) }
	fmt.Fprintf(&b, "| successful calls per environment, median (min to max) | %s | %s | %s |\n", cpe(a.CallsPerEnvironment[0]), cpe(a.CallsPerEnvironment[1]),
		same(a.Agree()))
	fmt.Fprintf(&b, "| failed calls | %d | %d | |\n", a.Failed[0], a.Failed[1])
	fmt.Fprintf(&b, "| runtime generations (resets) | %d (%d) | %d (%d) | %s |\n", a.Generations[0], a.Resets[0], a.Generations[1], a.Resets[1],
		same(a.Generations[0] == a.Generations[1]))
	if a.Unplaced != [2]int64{} {
		fmt.Fprintf(&b, "| successful calls naming no environment | %d | %d | |\n", a.Unplaced[0], a.Unplaced[1])
	}
	if a.LifetimeEnv != "" {
		fmt.Fprintf(&b, "| an environment's lifetime, largest difference | | %v (%s) | %s |\n", a.LifetimeDiff.Round(time.Millisecond), a.LifetimeEnv,
			map[bool]string{true: "within " + lifetimeTolerance.String(), false: "**more than " + lifetimeTolerance.String() + "**"}[a.LifetimesAgree()])
	}
	b.WriteString("\nBoth key an environment by its log stream, its resets included: a reset is a new runtime generation " +
		"in the same environment, a new instance id in the probe's records and an init in a stream that had served in the logs; " +
		"a failed call is in its stream's logs, while the probe's record of it names no environment.\n")
	for i := range 2 {
		if a.OnlyN[i] > 0 {
			fmt.Fprintf(&b, "\nOnly in %s: %d environments: %s%s\n", a.Names[i], a.OnlyN[i], strings.Join(a.OnlyIn[i], ", "), more(a.OnlyN[i], len(a.OnlyIn[i])))
		}
	}
	if a.DifferN > 0 {
		fmt.Fprintf(&b, "\nSuccessful calls differ in %d environments (%s, %s):", a.DifferN, a.Names[0], a.Names[1])
		for _, d := range a.Differ {
			fmt.Fprintf(&b, " %s %d, %d;", d.Env, d.Calls[0], d.Calls[1])
		}
		fmt.Fprintf(&b, "%s\n", strings.TrimSuffix(more(a.DifferN, len(a.Differ)), ","))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// more says how many were left out of a list.
func more(n, listed int) string {
	if n > listed {
		return fmt.Sprintf(" and %d more", n-listed)
	}
	return ""
}
