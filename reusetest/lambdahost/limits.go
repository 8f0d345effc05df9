package lambdahost

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// The figures DefaultMaxEnvironments sizes a host by.
const (
	// MaxDefaultEnvironments caps the default: Lambda's default
	// concurrency per Region (docs/sources.md [S3]).
	MaxDefaultEnvironments = 1000
	// HostBytesPerEnvironment is the address space the host itself spends
	// on each process it runs (the OS thread that waits for it, with its
	// stack; its Runtime API server): measured about 18 MB, budgeted 32.
	HostBytesPerEnvironment = 32 << 20
	// ThreadsPerEnvironment is the OS threads budgeted per environment
	// against the user's limit on processes: the host's waiting thread and
	// the function's own (a Go runtime starts several).
	ThreadsPerEnvironment = 16
	// addressHeadroom is address space left for the host's own growth.
	addressHeadroom = 256 << 20
)

// DefaultMaxEnvironments is the bound on processes a host keeps alive at
// once when none is given, sized to this machine: its memory over memoryMB
// per environment (what each may use, as on Lambda; DefaultMemoryMB when
// 0), within what the host's own limits allow (environmentLimit), at most
// MaxDefaultEnvironments and at least 1.
func DefaultMaxEnvironments(memoryMB int) int {
	if memoryMB <= 0 {
		memoryMB = DefaultMemoryMB
	}
	n := MaxDefaultEnvironments
	var si syscall.Sysinfo_t
	if syscall.Sysinfo(&si) == nil {
		n = int(min(uint64(n), uint64(si.Totalram)*uint64(si.Unit)/(uint64(memoryMB)<<20)))
	}
	limit, _ := environmentLimit()
	return max(1, min(n, limit))
}

// environmentLimit is the most environments the host's own limits allow
// it to run without failing to start a thread: the address space it has
// left under its limit (ulimit -v), at HostBytesPerEnvironment each, and
// the threads the user may start (ulimit -u), at ThreadsPerEnvironment
// each; why says which bound it is. With neither limit set it is
// math.MaxInt.
func environmentLimit() (n int, why string) {
	n = math.MaxInt
	var r unix.Rlimit
	if unix.Getrlimit(unix.RLIMIT_AS, &r) == nil && r.Cur != unix.RLIM_INFINITY {
		left := int64(r.Cur) - addressSpaceInUse() - addressHeadroom
		n = int(max(0, left/HostBytesPerEnvironment))
		why = fmt.Sprintf("the address space left under ulimit -v, %d MB, at %d MB each", max(0, left>>20), HostBytesPerEnvironment>>20)
	}
	if unix.Getrlimit(unix.RLIMIT_NPROC, &r) == nil && r.Cur != unix.RLIM_INFINITY && r.Cur/ThreadsPerEnvironment < uint64(n) {
		n = int(r.Cur / ThreadsPerEnvironment)
		why = fmt.Sprintf("ulimit -u, %d processes and threads, at %d each", r.Cur, ThreadsPerEnvironment)
	}
	return n, why
}

// addressSpaceInUse is this process's virtual memory size (VmSize), in
// bytes; 0 when the system does not say.
func addressSpaceInUse() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmSize:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return 0
			}
			return kb << 10
		}
	}
	return 0
}
