package schedule

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"time"
)

// A Kind is one kind of schedule: its name in a spec, its own parameters,
// how its schedule is built from a spec and described, and a small example
// of it. Each kind is its own file, joined in Kinds; what it adds to a
// summary, a report and the flags registers itself by the kind's name from
// files of its own in those packages (see docs/layout.md). Nothing else in
// the harness names a kind: runner, simulator, live runs and reports ask
// the schedule or iterate this list.
type Kind struct {
	// Name is the spec's kind ("steady", "burst").
	Name string
	// Params returns a new value (a pointer to a struct) of the kind's own
	// parameters, which a spec of the kind carries in Params; nil for a
	// kind with none beyond the common ones.
	Params func() any
	// Build returns the schedule spec describes (spec.Kind is Name),
	// before Validate.
	Build func(spec ScheduleSpec) (Schedule, error)
	// Describe says what spec runs, for people.
	Describe func(spec ScheduleSpec) string
	// Check reports what is wrong with spec without reading any file (a
	// profile names a trace that is opened only when it runs); nil means
	// building it checks all.
	Check func(spec ScheduleSpec) error
	// Example is a small valid schedule of the kind, seconds long in real
	// time (files it needs are written under dir), for the conformance
	// test that runs every kind simulated and against a served pool.
	Example func(dir string) (Schedule, error)
}

// Kinds is every schedule kind, in the order errors list them.
var Kinds = []Kind{steadyKind, poissonKind, burstKind, idleKind, traceKind, rampKind}

// KindOf returns the kind named name.
func KindOf(name string) (Kind, bool) {
	i := slices.IndexFunc(Kinds, func(k Kind) bool { return k.Name == name })
	if i < 0 {
		return Kind{}, false
	}
	return Kinds[i], true
}

// kindNames lists the kinds' names, for errors.
func kindNames() string {
	var names []string
	for _, k := range Kinds {
		names = append(names, k.Name)
	}
	return strings.Join(names, ", ")
}

// ScheduleSpec describes a schedule completely: its kind, the parameters
// every kind has, and the kind's own (Params). It is what the record log's
// header stores; its JSON is one flat object, the kind's parameters beside
// the common ones.
type ScheduleSpec struct {
	// Kind names the schedule's Kind.
	Kind string `json:"kind"`
	// Calls is the number of calls.
	Calls int64 `json:"calls"`
	// RatePerSec is the (mean) call rate.
	RatePerSec float64 `json:"rate_per_sec"`
	// HandlerMS is the handler time of every call, in milliseconds (a
	// trace's default).
	HandlerMS int64 `json:"handler_ms"`
	// Seed seeds a schedule's draws (Poisson gaps, an idle experiment's
	// order, a trace's spread).
	Seed uint64 `json:"seed,omitempty"`
	// Tenants is the synthetic population the calls' tenants are drawn
	// from; nil when the calls carry none (or carry a trace's own).
	Tenants *Population `json:"tenants,omitempty"`
	// Params are the kind's own parameters, a value of its Kind's Params
	// type (*BurstParams for a burst); nil for a kind with none.
	Params any `json:"-"`
	// Unknown lists the fields of a decoded spec that neither the common
	// parameters nor the kind's have, for a strict reader to refuse.
	Unknown []string `json:"-"`
}

// specCommon is the JSON of the parameters every kind has.
type specCommon struct {
	Kind       string      `json:"kind"`
	Calls      int64       `json:"calls"`
	RatePerSec float64     `json:"rate_per_sec"`
	HandlerMS  int64       `json:"handler_ms"`
	Seed       uint64      `json:"seed,omitempty"`
	Tenants    *Population `json:"tenants,omitempty"`
}

// MarshalJSON writes the common parameters, then the kind's.
func (s ScheduleSpec) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(specCommon{s.Kind, s.Calls, s.RatePerSec, s.HandlerMS, s.Seed, s.Tenants})
	if err != nil || s.Params == nil {
		return b, err
	}
	p, err := json.Marshal(s.Params)
	if err != nil {
		return nil, err
	}
	if len(p) < 2 || p[0] != '{' {
		return nil, fmt.Errorf("schedule spec: %s parameters are not an object", s.Kind)
	}
	if string(p) == "{}" {
		return b, nil
	}
	return append(append(b[:len(b)-1], ','), p[1:]...), nil
}

