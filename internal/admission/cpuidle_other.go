//go:build !linux

package admission

import "time"

// CPUIdleTime is nil where /proc/stat is not there: the CPUs' idle time is
// then unknown.
var CPUIdleTime func() (idle time.Duration, cpus int)
