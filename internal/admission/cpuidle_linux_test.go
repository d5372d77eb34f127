package admission

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

const procStat = `cpu  4518483 102346 1001667 1397405 10524 0 160461 4308 0 0
cpu0 2374179 52300 444295 655960 1701 0 91738 2106 0 0
cpu1 2144303 50045 557371 741445 8822 0 68722 2202 0 0
intr 1 2 3
ctxt 123
`

// TestIdleOfSumsIdleAndIOWaitOfTheCPUsInTheMask: the idle and iowait
// columns of the CPUs asked for, in 1/100 s; not the aggregate line, not
// the other CPUs.
func TestIdleOfSumsIdleAndIOWaitOfTheCPUsInTheMask(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   func(int) bool
		want time.Duration
		cpus int
	}{
		{"cpu0", func(c int) bool { return c == 0 }, (655960 + 1701) * 10 * time.Millisecond, 1},
		{"cpu1", func(c int) bool { return c == 1 }, (741445 + 8822) * 10 * time.Millisecond, 1},
		{"both", func(int) bool { return true }, (655960 + 1701 + 741445 + 8822) * 10 * time.Millisecond, 2},
		{"none of them", func(c int) bool { return c == 7 }, 0, 0},
	} {
		idle, cpus := idleOf(strings.NewReader(procStat), tc.in)
		if idle != tc.want || cpus != tc.cpus {
			t.Errorf("%s: idle %s on %d CPUs, want %s on %d", tc.name, idle, cpus, tc.want, tc.cpus)
		}
	}
	// A line without the iowait column (a kernel before 2.5.41) is not
	// read as one without idle time: unknown.
	if idle, cpus := idleOf(strings.NewReader("cpu0 1 2 3 4\n"), func(int) bool { return true }); cpus != 0 || idle != 0 {
		t.Errorf("a short line: idle %s on %d CPUs, want unknown (0 CPUs)", idle, cpus)
	}
}

// TestCPUIdleTimeCountsNoIdleTimeOnABusyCPU: a thread pinned to one CPU
// and spinning keeps that CPU from idling, so its idle time does not grow
// (10 ms of rounding and the readings aside), and the mask read is the
// calling thread's: one CPU.
func TestCPUIdleTimeCountsNoIdleTimeOnABusyCPU(t *testing.T) {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		t.Skip("no affinity mask:", err)
	}
	cpu := -1
	for c := range 1024 {
		if set.IsSet(c) {
			cpu = c
			break
		}
	}
	// The thread is left locked: it exits with the goroutine, mask and all.
	runtime.LockOSThread()
	var one unix.CPUSet
	one.Set(cpu)
	if err := unix.SchedSetaffinity(0, &one); err != nil {
		t.Skip("cannot pin a thread:", err)
	}
	idle0, cpus := CPUIdleTime()
	if cpus != 1 {
		t.Fatalf("pinned to CPU %d: read %d CPUs, want 1", cpu, cpus)
	}
	start := time.Now()
	for time.Since(start) < 300*time.Millisecond {
	}
	idle1, _ := CPUIdleTime()
	if d := idle1 - idle0; d < 0 || d > 30*time.Millisecond {
		t.Errorf("CPU %d idled %s while a thread spun on it for 300 ms, want 0 (to the 10 ms of /proc/stat)", cpu, d)
	}
}

// TestCPUIdleTimeReadsTheProcessCPUs: this process's CPUs, with an idle
// time that never goes back.
func TestCPUIdleTimeReadsTheProcessCPUs(t *testing.T) {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		t.Skip("no affinity mask:", err)
	}
	idle0, cpus := CPUIdleTime()
	if cpus != set.Count() {
		t.Fatalf("read %d CPUs, want the mask's %d", cpus, set.Count())
	}
	time.Sleep(50 * time.Millisecond)
	if idle1, _ := CPUIdleTime(); idle1 < idle0 {
		t.Errorf("idle time went back: %s → %s", idle0, idle1)
	}
}

func BenchmarkCPUIdleTime(b *testing.B) {
	for b.Loop() {
		CPUIdleTime()
	}
}
