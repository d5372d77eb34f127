package sources_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/sony/gobreaker/v2"

	"github.com/gqlbff/gqlbff/caller"
	"github.com/gqlbff/gqlbff/sources"
	"github.com/gqlbff/gqlbff/sources/demo"
)

// breakerConfig trips as HARDENING.md says (20 calls, 50%) but cools down
// in 300ms so that the test is quick.
var breakerConfig = sources.BreakerConfig{MinRequests: 20, FailureRatio: 0.5, Window: 10 * time.Second, OpenTimeout: 300 * time.Millisecond, HalfOpenProbes: 1}

func TestDeadSourceOpensTheBreakerAndAProbeClosesIt(t *testing.T) {
	t.Parallel()
	// A cool-down long enough that the open phase below fits in it on a
	// loaded machine (-race, other packages' tests beside it).
	cfg := breakerConfig
	cfg.OpenTimeout = time.Second
	svc := startService(t, sources.OrdersSource)
	c := newClient(t, svc, nil, sources.ClientConfig{Breaker: cfg, Timeout: time.Second})
	ctx := context.Background()

	svc.SetDown(true)
	for i := range 20 {
		if _, err := c.src.Orders.ByID(ctx, "o1"); !errors.Is(err, sources.ErrUnavailable) {
			t.Fatalf("call %d to a dead source: got %v, want ErrUnavailable", i, err)
		}
	}
	opened := time.Now()
	if got := c.src.Breakers()[sources.OrdersSource]; got != sources.BreakerOpen {
		t.Fatalf("breaker after 20 failures: got %s, want open", got)
	}
	if got := c.rec.lastState(); got != sources.BreakerOpen {
		t.Errorf("state reported to the observer: got %s, want open", got)
	}

	// Open: fail at once, without a connection. The service is up again
	// but answers in 5 s, so a call that reached it would show, by the
	// service's count and by its time, whatever the machine's load.
	svc.SetDown(false)
	svc.SetLatency(5 * time.Second)
	for i := range 50 {
		start := time.Now()
		_, err := c.src.Orders.ByID(ctx, "o1")
		if d := time.Since(start); d >= time.Second {
			t.Errorf("call %d with the breaker open took %s: it waited for the source", i, d)
		}
		if !errors.Is(err, sources.ErrUnavailable) || !errors.Is(err, gobreaker.ErrOpenState) {
			t.Fatalf("call %d with the breaker open: got %v, want ErrUnavailable from gobreaker.ErrOpenState", i, err)
		}
	}
	if d := time.Since(opened); d >= cfg.OpenTimeout {
		t.Fatalf("the open phase took %s, past the cool-down of %s: the checks above prove nothing", d, cfg.OpenTimeout)
	}
	if got := svc.Calls(); got != 20 {
		t.Errorf("calls at the service: got %d, want 20 (none while open)", got)
	}

	// Half-open after the cool-down: one probe goes through, the others fail
	// fast until it answers; its success closes the breaker.
	svc.SetLatency(200 * time.Millisecond)
	time.Sleep(time.Until(opened.Add(cfg.OpenTimeout + 50*time.Millisecond)))
	probe := make(chan error, 1)
	go func() {
		_, err := c.src.Orders.ByID(ctx, "o1")
		probe <- err
	}()
	for svc.InFlight() != 1 {
		time.Sleep(time.Millisecond)
	}
	if _, err := c.src.Orders.ByID(ctx, "o2"); !errors.Is(err, gobreaker.ErrTooManyRequests) {
		t.Errorf("a second call while the probe is out: got %v, want gobreaker.ErrTooManyRequests", err)
	}
	if err := <-probe; err != nil {
		t.Fatalf("probe: %v", err)
	}
	if got := c.src.Breakers()[sources.OrdersSource]; got != sources.BreakerClosed {
		t.Errorf("breaker after a good probe: got %s, want closed", got)
	}
	if got := svc.Calls(); got != 21 {
		t.Errorf("calls at the service: got %d, want 21 (one probe)", got)
	}
}

