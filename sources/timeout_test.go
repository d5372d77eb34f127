package sources_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"testing"
	"time"

	"github.com/gqlbff/gqlbff/sources"
)

func TestSlowSourceTimesOutAtTheTimeout(t *testing.T) {
	svc := startService(t, sources.OrdersSource)
	c := newClient(t, svc, nil, sources.ClientConfig{Retries: 1, Timeout: 200 * time.Millisecond})
	svc.SetLatency(3 * time.Second)
	start := time.Now()
	_, err := c.src.Orders.ByID(withTimeout(t, 5*time.Second), "o1")
	elapsed := time.Since(start)
	if !errors.Is(err, sources.ErrTimeout) {
		t.Errorf("error: got %v, want ErrTimeout", err)
	}
	if elapsed < 200*time.Millisecond || elapsed > 700*time.Millisecond {
		t.Errorf("answered after %s, want at the 200ms timeout", elapsed)
	}
	if got := svc.Calls(); got != 1 {
		t.Errorf("calls: got %d, want 1 (a timeout is not retried)", got)
	}
	if got := cancelledAfter(svc, time.Second); got != 1 {
		t.Errorf("calls the source saw cancelled: got %d, want 1", got)
	}
}

// TestRetriesStopAtTheRequestDeadline: a source that answers 503 after
// 300ms gets a retry only when the request's deadline leaves room for it.
func TestRetriesStopAtTheRequestDeadline(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		deadline   time.Duration
		wantCalls  int
		maxElapsed time.Duration
	}{
		// The answer is due at ~300ms; the bound only catches a wait past
		// the deadline for a retry (one call is the proof of no retry),
		// with room for a loaded machine's late timers (557ms seen once).
		{"deadline leaves no room for a retry", 450 * time.Millisecond, 1, 750 * time.Millisecond},
		{"deadline leaves room for one retry", 1500 * time.Millisecond, 2, 1000 * time.Millisecond},
	}
	for _, tc := range cases {
		// A shared call's context carries no deadline: the caller's
		// travels with the call (coalesced or not, the same rule).
		for _, coalesce := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/coalesce=%v", tc.name, coalesce), func(t *testing.T) {
				svc := startService(t, sources.OrdersSource)
				c := newClient(t, svc, nil, sources.ClientConfig{Retries: 1, Timeout: time.Second, Coalesce: coalesce})
				svc.SetLatency(300 * time.Millisecond)
				svc.SetStatus(http.StatusServiceUnavailable)
				start := time.Now()
				_, err := c.src.Orders.ByID(withTimeout(t, tc.deadline), "o1")
				elapsed := time.Since(start)
				if !errors.Is(err, sources.ErrUnavailable) {
					t.Errorf("error: got %v, want ErrUnavailable", err)
				}
				if got := svc.Calls(); got != tc.wantCalls {
					t.Errorf("calls: got %d, want %d", got, tc.wantCalls)
				}
				if elapsed > tc.maxElapsed {
					t.Errorf("answered after %s, want within %s", elapsed, tc.maxElapsed)
				}
			})
		}
	}
}

// TestAnAttemptEndsAtTheRequestDeadline: an attempt is bounded by the
// earlier of its timeout and the caller's deadline, coalesced or not (a
// shared call's context carries no deadline of its own: one timer an
// attempt), and the source sees the cancel.
func TestAnAttemptEndsAtTheRequestDeadline(t *testing.T) {
	t.Parallel()
	for _, coalesce := range []bool{false, true} {
		t.Run(fmt.Sprintf("coalesce=%v", coalesce), func(t *testing.T) {
			svc := startService(t, sources.OrdersSource)
			c := newClient(t, svc, nil, sources.ClientConfig{Timeout: 3 * time.Second, Coalesce: coalesce})
			svc.SetLatency(5 * time.Second)
			start := time.Now()
			// Coalesced, a caller without a deadline that shares the call
			// times out with it at its first caller's deadline.
			joiner := make(chan error, 1)
			go func() {
				if !coalesce {
					joiner <- sources.ErrTimeout
					return
				}
				for svc.InFlight() != 1 {
					time.Sleep(time.Millisecond)
				}
				_, err := c.src.Orders.ByID(context.Background(), "o1")
				joiner <- err
			}()
			_, err := c.src.Orders.ByID(withTimeout(t, 250*time.Millisecond), "o1")
			elapsed := time.Since(start)
			if !errors.Is(err, sources.ErrTimeout) {
				t.Errorf("error: got %v, want ErrTimeout", err)
			}
			if elapsed < 250*time.Millisecond || elapsed > time.Second {
				t.Errorf("answered after %s, want at the 250ms deadline", elapsed)
			}
			if err := <-joiner; !errors.Is(err, sources.ErrTimeout) {
				t.Errorf("the caller that joined: got %v, want ErrTimeout (the first caller's deadline)", err)
			}
			if got := cancelledAfter(svc, time.Second); got != 1 {
				t.Errorf("calls the source saw cancelled: got %d, want 1", got)
			}
		})
	}
}

