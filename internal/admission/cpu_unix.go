//go:build unix

package admission

import (
	"syscall"
	"time"
)

// rusageCPU is the CPU time (user and system, every thread) this process
// has used since it started, 0 if getrusage fails.
func rusageCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
