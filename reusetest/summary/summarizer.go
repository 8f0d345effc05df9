package summary

import (
	"cmp"
	"maps"
	"slices"
	"time"
	"unsafe"

	"github.com/lambda-reuse/lambda-reuse/internal/minheap"
	"github.com/lambda-reuse/lambda-reuse/internal/simcall"
	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
	"github.com/lambda-reuse/lambda-reuse/reusetest/stats"
)

// statuses are the known statuses, counted without a map lookup.
var statuses = [...]record.Status{record.StatusOK, record.StatusError, record.StatusThrottled, record.StatusTimeout, record.StatusSkipped, record.StatusCancelled, record.StatusInterrupted}

func statusIndex(st record.Status) int {
	switch st {
	case record.StatusOK:
		return 0
	case record.StatusError:
		return 1
	case record.StatusThrottled:
		return 2
	case record.StatusTimeout:
		return 3
	case record.StatusSkipped:
		return 4
	case record.StatusCancelled:
		return 5
	case record.StatusInterrupted:
		return 6
	}
	return -1
}

type instance struct {
	gen           string       // its first generation's instance id
	gens          []generation // its generations, when more than one served
	startUnseen   bool         // a record said its start is not in the records
	calls         int64
	first, last   int64 // unix ns: first send, last answer
	minInvocation int64
	initAt        int64 // unix ns, as the environment reported it; 0 unknown
	initType      record.InitType
	tenant        string    // the tenant of its first served call; "" for none
	mixed         bool      // it served calls of more than one tenant
	maxConc       int       // the most calls at once it said it takes (Managed Instances); 0 unknown
	maxInFlight   int       // the most calls in flight it reported as one started
	inFlightSum   int64     // the calls in flight it reported, summed over its calls
	inFlightN     int64     // the calls that reported it
	mem           []*memGen // its generations' memory readings, when records carry them
}

// proactive reports an instance started in the run (cold), initialised on
// demand (or of no known type) more than ProactiveThreshold (in model time)
// before its first call was sent: a provisioned environment waits by
// design, a restored one was never initialised on the request path, and
// one that served calls before the run was not started for it.
func (s *Summarizer) proactive(in *instance) bool {
	return in.cold() && in.initType.OnDemand() && in.initAt != 0 && float64(in.first-in.initAt)*s.TimeFactor() > float64(ProactiveThreshold)
}

// cold reports an instance started during the run: its first generation
// was first seen at its first invocation, or with its invocation count
// unknown (0), and no record said its start is unseen.
func (in *instance) cold() bool {
	g := in.firstGeneration()
	return !g.startUnseen && g.minInvocation <= 1
}

// lifetime is the instance's measured lifetime in model minutes (factor:
// model seconds per real second): from its first call's send to its last
// answer, never below 0 (a log's clock may step back between them).
func (in *instance) lifetime(factor float64) float64 {
	return time.Duration(max(0, in.last-in.first)).Minutes() * factor
}

// interval is one served call's time in flight, held until the calls before
// it have arrived.
type interval struct {
	seq        int64
	served     bool
	sent, done int64
}

// Summarizer builds a Summary from records, one at a time, in any order.
// Memory grows with the number of instances, not calls; records that arrive
// ahead of an earlier seq are held (only their times) until the gap fills,
// which live runs keep small.
type Summarizer struct {
	plan      schedule.Plan
	spec      *schedule.ScheduleSpec // for schedules other than a steady plan
	target    string
	simulator *Simulator
	kind      string          // the schedule's kind
	section   SectionAnalysis // its section's analysis, or nil
	rec       *record.Record  // AddCalls' record of a call for the section, reused
	scale     float64         // the time scale the records declare; 0 for real time
	profile   string          // the model profile the records declare; "" for a real endpoint

	total     int64
	known     [len(statuses)]int64    // counts of the known statuses, by index
	byStatus  map[record.Status]int64 // counts of any other status
	byClass   map[record.ErrorClass]int64
	byError   map[string]int64                // failures by Lambda error type
	instances map[string]*instance            // by EnvironmentOf
	recent    [1 << recentBits]recentInstance // a cache of instances by their key string's address

	nextSeq   int64
	pending   minheap.Queue[interval] // out-of-order records, by seq
	inflight  minheap.Queue[struct{}] // answer times of calls in flight, during the sweep
	maxConc   int
	busyNS    float64
	firstSent int64
	lastDone  int64
	anyServed bool
	covered   int64 // one past the highest seq recorded
	observe   func(sent int64, inFlight int)

	tenantsSeen tenantTally // records per tenant, when records carry tenants
	multiSeen   multiTally  // calls served together, when records say so
	memSeen     bool        // a record carried a memory reading
}

