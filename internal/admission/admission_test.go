package admission

import (
	"context"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// clock is a manual clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestFixedLimitRefusesPastTheLimitWithoutAQueue(t *testing.T) {
	l := New(Options{Fixed: 3})
	var starts []time.Time
	for i := range 3 {
		s, ok := l.Acquire(context.Background())
		if !ok {
			t.Fatalf("acquire %d: refused, want a slot", i)
		}
		starts = append(starts, s)
	}
	if _, ok := l.Acquire(context.Background()); ok {
		t.Fatal("a fourth acquire: got a slot, want a refusal")
	}
	l.Release(starts[0], true)
	if _, ok := l.Acquire(context.Background()); !ok {
		t.Fatal("after a release: refused, want a slot")
	}
	if s := l.Stats(); s.Limit != 3 || s.InFlight != 3 || s.Shed != 1 || s.Queued != 0 {
		t.Errorf("stats: got %+v", s)
	}
}

func TestQueueGrantsInOrderAndTimesOut(t *testing.T) {
	l := New(Options{Fixed: 2, QueueTimeout: time.Hour})
	s0, _ := l.Acquire(context.Background())
	s1, _ := l.Acquire(context.Background())
	order := make(chan int, 2)
	var wg sync.WaitGroup
	for i := range 2 {
		wg.Go(func() {
			s, ok := l.Acquire(context.Background())
			if !ok {
				t.Errorf("waiter %d refused", i)
				return
			}
			order <- i
			l.Release(s, true)
		})
		// The second waits behind the first.
		for l.Stats().Queued != i+1 {
			time.Sleep(time.Millisecond)
		}
	}
	l.Release(s0, true)
	wg.Wait()
	l.Release(s1, true)
	if a, b := <-order, <-order; a != 0 || b != 1 {
		t.Errorf("grant order: got %d then %d, want 0 then 1", a, b)
	}

	short := New(Options{Fixed: 1, QueueTimeout: 20 * time.Millisecond})
	s, _ := short.Acquire(context.Background())
	start := time.Now()
	if _, ok := short.Acquire(context.Background()); ok {
		t.Error("past the queue timeout: got a slot")
	}
	if d := time.Since(start); d < 20*time.Millisecond {
		t.Errorf("refused after %s, want after the queue timeout", d)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, ok := short.Acquire(ctx); ok {
		t.Error("with the caller gone: got a slot")
	}
	short.Release(s, true)
	if st := short.Stats(); st.Shed != 2 || st.Queued != 0 || st.InFlight != 0 {
		t.Errorf("stats: got %+v, want 2 shed and nothing left", st)
	}
}

func TestQueueIsNoLongerThanTheLimit(t *testing.T) {
	l := New(Options{Fixed: 2, QueueTimeout: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for range 2 {
		l.Acquire(ctx)
	}
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() { l.Acquire(ctx) })
	}
	for l.Stats().Queued != 2 {
		time.Sleep(time.Millisecond)
	}
	start := time.Now()
	if _, ok := l.Acquire(ctx); ok || time.Since(start) > time.Second {
		t.Error("with a full line: want a refusal at once")
	}
	cancel()
	wg.Wait()
}

// run feeds the limiter n windows of requests at concurrency c, each
// taking rtt, on a manual clock, and returns the limit.
func run(t *testing.T, l *Limiter, c *clock, windows, conc int, rtt time.Duration) int {
	t.Helper()
	for range windows {
		var starts []time.Time
		for range min(conc, l.Stats().Limit) {
			s, ok := l.Acquire(context.Background())
			if !ok {
				t.Fatal("refused under the limit")
			}
			starts = append(starts, s)
		}
		c.add(rtt)
		for _, s := range starts {
			l.Release(s, true)
		}
		c.add(DefaultWindow)
	}
	return l.Stats().Limit
}

func TestAdaptiveLimitFollowsLatency(t *testing.T) {
	c := &clock{t: time.Unix(0, 0)}
	l := New(Options{Now: c.now, Initial: 40})
	// At the no-load latency and enough demand, the limit grows.
	if got := run(t, l, c, 10, 1000, 10*time.Millisecond); got <= 40 {
		t.Fatalf("latency steady, demand high: limit %d, want above 40", got)
	}
	high := l.Stats().Limit
	// Three times slower (past the tolerance of 2): something queues; the limit shrinks to its floor.
	if got := run(t, l, c, 60, 1000, 30*time.Millisecond); got != DefaultMin {
		t.Errorf("latency 3x: limit %d (from %d), want the floor %d", got, high, DefaultMin)
	}
	if b := l.Stats().BaselineRTT; b != 10*time.Millisecond {
		t.Errorf("baseline: got %s, want 10ms", b)
	}
	// Back to normal: it grows again.
	if got := run(t, l, c, 10, 1000, 10*time.Millisecond); got <= DefaultMin*2 {
		t.Errorf("latency back to normal: limit %d, want it growing", got)
	}
}

func TestAdaptiveLimitDoesNotGrowWhenIdle(t *testing.T) {
	c := &clock{t: time.Unix(0, 0)}
	l := New(Options{Now: c.now, Initial: 40})
	if got := run(t, l, c, 20, 3, 10*time.Millisecond); got != 40 {
		t.Errorf("3 requests at a time under a limit of 40: limit %d, want 40 (nothing tells it more would hold)", got)
	}
}

func TestBaselineFollowsAChangedWorkload(t *testing.T) {
	c := &clock{t: time.Unix(0, 0)}
	l := New(Options{Now: c.now, Initial: 40, BaselineEpoch: time.Second})
	run(t, l, c, 10, 1000, 10*time.Millisecond)
	// A heavier mix for good: after two epochs the baseline is the new
	// latency, and the limit no longer sits at the floor.
	run(t, l, c, 30, 1000, 50*time.Millisecond)
	if b := l.Stats().BaselineRTT; b != 50*time.Millisecond {
		t.Errorf("baseline after the workload changed: got %s, want 50ms", b)
	}
	if got := run(t, l, c, 10, 1000, 50*time.Millisecond); got <= DefaultMin*2 {
		t.Errorf("limit %d, want it growing at the new baseline", got)
	}
}

// TestFewSamplesMakeNoBaseline: a window's latency is the mean of 20
// requests at least, not of a handful.
func TestFewSamplesMakeNoBaseline(t *testing.T) {
	c := &clock{t: time.Unix(0, 0)}
	l := New(Options{Now: c.now, Initial: 40})
	run(t, l, c, 6, 3, time.Millisecond) // 18 requests in 600ms: too few
	if b := l.Stats().BaselineRTT; b != 0 {
		t.Errorf("baseline from 18 requests: got %s, want none yet", b)
	}
	run(t, l, c, 1, 3, time.Millisecond) // 21: the window closes
	if b := l.Stats().BaselineRTT; b != time.Millisecond {
		t.Errorf("baseline from 21 requests: got %s, want 1ms", b)
	}
}
