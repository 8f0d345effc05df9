//go:build !unix

package recordlog

import "os"

// lock does nothing where flock is not available: one run per log is then
// the user's to keep.
func lock(*os.File) error { return nil }