// ObserveConcurrency has f told, for every served call in the sweep's
// order, when it was sent (Unix ns) and how many calls were in flight then,
// itself included: the figures the summary's busy maximum is the largest
// of. A chart of busy over time draws from it.
func (s *Summarizer) ObserveConcurrency(f func(sent int64, inFlight int)) { s.observe = f }

// NewSummarizer starts a summary of a run of sched against target. sim
// describes the simulator, or is nil for a live run. A kind with a section
// (registerSection) adds it to the summary, from the same records in the
// same pass.
func NewSummarizer(sched schedule.Schedule, target string, sim *Simulator) *Summarizer {
	s := &Summarizer{
		plan:      sched.Plan(),
		target:    target,
		simulator: sim,
		byStatus:  make(map[record.Status]int64),
		byClass:   make(map[record.ErrorClass]int64),
		instances: make(map[string]*instance),
	}
	if spec := sched.Spec(); spec.Kind != schedule.KindSteady || spec.Tenants != nil {
		s.spec = &spec
	}
	kind := sched.Spec().Kind
	if sec, ok := sections[kind]; ok {
		if a := sec.Analyse(schedule.Unwrap(sched)); a != nil {
			s.kind, s.section = kind, a
		}
	}
	return s
}

// Add accounts for one record. It does not keep r.
func (s *Summarizer) Add(r *record.Record) {
	s.total++
	s.covered = max(s.covered, r.Seq+1)
	if r.Scale > 0 && s.scale == 0 {
		s.scale = r.Scale
	}
	if r.Profile != "" && s.profile == "" {
		s.profile = r.Profile
	}
	if s.section != nil {
		s.section.Add(r, s.TimeFactor())
	}
	if i := statusIndex(r.Status); i >= 0 {
		s.known[i]++
	} else {
		s.byStatus[r.Status]++
	}
	if r.ErrorClass != "" {
		s.byClass[r.ErrorClass]++
	}
	if r.ErrorType != "" && r.Status != record.StatusOK {
		s.addErrorType(r.ErrorType)
	}
	if r.Tenant != "" {
		s.tenantsSeen.add(r.Tenant, r.Served(), r.Status == record.StatusThrottled)
	}
	iv := interval{seq: r.Seq, served: r.Served()}
	if iv.served {
		iv.sent, iv.done = r.Sent.UnixNano(), r.Done.UnixNano()
		var initAt int64
		if !r.InitAt.IsZero() {
			initAt = r.InitAt.UnixNano()
		}
		in := s.serve(nil, &iv, &envFacts{env: EnvironmentOf(r), id: r.InstanceID, startUnseen: r.StartUnseen, initAt: initAt,
			initType: record.ParseInitType(string(r.InitType))}, r.Invocation, r.Tenant, r.MaxConcurrency, r.InFlight)
		if r.MemoryUsedMB > 0 || r.ErrorType == OutOfMemory {
			s.addMemoryOf(in, r.InstanceID, r.ErrorType, r.MemorySizeMB, r.MemoryUsedMB, r.Invocation)
		}
	}
	s.order(iv)
}

// AddCalls accounts for a simulation's calls (package lambdasim hands
// them over in batches), as Add would for their records: each call is made
// a record only for a kind's section that does not read calls.
func (s *Summarizer) AddCalls(calls []simcall.Call) {
	byCall, _ := s.section.(callAnalysis)
	if s.section != nil && byCall == nil && s.rec == nil {
		s.rec = new(record.Record)
	}
	ok, throttled := statusIndex(record.StatusOK), statusIndex(record.StatusThrottled)
	for i := range calls {
		c := &calls[i]
		if c.Fate != simcall.FatePlain {
			// A memory reading or a failure (a run that models them):
			// the call is read as its record is, which keeps this loop
			// as short as it is for the runs that do not.
			s.addRecordOf(c)
			continue
		}
		s.total++
		s.covered = max(s.covered, c.Seq+1)
		switch {
		case byCall != nil:
			byCall.addCall(c, s.TimeFactor())
		case s.section != nil:
			c.Record(s.rec)
			s.section.Add(s.rec, s.TimeFactor())
		}
		served := c.Served()
		if served {
			s.known[ok]++
		} else {
			s.known[throttled]++
			s.byClass[record.ClassThrottled]++
		}
		if c.Tenant != "" {
			s.tenantsSeen.add(c.Tenant, served, !served)
		}
		iv := interval{seq: c.Seq, served: served}
		if served {
			iv.sent, iv.done = simcall.EpochNS+int64(c.Sent), simcall.EpochNS+int64(c.Done)
			seen, _ := c.Env.Seen.(*simEnv) // noted at its first call
			if seen == nil {
				env := c.Env
				seen = &simEnv{facts: envFacts{env: environmentKey(env.LogStream, env.InstanceID, c.MaxConc), id: env.InstanceID,
					initAt: simcall.EpochNS + int64(env.InitAt), initType: env.InitType}}
				env.Seen = seen
			}
			if in := s.serve(seen.in, &iv, &seen.facts, c.Invocation, c.Tenant, c.MaxConc, c.InFlight); seen.in == nil {
				seen.in = in
			}
		}
		if iv.seq == s.nextSeq && s.pending.Len() == 0 {
			s.sweep(iv) // order's commonest case, without its call
		} else {
			s.order(iv)
		}
	}
}

