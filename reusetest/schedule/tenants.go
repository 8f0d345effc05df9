package schedule

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"sync"

	"github.com/lambda-reuse/lambda-reuse/reusetest/stats"
)

// A function in tenant isolation mode (TenancyConfig PER_TENANT) takes a
// tenant id with every call, and an environment only ever serves the
// tenant it was created for (docs/sources.md [S13]). A schedule's calls may
// carry tenants: a trace's "tenant" column, or, for every kind, a
// synthetic Population.

// MaxTenants caps a population's tenants and a trace's distinct tenant
// ids, so neither a flag nor a file sizes memory.
const MaxTenants = 100_000

// Tenanted is implemented by a schedule whose calls may carry tenants.
type Tenanted interface {
	// HasTenants reports whether its calls carry tenants.
	HasTenants() bool
	// Tenant is call seq's tenant id.
	Tenant(seq int64) string
}

// TenantOf returns the function giving each call of s its tenant, or nil
// when s's calls carry none.
func TenantOf(s Schedule) func(seq int64) string {
	if t, ok := s.(Tenanted); ok && t.HasTenants() {
		return t.Tenant
	}
	return nil
}

// The popularity rules of a synthetic population.
const (
	// PopularityUniform gives every tenant the same share of the calls.
	PopularityUniform = "uniform"
	// PopularityZipf gives the tenant of rank k a share proportional to
	// 1/k^s (ZipfS, 1 by default): a few tenants make most calls.
	PopularityZipf = "zipf"
)

// DefaultZipfS is the Zipf exponent when none is given.
const DefaultZipfS = 1.0

// Population is a synthetic population of tenants: each call's tenant is
// drawn, as a function of the schedule's seed and the call's seq alone,
// from Count tenants by the popularity rule. Tenants are named tenant-1 to
// tenant-Count, tenant-1 the most popular under Zipf.
type Population struct {
	// Count is the number of tenants, 1 to MaxTenants.
	Count int `json:"count"`
	// Popularity is PopularityUniform or PopularityZipf.
	Popularity string `json:"popularity"`
	// ZipfS is the Zipf exponent (> 0, at most 10); 0 means DefaultZipfS.
	ZipfS float64 `json:"zipf_s,omitempty"`
}

// Validate reports why p cannot be drawn from, naming the limits.
func (p Population) Validate() error {
	var errs []error
	if p.Count < 1 || p.Count > MaxTenants {
		errs = append(errs, fmt.Errorf("tenants: the count must be 1 to %d, got %d", MaxTenants, p.Count))
	}
	switch p.Popularity {
	case PopularityUniform:
		if p.ZipfS != 0 {
			errs = append(errs, fmt.Errorf("tenants: a Zipf exponent (%v) with uniform popularity", p.ZipfS))
		}
	case PopularityZipf:
		if !(p.ZipfS >= 0 && p.ZipfS <= 10) {
			errs = append(errs, fmt.Errorf("tenants: the Zipf exponent must be above 0 and at most 10, got %v", p.ZipfS))
		}
	default:
		errs = append(errs, fmt.Errorf("tenants: popularity %q: want %s or %s", p.Popularity, PopularityUniform, PopularityZipf))
	}
	return errors.Join(errs...)
}

// S is the Zipf exponent in use.
func (p Population) S() float64 {
	if p.ZipfS == 0 {
		return DefaultZipfS
	}
	return p.ZipfS
}

// String describes the population for people.
func (p Population) String() string {
	if p.Popularity == PopularityZipf {
		return fmt.Sprintf("%d tenants, Zipf popularity (s=%g)", p.Count, p.S())
	}
	return fmt.Sprintf("%d tenants, uniform popularity", p.Count)
}

// tenantName is the name of the tenant of rank k.
func tenantName(k int) string { return "tenant-" + strconv.Itoa(k) }

// tenantSalt keeps the tenant draws apart from the schedule's other draws
// of the same seed.
const tenantSalt = 0x7e4a_47d1_5c0f_e3b9

// withTenants is a schedule whose calls carry tenants drawn from a
// population; every other question goes to the schedule it wraps.
type withTenants struct {
	Schedule
	pop  Population
	seed uint64

	once  sync.Once
	cdf   []float64 // Zipf: the cumulative shares, by rank
	names []string  // by rank - 1
}

