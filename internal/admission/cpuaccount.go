package admission

import (
	"runtime"
	"sync"
	"time"
)

// threadCPU is one thread's CPU time so far: the time it ran and the
// time it was ready to run but waited for a CPU (its run-queue wait).
type threadCPU struct {
	id        int
	run, wait time.Duration
}

// cpuAccount keeps a process's CPU time run, and waited for while the CPU
// was not its own threads', from readings of its threads' times.
//
// The threads' run-queue waits cannot simply be added up: on a CPU of its
// own, a process's threads wait behind each other (with GOMAXPROCS=1 the
// runtime's other threads queue behind the one running Go code), and
// their summed wait reads as more than the CPU while the CPU idles half
// the time (make bench, 2,000 req/s: 0.73–1.23 of CPU 0 with the server
// at 0.42 of it). A thread's wait is not all the CPU's shortage, but its
// run plus its wait is time the CPU was not idle: the thread was running
// or ready to run. So between two readings the process used at least as
// much of its CPUs as its threads ran (R) and at least as much as its
// procs busiest threads (by run plus wait, one a CPU) were running or
// ready to run; the part of the second beyond R is counted as waited.
// On one CPU that is the CPU's busy time while the process wanted it,
// whoever had it: what was waited for another process's work, or a
// quota's throttling, and not for the process's own threads. With more
// CPUs it is a lower bound (the busiest threads may share a CPU).
type cpuAccount struct {
	// read appends the threads' times so far to buf; ok is false when they
	// cannot be read.
	read func(buf []threadCPU) (_ []threadCPU, ok bool)
	// procs is how many CPUs the process may use; 0 is GOMAXPROCS.
	procs int

	mu           sync.Mutex
	buf          []threadCPU
	last         map[int]threadCPU
	used, waited time.Duration
	busiest      []time.Duration
}

// time returns the process's CPU time run and waited for (as above) so
// far; ok is false when the threads' times cannot be read.
func (a *cpuAccount) time() (used, waited time.Duration, ok bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.buf, ok = a.read(a.buf[:0])
	if !ok {
		return 0, 0, false
	}
	procs := a.procs
	if procs <= 0 {
		procs = runtime.GOMAXPROCS(0)
	}
	first := a.last == nil
	if first {
		a.last = make(map[int]threadCPU, len(a.buf))
	}
	// The run and the run plus wait of each thread since the last reading
	// (a thread not seen then started since), and the procs largest of
	// the second, kept in order.
	var ran time.Duration
	a.busiest = a.busiest[:0]
	for _, t := range a.buf {
		p := a.last[t.id]
		run, wait := max(t.run-p.run, 0), max(t.wait-p.wait, 0)
		if first {
			// The first reading: everything so far.
			run, wait = t.run, t.wait
		}
		ran += run
		b := run + wait
		if len(a.busiest) < procs {
			a.busiest = append(a.busiest, b)
		} else if b <= a.busiest[len(a.busiest)-1] {
			continue
		} else {
			a.busiest[len(a.busiest)-1] = b
		}
		for i := len(a.busiest) - 1; i > 0 && a.busiest[i] > a.busiest[i-1]; i-- {
			a.busiest[i], a.busiest[i-1] = a.busiest[i-1], a.busiest[i]
		}
	}
	var wanted time.Duration
	for _, b := range a.busiest {
		wanted += b
	}
	a.used += ran
	a.waited += max(wanted-ran, 0)
	clear(a.last)
	for _, t := range a.buf {
		a.last[t.id] = t
	}
	return a.used, a.waited, true
}