// TestAFullBulkheadWaitsNoLongerThanTheRequestDeadline: a call waiting for
// a slot gives up at the caller's deadline, as a timeout, when that comes
// before the bulkhead's wait, coalesced or not.
func TestAFullBulkheadWaitsNoLongerThanTheRequestDeadline(t *testing.T) {
	t.Parallel()
	for _, coalesce := range []bool{false, true} {
		t.Run(fmt.Sprintf("coalesce=%v", coalesce), func(t *testing.T) {
			svc := startService(t, sources.OrdersSource)
			c := newClient(t, svc, nil, sources.ClientConfig{MaxInFlight: 1, InFlightWait: 3 * time.Second, Coalesce: coalesce})
			svc.SetLatency(time.Second)
			held := make(chan error, 1)
			go func() { _, err := c.src.Orders.ByID(context.Background(), "o1"); held <- err }()
			for svc.InFlight() != 1 {
				time.Sleep(time.Millisecond)
			}
			start := time.Now()
			// Coalesced, a caller without a deadline shares the call: the
			// call, and so its wait, still ends at its first caller's.
			joiner := make(chan error, 1)
			go func() {
				if !coalesce {
					joiner <- sources.ErrTimeout
					return
				}
				time.Sleep(50 * time.Millisecond)
				_, err := c.src.Orders.ByID(context.Background(), "o2")
				joiner <- err
			}()
			_, err := c.src.Orders.ByID(withTimeout(t, 200*time.Millisecond), "o2")
			elapsed := time.Since(start)
			if !errors.Is(err, sources.ErrTimeout) {
				t.Errorf("error: got %v, want ErrTimeout", err)
			}
			if elapsed > 800*time.Millisecond {
				t.Errorf("answered after %s, want at the 200ms deadline", elapsed)
			}
			if err := <-joiner; !errors.Is(err, sources.ErrTimeout) {
				t.Errorf("the caller that joined: got %v, want ErrTimeout (the first caller's deadline)", err)
			}
			if err := <-held; err != nil {
				t.Errorf("the call holding the slot: %v", err)
			}
		})
	}
}

func TestStalledBodyTimesOutAndItsConnectionIsNotReused(t *testing.T) {
	svc := startService(t, sources.OrdersSource)
	c := newClient(t, svc, nil, sources.ClientConfig{Timeout: 200 * time.Millisecond})
	reused := func() (bool, error) {
		var got bool
		ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
			GotConn: func(i httptrace.GotConnInfo) { got = i.Reused },
		})
		_, err := c.src.Orders.ByID(ctx, "o1")
		return got, err
	}
	if _, err := reused(); err != nil {
		t.Fatal(err)
	}
	if r, err := reused(); err != nil || !r {
		t.Fatalf("a healthy answer's connection: reused %v (%v), want reused", r, err)
	}
	svc.SetStall(3 * time.Second)
	start := time.Now()
	if _, err := reused(); !errors.Is(err, sources.ErrTimeout) {
		t.Errorf("stalled body: got %v, want ErrTimeout", err)
	}
	if d := time.Since(start); d > 700*time.Millisecond {
		t.Errorf("stalled body answered after %s, want at the 200ms timeout", d)
	}
	svc.SetStall(0)
	if r, err := reused(); err != nil || r {
		t.Errorf("the call after a stall: reused %v (%v), want a new connection", r, err)
	}
}

func TestOversizedAnswerIsABadResponse(t *testing.T) {
	svc := startService(t, sources.OrdersSource)
	c := newClient(t, svc, nil, sources.ClientConfig{MaxResponseBytes: 64 << 10})
	if _, err := c.src.Orders.ByID(context.Background(), "o1"); err != nil {
		t.Fatalf("under the cap: %v", err)
	}
	svc.SetOversized(256 << 10)
	if _, err := c.src.Orders.ByID(context.Background(), "o1"); !errors.Is(err, sources.ErrBadResponse) {
		t.Errorf("over the cap: got %v, want ErrBadResponse", err)
	}
	if got := svc.Calls(); got != 2 {
		t.Errorf("calls: got %d, want 2 (no retry)", got)
	}
}

// TestBadAnswersAreBadResponses covers answers no demo knob produces: HTML
// with a 200, and JSON of the wrong types.
func TestBadAnswersAreBadResponses(t *testing.T) {
	cases := []struct {
		name, contentType, body string
	}{
		{"malformed JSON", "application/json", `{"id": "o1",`},
		{"HTML with 200", "text/html", "<html><body>Service Temporarily Unavailable</body></html>"},
		{"wrong types", "application/json", `{"id": 1, "customerId": ["c1"], "status": "PAID"}`},
		{"contract broken", "application/json", `{"id": "o1", "customerId": "c1", "status": "LOST", "currency": "EUR"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", tc.contentType)
				_, _ = w.Write([]byte(tc.body))
			}))
			t.Cleanup(srv.Close)
			o := sources.NewOrders(sources.ClientConfig{URL: srv.URL, Retries: 1})
			got, err := o.ByID(context.Background(), "o1")
			if !errors.Is(err, sources.ErrBadResponse) {
				t.Errorf("error: got %v, want ErrBadResponse", err)
			}
			if got.ID != "" {
				t.Errorf("half-filled order: got %+v, want the zero Order", got)
			}
		})
	}
}
