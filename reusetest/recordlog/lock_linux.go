package recordlog

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

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
	// The device as /proc/locks writes it, major:minor in hex (Linux's
	// dev_t encoding, as glibc's major() and minor() read it).
	dev := uint64(st.Dev) // uint32 on some Linux ports
	major, minor := (dev>>8)&0xfff|(dev>>32)&^uint64(0xfff), dev&0xff|(dev>>12)&^uint64(0xff)
	want := fmt.Sprintf("%02x:%02x:%d", major, minor, st.Ino)
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
