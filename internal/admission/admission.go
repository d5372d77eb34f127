// Package admission bounds the work a server does at once: a concurrency
// limit with a short queue in front of it. The limit is fixed, or adapts to
// measured latency with a gradient, as Envoy's adaptive concurrency filter
// and Netflix's concurrency-limits (Gradient2) do: every window the latency
// of the requests that finished is compared with the latency the server has
// without load; the limit shrinks when the first grows past the second
// (queueing somewhere: on the CPU, in a pool) and grows by a little, its
// square root, while it does not.
//
// The gradient cannot tell a heavier mix of requests from queueing: both
// make requests slower than the baseline measured before. Where it knows
// the process's CPU time (Options.CPUTime), the limit also asks the CPU: a
// window whose requests used every slot and ran slower than the tolerance
// allows while the process's threads neither ran nor waited for a CPU a
// sixth of the time they could have is not an overload of this server.
// Its latency becomes the baseline (the one measured before was of a
// lighter mix), and the limit grows on from it. A slowness elsewhere (a
// slow source) then no longer shrinks the limit while the CPU idles:
// that is the bulkheads' and the breakers' to answer, source by source,
// rather than refusing every request at the door.
//
// The queue is first in, first out while it keeps up. Once it does not (a
// request found the line full; a wait that timed out is not enough, since
// a closed loop of clients makes waits as long as its own size without
// ever filling the line) it turns to Facebook's adaptive LIFO with a
// CoDel-style short wait for a second: the newest waiter gets the next
// free slot and none waits longer than the short wait, the adaptive
// limit's no-load latency (a request that waited longer is past the
// tolerance before it runs), at most a tenth of the queue timeout (a
// fixed limit: that tenth). Under a sustained overload the requests that
// run are then the fresh ones and the refused ones are refused quickly,
// instead of every admitted request first waiting out the whole line.
// Meanwhile a slow window with CPU headroom (see above) does not shrink
// the limit, but its latency, which includes the refusals' work, is not
// taken for a baseline: retaken from loaded windows, the baseline would
// creep up, and the limit with it.
//
// A limit grown against a baseline that a later window finds much too
// high (a server that started under load takes a loaded latency for its
// first baseline) shrinks with the baseline, in proportion (Little's
// law): an application-limited load would never correct it, and the next
// overload would begin at a concurrency the CPU never served.
//
// It knows nothing of HTTP: the server acquires a slot before it parses a
// request and refuses the request when Acquire says no.
package admission

import (
	"container/list"
	"context"
	"math"
	"runtime"
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
	// once when every slot is taken. While the queue is overloaded (see
	// the package comment) a request waits the short wait at most: the
	// no-load latency, within 1 ms and a tenth of QueueTimeout.
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
	// OverloadHold is how long the queue stays overloaded (newest first,
	// a short wait) after the last sign of overload; 0 is
	// DefaultOverloadHold.
	OverloadHold time.Duration
	// CPUTime, when set, is the CPU time the process's threads have run
	// so far and the time they were ready to run but waited for a CPU
	// (ProcessCPUTime for a server); with it, a window that ran slower
	// than the tolerance while the CPU had headroom retakes the baseline
	// instead of shrinking the limit (see the package comment). Nil: the
	// latency alone decides.
	CPUTime func() (used, waited time.Duration)
	// Procs is how many CPUs the process may use, for CPUTime's share;
	// 0 is GOMAXPROCS.
	Procs int
	// Now is the clock (tests); nil is time.Now.
	Now func() time.Time
}

// The defaults.
const (
	DefaultInitial = 100
	// DefaultMin is low enough for one core: with ~0.4 ms of CPU per
	// operation, 32 requests in flight already queue ~13 ms on the CPU, so
	// the limit must be free to settle below that.
	DefaultMin           = 4
	DefaultMax           = 1000
	DefaultWindow        = 100 * time.Millisecond
	DefaultTolerance     = 2
	DefaultSmoothing     = 0.5
	DefaultBaselineEpoch = 15 * time.Second
	// DefaultMinQueue is the shortest line of an adaptive limit: the limit
	// may sit far below the concurrency clients bring (32 clients, a limit
	// of 6), and the rest then wait in line, first come first served,
	// rather than being refused while the line keeps up.
	DefaultMinQueue     = 64
	DefaultOverloadHold = time.Second
)

