// Package workers runs short jobs on goroutines kept from one job to the
// next, so that a job that goes deep (a source call: the breaker, the HTTP
// client, the decoder) finds its stack grown already.
package workers

import (
	"sync/atomic"
	"time"
)

// MaxIdle is how many workers a pool keeps idle, and Idle for how long:
// as many as a source's bulkhead lets calls be in flight by default
// (sources.DefaultMaxInFlight), and gone soon after the load. With 64, a
// closed loop of 64 clients (up to 64 calls on one source at once, and a
// few more workers while the last ones find their way back) made the
// workers beyond the cap exit and the next calls start goroutines that
// grew their stacks again (BENCHMARKS.md, why the 64-client cells cost
// more per operation).
const (
	MaxIdle = 128
	Idle    = 100 * time.Millisecond
)

// Pool runs jobs on goroutines kept from one job to the next. A goroutine
// started afresh for each source call or batch grew its stack through the
// call (the breaker, the HTTP client, the decoder) every time: 3 to 5% of
// the CPU of a one-item operation went to copying stacks (BENCHMARKS.md).
// A job goes to a worker that waits for one, or else to a new goroutine,
// never into a queue: it starts at once either way. A worker that finds
// nothing to do for Idle exits, and so does one that would make more than
// MaxIdle wait. The zero value is ready to use.
type Pool struct {
	jobs atomic.Pointer[chan func()]
	idle atomic.Int32
}

// Go starts job now, on an idle worker or a new goroutine.
func (p *Pool) Go(job func()) {
	jobs := p.channel()
	select {
	case jobs <- job:
	default:
		go p.work(jobs, job)
	}
}

func (p *Pool) channel() chan func() {
	if c := p.jobs.Load(); c != nil {
		return *c
	}
	c := make(chan func())
	if p.jobs.CompareAndSwap(nil, &c) {
		return c
	}
	return *p.jobs.Load()
}

func (p *Pool) work(jobs chan func(), job func()) {
	var idle *time.Timer
	for {
		job()
		if p.idle.Add(1) > MaxIdle {
			p.idle.Add(-1)
			return
		}
		if idle == nil {
			idle = time.NewTimer(Idle)
		} else {
			idle.Reset(Idle)
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