// addRecordOf accounts for simulated call c as Add does for its record.
func (s *Summarizer) addRecordOf(c *simcall.Call) {
	if s.rec == nil {
		s.rec = new(record.Record)
	}
	c.Record(s.rec)
	s.Add(s.rec)
}

// envFacts are what a served call tells of its environment, the same for
// each of a simulated environment's calls: its key (EnvironmentOf), its
// instance id, whether its start is unseen, and its init time (Unix ns; 0
// unknown) and type (a documented one, or "").
type envFacts struct {
	env, id     string
	startUnseen bool
	initAt      int64
	initType    record.InitType
}

// simEnv is a Summarizer's note of a simulated environment
// (simcall.Env.Seen): its facts and its instance, found once.
type simEnv struct {
	facts envFacts
	in    *instance
}

// serve accounts for served call iv of an environment (f) and instance in
// (nil: f.env's, made at its first call): its count of calls, tenant and
// the calls at once it reported. It returns the instance.
func (s *Summarizer) serve(in *instance, iv *interval, f *envFacts, invocation int64, tenant string, maxConc, inFlight int) *instance {
	if in == nil {
		in = s.instance(f.env)
	}
	if in == nil {
		in = &instance{gen: f.id, startUnseen: f.startUnseen, first: iv.sent, last: iv.done, minInvocation: invocation, tenant: tenant}
		s.instances[f.env] = in
	} else {
		in.addGeneration(f.id, f.startUnseen, invocation, iv.sent, iv.done)
		if (tenant != "" || in.tenant != "") && tenant != in.tenant {
			in.mixed = true
		}
	}
	in.calls++
	in.first = min(in.first, iv.sent)
	in.last = max(in.last, iv.done)
	in.minInvocation = min(in.minInvocation, invocation)
	if f.initAt != 0 && in.initAt == 0 {
		in.initAt = f.initAt
	}
	if f.initType != "" && in.initType == "" {
		in.initType = f.initType // a log may hold anything: only documented types
	}
	if maxConc > 0 || inFlight > 1 {
		m := &s.multiSeen
		m.seen = true
		m.maxConc = max(m.maxConc, maxConc)
		in.maxConc = max(in.maxConc, maxConc)
		if inFlight > 0 {
			m.sum += int64(inFlight)
			m.n++
			m.max = max(m.max, inFlight)
			in.maxInFlight = max(in.maxInFlight, inFlight)
			in.inFlightSum += int64(inFlight)
			in.inFlightN++
		}
	}
	return in
}

// order takes iv into the sweep, which goes in seq order: late, now, or
// held until the seqs before it have come.
func (s *Summarizer) order(iv interval) {
	switch {
	case iv.seq < s.nextSeq: // late, past a gap given up on: out of time order
		s.sweepLate(iv)
	case iv.seq == s.nextSeq:
		s.sweep(iv)
	default:
		s.pending.Push(iv.seq, 0, iv)
		// A gap that never fills (a seq the log lacks) holds at most
		// maxPending records: past that the sweep goes on over it.
		for s.pending.Len() > maxPending {
			s.sweep(s.pending.Pop().Value)
		}
	}
	for s.pending.Next() <= s.nextSeq {
		s.sweep(s.pending.Pop().Value)
	}
}

