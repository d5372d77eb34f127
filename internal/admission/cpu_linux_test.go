package admission

import (
	"os/exec"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// cpuMask is a sched_setaffinity mask of up to 1,024 CPUs.
type cpuMask [16]uint64

// firstCPU is the first CPU this thread may run on, -1 if unknown.
func firstCPU() int {
	var m cpuMask
	if _, _, e := syscall.RawSyscall(syscall.SYS_SCHED_GETAFFINITY, 0, unsafe.Sizeof(m), uintptr(unsafe.Pointer(&m))); e != 0 {
		return -1
	}
	for c := range len(m) * 64 {
		if m[c/64]&(1<<(c%64)) != 0 {
			return c
		}
	}
	return -1
}

// pin keeps the thread or process tid (0: the calling thread) on cpu.
func pin(tid, cpu int) error {
	var m cpuMask
	m[cpu/64] |= 1 << (cpu % 64)
	if _, _, e := syscall.RawSyscall(syscall.SYS_SCHED_SETAFFINITY, uintptr(tid), unsafe.Sizeof(m), uintptr(unsafe.Pointer(&m))); e != 0 {
		return e
	}
	return nil
}

// spinPinned starts n threads of this process spinning on cpu until
// the returned stop is called. The threads stay locked to their
// goroutines, so they exit with them, mask and all.
func spinPinned(t *testing.T, n, cpu int) (stop func()) {
	t.Helper()
	// A P for each spinning thread and the test's own, so that none of
	// them sleeps for want of a P (the thread of a locked goroutine that
	// waits for a P sleeps too).
	procs := runtime.GOMAXPROCS(n + 2)
	var wg sync.WaitGroup
	done := make(chan struct{})
	pinned := make(chan error, n)
	for range n {
		wg.Go(func() {
			runtime.LockOSThread()
			err := pin(0, cpu)
			pinned <- err
			if err != nil {
				return
			}
			for {
				select {
				case <-done:
					return
				default:
				}
			}
		})
	}
	stop = func() { close(done); wg.Wait(); runtime.GOMAXPROCS(procs) }
	for range n {
		if err := <-pinned; err != nil {
			stop()
			t.Skip("cannot pin a thread:", err)
		}
	}
	return stop
}

// cpuShare is the CPU run and waited for over d (as a cpuAccount of one
// CPU counts it) as a share of d, the share run alone, and the threads'
// run and wait summed, the measure before the account.
func cpuShare(t *testing.T, d time.Duration) (share, ran, summed float64) {
	t.Helper()
	a := &cpuAccount{read: readThreads, procs: 1}
	sum := func() (d time.Duration) {
		ths, _ := readThreads(nil)
		for _, th := range ths {
			d += th.run + th.wait
		}
		return d
	}
	used0, waited0, ok := a.time()
	if !ok {
		t.Skip("no /proc/self/task")
	}
	sum0, start := sum(), time.Now()
	time.Sleep(d)
	used, waited, _ := a.time()
	sum1, wall := sum(), float64(time.Since(start))
	return float64(used-used0+waited-waited0) / wall, float64(used-used0) / wall, float64(sum1-sum0) / wall
}

// TestProcessThreadsWaitingBehindEachOtherReadAsOneCPU: three threads of
// this process spinning on one CPU wait behind each other; their run and
// wait summed read three CPUs' worth, the account one (the CPU, whoever
// else had part of it).
func TestProcessThreadsWaitingBehindEachOtherReadAsOneCPU(t *testing.T) {
	cpu := firstCPU()
	if cpu < 0 {
		t.Skip("no affinity mask")
	}
	stop := spinPinned(t, 3, cpu)
	defer stop()
	share, _, summed := cpuShare(t, 300*time.Millisecond)
	t.Logf("three threads on one CPU: the account read %.2f of it, the summed run and wait %.2f", share, summed)
	if summed < 2 {
		t.Fatalf("three threads spinning on one CPU: run and wait summed to %.2f of the wall time, want about 3 (the measure this test is about)", summed)
	}
	if share < 0.8 || share > 1.25 {
		t.Errorf("three threads spinning on one CPU: the account read %.2f of it (the summed waits %.2f), want about 1", share, summed)
	}
}

// TestProcessThreadWaitingForAnotherProcessReadsBusy: one thread of this
// process spinning on a CPU that a spinning shell shares: the thread runs
// about half the time and waits for the other half, and the account reads
// the CPU busy.
func TestProcessThreadWaitingForAnotherProcessReadsBusy(t *testing.T) {
	cpu := firstCPU()
	if cpu < 0 {
		t.Skip("no affinity mask")
	}
	sh := exec.Command("sh", "-c", "while :; do :; done")
	if err := sh.Start(); err != nil {
		t.Skip("no shell:", err)
	}
	defer func() { sh.Process.Kill(); sh.Wait() }()
	if err := pin(sh.Process.Pid, cpu); err != nil {
		t.Skip("cannot pin the shell:", err)
	}
	stop := spinPinned(t, 1, cpu)
	defer stop()
	share, ran, _ := cpuShare(t, 300*time.Millisecond)
	t.Logf("a thread sharing its CPU with another process: the account read %.2f of it, run %.2f", share, ran)
	if ran > 0.8 {
		t.Errorf("a thread spinning on a CPU shared with a spinning process ran %.2f of the time, want about half", ran)
	}
	if share < 0.8 {
		t.Errorf("a thread spinning on a CPU shared with a spinning process: the account read %.2f of the CPU, want it busy (about 1)", share)
	}
}
