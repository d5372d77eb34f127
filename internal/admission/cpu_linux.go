package admission

import (
	"bytes"
	"os"
	"strconv"
	"time"
)

// ProcessCPUTime is Options.CPUTime for a server: the CPU time this
// process's threads have run and the time they were ready to run but
// waited for a CPU (another process had it, or a CPU quota throttled
// them), from /proc/self/task/*/schedstat; without it (no /proc), the
// CPU time of getrusage and no wait.
func ProcessCPUTime() (used, waited time.Duration) {
	d, err := os.Open("/proc/self/task")
	if err != nil {
		return rusageCPU(), 0
	}
	names, err := d.Readdirnames(-1)
	d.Close()
	if err != nil {
		return rusageCPU(), 0
	}
	var buf [128]byte
	read := 0
	for _, name := range names {
		f, err := os.Open("/proc/self/task/" + name + "/schedstat")
		if err != nil {
			continue // the thread exited meanwhile
		}
		n, _ := f.Read(buf[:])
		f.Close()
		// "run-ns wait-ns timeslices\n"
		fields := bytes.Fields(buf[:n])
		if len(fields) < 2 {
			continue
		}
		run, err1 := strconv.ParseInt(string(fields[0]), 10, 64)
		wait, err2 := strconv.ParseInt(string(fields[1]), 10, 64)
		if err1 != nil || err2 != nil {
			continue
		}
		used += time.Duration(run)
		waited += time.Duration(wait)
		read++
	}
	if read == 0 {
		return rusageCPU(), 0
	}
	return used, waited
}
