package lambdahost

import (
	"bytes"
	"errors"
	"os"
	"strconv"
	"syscall"
	"time"
)

// memoryPoll is how often the host reads the resident memory of a process
// that is serving a call; it also reads the process's peak at each call's
// end, so a spike between two readings is not missed.
const memoryPoll = 10 * time.Millisecond

// memoryKB reads a process's resident memory now (VmRSS) and its peak
// since it started (VmHWM), in KB, from its /proc/PID/status, opened once.
func memoryKB(status *os.File) (rss, peak int64, err error) {
	var buf [4096]byte
	n, err := status.ReadAt(buf[:], 0)
	if n == 0 && err != nil {
		return 0, 0, err
	}
	b := buf[:n]
	rss, okRSS := statusField(b, "VmRSS:")
	peak, okPeak := statusField(b, "VmHWM:")
	if !okRSS || !okPeak {
		return 0, 0, errors.New("no VmRSS or VmHWM in /proc status: the process has exited")
	}
	return rss, peak, nil
}

// openStatus opens /proc/PID/status, to be read again and again.
func openStatus(pid int) (*os.File, error) { return os.Open("/proc/" + strconv.Itoa(pid) + "/status") }

// statusField is the number after key in a /proc status text ("VmRSS:   1234 kB").
func statusField(b []byte, key string) (int64, bool) {
	i := bytes.Index(b, []byte(key))
	if i < 0 {
		return 0, false
	}
	b = bytes.TrimLeft(b[i+len(key):], " \t")
	var v int64
	j := 0
	for ; j < len(b) && b[j] >= '0' && b[j] <= '9'; j++ {
		v = v*10 + int64(b[j]-'0')
	}
	return v, j > 0
}

// watchMemory reads p's memory, keeps its peak, and kills it (as Lambda
// does, the whole environment) when it passes limitKB, saying so with the
// process's fate. It reports whether p is over the limit.
func (p *process) watchMemory(limitKB int64) bool {
	if p.status == nil {
		return false // /proc could not be read: the memory size goes unwatched
	}
	rss, peak, err := memoryKB(p.status)
	if err != nil {
		return false // gone: its exit is seen elsewhere
	}
	for {
		old := p.peakKB.Load()
		if peak <= old || p.peakKB.CompareAndSwap(old, peak) {
			break
		}
	}
	if rss <= limitKB && peak <= limitKB {
		return false
	}
	p.kill(errOutOfMemory)
	return true
}

// kill ends p's process group at once, recording why (the first reason
// given is kept): the calls it was serving fail with that error type.
func (p *process) kill(errType string) {
	p.mu.Lock()
	if p.fate == "" {
		p.fate = errType
	}
	p.mu.Unlock()
	syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
}

// killedFor is why the host killed p ("" if it did not).
func (p *process) killedFor() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.fate
}

// maxMemoryMB is Max Memory Used: p's peak resident memory in MB (MiB),
// rounded up, and never above the memory size (Lambda's limit stops a
// process there).
func (p *process) maxMemoryMB(sizeMB int) int {
	mb := int((p.peakKB.Load() + 1023) / 1024)
	return min(mb, sizeMB)
}