// minWindowSamples is the fewest requests a window's latency is taken from.
const minWindowSamples = 20

// idleSlowWindows is how many windows must run slower than the tolerance
// with every slot taken and the CPU below cpuHeadroom (with no window
// between them that left the limit unused, and one more for each that
// found the CPU busy) before that slowness is taken for a heavier mix
// rather than queueing: an overload that begins late in a window makes
// one such window (its CPU share counts the idle time before the load),
// never the next.
const idleSlowWindows = 3

// cpuHeadroom is the share of its CPUs below which a process is not
// saturated: its threads ran or waited to run less than five sixths of
// the window, so its requests were not queueing for a CPU.
const cpuHeadroom = 5.0 / 6

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
	// Overloaded says the queue is in its overloaded mode: newest first,
	// a short wait.
	Overloaded bool
	// Probing says the limit is lowered for a window to measure the
	// no-load latency afresh.
	Probing bool
	// CPUBusy is the share of its CPUs the process's threads ran or
	// waited to run in the last window (1: every CPU it may use, all the
	// time); -1 without Options.CPUTime.
	CPUBusy float64
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
	// overloadedAt is the last sign of overload: a request found the
	// line full. Until OverloadHold after it the queue serves the newest
	// first and refuses waiters older than the short wait.
	overloadedAt time.Time

	// The adaptive limit's window: the latencies of the requests that
	// finished since winStart, and the most requests in flight meanwhile.
	winStart time.Time
	winSum   time.Duration
	winN     int
	winMax   int
	// With Options.CPUTime: cpu is the process's CPU time run and waited
	// for, read at cpuAt (at most once a window, outside l.mu: reading it
	// costs tens of µs), winCPU and winCPUAt the reading that started
	// this window, and cpuBusy the share of its CPUs the threads took in
	// the last window. cpuNext (UnixNano) is when the next reading is due.
	cpu, winCPU     time.Duration
	cpuAt, winCPUAt time.Time
	cpuNext         atomic.Int64
	cpuBusy         float64
	// idleSlow counts the windows slower than the tolerance with every
	// slot taken while the CPU had headroom, less those that found the
	// CPU busy, since the last that left the limit unused.
	idleSlow int
	// The no-load latency: the lowest window mean of this epoch and of the
	// previous one.
	epochStart time.Time
	minCur     time.Duration
	minPrev    time.Duration
	// epochLen is how long this epoch lasts: BaselineEpoch, or
	// quickEpoch while the baseline may still be a loaded latency.
	epochLen time.Duration
	// probing says the limit is lowered to measure the no-load latency
	// afresh (see observe), since probeStart; probeSaved is the limit to
	// go back to.
	probing    bool
	probeStart time.Time
	probeSaved int
}

