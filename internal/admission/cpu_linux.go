package admission

import (
	"bytes"
	"os"
	"strconv"
	"time"
)

// ProcessCPUTime is Options.CPUTime for a server: the CPU time this
// process's threads have run, and the time they were ready to run while
// a CPU was taken by another process or a CPU quota held them back, from
// /proc/self/task/*/schedstat (see cpuAccount: the threads' wait behind
// each other is not counted); without /proc, the CPU time of getrusage
// and no wait. Safe for concurrent use.
func ProcessCPUTime() (used, waited time.Duration) {
	used, waited, ok := processCPU.time()
	if !ok {
		return rusageCPU(), 0
	}
	return used, waited
}

// processCPU is this process's account, shared by every caller: the
// threads are the process's, whoever asks.
var processCPU = cpuAccount{read: readThreads}

// readThreads appends the CPU time of each of this process's threads so
// far to buf: ok is false when /proc/self/task cannot be read.
func readThreads(buf []threadCPU) (_ []threadCPU, ok bool) {
	d, err := os.Open("/proc/self/task")
	if err != nil {
		return buf, false
	}
	names, err := d.Readdirnames(-1)
	d.Close()
	if err != nil {
		return buf, false
	}
	var b [128]byte
	for _, name := range names {
		id, err := strconv.Atoi(name)
		if err != nil {
			continue
		}
		f, err := os.Open("/proc/self/task/" + name + "/schedstat")
		if err != nil {
			continue // the thread exited meanwhile
		}
		n, _ := f.Read(b[:])
		f.Close()
		// "run-ns wait-ns timeslices\n"
		fields := bytes.Fields(b[:n])
		if len(fields) < 2 {
			continue
		}
		run, err1 := strconv.ParseInt(string(fields[0]), 10, 64)
		wait, err2 := strconv.ParseInt(string(fields[1]), 10, 64)
		if err1 != nil || err2 != nil {
			continue
		}
		buf = append(buf, threadCPU{id: id, run: time.Duration(run), wait: time.Duration(wait)})
	}
	return buf, len(buf) > 0
}