// UnmarshalJSON reads the common parameters, then the kind's into a new
// value of its Params type; fields of neither are listed in Unknown.
func (s *ScheduleSpec) UnmarshalJSON(b []byte) error {
	var c specCommon
	if err := json.Unmarshal(b, &c); err != nil {
		return err
	}
	*s = ScheduleSpec{Kind: c.Kind, Calls: c.Calls, RatePerSec: c.RatePerSec, HandlerMS: c.HandlerMS, Seed: c.Seed, Tenants: c.Tenants}
	known := jsonFields(reflect.TypeOf(c))
	if k, ok := KindOf(c.Kind); ok && k.Params != nil {
		p := k.Params()
		if err := json.Unmarshal(b, p); err != nil {
			return fmt.Errorf("schedule spec (%s): %w", c.Kind, err)
		}
		s.Params = p
		known = append(known, jsonFields(reflect.TypeOf(p).Elem())...)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		return err
	}
	for f := range fields {
		if !slices.Contains(known, f) {
			s.Unknown = append(s.Unknown, f)
		}
	}
	slices.Sort(s.Unknown)
	return nil
}

// jsonFields lists a struct type's JSON field names.
func jsonFields(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			out = append(out, name)
		}
	}
	return out
}

// Same reports whether two specs describe the same schedule.
func (s ScheduleSpec) Same(o ScheduleSpec) bool {
	a, errA := json.Marshal(s)
	b, errB := json.Marshal(o)
	return errA == nil && errB == nil && bytes.Equal(a, b)
}

// String describes the schedule for people.
func (s ScheduleSpec) String() string {
	if s.Tenants != nil {
		inner := s
		inner.Tenants = nil
		return inner.String() + "; " + s.Tenants.String()
	}
	if k, ok := KindOf(s.Kind); ok && k.Describe != nil {
		return k.Describe(s)
	}
	return fmt.Sprintf("%s: %d calls at %.4g/s on average (seed %d), handler %d ms", s.Kind, s.Calls, s.RatePerSec, s.Seed, s.HandlerMS)
}

// paramsOf returns spec's parameters as the kind's type P, or an error
// naming what it holds instead.
func paramsOf[P any](spec ScheduleSpec) (*P, error) {
	p, ok := spec.Params.(*P)
	if !ok || p == nil {
		var zero P
		return nil, fmt.Errorf("schedule: a %s spec without its parameters (%T, want %T)", spec.Kind, spec.Params, &zero)
	}
	return p, nil
}

// describedParams returns spec's parameters as the kind's type P, or zero
// parameters when it holds none: a description never fails.
func describedParams[P any](spec ScheduleSpec) *P {
	if p, ok := spec.Params.(*P); ok && p != nil {
		return p
	}
	return new(P)
}

// maxMS is the most milliseconds a duration holds: a spec's times past it
// would wrap.
const maxMS = math.MaxInt64 / int64(time.Millisecond)

// checkMS reports a time in milliseconds that a duration cannot hold.
func checkMS(ms ...int64) error {
	for _, m := range ms {
		if m > maxMS || m < -maxMS {
			return fmt.Errorf("schedule: a time of %d ms is past what a duration holds", m)
		}
	}
	return nil
}

// CheckSpec reports what is wrong with spec as far as it can be told
// without reading any file: its kind, its fields, its values.
func CheckSpec(spec ScheduleSpec) error {
	k, ok := KindOf(spec.Kind)
	if !ok {
		return fmt.Errorf("schedule: unknown kind %q (known: %s)", spec.Kind, kindNames())
	}
	if len(spec.Unknown) > 0 {
		return fmt.Errorf("schedule: unknown fields for a %s schedule: %s", spec.Kind, strings.Join(spec.Unknown, ", "))
	}
	if spec.Tenants != nil {
		if err := spec.Tenants.Validate(); err != nil {
			return err
		}
	}
	if k.Check != nil {
		return k.Check(spec)
	}
	_, err := FromSpec(spec)
	return err
}

// FromSpec returns the schedule spec describes.
func FromSpec(spec ScheduleSpec) (Schedule, error) {
	k, ok := KindOf(spec.Kind)
	if !ok {
		return nil, fmt.Errorf("schedule: unknown kind %q (known: %s)", spec.Kind, kindNames())
	}
	pop := spec.Tenants
	spec.Tenants = nil
	s, err := k.Build(spec)
	if err != nil {
		return nil, err
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if pop != nil {
		return WithTenants(s, *pop)
	}
	return s, nil
}
