//go:build !unix

package benchpair

import (
	"runtime/metrics"
	"time"
)

// CPUTime returns the runtime's estimate of the CPU time the process has
// used so far: the CPU time available to it less the time its processors
// were idle. Differences of two readings give the CPU time of what ran in
// between.
func CPUTime() time.Duration {
	s := []metrics.Sample{{Name: "/cpu/classes/total:cpu-seconds"}, {Name: "/cpu/classes/idle:cpu-seconds"}}
	metrics.Read(s)
	return time.Duration((s[0].Value.Float64() - s[1].Value.Float64()) * float64(time.Second))
}
