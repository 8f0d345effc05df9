//go:build unix

package recordlog

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
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

// lockHolder is the process that holds a flock on f, as /proc/locks (Linux)
// tells, or 0 where the system does not tell.
func lockHolder(f *os.File) int {
	fi, err := f.Stat()
	if err != nil {
		return 0
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0
	}
	dev := uint64(st.Dev) // Dev is uint64 on Linux, int32 on some BSDs
	want := fmt.Sprintf("%02x:%02x:%d", unix.Major(dev), unix.Minor(dev), st.Ino)
	locks, err := os.Open("/proc/locks")
	if err != nil {
		return 0
	}
	defer locks.Close()
	// Lines read: "1: FLOCK  ADVISORY  WRITE 3043 fd:01:1180698 0 EOF".
	for sc := bufio.NewScanner(locks); sc.Scan(); {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 6 && fields[1] == "FLOCK" && fields[5] == want {
			if pid, err := strconv.Atoi(fields[4]); err == nil {
				return pid
			}
		}
	}
	return 0
}
