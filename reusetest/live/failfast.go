package live

import (
	"errors"
	"fmt"
	"time"

	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
)

// Fail-fast: a run whose calls all fail the same way (a wrong URL, a 403, a
// missing permission, a DNS name that does not resolve) stops early with that
// cause instead of recording failures until the schedule ends.
//
// The rule: while no call has succeeded, if at least failFastMinCalls calls
// in a row have failed with one error class, and the first of them was sent
// at least the start-up window (defaultStartupWindow) before the last one
// answered, the run stops scheduling and drains, as Ctrl-C does. A freshly
// deployed Function URL or permission can fail for a short while before it
// works: the window rides that out. A run that has had one success is never
// stopped this way, and neither is one whose failures change class (the
// count starts again at each change). Skipped and cancelled calls say
// nothing either way. Every record made is kept.
const (
	defaultStartupWindow = 2 * time.Minute
	failFastMinCalls     = 10
)

// ErrFailFast wraps the error of a run that fail-fast stopped.
var ErrFailFast = errors.New("stopped early: every call failed the same way and none succeeded")

// failFast watches records for the fail-fast rule. It sees every record
// once: those of a resumed log, then the new ones.
type failFast struct {
	window    time.Duration
	succeeded bool
	class     record.ErrorClass
	example   string    // the first failure's message, secret-free
	first     time.Time // when the first failure of the streak was sent
	streak    int64
	tripped   bool
}

// observe accounts for r and reports whether the rule trips now (once).
func (f *failFast) observe(r *record.Record) bool {
	switch {
	case f.succeeded || f.tripped:
		return false
	case r.Status == record.StatusOK:
		f.succeeded = true
		return false
	case r.ErrorClass == "":
		return false // skipped or cancelled: not the endpoint's answer
	}
	sent := r.Sent
	if sent.IsZero() {
		sent = r.Scheduled
	}
	if f.streak == 0 || r.ErrorClass != f.class {
		f.class, f.example, f.first, f.streak = r.ErrorClass, r.Error, sent, 0
	}
	f.streak++
	done := r.Done
	if done.IsZero() {
		done = sent
	}
	f.tripped = f.streak >= failFastMinCalls && done.Sub(f.first) >= f.window
	return f.tripped
}

// err describes why the run stopped.
func (f *failFast) err() error {
	return fmt.Errorf("%w: %d calls in a row failed with %s (%s) over more than %v: check the URL or function name, its permissions and your credentials; -reuse.failfast=false runs on regardless",
		ErrFailFast, f.streak, f.class, f.example, f.window)
}
