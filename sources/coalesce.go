package sources

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
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

	// The call's cancellation, without a context of its own (whose
	// cancellation, done channel and children would be four allocations
	// a call): the attempt in flight, its cancel registered here, and
	// the waits between attempts or for a bulkhead's slot follow quit.
	mu        sync.Mutex
	cancelled bool
	attempt   context.CancelFunc
	quit      chan struct{} // made by the first wait that needs it
}

// cancel ends the call: the attempt in flight, any wait, and every
// attempt after (begin).
func (f *flight) cancel() {
	f.mu.Lock()
	if f.cancelled {
		f.mu.Unlock()
		return
	}
	f.cancelled = true
	a, q := f.attempt, f.quit
	f.mu.Unlock()
	if a != nil {
		a()
	}
	if q != nil {
		close(q)
	}
}

// begin registers the cancel of an attempt about to start; false when the
// call is cancelled already. A nil flight (a call not shared) begins.
func (f *flight) begin(cancel context.CancelFunc) bool {
	if f == nil {
		return true
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cancelled {
		return false
	}
	f.attempt = cancel
	return true
}

// end forgets the attempt begin registered.
func (f *flight) end() {
	if f == nil {
		return
	}
	f.mu.Lock()
	f.attempt = nil
	f.mu.Unlock()
}

// stopped answers a channel closed once the call is cancelled: nil for a
// nil flight (never).
func (f *flight) stopped() <-chan struct{} {
	if f == nil {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.quit == nil {
		f.quit = make(chan struct{})
		if f.cancelled {
			close(f.quit)
		}
	}
	return f.quit
}

// do runs fn once for the overlapping callers of key. The first caller
// runs it itself, in its own goroutine (a batch's, a level's group's: they
// run side by side already), under a context that keeps its values but
// not its cancellation, so that the call goes on for the others when it
// leaves; fn bounds the call by the deadline it was given (client.do),
// and follows the flight's cancellation (flight.begin, flight.stopped).
// The callers that join wait for it. joined reports that this caller
// shared a call another started.
//
// A first caller whose context ends while others wait goes on running the
// call for them and answers when it ends, with errStoppedWaiting; when no
// other caller waits, its leaving cancels the call, which then ends at
// once. The first caller's deadline is the call's: a shared call never
// runs past it, for the callers that joined it too.
func (g *flightGroup) do(ctx context.Context, key string, fn func(context.Context, *flight) (any, error)) (v any, err error, joined bool) {
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
	fctx := &valuesOf{ctx}
	f := &flight{waiters: 1}
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

func (g *flightGroup) run(ctx context.Context, key string, f *flight, fn func(context.Context, *flight) (any, error)) {
	defer func() {
		if p := recover(); p != nil {
			f.val, f.err = nil, fmt.Errorf("panic in a source call: %v", p)
		}
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
	f.val, f.err = fn(ctx, f)
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

// valuesOf is a context with the values of its parent and nothing else:
// no deadline, never done. It is context.WithoutCancel, whose Value boxes
// the context (a value type) into an interface on every lookup that
// reaches it: an allocation for each of a call's lookups of the caller,
// the trace span and the baggage that the call's own contexts do not
// answer. Its parent's cancellation stays hidden as WithoutCancel's does:
// the context package looks for a parent's cancellation only in a parent
// that can be done, and context.Cause of a context that is not is nil
// (TestValuesOfIsWithoutCancel).
type valuesOf struct{ parent context.Context }

func (*valuesOf) Deadline() (time.Time, bool) { return time.Time{}, false }
func (*valuesOf) Done() <-chan struct{}       { return nil }
func (*valuesOf) Err() error                  { return nil }
func (v *valuesOf) Value(key any) any         { return v.parent.Value(key) }
