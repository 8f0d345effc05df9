package fit

import (
	"math"
	"slices"
	"time"

	"github.com/lambda-reuse/lambda-reuse/internal/minheap"
	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdasim"
)

// The placement evidence's limits.
const (
	// choiceCap bounds the choices kept: past it every other one is
	// dropped and one in twice as many kept from then on.
	choiceCap = 8192
	// crowdWindow is how close in sending time another call may be for a
	// warm call to count as a choice: calls sent closer than this may reach
	// the front door in either order, so which environments were idle when
	// it arrived is not known.
	crowdWindow = 10 * time.Millisecond
	// reorderCap bounds the records held to put them in time order.
	reorderCap = 1 << 16
	// maxErrorRate is the largest share of choices a deterministic rule may
	// make otherwise (the callers' and the front door's timing turns a few
	// orderings around) and still be said to explain them.
	maxErrorRate = 0.25
	// minChoices is the fewest informative choices on which a rule is named.
	minChoices = 30
)

// placementEvidence reads, from the records in time order, every warm
// call's choice: which environment served it, and which others were idle
// and alive then. An environment was idle from its answer to its next call
// and alive at least until that next call, so an environment's next call
// resolves, for every choice made while it waited, that it was a choice
// the rule passed over. An environment never seen again may have ended at
// any time after its last answer, so it counts at no choice; a choice's
// alternatives are thus the ones the records prove. Memory is
// O(environments + choiceCap + reorderCap).
type placementEvidence struct {
	order   minheap.Heap[placeCall] // calls not yet taken, by sending time
	maxDone int64
	maxDur  int64
	taken   int64 // sending time of the last call taken
	late    int64 // calls that came after later ones had been taken

	envs    map[string]*placeEnv
	choices []choice // kept, in time order
	pending *choice  // the last choice, kept once the next call is far enough
	prev    int64    // sending time of the last call taken
	warm    int64    // warm calls seen as choices
	stride  int64    // one choice in stride is kept
	crowded int64    // warm calls too close to another to count
}

type placeCall struct {
	env              string
	sent, done, init int64
}

type placeEnv struct {
	created, lastDone int64
}

// choice is one warm call's evidence. A rule "passes over" an alternative
// when it would have picked it rather than the environment that served.
type choice struct {
	at, freed, created int64 // the call's sending time; the serving environment's last answer and creation
	others             int32 // idle, alive alternatives
	passed             [3]bool
}

// The deterministic rules, as indexes of choice.passed.
var deterministic = [3]lambdasim.Placement{lambdasim.MostRecentlyUsed, lambdasim.LeastRecentlyUsed, lambdasim.NewestCreated}

func newPlacementEvidence() *placementEvidence {
	return &placementEvidence{envs: map[string]*placeEnv{}, stride: 1, prev: math.MinInt64, taken: math.MinInt64}
}

// add holds one served call until every call sent before it can have been
// seen: logs are written as calls end, so a call is taken once the
// answers seen reach past its sending time by twice the longest call.
func (p *placementEvidence) add(env string, sent, done, init int64) {
	p.maxDone = max(p.maxDone, done)
	p.maxDur = max(p.maxDur, done-sent)
	p.order.Push(sent, 0, placeCall{env: env, sent: sent, done: done, init: init})
	horizon := p.maxDone - 2*p.maxDur - int64(time.Second)
	for p.order.Len() > 0 && (p.order.Peek().Key < horizon || p.order.Len() > reorderCap) {
		p.take(p.order.Pop().Value)
	}
}

// finish takes the calls still held.
func (p *placementEvidence) finish() {
	for p.order.Len() > 0 {
		p.take(p.order.Pop().Value)
	}
	p.keepPending(math.MaxInt64)
}

func (p *placementEvidence) keepPending(next int64) {
	if p.pending == nil {
		return
	}
	if next-p.pending.at >= int64(crowdWindow) {
		p.choices = append(p.choices, *p.pending)
		if len(p.choices) >= choiceCap {
			kept := p.choices[:0]
			for i := 0; i < len(p.choices); i += 2 {
				kept = append(kept, p.choices[i])
			}
			p.choices, p.stride = kept, p.stride*2
		}
	} else {
		p.crowded++
	}
	p.pending = nil
}

func (p *placementEvidence) take(c placeCall) {
	if c.sent < p.taken {
		p.late++
	}
	p.taken = max(p.taken, c.sent)
	p.keepPending(c.sent)
	prev := p.prev
	p.prev = max(p.prev, c.sent)
	e := p.envs[c.env]
	if e == nil {
		created := c.sent
		if c.init != 0 {
			created = c.init
		}
		p.envs[c.env] = &placeEnv{created: created, lastDone: c.done}
		return
	}
	if e.lastDone < c.sent {
		// e waited, alive, from its last answer to this call: at every
		// choice in between it was passed over.
		i, _ := slices.BinarySearchFunc(p.choices, e.lastDone, func(ch choice, t int64) int {
			if ch.at <= t {
				return -1
			}
			return 1
		})
		for ; i < len(p.choices) && p.choices[i].at < c.sent; i++ {
			ch := &p.choices[i]
			ch.others++
			ch.passed[0] = ch.passed[0] || e.lastDone > ch.freed
			ch.passed[1] = ch.passed[1] || e.lastDone < ch.freed
			ch.passed[2] = ch.passed[2] || e.created > ch.created
		}
		if c.sent-prev >= int64(crowdWindow) {
			p.warm++
			if p.warm%p.stride == 0 {
				p.pending = &choice{at: c.sent, freed: e.lastDone, created: e.created}
			}
		} else {
			p.crowded++
		}
	}
	e.lastDone = max(e.lastDone, c.done)
}

