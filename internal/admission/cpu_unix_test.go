//go:build unix

package admission

import (
	"testing"
	"time"
)

// TestProcessCPUTimeCountsThisProcess: ProcessCPUTime grows by about the
// CPU a busy loop takes.
func TestProcessCPUTimeCountsThisProcess(t *testing.T) {
	cpu := ProcessCPUTime // nil where the platform has none
	if cpu == nil {
		t.Skip("no CPU time on this platform")
	}
	// Spin until getrusage, an independent count, says the process used
	// 50 ms more CPU: on a loaded machine 50 ms of wall time may hold far
	// less CPU than that.
	used0, waited0 := cpu()
	ru0 := rusageCPU()
	for start := time.Now(); rusageCPU()-ru0 < 50*time.Millisecond; {
		if time.Since(start) > 30*time.Second {
			t.Fatalf("getrusage counted %s of CPU in 30 s of spinning", rusageCPU()-ru0)
		}
	}
	used, waited := cpu()
	ru := rusageCPU() - ru0
	if used-used0 < ru/2 || waited < waited0 {
		t.Errorf("after getrusage counted %s more: used %s → %s, waited %s → %s; want used up by half of that at least", ru, used0, used, waited0, waited)
	}
}
