// Package admission bounds the work a server does at once: a concurrency
// limit with a short FIFO queue in front of it. The limit is fixed, or
// adapts to measured latency with a gradient, as Envoy's adaptive
// concurrency filter and Netflix's concurrency-limits do: every window the
// latency of the requests that finished is compared with the latency the
// server has without load, and the limit shrinks when the first grows past
// the second (queueing somewhere) and grows while it does not.
//
// It knows nothing of HTTP: the server acquires a slot before it parses a
// request and refuses the request when Acquire says no.
package admission

import (
	"container/list"
	"context"
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// Options configure a Limiter. Zero values take the defaults below.
type Options struct {
	// Fixed, when above 0, is the limit, and nothing adapts.
	Fixed int
	// Initial, Min and Max bound the adaptive limit.
	Initial, Min, Max int
	// QueueTimeout is how long a request may wait for a slot; 0 refuses at
	// once when every slot is taken.
	QueueTimeout time.Duration
	// Window is how often the adaptive limit is recomputed (from the
	// requests that finished in it).
	Window time.Duration
	// Tolerance is how much slower than without load the requests may get
	// before the limit shrinks: 2 is twice as slow. A shared machine's
	// noise makes a tighter one shrink the limit without an overload.
	Tolerance float64
	// BaselineEpoch is how long a measured no-load latency stands: the
	// baseline is the lowest window latency of the current and the previous
	// epoch, so it follows a change of the workload within two epochs.
	BaselineEpoch time.Duration
	// Now is the clock (tests); nil is time.Now.
	Now func() time.Time
}

// The defaults.
const (
	DefaultInitial       = 100
	DefaultMin           = 32
	DefaultMax           = 1000
	DefaultWindow        = 100 * time.Millisecond
	DefaultTolerance     = 2
	DefaultSmoothing     = 0.2
	DefaultBaselineEpoch = 15 * time.Second
)

// minWindowSamples is the fewest requests a window's latency is taken from.
const minWindowSamples = 20

// Stats is a Limiter's state, for metrics.
type Stats struct {
	// Limit is the concurrency limit now.
	Limit int
	// InFlight is the requests holding a slot.
	InFlight int
	// Queued is the requests waiting for one.
	Queued int
	// Shed counts the requests refused since the start.
	Shed uint64
	// BaselineRTT is the latency without load the adaptive limit compares
	// with (0 until measured, and with a fixed limit).
	BaselineRTT time.Duration
}

// Limiter admits requests up to its limit. It is safe for concurrent use.
type Limiter struct {
	opts  Options
	now   func() time.Time
	shed  atomic.Uint64
	mu    sync.Mutex
	limit int
	in    int
	queue list.List // of *waiter, oldest first

	// The adaptive limit's window: the latencies of the requests that
	// finished since winStart, and the most requests in flight meanwhile.
	winStart time.Time
	winSum   time.Duration
	winN     int
	winMax   int
	// The no-load latency: the lowest window mean of this epoch and of the
	// previous one.
	epochStart time.Time
	minCur     time.Duration
	minPrev    time.Duration
}

type waiter struct {
	ready   chan struct{}
	granted bool
}

// New returns a Limiter for o.
func New(o Options) *Limiter {
	if o.Initial <= 0 {
		o.Initial = DefaultInitial
	}
	if o.Min <= 0 {
		o.Min = DefaultMin
	}
	if o.Max <= 0 {
		o.Max = DefaultMax
	}
	if o.Window <= 0 {
		o.Window = DefaultWindow
	}
	if o.Tolerance <= 1 {
		o.Tolerance = DefaultTolerance
	}
	if o.BaselineEpoch <= 0 {
		o.BaselineEpoch = DefaultBaselineEpoch
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	l := &Limiter{opts: o, now: now, limit: min(max(o.Initial, o.Min), o.Max)}
	if o.Fixed > 0 {
		l.limit = o.Fixed
	}
	t := now()
	l.winStart, l.epochStart = t, t
	return l
}

// Acquire takes a slot, waiting in line up to the queue timeout. It
// returns false when the request is refused: the line is full, the wait
// timed out, or ctx ended. A true answer must be followed by one Release
// with the time returned.
func (l *Limiter) Acquire(ctx context.Context) (time.Time, bool) {
	l.mu.Lock()
	if l.in < l.limit && l.queue.Len() == 0 {
		l.in++
		l.winMax = max(l.winMax, l.in)
		l.mu.Unlock()
		return l.now(), true
	}
	// The line holds at most as many as the limit: past it a request
	// would wait longer than one round of the requests in flight.
	if l.opts.QueueTimeout <= 0 || l.queue.Len() >= l.limit {
		l.mu.Unlock()
		l.shed.Add(1)
		return time.Time{}, false
	}
	w := &waiter{ready: make(chan struct{})}
	e := l.queue.PushBack(w)
	l.mu.Unlock()

	t := time.NewTimer(l.opts.QueueTimeout)
	defer t.Stop()
	select {
	case <-w.ready:
		return l.now(), true
	case <-t.C:
	case <-ctx.Done():
	}
	l.mu.Lock()
	if w.granted {
		// Granted as the wait ended: the slot is the caller's.
		l.mu.Unlock()
		return l.now(), true
	}
	l.queue.Remove(e)
	l.mu.Unlock()
	l.shed.Add(1)
	return time.Time{}, false
}

// Release gives back the slot taken at start. sample says whether the
// request's latency tells of the server's (a request cut short by its
// client does not).
func (l *Limiter) Release(start time.Time, sample bool) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.in--
	if sample && l.opts.Fixed <= 0 {
		l.observe(now.Sub(start), now)
	}
	l.grant()
}

// grant hands free slots to the oldest waiters; l.mu is held.
func (l *Limiter) grant() {
	for l.in < l.limit && l.queue.Len() > 0 {
		w := l.queue.Remove(l.queue.Front()).(*waiter)
		w.granted = true
		l.in++
		l.winMax = max(l.winMax, l.in)
		close(w.ready)
	}
}

// observe adds one latency to the window and, when the window is over,
// recomputes the limit; l.mu is held.
func (l *Limiter) observe(rtt time.Duration, now time.Time) {
	l.winSum += rtt
	l.winN++
	// A window closes after Window and minWindowSamples requests: the mean
	// of a handful is noise, and the lowest of noisy means would make a
	// baseline that no loaded window can meet.
	if now.Sub(l.winStart) < l.opts.Window || l.winN < minWindowSamples {
		return
	}
	mean := l.winSum / time.Duration(l.winN)
	appLimited := l.winMax < l.limit/2
	l.winStart, l.winSum, l.winN, l.winMax = now, 0, 0, l.in

	if now.Sub(l.epochStart) >= l.opts.BaselineEpoch {
		l.minPrev, l.minCur, l.epochStart = l.minCur, 0, now
	}
	if l.minCur == 0 || mean < l.minCur {
		l.minCur = mean
	}
	base := l.baseline()
	// gradient < 1 when the requests are slower than the baseline allows,
	// > 1 (up to 2) when they are faster; the headroom lets the limit grow
	// while the latency holds, to find out whether more fits.
	gradient := math.Max(0.5, math.Min(2, l.opts.Tolerance*float64(base)/float64(mean)))
	if appLimited && gradient >= 1 {
		// Too few requests to tell whether a higher limit would hold.
		return
	}
	next := float64(l.limit)*gradient + math.Sqrt(float64(l.limit))
	if gradient < 1 {
		// Down by a fifth of the gradient's step a window: one slow window
		// is not an overload, ten are.
		next = float64(l.limit) * (1 - DefaultSmoothing + DefaultSmoothing*gradient)
	}
	l.limit = min(max(int(math.Round(next)), l.opts.Min), l.opts.Max)
}

// baseline is the lowest window latency of this epoch and the previous
// one; l.mu is held.
func (l *Limiter) baseline() time.Duration {
	if l.minPrev > 0 && l.minPrev < l.minCur {
		return l.minPrev
	}
	return l.minCur
}

// Stats returns the limiter's state now.
func (l *Limiter) Stats() Stats {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := Stats{Limit: l.limit, InFlight: l.in, Queued: l.queue.Len(), Shed: l.shed.Load()}
	if l.opts.Fixed <= 0 {
		s.BaselineRTT = l.baseline()
	}
	return s
}