type waiter struct {
	ready chan struct{}
	// since is when it joined the line; granted, when ready is closed,
	// says whether it got a slot or was refused (too old to be served
	// while the queue is overloaded).
	since   time.Time
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
	if o.OverloadHold <= 0 {
		o.OverloadHold = DefaultOverloadHold
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
	l.winStart, l.epochStart, l.epochLen = t, t, l.quickEpoch()
	l.cpuBusy = -1
	if o.CPUTime != nil {
		used, waited := o.CPUTime()
		l.cpu, l.cpuAt = used+waited, t
		l.winCPU, l.winCPUAt = l.cpu, t
		l.cpuNext.Store(t.Add(o.Window).UnixNano())
	}
	return l
}

// Acquire takes a slot, waiting in line up to the queue timeout (the
// short wait while the queue is overloaded). It returns false when the
// request is refused: the line is full, the wait timed out, or ctx ended. A true
// answer must be followed by one Release with the time returned.
func (l *Limiter) Acquire(ctx context.Context) (time.Time, bool) {
	l.mu.Lock()
	if l.in < l.limit && l.queue.Len() == 0 {
		l.in++
		l.winMax = max(l.winMax, l.in)
		l.mu.Unlock()
		return l.now(), true
	}
	now := l.now()
	overloaded := l.overloaded(now)
	if overloaded {
		l.dropStale(now)
	}
	if l.opts.QueueTimeout <= 0 || l.queue.Len() >= l.queueCap() {
		if l.opts.QueueTimeout > 0 {
			l.overloadedAt = now
		}
		l.mu.Unlock()
		l.shed.Add(1)
		return time.Time{}, false
	}
	wait := l.opts.QueueTimeout
	if overloaded {
		wait = l.shortWait()
	}
	w := &waiter{ready: make(chan struct{}), since: now}
	e := l.queue.PushBack(w)
	l.mu.Unlock()

	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-w.ready:
		if w.granted {
			return l.now(), true
		}
		l.shed.Add(1)
		return time.Time{}, false
	case <-t.C:
	case <-ctx.Done():
	}
	l.mu.Lock()
	if w.granted {
		// Granted as the wait ended: the slot is the caller's.
		l.mu.Unlock()
		return l.now(), true
	}
	select {
	case <-w.ready: // refused as stale meanwhile: already out of the line
	default:
		l.queue.Remove(e)
	}
	l.mu.Unlock()
	l.shed.Add(1)
	return time.Time{}, false
}

// queueCap is the longest the line may be; l.mu is held. A fixed limit's
// line is as long as the limit (past it a request would wait longer than
// one round of the requests in flight). An adaptive one's is at least
// DefaultMinQueue, since the limit may sit far below the clients'
// concurrency. (A line as long as the limit while overloaded refuses the
// surplus at once, but clients that retry at once, as a closed loop does,
// then spin on refusals; a short wait paces them.)
func (l *Limiter) queueCap() int {
	if l.opts.Fixed > 0 {
		return l.limit
	}
	return max(l.limit, DefaultMinQueue)
}

// shortWait is the longest wait while the queue is overloaded; l.mu is
// held. A tenth of the queue timeout (CoDel's target to its interval), at
// least 1 ms; with an adaptive limit, no more than the no-load latency:
// the tolerance lets an admitted request take twice that, and a request
// that waited a whole one in line has used half of it before it runs.
func (l *Limiter) shortWait() time.Duration {
	w := l.opts.QueueTimeout / 10
	if base := l.baseline(); base > 0 && l.opts.Fixed <= 0 {
		w = min(w, base)
	}
	return max(w, time.Millisecond)
}

// overloaded says whether the queue showed overload within OverloadHold;
// l.mu is held.
func (l *Limiter) overloaded(now time.Time) bool {
	return !l.overloadedAt.IsZero() && now.Sub(l.overloadedAt) < l.opts.OverloadHold
}

// dropStale refuses the waiters that waited longer than the short wait
// (the oldest are at the front); l.mu is held. Each is a sign that the
// overload goes on.
func (l *Limiter) dropStale(now time.Time) {
	for e := l.queue.Front(); e != nil; e = l.queue.Front() {
		w := e.Value.(*waiter)
		if now.Sub(w.since) <= l.shortWait() {
			return
		}
		l.queue.Remove(e)
		close(w.ready)
	}
}

// Release gives back the slot taken at start. sample says whether the
// request's latency tells of the server's (a request cut short by its
// client does not).
func (l *Limiter) Release(start time.Time, sample bool) {
	now := l.now()
	var cpu time.Duration
	readCPU := l.opts.CPUTime != nil && sample && now.UnixNano() >= l.cpuNext.Load()
	if readCPU {
		l.cpuNext.Store(now.Add(l.opts.Window).UnixNano())
		used, waited := l.opts.CPUTime()
		cpu = used + waited
	}
	l.mu.Lock()
	if readCPU && now.After(l.cpuAt) {
		l.cpu, l.cpuAt = cpu, now
	}
	defer l.mu.Unlock()
	l.in--
	if sample && l.opts.Fixed <= 0 {
		l.observe(start, now)
	}
	l.grant()
}

