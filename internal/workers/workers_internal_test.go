package workers

import (
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// TestPoolStartsEveryJobAtOnce: a job never waits for another: the
// second starts while the first is still running, on a new goroutine when
// no worker is idle.
func TestPoolStartsEveryJobAtOnce(t *testing.T) {
	var p Pool
	release := make(chan struct{})
	started := make(chan int, 2)
	var wg sync.WaitGroup
	wg.Add(2)
	for i := range 2 {
		p.Go(func() {
			defer wg.Done()
			started <- i
			<-release
		})
	}
	for range 2 {
		select {
		case <-started:
		case <-time.After(5 * time.Second):
			t.Fatal("a job waited for another one to end")
		}
	}
	close(release)
	wg.Wait()
}

// TestPoolReusesIdleWorkersThenLetsThemGo: jobs one after the other
// run on the worker the first one started, and an idle worker exits after
// Idle.
func TestPoolReusesIdleWorkersThenLetsThemGo(t *testing.T) {
	before := goleak.IgnoreCurrent()
	var p Pool
	seen := map[string]bool{}
	for range 50 {
		done := make(chan string, 1)
		p.Go(func() { done <- goroutineOf() })
		seen[<-done] = true
		// Let the worker come back and wait for the next job.
		for p.idle.Load() != 1 {
			time.Sleep(time.Millisecond)
		}
		time.Sleep(2 * time.Millisecond)
	}
	// A new goroutine per job would be 50; on a loaded machine a worker
	// may now and then not be back in time.
	if len(seen) > 25 {
		t.Errorf("50 jobs one after the other ran on %d goroutines, want the same few", len(seen))
	}
	time.Sleep(2 * Idle)
	if n := p.idle.Load(); n != 0 {
		t.Errorf("idle workers after %s: %d, want 0", 2*Idle, n)
	}
	goleak.VerifyNone(t, before)
}

// goroutineOf is the calling goroutine's id, from its stack's first line.
func goroutineOf() string {
	b := make([]byte, 64)
	b = b[:runtime.Stack(b, false)]
	id, _, _ := strings.Cut(strings.TrimPrefix(string(b), "goroutine "), " ")
	return id
}

// TestPoolKeepsABurstOfTheBulkheadsSize: after a burst of as many
// jobs at once as a source's bulkhead lets be in flight by default, the
// workers stay for the next burst, which then starts (nearly) no
// goroutine: with fewer kept, the workers beyond them exited and the next
// burst grew new stacks again (a closed loop of 64 clients is such a
// burst, call after call).
func TestPoolKeepsABurstOfTheBulkheadsSize(t *testing.T) {
	before := goleak.IgnoreCurrent()
	var p Pool
	burst := func() map[string]bool {
		release := make(chan struct{})
		ids := make(chan string, MaxIdle)
		var started sync.WaitGroup
		started.Add(MaxIdle)
		for range MaxIdle {
			p.Go(func() {
				ids <- goroutineOf()
				started.Done()
				<-release
			})
		}
		started.Wait()
		close(release)
		seen := map[string]bool{}
		for range MaxIdle {
			seen[<-ids] = true
		}
		return seen
	}
	first := burst()
	// Every worker waits for the next job (within Idle, past which
	// the first back would leave); on a loaded machine a few may be late.
	peak := int32(0)
	for deadline := time.Now().Add(Idle / 2); peak < MaxIdle && time.Now().Before(deadline); {
		peak = max(peak, p.idle.Load())
		time.Sleep(time.Millisecond)
	}
	if peak < MaxIdle*3/4 {
		t.Fatalf("idle workers after a burst of %d: at most %d, want them all", MaxIdle, peak)
	}
	fresh := 0
	for id := range burst() {
		if !first[id] {
			fresh++
		}
	}
	// On a loaded machine a worker may now and then not be back in time.
	if fresh > MaxIdle/4 {
		t.Errorf("the second burst of %d ran on %d new goroutines, want the first burst's workers", MaxIdle, fresh)
	}
	time.Sleep(2 * Idle)
	goleak.VerifyNone(t, before)
}