// WithTenants returns s with each call's tenant drawn from pop, or an
// error: pop is invalid, or s's calls carry tenants already (a trace's
// tenant column).
func WithTenants(s Schedule, pop Population) (Schedule, error) {
	if err := pop.Validate(); err != nil {
		return nil, err
	}
	if w, ok := s.(*withTenants); ok {
		s = w.Schedule
	}
	if TenantOf(s) != nil {
		return nil, errors.New("tenants: the schedule's calls carry tenants of their own (a trace's tenant column); a synthetic population would replace them")
	}
	return &withTenants{Schedule: s, pop: pop, seed: s.Spec().Seed}, nil
}

// HasTenants reports that the calls carry tenants.
func (w *withTenants) HasTenants() bool { return true }

// Tenant draws call seq's tenant.
func (w *withTenants) Tenant(seq int64) string {
	w.once.Do(w.prepare)
	k := 0
	if w.pop.Count > 1 {
		u := stats.Uniform(stats.Mix64(w.seed ^ tenantSalt + uint64(seq)*stats.Golden))
		if w.cdf == nil {
			k = min(int(u*float64(w.pop.Count)), w.pop.Count-1)
		} else {
			k, _ = slices.BinarySearch(w.cdf, u)
			k = min(k, w.pop.Count-1)
		}
	}
	return w.names[k]
}

// prepare names the tenants and, for Zipf, sums the shares.
func (w *withTenants) prepare() {
	w.names = make([]string, w.pop.Count)
	for i := range w.names {
		w.names[i] = tenantName(i + 1)
	}
	if w.pop.Popularity != PopularityZipf {
		return
	}
	w.cdf = make([]float64, w.pop.Count)
	var sum float64
	for i := range w.cdf {
		sum += math.Pow(float64(i+1), -w.pop.S())
		w.cdf[i] = sum
	}
	for i := range w.cdf {
		w.cdf[i] /= sum
	}
}

// Spec is the wrapped schedule's spec with the population.
func (w *withTenants) Spec() ScheduleSpec {
	s := w.Schedule.Spec()
	p := w.pop
	s.Tenants = &p
	return s
}

// Validate checks the wrapped schedule and the population.
func (w *withTenants) Validate() error {
	return errors.Join(w.Schedule.Validate(), w.pop.Validate())
}

// InModelTime is the wrapped schedule in model time, with the same tenants.
func (w *withTenants) InModelTime(factor float64) (Schedule, error) {
	s, err := w.Schedule.InModelTime(factor)
	if err != nil {
		return nil, err
	}
	return &withTenants{Schedule: s, pop: w.pop, seed: w.seed}, nil
}

// prefix is the wrapped schedule's first n calls, with the same tenants,
// when it has a prefix.
func (w *withTenants) prefix(n int64) (Schedule, bool) {
	p, ok := w.Schedule.(Prefixer)
	if !ok {
		return nil, false
	}
	return &withTenants{Schedule: p.Prefix(n), pop: w.pop, seed: w.seed}, true
}

// Unwrap is s without a synthetic population: the kind's own schedule,
// for a question about the kind (its section, its chart).
func Unwrap(s Schedule) Schedule {
	if w, ok := s.(*withTenants); ok {
		return w.Schedule
	}
	return s
}

// UnitsOf is s as Units, when its calls come in units.
func UnitsOf(s Schedule) (Units, bool) {
	u, ok := Unwrap(s).(Units)
	return u, ok
}

// FailingOf is s as Failing, when it is read from a file as it runs.
func FailingOf(s Schedule) (Failing, bool) {
	f, ok := Unwrap(s).(Failing)
	return f, ok
}

// PrefixOf is s's first n calls as a schedule of the same kind (and the
// same tenants), when it has such a prefix.
func PrefixOf(s Schedule, n int64) (Schedule, bool) {
	if w, ok := s.(*withTenants); ok {
		return w.prefix(n)
	}
	p, ok := s.(Prefixer)
	if !ok {
		return nil, false
	}
	return p.Prefix(n), true
}