// sweepLate counts a record that comes after the sweep passed its seq: its
// time busy and span, but not the calls in flight, which the sweep counts
// in time order.
func (s *Summarizer) sweepLate(iv interval) {
	if !iv.served {
		return
	}
	if !s.anyServed {
		s.firstSent, s.lastDone, s.anyServed = iv.sent, iv.done, true
	}
	s.firstSent = min(s.firstSent, iv.sent)
	s.lastDone = max(s.lastDone, iv.done)
	s.busyNS += float64(max(0, iv.done-iv.sent))
}

// maxPending bounds the records held waiting for an earlier seq.
const maxPending = 1 << 16

// instance is the instance of id, or nil. Records of one run carry each
// id as the same string (the simulator's, the log decoder's interned ones),
// so a small cache keyed by the string's address answers most lookups
// without hashing the id; a different string of the same text just misses.
func (s *Summarizer) instance(id string) *instance {
	if id == "" {
		return s.instances[id]
	}
	p := unsafe.StringData(id)
	e := &s.recent[uint64(uintptr(unsafe.Pointer(p)))*0x9e3779b97f4a7c15>>(64-recentBits)] // a Fibonacci hash of the address
	if e.p == p && e.n == len(id) {
		return e.in
	}
	in := s.instances[id]
	if in != nil {
		*e = recentInstance{p: p, n: len(id), in: in}
	}
	return in
}

// recentBits sizes the Summarizer's lookup cache: 16 entries.
const recentBits = 4

// recentInstance is one entry of the Summarizer's lookup cache. It holds
// the id's bytes (through p) alive, so an address seen again is that id.
type recentInstance struct {
	p  *byte
	n  int
	in *instance
}

// sweep takes the calls in seq order, which is send order, and tracks how
// many are in flight when each is sent.
func (s *Summarizer) sweep(iv interval) {
	s.nextSeq = max(s.nextSeq, iv.seq+1)
	if !iv.served {
		return
	}
	s.sweepLate(iv)
	for s.inflight.Next() <= iv.sent {
		if _, ok := s.inflight.TryPop(); !ok {
			s.inflight.Pop()
		}
	}
	if !s.inflight.TryPush(iv.done, 0, struct{}{}) {
		s.inflight.Push(iv.done, 0, struct{}{})
	}
	s.maxConc = max(s.maxConc, s.inflight.Len())
	if s.observe != nil {
		s.observe(iv.sent, s.inflight.Len())
	}
}

// NumEnvironments is the number of distinct environments seen so far.
func (s *Summarizer) NumEnvironments() int { return len(s.instances) }

// Summary returns the summary of the records added so far. It may be called
// more than once, for progress reports.
func (s *Summarizer) Summary() Summary {
	saved := s.drained()
	return saved.build()
}

// drained is a copy of s that has swept the records still waiting for a gap
// (a run cut short), leaving s as it is.
func (s *Summarizer) drained() *Summarizer {
	saved := *s
	saved.pending, saved.inflight = s.pending.Clone(), s.inflight.Clone()
	for saved.pending.Len() > 0 {
		saved.sweep(saved.pending.Pop().Value)
	}
	return &saved
}

// censored is the one censoring rule: an instance whose last answer came
// within censorWindow of the run's last answer was still serving at the
// end, so its measured lifetime is a lower bound.
func (s *Summarizer) censored(in *instance) bool {
	return in.last >= s.lastDone-int64(float64(censorWindow)/s.TimeFactor())
}

// Covered is the part of the plan the records cover: its calls from seq 0
// to the highest recorded (the whole plan before any record).
func (s *Summarizer) Covered() schedule.Plan {
	p := s.plan
	if s.covered > 0 && s.covered < p.Calls {
		p.Calls = s.covered
	}
	return p
}

// TimeFactor is what turns the records' real durations into model time:
// the time scale a served pool declared, or 1.
func (s *Summarizer) TimeFactor() float64 {
	if s.scale > 0 {
		return s.scale
	}
	return 1
}

// Environment is what the records show of one execution environment.
type Environment struct {
	// ID is its key (EnvironmentOf): its log stream, or its instance id.
	ID string
	// First is when its first call was sent; Last when its last answer came.
	First, Last time.Time
	// Calls is the number of calls it served.
	Calls int64
	// Cold is true when it was first seen at its first invocation (or its
	// invocation count is unknown): started during the run.
	Cold bool
	// Censored is true when it was still serving at the end of the run.
	Censored bool
	// Proactive is true when it started in the run, initialised on demand
	// more than ProactiveThreshold before its first call.
	Proactive bool
	// InitType is how it said it started; empty when it did not.
	InitType record.InitType
}