// grant hands free slots to waiters: the oldest first while the queue
// keeps up; while it is overloaded the newest first, after refusing those
// that waited past the short wait. l.mu is held.
func (l *Limiter) grant() {
	if l.queue.Len() == 0 || l.in >= l.limit {
		return
	}
	now := l.now()
	lifo := l.overloaded(now)
	if lifo {
		l.dropStale(now)
	}
	for l.in < l.limit && l.queue.Len() > 0 {
		e := l.queue.Front()
		if lifo {
			e = l.queue.Back()
		}
		w := l.queue.Remove(e).(*waiter)
		w.granted = true
		l.in++
		l.winMax = max(l.winMax, l.in)
		close(w.ready)
	}
}

// observe adds the latency of a request that ran from start to now to the
// window and, when the window is over, recomputes the limit; l.mu is held.
//
// At the end of every epoch the limit drops to a quarter (at least Min)
// for one window (unless the last window ran no more requests at once
// than that anyway), and that window's latency starts the new epoch's
// baseline, as Envoy's adaptive concurrency measures its minimum RTT at a
// low concurrency: under a sustained overload every other window is
// loaded, and a baseline taken from them alone would creep up epoch by
// epoch, and the limit with it. The first epoch is short (quickEpoch), and
// so is the next one after a probe that finds the baseline was a loaded
// latency (a server that started under load), until a probe agrees with
// the baseline.
func (l *Limiter) observe(start, now time.Time) {
	if l.probing && start.Before(l.probeStart) {
		// Admitted under the limit before the probe: not a no-load latency.
		return
	}
	l.winSum += now.Sub(start)
	l.winN++
	// A window closes after Window and minWindowSamples requests: the mean
	// of a handful is noise, and the lowest of noisy means would make a
	// baseline that no loaded window can meet.
	if now.Sub(l.winStart) < l.opts.Window || l.winN < minWindowSamples {
		return
	}
	mean := l.winSum / time.Duration(l.winN)
	peak := l.winMax
	appLimited := peak < l.limit/2
	l.windowCPU()
	l.winStart, l.winSum, l.winN, l.winMax = now, 0, 0, l.in
	defer l.scaleToBaseline(l.baseline())

	if l.probing {
		l.probing, l.limit = false, l.probeSaved
		l.newEpoch(mean, now)
		return
	}
	if l.minCur == 0 || mean < l.minCur {
		l.minCur = mean
	}
	if now.Sub(l.epochStart) >= l.epochLen {
		if probe := max(l.opts.Min, l.limit/4); peak > probe {
			l.probing, l.probeStart, l.probeSaved = true, now, l.limit
			l.limit = probe
			return
		}
		// This window ran no more at once than a probe would: it is one.
		l.newEpoch(mean, now)
	}
	base := l.baseline()
	// As Gradient2: the gradient is 1 while the requests are no slower
	// than the tolerance allows, below 1 (down to a half) when they are.
	gradient := math.Max(0.5, math.Min(1, l.opts.Tolerance*float64(base)/float64(mean)))
	idleSlow := gradient < 1 && peak >= l.limit && l.cpuBusy >= 0 && l.cpuBusy < cpuHeadroom
	switch {
	case idleSlow:
		l.idleSlow++
	case peak < l.limit || l.cpuBusy < 0:
		// A window that leaves the limit unused starts the count again.
		l.idleSlow = 0
	case l.cpuBusy >= cpuHeadroom:
		// One that finds the CPU busy takes one back: at a low limit a
		// heavier operation keeps the CPU near five sixths busy (more
		// CPU per operation with fewer in flight), and a busy window
		// every third one would otherwise hold the count below three
		// for good, and the limit at its floor. A real overload keeps
		// the CPU busy window after window. A window within the
		// tolerance, every slot taken and the CPU with headroom neither
		// counts nor takes one back.
		l.idleSlow = max(l.idleSlow-1, 0)
	}
	if overloaded := l.overloaded(now); idleSlow && (overloaded || l.idleSlow >= idleSlowWindows) {
		// Slower than the tolerance with every slot taken, but not for
		// want of CPU: shrinking would idle the CPU further. Without an
		// overload the baseline is a lighter mix's (make bench's
		// dashboard after customers_by_ids on one server; a workload that
		// shifts in production): this window's latency, measured below
		// the CPU's knee, is the new baseline, and the limit grows from
		// it. Under an overload the window's latency includes the
		// refusals' work, and is not taken for a baseline: the limit
		// only grows, towards the knee. Nor is one such window without
		// an overload (idleSlowWindows): the window in which an overload
		// begins has the latency of its first requests and a CPU share
		// that counts the idle time before them.
		if !overloaded {
			l.minPrev, l.minCur = mean, mean
		}
		gradient = 1
	}
	next := float64(l.limit)
	if gradient < 1 {
		// Down, by half the gradient's step a window: one slow window on
		// a shared machine is not an overload, three are.
		next = math.Floor(next * (1 - DefaultSmoothing + DefaultSmoothing*gradient))
	} else if !appLimited {
		// Up by half its square root: the headroom that finds out whether
		// more fits, small against the limit so that a growth past the
		// knee costs a window or two of latency, not a surge.
		next += DefaultSmoothing * math.Sqrt(next)
	}
	l.limit = min(max(int(math.Round(next)), l.opts.Min), l.opts.Max)
}

