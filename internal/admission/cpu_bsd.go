//go:build unix && !linux

package admission

import "time"

// ProcessCPUTime is Options.CPUTime for a server: the CPU time this
// process has used (getrusage). The time its threads waited for a CPU is
// not known here: 0.
func ProcessCPUTime() (used, waited time.Duration) {
	return rusageCPU(), 0
}
