package sources

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// errStoppedWaiting is what a caller gets when its own context ended while
// it waited for a shared call.
var errStoppedWaiting = errors.New("stopped waiting for a shared call")

// flightGroup lets identical concurrent calls share one upstream call, like
// golang.org/x/sync/singleflight, with two differences that the fault rules
// need: each caller stops waiting when its own context ends, and the shared
// call is cancelled (the source sees it) once no caller waits any more.
// Nothing is cached: a call that starts after another ended makes its own.
type flightGroup struct {
	mu sync.Mutex
	m  map[string]*flight
	// workers run the shared calls.
	workers workerPool
}

type flight struct {
	done    chan struct{}
	val     any
	err     error
	waiters int
	cancel  context.CancelFunc
}

// do runs fn once for the overlapping callers of key. fn runs in a
// goroutine of its own (a worker's: workerPool) under a context that keeps
// the first caller's values and deadline but not its cancellation. joined
// reports that this caller shared a call another started.
func (g *flightGroup) do(ctx context.Context, key string, fn func(context.Context) (any, error)) (v any, err error, joined bool) {
	g.mu.Lock()
	if g.m == nil {
		g.m = make(map[string]*flight)
	}
	f, joined := g.m[key]
	if joined {
		f.waiters++
		g.mu.Unlock()
	} else {
		fctx, cancel := detach(ctx)
		f = &flight{done: make(chan struct{}), waiters: 1, cancel: cancel}
		g.m[key] = f
		g.mu.Unlock()
		g.workers.run(func() { g.run(fctx, key, f, fn) })
	}
	select {
	case <-f.done:
		return f.val, f.err, joined
	case <-ctx.Done():
		g.leave(key, f)
		return nil, errStoppedWaiting, joined
	}
}

func (g *flightGroup) run(ctx context.Context, key string, f *flight, fn func(context.Context) (any, error)) {
	defer func() {
		if p := recover(); p != nil {
			f.val, f.err = nil, fmt.Errorf("panic in a source call: %v", p)
		}
		f.cancel()
		g.mu.Lock()
		if g.m[key] == f {
			delete(g.m, key)
		}
		g.mu.Unlock()
		close(f.done)
	}()
	f.val, f.err = fn(ctx)
}

// leave drops a waiter; the last one to leave cancels the call, which no
// later caller may join.
func (g *flightGroup) leave(key string, f *flight) {
	g.mu.Lock()
	f.waiters--
	last := f.waiters == 0
	if last && g.m[key] == f {
		delete(g.m, key)
	}
	g.mu.Unlock()
	if last {
		f.cancel()
	}
}

// detach returns a context with ctx's values and deadline that only its
// cancel function ends.
func detach(ctx context.Context) (context.Context, context.CancelFunc) {
	d := context.WithoutCancel(ctx)
	if dl, ok := ctx.Deadline(); ok {
		return context.WithDeadline(d, dl)
	}
	return context.WithCancel(d)
}
