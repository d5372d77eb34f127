package sources_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/gqlbff/gqlbff/sources"
	"github.com/gqlbff/gqlbff/sources/demo"
)

// TestRetriesByFault is the retry column of HARDENING.md's source-fault
// table, one call per case against the orders service's knobs.
func TestRetriesByFault(t *testing.T) {
	cases := []struct {
		name         string
		fault        func(s *demo.Service)
		wantErr      error // nil: the call succeeds
		wantCalls    int   // calls the service received
		wantAttempts int   // attempts the client made
		wantRetry    time.Duration
	}{
		{"slow within the timeout: no retry", func(s *demo.Service) { s.SetLatency(50 * time.Millisecond) }, nil, 1, 1, 0},
		{"502 is retried once", func(s *demo.Service) { s.SetStatus(http.StatusBadGateway) }, sources.ErrUnavailable, 2, 2, 0},
		{"503 is retried once", func(s *demo.Service) { s.SetStatus(http.StatusServiceUnavailable) }, sources.ErrUnavailable, 2, 2, 0},
		{"504 is retried once", func(s *demo.Service) { s.SetStatus(http.StatusGatewayTimeout) }, sources.ErrUnavailable, 2, 2, 0},
		{"every other call 503: the retry succeeds", func(s *demo.Service) {
			s.SetErrorRate(0.5)
			spendOneCall(s) // so the next call is the one that fails
		}, nil, 3, 2, 0},
		{"closed without an answer is retried once", func(s *demo.Service) { s.SetDown(true) }, sources.ErrUnavailable, 2, 2, 0},
		{"refused is retried once", func(s *demo.Service) { _ = s.Stop() }, sources.ErrUnavailable, 0, 2, 0},
		{"500 is not retried", func(s *demo.Service) { s.SetStatus(http.StatusInternalServerError) }, sources.ErrUnavailable, 1, 1, 0},
		{"400 is not retried", func(s *demo.Service) { s.SetStatus(http.StatusBadRequest) }, sources.ErrBadResponse, 1, 1, 0},
		{"404 is not found, not retried", func(s *demo.Service) { s.SetStatus(http.StatusNotFound) }, sources.ErrNotFound, 1, 1, 0},
		{"429 is not retried and keeps Retry-After", func(s *demo.Service) {
			s.SetStatus(http.StatusTooManyRequests)
			s.SetRetryAfter("2")
		}, sources.ErrUnavailable, 1, 1, 2 * time.Second},
		{"503 asking for a wait past the deadline is not retried", func(s *demo.Service) {
			s.SetStatus(http.StatusServiceUnavailable)
			s.SetRetryAfter("30")
		}, sources.ErrUnavailable, 1, 1, 30 * time.Second},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			svc := startService(t, sources.OrdersSource)
			c := newClient(t, svc, nil, sources.ClientConfig{Retries: 1, Timeout: time.Second})
			tc.fault(svc)
			_, err := c.src.Orders.ByID(withTimeout(t, 2*time.Second), "o1")
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Errorf("error: got %v, want %v", err, tc.wantErr)
			}
			if got := svc.Calls(); got != tc.wantCalls {
				t.Errorf("calls at the service: got %d, want %d", got, tc.wantCalls)
			}
			if got := c.rec.attempts(); got != tc.wantAttempts {
				t.Errorf("attempts: got %d, want %d", got, tc.wantAttempts)
			}
			if got := c.rec.retryCount(); got != tc.wantAttempts-1 {
				t.Errorf("retries reported: got %d, want %d", got, tc.wantAttempts-1)
			}
			if se, ok := sources.AsError(err); ok && se.RetryAfter != tc.wantRetry {
				t.Errorf("RetryAfter: got %s, want %s", se.RetryAfter, tc.wantRetry)
			}
		})
	}
}

// spendOneCall makes one call to the service directly, on a connection of
// its own that it closes.
func spendOneCall(s *demo.Service) {
	req, _ := http.NewRequest(http.MethodGet, s.URL()+"/orders/o1", nil)
	req.Close = true
	if resp, err := http.DefaultTransport.RoundTrip(req); err == nil {
		resp.Body.Close()
	}
}
