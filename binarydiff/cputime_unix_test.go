//go:build unix

package binarydiff

import (
	"syscall"
	"time"
)

// cpuTime returns the CPU time the process has used, user and system,
// all threads (the diff's workers, the collector's): on a shared machine
// what a step costs shows in it whatever else runs, which wall time does
// not tell.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
