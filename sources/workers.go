package sources

import (
	"sync/atomic"
	"time"
)

// Workers kept idle, and for how long: as many as a source's bulkhead
// lets calls be in flight by default, and gone soon after the load. With
// 64, a closed loop of 64 clients (up to 64 calls on one source at once,
// and a few more workers while the last ones find their way back) made
// the workers beyond the cap exit and the next calls start goroutines
// that grew their stacks again (BENCHMARKS.md, why the 64-client cells
// cost more per operation).
const (
	maxIdleWorkers = DefaultMaxInFlight
	workerIdle     = 100 * time.Millisecond
)

// workerPool runs jobs on goroutines kept from one job to the next. A
// goroutine started afresh for each shared source call or batch grew its
// stack through the call (the breaker, the HTTP client, the decoder) every
// time:
// 3 to 5% of the CPU of a one-item operation went to copying stacks
// (BENCHMARKS.md). A job goes to a worker that waits for one, or else to a
// new goroutine, never into a queue: it starts at once either way. A
// worker that finds nothing to do for workerIdle exits, and so does one
// that would make more than maxIdleWorkers wait. The zero value is ready
// to use.
type workerPool struct {
	jobs atomic.Pointer[chan func()]
	idle atomic.Int32
}

// run starts job now, on an idle worker or a new goroutine.
func (p *workerPool) run(job func()) {
	jobs := p.channel()
	select {
	case jobs <- job:
	default:
		go p.work(jobs, job)
	}
}

func (p *workerPool) channel() chan func() {
	if c := p.jobs.Load(); c != nil {
		return *c
	}
	c := make(chan func())
	if p.jobs.CompareAndSwap(nil, &c) {
		return c
	}
	return *p.jobs.Load()
}

func (p *workerPool) work(jobs chan func(), job func()) {
	var idle *time.Timer
	for {
		job()
		if p.idle.Add(1) > maxIdleWorkers {
			p.idle.Add(-1)
			return
		}
		if idle == nil {
			idle = time.NewTimer(workerIdle)
		} else {
			idle.Reset(workerIdle)
		}
		select {
		case job = <-jobs:
			p.idle.Add(-1)
		case <-idle.C:
			p.idle.Add(-1)
			return
		}
	}
}
