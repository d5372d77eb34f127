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
// need: each caller that joins a call stops waiting when its own context
// ends, and the shared call is cancelled (the source sees it) once no
// caller waits any more. Nothing is cached: a call that starts after
// another ended makes its own.
type flightGroup struct {
	mu sync.Mutex
	m  map[string]*flight
}

type flight struct {
	// done is made by the first caller that joins (under the group's
	// lock) and closed when the call ends: a call nobody joins, most of
	// them, makes no channel.
	done    chan struct{}
	val     any
	err     error
	waiters int
	cancel  context.CancelFunc
}

// do runs fn once for the overlapping callers of key. The first caller
// runs it itself, in its own goroutine (a batch's, a level's group's: they
// run side by side already), under a context that keeps its values but
// not its cancellation, so that the call goes on for the others when it
// leaves; fn bounds the call by the deadline it was given (client.do).
// The callers that join wait for it. joined reports that this caller
// shared a call another started.
//
// A first caller whose context ends while others wait goes on running the
// call for them and answers when it ends, with errStoppedWaiting; when no
// other caller waits, its leaving cancels the call, which then ends at
// once. The first caller's deadline is the call's: a shared call never
// runs past it, for the callers that joined it too.
func (g *flightGroup) do(ctx context.Context, key string, fn func(context.Context) (any, error)) (v any, err error, joined bool) {
	g.mu.Lock()
	if g.m == nil {
		g.m = make(map[string]*flight)
	}
	if f, ok := g.m[key]; ok {
		f.waiters++
		if f.done == nil {
			f.done = make(chan struct{})
		}
		g.mu.Unlock()
		select {
		case <-f.done:
			return f.val, f.err, true
		case <-ctx.Done():
			g.leave(key, f)
			return nil, errStoppedWaiting, true
		}
	}
	fctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	f := &flight{waiters: 1, cancel: cancel}
	g.m[key] = f
	g.mu.Unlock()
	// This caller leaving drops its wait (and, the last, cancels the call)
	// while it runs the call: it cannot select on its context meanwhile.
	stop := context.AfterFunc(ctx, func() { g.leave(key, f) })
	g.run(fctx, key, f, fn)
	if !stop() {
		return nil, errStoppedWaiting, false
	}
	return f.val, f.err, false
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
		done := f.done
		g.mu.Unlock()
		if done != nil {
			close(done)
		}
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
