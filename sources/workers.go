package sources

import (
	"sync/atomic"
	"time"
)

// Workers kept idle, and for how long: enough for a server's steady
// concurrency, and gone soon after the load.
const (
	maxIdleWorkers = 64
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
