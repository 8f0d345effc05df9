package experiment

import (
	"flag"
	"strconv"
	"strings"
	"time"
)

// Shared holds the flags that set one value of several experiments at once
// (-reuse.n: the burst's size and the idle phase's), defined once on the
// flag set whichever experiment asks first. Each experiment's own flag
// keeps its own default; a shared flag given on the command line sets all
// of them.
type Shared struct {
	fs    *flag.FlagSet
	flags map[string]*sharedValue
}

// sharedFlags are the shared flags, each declared here once with its help;
// an experiment's own flag joins one (Shared.Int64, Duration, String), and
// its help then names every flag it sets.
var sharedFlags = map[string]string{
	"reuse.n":      "calls at once",
	"reuse.rounds": "bursts, or trials per gap",
	"reuse.pause":  "time between bursts",
	"reuse.gaps":   "the idle gaps",
}

// sharedValue is a shared flag: what it sets, and in which experiments.
type sharedValue struct {
	set   []func(string) error
	names []string
	text  string
	usage string
}

func (v *sharedValue) String() string { return v.text }

func (v *sharedValue) Set(s string) error {
	for _, set := range v.set {
		if err := set(s); err != nil {
			return err
		}
	}
	v.text = s
	return nil
}

// attach makes the shared flag name also set own, experiment's flag.
func (s *Shared) attach(name, own string, set func(string) error) {
	v, ok := s.flags[name]
	if !ok {
		usage, ok := sharedFlags[name]
		if !ok {
			panic("experiment: -" + own + " joins -" + name + ", which sharedFlags does not declare")
		}
		v = &sharedValue{usage: usage}
		s.flags[name] = v
		s.fs.Var(v, name, "")
	}
	v.set, v.names = append(v.set, set), append(v.names, "-"+own)
	s.fs.Lookup(name).Usage = v.usage + " (sets " + strings.Join(v.names, " and ") + ")"
}

// Int64 makes the shared flag name set p too (own is p's flag).
func (s *Shared) Int64(name, own string, p *int64) {
	s.attach(name, own, func(v string) error {
		n, err := strconv.ParseInt(v, 0, 64)
		if err == nil {
			*p = n
		}
		return err
	})
}

// Duration makes the shared flag name set p too (own is p's flag).
func (s *Shared) Duration(name, own string, p *time.Duration) {
	s.attach(name, own, func(v string) error {
		d, err := time.ParseDuration(v)
		if err == nil {
			*p = d
		}
		return err
	})
}

// String makes the shared flag name set p too (own is p's flag).
func (s *Shared) String(name, own string, p *string) {
	s.attach(name, own, func(v string) error { *p = v; return nil })
}
