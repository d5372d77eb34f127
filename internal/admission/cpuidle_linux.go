package admission

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// CPUIdleTime is the time the CPUs this process may run on (the calling
// thread's affinity mask, read at each call: every thread's when the
// process was started pinned, as with taskset) have been idle since boot,
// summed over them,
// and how many they are; cpus is 0 where it cannot be read. Two readings
// a window apart give the CPUs' idle share over it:
//
//	share := float64(idle1-idle0) / (float64(at1.Sub(at0)) * float64(cpus))
//
// It tells apart what ProcessCPUTime cannot: the process's threads
// waiting for a CPU taken by other processes (a shared host: its CPUs are
// busy, idle ≈ 0) from the same threads waiting behind each other on a
// CPU that still idles between their bursts (the run-queue wait is summed
// over threads, so several waiting at once read as more than the CPU).
// It does not see a CPU quota (cgroup cpu.max): a throttled process's CPU
// may idle while the process cannot run.
//
// The source is /proc/stat's idle and iowait columns, in USER_HZ (1/100 s
// on every Linux architecture Go supports but alpha): 10 ms steps, so a
// window of 100 ms reads its share to ±0.1 per CPU, 250 ms to ±0.04.
// Under NO_HZ the kernel counts idle time exactly and only the printing
// rounds it. About 15 µs a call.
func CPUIdleTime() (idle time.Duration, cpus int) {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return 0, 0
	}
	f, err := os.Open("/proc/stat")
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	return idleOf(f, set.IsSet)
}

// userHZ is the unit of /proc/stat's times (USER_HZ).
const userHZ = 100

// idleOf sums the idle and iowait columns of the "cpuN" lines of a
// /proc/stat for the CPUs in (each CPU once), and counts them; cpus is 0
// when a CPU in the mask has no line or a line does not parse.
func idleOf(r io.Reader, in func(cpu int) bool) (idle time.Duration, cpus int) {
	sc := bufio.NewScanner(r)
	var ticks int64
	for sc.Scan() {
		line := sc.Bytes()
		// "cpuN user nice system idle iowait irq softirq steal ..."; the
		// aggregate "cpu " line and the other lines are skipped.
		if !bytes.HasPrefix(line, []byte("cpu")) || len(line) < 4 || line[3] < '0' || line[3] > '9' {
			continue
		}
		fields := bytes.Fields(line)
		n, err := strconv.Atoi(string(fields[0][3:]))
		if err != nil || !in(n) {
			continue
		}
		if len(fields) < 6 {
			return 0, 0
		}
		idleT, err1 := strconv.ParseInt(string(fields[4]), 10, 64)
		iowait, err2 := strconv.ParseInt(string(fields[5]), 10, 64)
		if err1 != nil || err2 != nil {
			return 0, 0
		}
		ticks += idleT + iowait
		cpus++
	}
	if sc.Err() != nil || cpus == 0 {
		return 0, 0
	}
	return time.Duration(ticks) * (time.Second / userHZ), cpus
}
