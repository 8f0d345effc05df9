package experiment

import (
	"flag"
	"fmt"
	"strconv"
	"strings"

	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
)

// tenantFlags are -reuse.tenants and its popularity: a synthetic population
// of tenants for any experiment's calls (a function in tenant isolation
// mode).
type tenantFlags struct {
	count      tenantCount
	popularity string
	zipfS      zipfFlag
}

// zipfFlag is -reuse.tenants.zipf: its value, and whether it was given.
type zipfFlag struct {
	s   float64
	set bool
}

func (z *zipfFlag) String() string {
	if z == nil {
		return ""
	}
	return strconv.FormatFloat(z.s, 'g', -1, 64)
}

func (z *zipfFlag) Set(v string) error {
	s, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || !(s > 0 && s <= 10) {
		return fmt.Errorf("want a Zipf exponent above 0 and at most 10, got %q", v)
	}
	z.s, z.set = s, true
	return nil
}

// tenantCount is -reuse.tenants: 0 when not given; a value given is 1 to
// schedule.MaxTenants, or the flag is refused as it is parsed.
type tenantCount int

func (c *tenantCount) String() string {
	if c == nil || *c == 0 {
		return ""
	}
	return strconv.Itoa(int(*c))
}

func (c *tenantCount) Set(s string) error {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 1 || n > schedule.MaxTenants {
		return fmt.Errorf("want a number of tenants from 1 to %d, got %q", schedule.MaxTenants, s)
	}
	*c = tenantCount(n)
	return nil
}

// register defines the tenant flags on fs.
func (t *tenantFlags) register(fs *flag.FlagSet) {
	fs.Var(&t.count, "reuse.tenants", fmt.Sprintf("give every call a tenant, drawn from this many (1 to %d), as a function in tenant isolation mode takes them: each environment serves one tenant (default: no tenants)", schedule.MaxTenants))
	fs.StringVar(&t.popularity, "reuse.tenants.popularity", schedule.PopularityUniform, "how -reuse.tenants share the calls: uniform (each the same) or zipf (the tenant of rank k a share proportional to 1/k^s)")
	t.zipfS.s = schedule.DefaultZipfS
	fs.Var(&t.zipfS, "reuse.tenants.zipf", "the Zipf exponent s of -reuse.tenants.popularity=zipf (above 0, at most 10)")
}

// population is the population the flags describe with count tenants, or
// an error naming the flag.
func (t *tenantFlags) population(count int) (schedule.Population, error) {
	p := schedule.Population{Count: count, Popularity: t.popularity}
	if t.popularity == schedule.PopularityZipf {
		p.ZipfS = t.zipfS.s
	}
	if err := p.Validate(); err != nil {
		return p, fmt.Errorf("-reuse.tenants: %w", err)
	}
	return p, nil
}

// check names the tenant flags that have no effect as given: a
// popularity or an exponent without tenants (swept says a tenants= sweep
// gives the counts), an exponent without Zipf popularity.
func (t *tenantFlags) check(swept bool) error {
	switch {
	case t.count == 0 && !swept && (t.popularity != schedule.PopularityUniform || t.zipfS.set):
		return fmt.Errorf("-reuse.tenants.popularity and -reuse.tenants.zipf need -reuse.tenants or -reuse.sweep=tenants=")
	case t.zipfS.set && t.popularity != schedule.PopularityZipf:
		return fmt.Errorf("-reuse.tenants.zipf=%g has no effect with -reuse.tenants.popularity=%s: give -reuse.tenants.popularity=zipf, or leave the exponent out", t.zipfS.s, t.popularity)
	}
	return nil
}

// apply gives s's calls the flags' tenants, when -reuse.tenants is given;
// swept says a tenants= sweep gives the counts instead.
func (t *tenantFlags) apply(s schedule.Schedule, swept bool) (schedule.Schedule, error) {
	if err := t.check(swept); err != nil {
		return nil, err
	}
	if t.count == 0 {
		return s, nil
	}
	p, err := t.population(int(t.count))
	if err != nil {
		return nil, err
	}
	out, err := schedule.WithTenants(s, p)
	if err != nil {
		return nil, fmt.Errorf("-reuse.tenants: %w", err)
	}
	return out, nil
}

// tag names the population in file names: "" without one.
func (t *tenantFlags) tag() string {
	if t.count == 0 {
		return ""
	}
	if t.popularity == schedule.PopularityZipf {
		return fmt.Sprintf("-tenants%d-zipf%g", t.count, t.zipfS.s)
	}
	return fmt.Sprintf("-tenants%d", t.count)
}
