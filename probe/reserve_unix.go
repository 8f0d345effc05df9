//go:build unix

package probe

import "syscall"

// reserve maps n bytes of private, anonymous memory: address space whose
// pages become resident only when written.
func reserve(n int64) ([]byte, error) {
	return syscall.Mmap(-1, 0, int(n), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
}
