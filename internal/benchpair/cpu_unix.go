//go:build unix

package benchpair

import (
	"syscall"
	"time"
)

// CPUTime returns the CPU time the process has used so far, user and
// system (getrusage). Differences of two readings give the CPU time of
// what ran in between, on every goroutine, the garbage collector's
// included.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