// windowCPU sets cpuBusy to the share of its CPUs the process's threads
// ran or waited to run between the readings of the CPU time that
// started and ended the window; l.mu is held.
func (l *Limiter) windowCPU() {
	if l.opts.CPUTime == nil || !l.cpuAt.After(l.winCPUAt) {
		return
	}
	procs := l.opts.Procs
	if procs <= 0 {
		procs = runtime.GOMAXPROCS(0)
	}
	l.cpuBusy = float64(l.cpu-l.winCPU) / (float64(procs) * float64(l.cpuAt.Sub(l.winCPUAt)))
	l.winCPU, l.winCPUAt = l.cpu, l.cpuAt
}

// scaleToBaseline shrinks the limit with the baseline when a window has
// found the no-load latency much lower than the one the limit grew
// against (a server that started under load: its first baseline was a
// loaded latency); l.mu is held. At the same throughput a latency that
// much lower needs that much less concurrency (Little's law). Left as it
// was, an application-limited load (a few clients) would never correct
// it, and the next overload would be admitted at a concurrency the CPU
// never served: its first windows' latency spikes, and an open loop's
// clients open connection after connection.
func (l *Limiter) scaleToBaseline(before time.Duration) {
	after := l.baseline()
	if before <= 0 || after <= 0 || after >= before*3/4 {
		return
	}
	l.limit = min(max(int(math.Ceil(float64(l.limit)*float64(after)/float64(before))), l.opts.Min), l.opts.Max)
}

// newEpoch starts an epoch whose baseline starts at the latency a probe
// measured; l.mu is held.
func (l *Limiter) newEpoch(probe time.Duration, now time.Time) {
	before := l.baseline()
	l.minPrev, l.minCur, l.epochStart = l.minCur, probe, now
	l.epochLen = l.opts.BaselineEpoch
	if probe < before*3/4 {
		l.epochLen = l.quickEpoch()
	}
}

// quickEpoch is the length of an epoch while the baseline may be a loaded
// latency: twenty windows.
func (l *Limiter) quickEpoch() time.Duration {
	return min(l.opts.BaselineEpoch, 20*l.opts.Window)
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
	s := Stats{Limit: l.limit, InFlight: l.in, Queued: l.queue.Len(), Shed: l.shed.Load(), Overloaded: l.overloaded(l.now()), Probing: l.probing, CPUBusy: l.cpuBusy}
	if l.opts.Fixed <= 0 {
		s.BaselineRTT = l.baseline()
	}
	return s
}
