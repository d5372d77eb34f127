package sources_test

import (
	"context"
	"errors"
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
	deadline := time.Now().Add(time.Second)
	for svc.Cancelled() != 1 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if got := svc.Cancelled(); got != 1 {
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
		t.Run(tc.name, func(t *testing.T) {
			svc := startService(t, sources.OrdersSource)
			c := newClient(t, svc, nil, sources.ClientConfig{Retries: 1, Timeout: time.Second})
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
