package experiment

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdasim"
	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
	"github.com/lambda-reuse/lambda-reuse/reusetest/recordlog"
	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
)

// SimLog writes a simulated run's record log, as a live run's is written,
// so a simulated world can be fitted, reported and compared like a
// measured one. The log is written beside its path and renamed into place
// when the run ends: an existing file is never touched, and a failed run
// leaves none.
type SimLog struct {
	path, tmp string
	w         *recordlog.Writer
	err       error
}

// createSimLog starts the log of a simulated run of schedule at path,
// which must not exist (a simulation never resumes, and a live run's log
// there is not to be lost).
func createSimLog(path string, schedule schedule.Schedule) (*SimLog, error) {
	if _, err := os.Lstat(path); err == nil {
		return nil, fmt.Errorf("-reuse.log %s exists: a simulated run writes a new log; remove it or name another", path)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("-reuse.log: %w", err)
	}
	tmp := path + ".writing"
	if err := os.Remove(tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("-reuse.log: %w", err)
	}
	w, _, err := recordlog.Open(tmp, schedule, "simulator", lambdasim.Epoch, nil)
	if err != nil {
		return nil, fmt.Errorf("-reuse.log: %w", err)
	}
	return &SimLog{path: path, tmp: tmp, w: w}, nil
}

// Add appends one record; the first failure is kept for Close.
func (l *SimLog) Add(r *record.Record) {
	if l.err == nil {
		l.err = l.w.Append(r)
	}
}

// Close ends the log: renamed into place when every record was written
// and ok, else removed.
func (l *SimLog) Close(ok bool) error {
	err := errors.Join(l.err, l.w.Close())
	if err == nil && ok {
		err = os.Rename(l.tmp, l.path)
	}
	if err != nil || !ok {
		os.Remove(l.tmp)
	}
	return err
}