// TestBreakerIgnoresWhatIsNotTheSourcesFault: cancelled calls, 429s, 404s
// and other 4xx never trip the breaker, however many.
func TestBreakerIgnoresWhatIsNotTheSourcesFault(t *testing.T) {
	cases := []struct {
		name        string
		fault       func(svc *demo.Service)
		cancelAfter time.Duration // the caller cancels after this long
	}{
		{"429", func(s *demo.Service) {
			s.SetStatus(http.StatusTooManyRequests)
		}, time.Minute},
		{"404", func(s *demo.Service) {
			s.SetStatus(http.StatusNotFound)
		}, time.Minute},
		{"400", func(s *demo.Service) {
			s.SetStatus(http.StatusBadRequest)
		}, time.Minute},
		{"client cancel", func(s *demo.Service) {
			s.SetLatency(5 * time.Second)
		}, 30 * time.Millisecond},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			svc := startService(t, sources.OrdersSource)
			c := newClient(t, svc, nil, sources.ClientConfig{Breaker: breakerConfig, Retries: 1})
			tc.fault(svc)
			var wg sync.WaitGroup
			for range 40 {
				wg.Go(func() {
					ctx, cancel := context.WithCancel(context.Background())
					defer cancel()
					defer time.AfterFunc(tc.cancelAfter, cancel).Stop()
					_, _ = c.src.Orders.ByID(ctx, "o1")
				})
			}
			wg.Wait()
			if got := c.src.Breakers()[sources.OrdersSource]; got != sources.BreakerClosed {
				t.Errorf("breaker after 40 calls: got %s, want closed", got)
			}
			if got := c.rec.retryCount(); got != 0 {
				t.Errorf("retries: got %d, want 0", got)
			}
		})
	}
}

func TestBulkheadCapsCallsInFlight(t *testing.T) {
	svc := startService(t, sources.OrdersSource)
	c := newClient(t, svc, nil, sources.ClientConfig{MaxInFlight: 2, InFlightWait: 50 * time.Millisecond})
	svc.SetLatency(500 * time.Millisecond)
	var wg sync.WaitGroup
	for _, id := range []string{"o1", "o2"} {
		wg.Go(func() { _, _ = c.src.Orders.ByID(context.Background(), id) })
	}
	for svc.InFlight() != 2 {
		time.Sleep(time.Millisecond)
	}
	start := time.Now()
	_, err := c.src.Orders.ByID(context.Background(), "o3")
	d := time.Since(start)
	wg.Wait()
	if !errors.Is(err, sources.ErrUnavailable) {
		t.Errorf("third call: got %v, want ErrUnavailable", err)
	}
	if d < 50*time.Millisecond || d > 400*time.Millisecond {
		t.Errorf("third call failed after %s, want after the 50ms wait", d)
	}
	if got := svc.Calls(); got != 2 {
		t.Errorf("calls at the service: got %d, want 2", got)
	}
}

// TestUnsendableHeaderIsNotASourceFailure: a user id HTTP cannot carry
// (issue 12: a CR in a token's sub) fails the call before the breaker, with
// no connection made; twenty such calls leave the breaker closed, the
// source's calls of everyone else untouched.
func TestUnsendableHeaderIsNotASourceFailure(t *testing.T) {
	svc := startService(t, sources.OrdersSource)
	c := newClient(t, svc, nil, sources.ClientConfig{Breaker: breakerConfig, Timeout: time.Second})
	for _, bad := range []string{"c1\r\nX-Admin: 1", "c1\x00", "c1\x7f"} {
		ctx := caller.With(context.Background(), caller.Caller{Subject: bad, Scopes: []string{"orders:read"}})
		for i := range 25 {
			_, err := c.src.Orders.ByID(ctx, "o1")
			if !errors.Is(err, sources.ErrBadRequest) {
				t.Fatalf("%q, call %d: got %v, want ErrBadRequest", bad, i, err)
			}
			if _, isSource := sources.AsError(err); isSource {
				t.Fatalf("%q: got a source error %v, want none", bad, err)
			}
		}
	}
	if got := c.src.Breakers()[sources.OrdersSource]; got != sources.BreakerClosed {
		t.Errorf("breaker: got %s, want closed", got)
	}
	if got := svc.Calls(); got != 0 {
		t.Errorf("calls at the service: got %d, want 0", got)
	}
	ctx := caller.With(context.Background(), caller.Caller{Subject: "c1", Scopes: []string{"orders:read"}})
	if _, err := c.src.Orders.ByID(ctx, "o1"); err != nil {
		t.Errorf("a good caller after them: %v", err)
	}
}
