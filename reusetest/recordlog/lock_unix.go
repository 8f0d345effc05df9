//go:build unix

package recordlog

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// lock takes an exclusive advisory lock (flock) on the open log, without
// waiting. The kernel drops it when the file is closed or its process dies,
// so a lock left by a killed run never blocks a resume.
func lock(f *os.File) error {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if err == nil {
		return nil
	}
	if !errors.Is(err, syscall.EWOULDBLOCK) {
		return fmt.Errorf("lock: %w", err)
	}
	if pid := lockHolder(f); pid > 0 {
		return fmt.Errorf("%w by another run (process %d)", ErrLogInUse, pid)
	}
	return fmt.Errorf("%w by another run", ErrLogInUse)
}