// PlacementScore is one placement rule's account of a run's choices: the
// log-likelihood of the choices made (at the rule's fitted error rate, a
// deterministic rule making a uniform choice instead in that share of
// calls), the choices it would have made, and the error rate.
type PlacementScore struct {
	Placement string  `json:"placement"`
	LogLik    float64 `json:"log_likelihood"`
	Matches   float64 `json:"matches"`
	ErrorRate float64 `json:"error_rate"`
	// Explains is false when the rule cannot account for the choices: a
	// deterministic one that would make more than maxErrorRate of them
	// otherwise, or the uniform one when a deterministic rule matches far
	// more often than chance.
	Explains bool `json:"explains"`
}

// placementScores scores every rule on the informative choices (those with
// an alternative), best first, and returns how many there were.
func (p *placementEvidence) scores() ([]PlacementScore, int) {
	var n int
	var randomLL, expected, variance float64
	var matched [3]int
	for _, ch := range p.choices {
		if ch.others == 0 {
			continue
		}
		n++
		k := float64(ch.others) + 1
		randomLL -= math.Log(k)
		expected += 1 / k
		variance += 1 / k * (1 - 1/k)
		for r := range deterministic {
			if !ch.passed[r] {
				matched[r]++
			}
		}
	}
	out := []PlacementScore{}
	if n == 0 {
		return out, 0
	}
	randomExplains := true
	for r, rule := range deterministic {
		eps, ll := p.errorRate(r)
		// A uniform choice matches a deterministic rule with probability
		// 1/k: far more matches (4 standard deviations) refute it. (The
		// alternatives proven are at most those there were, so the chance
		// expected is if anything too high: the test leans to uniform.)
		if variance > 0 && (float64(matched[r])-expected)/math.Sqrt(variance) > 4 {
			randomExplains = false
		}
		out = append(out, PlacementScore{Placement: string(rule), LogLik: round4(ll), Matches: float64(matched[r]), ErrorRate: round4(eps), Explains: eps <= maxErrorRate})
	}
	out = append(out, PlacementScore{Placement: string(lambdasim.Random), LogLik: round4(randomLL), Matches: round4(expected), ErrorRate: 1, Explains: randomExplains})
	slices.SortStableFunc(out, func(a, b PlacementScore) int {
		switch {
		case a.LogLik > b.LogLik:
			return -1
		case a.LogLik < b.LogLik:
			return 1
		}
		return 0
	})
	return out, n
}

// errorRate fits rule r's error rate e by maximum likelihood: a choice
// matches with probability 1-e+e/k, else each alternative with e/k. It
// returns the fit (uncapped) and the log-likelihood at the fit capped at
// maxErrorRate, so a rule never borrows the uniform rule's account.
func (p *placementEvidence) errorRate(r int) (float64, float64) {
	var matchedK []float64 // the choice count k of each match
	var missed, missedLogK float64
	for _, ch := range p.choices {
		if ch.others == 0 {
			continue
		}
		k := float64(ch.others) + 1
		if ch.passed[r] {
			missed++
			missedLogK += math.Log(k)
			continue
		}
		matchedK = append(matchedK, k)
	}
	if missed == 0 {
		return 0, 0
	}
	ll := func(e float64) float64 {
		s := missed*math.Log(e) - missedLogK
		for _, k := range matchedK {
			s += math.Log(1 - e + e/k)
		}
		return s
	}
	// The derivative falls from +inf at 0: bisect for its zero in (0, 1].
	deriv := func(e float64) float64 {
		s := missed / e
		for _, k := range matchedK {
			a := 1 - 1/k
			s -= a / (1 - e*a)
		}
		return s
	}
	lo, hi := 0.0, 1.0
	if deriv(hi) > 0 {
		lo = hi
	}
	for range 60 {
		mid := (lo + hi) / 2
		if deriv(mid) > 0 {
			lo = mid
		} else {
			hi = mid
		}
	}
	e := (lo + hi) / 2
	return e, ll(min(e, maxErrorRate))
}

// separation is the log-likelihood by which rule a's account of the
// choices beats rule b's (negative when b's is better).
func separation(scores []PlacementScore, a, b string) float64 {
	var la, lb float64
	for _, s := range scores {
		switch s.Placement {
		case a:
			la = s.LogLik
		case b:
			lb = s.LogLik
		}
	}
	return la - lb
}