// Environments returns every environment seen so far, by first call (then
// by id). Memory is one entry per environment.
func (s *Summarizer) Environments() []Environment {
	d := s.drained()
	out := make([]Environment, 0, len(d.instances))
	for id, in := range d.instances {
		out = append(out, Environment{ID: id, First: time.Unix(0, in.first).UTC(), Last: time.Unix(0, in.last).UTC(),
			Calls: in.calls, Cold: in.cold(), Censored: d.censored(in), Proactive: d.proactive(in), InitType: in.initType})
	}
	slices.SortFunc(out, func(a, b Environment) int {
		return cmp.Or(a.First.Compare(b.First), cmp.Compare(a.ID, b.ID))
	})
	return out
}

func (s *Summarizer) build() Summary {
	byStatus := maps.Clone(s.byStatus)
	for i, n := range s.known {
		if n > 0 {
			byStatus[statuses[i]] = n
		}
	}
	plan := s.Covered()
	out := Summary{
		Schema:    SchemaV1,
		Target:    s.target,
		Plan:      plan,
		Schedule:  s.spec,
		Simulator: s.simulator,
		Requests: Requests{
			Total:    s.total,
			OK:       byStatus[record.StatusOK],
			Failed:   s.total - byStatus[record.StatusOK],
			ByStatus: byStatus,
		},
	}
	if len(s.byClass) > 0 {
		out.Requests.ByErrorClass = maps.Clone(s.byClass)
	}
	out.Requests.ByError = s.byErrorType()

	starts := &Starts{}
	calls := make([]float64, 0, len(s.instances))
	lifetimes := make([]float64, 0, len(s.instances))
	for _, in := range s.instances {
		calls = append(calls, float64(in.calls))
		lifetimes = append(lifetimes, in.lifetime(s.TimeFactor()))
		if in.cold() {
			out.Instances.ColdStarts++
			starts.add(in.initType, s.proactive(in), in.maxConc > 0)
		} else {
			out.Instances.LeftCensored++
		}
		out.Instances.Resets += in.resets()
		if in.initAt != 0 {
			out.Instances.InitKnown++
		}

		if s.censored(in) {
			out.LifetimeMinutes.Censored++
		}
	}
	slices.Sort(calls)
	slices.Sort(lifetimes)
	out.Instances.Count = len(calls)
	out.Reuse = reuseOf(calls)
	censored := out.LifetimeMinutes.Censored
	out.LifetimeMinutes = lifetimeOf(lifetimes)
	out.LifetimeMinutes.Censored = censored
	if span := s.lastDone - s.firstSent; s.anyServed && span > 0 {
		out.Concurrency.Mean = stats.Round(s.busyNS / float64(span))
	}
	out.Instances.Proactive, out.Instances.Starts = starts.Proactive, starts
	out.Concurrency.Max = s.maxConc
	if plan.Calls < s.plan.Calls {
		out.PlannedCalls = s.plan.Calls
	}
	out.SeedMethod = seedMethod(plan, len(calls), s.scale)
	if s.section != nil {
		out.Sections = map[string]Section{s.kind: s.section.Section(s.TimeFactor())}
	}
	out.TimeScale = s.scale
	out.ServedProfile = s.profile
	out.Tenants = s.tenants()
	out.Generations = s.generations()
	out.Memory = s.memory()
	out.Multi = s.multi()
	return out
}

// seedMethod is the 2021 estimate. Under a time scale it is in model
// time: the run's length is scaled, and so is the rate, while the handler is
// taken as model time, as simlambda treats sleep_ms (lambdahost's real
// processes sleep real time: against it this estimate is off by the scale,
// and the measured lifetimes are the figures to read).
func seedMethod(p schedule.Plan, instances int, scale float64) SeedMethod {
	m := SeedMethod{
		BusyAtOnce: p.RatePerSec * p.Handler().Seconds(),
		RunMinutes: p.Duration().Minutes(),
	}
	if scale > 0 {
		m.BusyAtOnce, m.RunMinutes = m.BusyAtOnce/scale, m.RunMinutes*scale
	}
	if m.BusyAtOnce > 0 {
		m.Generations = float64(instances) / m.BusyAtOnce
	}
	if m.Generations > 0 {
		m.AvgLifetimeMinutes = m.RunMinutes / m.Generations
	}
	m.BusyAtOnce, m.Generations = stats.Round(m.BusyAtOnce), stats.Round(m.Generations)
	m.RunMinutes, m.AvgLifetimeMinutes = stats.Round(m.RunMinutes), stats.Round(m.AvgLifetimeMinutes)
	return m
}
