package demo

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gqlbff/gqlbff/sources"
)

// start begins a GET of path in the background; the returned function
// cancels it and returns its error.
func start(t *testing.T, ts *httptest.Server, path string) (cancel func() error) {
	t.Helper()
	ctx, stop := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	go func() {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, ts.URL+path, nil)
		resp, err := ts.Client().Do(req)
		if err == nil {
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		errc <- err
	}()
	return func() error { stop(); return <-errc }
}

func TestLatency(t *testing.T) {
	svc, ts := serve(t, sources.CustomersSource, small)
	svc.SetLatency(30 * time.Millisecond)
	began := time.Now()
	get(t, ts, "/customers/c1")
	if got := time.Since(began); got < 30*time.Millisecond {
		t.Errorf("got an answer after %v, want at least 30ms", got)
	}
}

func TestLatencyEndsWhenCancelled(t *testing.T) {
	svc, ts := serve(t, sources.CustomersSource, small)
	svc.SetLatency(time.Hour)
	cancel := start(t, ts, "/customers/c1")
	eventually(t, "the call in flight", func() bool { return svc.InFlight() == 1 })
	if err := cancel(); !errors.Is(err, context.Canceled) {
		t.Errorf("got error %v, want context.Canceled", err)
	}
	eventually(t, "the cancellation counted", func() bool { return svc.Cancelled() == 1 && svc.InFlight() == 0 })
}

func TestStallEndsWhenCancelled(t *testing.T) {
	svc, ts := serve(t, sources.CustomersSource, small)
	svc.SetStall(time.Hour)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, ts.URL+"/customers/c1", nil)
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatalf("got error %v, want the headers", err)
	}
	defer resp.Body.Close()
	first := make([]byte, 1)
	if _, err := io.ReadFull(resp.Body, first); err != nil || resp.StatusCode != http.StatusOK || first[0] != '{' {
		t.Fatalf("got status %d, first byte %q, error %v; want 200 and '{'", resp.StatusCode, first, err)
	}
	cancel()
	eventually(t, "the cancellation counted", func() bool { return svc.Cancelled() == 1 && svc.InFlight() == 0 })
}

func TestShortStallAnswersInFull(t *testing.T) {
	svc, ts := serve(t, sources.CustomersSource, small)
	svc.SetStall(30 * time.Millisecond)
	began := time.Now()
	want, _ := small.Customer("c1")
	if got := decode[sources.Customer](t, get(t, ts, "/customers/c1")); got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if got := time.Since(began); got < 30*time.Millisecond {
		t.Errorf("got an answer after %v, want at least 30ms", got)
	}
}

func TestErrorRate(t *testing.T) {
	tests := []struct {
		name string
		rate float64
		want string // one character a call: . for 200, x for 503
	}{
		{"none", 0, "........"},
		{"half", 0.5, ".x.x.x.x"},
		{"quarter", 0.25, "...x...x"},
		{"all", 1, "xxxxxxxx"},
		{"above 1 is all", 3, "xxxxxxxx"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc, ts := serve(t, sources.CustomersSource, small)
			svc.SetErrorRate(tt.rate)
			var got strings.Builder
			for range len(tt.want) {
				a := get(t, ts, "/customers/c1")
				got.WriteString(map[int]string{200: ".", 503: "x"}[a.status])
			}
			if got.String() != tt.want {
				t.Errorf("got %s, want %s", got.String(), tt.want)
			}
		})
	}
}

func TestErrorRateAnswer(t *testing.T) {
	svc, ts := serve(t, sources.CustomersSource, small)
	svc.SetErrorRate(1)
	if got := errorOf(t, get(t, ts, "/customers/c1"), http.StatusServiceUnavailable); got != "unavailable" {
		t.Errorf("got error %q, want unavailable", got)
	}
}

func TestStatus(t *testing.T) {
	tests := []struct {
		name       string
		code       int
		retryAfter string
	}{
		{"internal error", http.StatusInternalServerError, ""},
		{"bad gateway", http.StatusBadGateway, ""},
		{"too many requests", http.StatusTooManyRequests, "3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc, ts := serve(t, sources.OrdersSource, small)
			svc.SetStatus(tt.code)
			svc.SetRetryAfter(tt.retryAfter)
			a := get(t, ts, "/orders/o1")
			errorOf(t, a, tt.code)
			if got := a.header.Get("Retry-After"); got != tt.retryAfter {
				t.Errorf("got Retry-After %q, want %q", got, tt.retryAfter)
			}
		})
	}
}

func TestMalformed(t *testing.T) {
	svc, ts := serve(t, sources.OrdersSource, small)
	svc.SetMalformed(true)
	a := get(t, ts, "/orders?ids=o1")
	if a.status != http.StatusOK || json.Valid(a.body) {
		t.Errorf("got status %d and body %s, want 200 and invalid JSON", a.status, a.body)
	}
}

func TestDown(t *testing.T) {
	svc, ts := serve(t, sources.OrdersSource, small)
	svc.SetDown(true)
	if _, err := ts.Client().Get(ts.URL + "/orders/o1"); err == nil {
		t.Errorf("got an answer, want the connection closed")
	}
	if got := svc.Calls(); got != 1 {
		t.Errorf("got %d calls, want 1", got)
	}
	svc.SetDown(false)
	decode[sources.Order](t, get(t, ts, "/orders/o1"))
}

func TestOversized(t *testing.T) {
	svc, ts := serve(t, sources.CustomersSource, small)
	svc.SetOversized(1 << 20)
	a := get(t, ts, "/customers?ids=c1,c2")
	if got := ids(decode[sources.Page[sources.Customer]](t, a).Items, customerID); len(a.body) < 1<<20 || !reflect.DeepEqual(got, []string{"c1", "c2"}) {
		t.Errorf("got %d bytes with ids %v, want at least %d with [c1 c2]", len(a.body), got, 1<<20)
	}
	want, _ := small.Customer("c1")
	if got := decode[sources.Customer](t, get(t, ts, "/customers/c1")); got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if a := get(t, ts, "/customers/nobody"); len(a.body) > 100 {
		t.Errorf("got a %d-byte error answer, want errors left unpadded", len(a.body))
	}
}

func TestDropAndShuffle(t *testing.T) {
	newestOfC2 := small.OrdersOf("c2")[0].ID
	tests := []struct {
		name    string
		service string
		path    string
		set     func(*Service)
		want    []string
	}{
		{"drop customers", sources.CustomersSource, "/customers?ids=c1,c2,c3", func(s *Service) { s.SetDropIDs("c2") }, []string{"c1", "c3"}},
		{"shuffle customers", sources.CustomersSource, "/customers?ids=c1,c2,c3", func(s *Service) { s.SetShuffleAndDuplicate(true) }, []string{"c3", "c2", "c1", "c3"}},
		{"drop and shuffle", sources.CustomersSource, "/customers?ids=c1,c2,c3", func(s *Service) { s.SetDropIDs("c2"); s.SetShuffleAndDuplicate(true) }, []string{"c3", "c1", "c3"}},
		{"drop orders", sources.OrdersSource, "/orders?ids=o1,o2", func(s *Service) { s.SetDropIDs("o1") }, []string{"o2"}},
		{"drop a customer's orders", sources.OrdersSource, "/orders?customerIds=c1,c2&perCustomer=1", func(s *Service) { s.SetDropIDs("c1") }, []string{newestOfC2}},
		{"drop stats", sources.AnalyticsSource, "/analytics/customers?ids=c1,c2", func(s *Service) { s.SetDropIDs("c1") }, []string{"c2"}},
		{"shuffle stats", sources.AnalyticsSource, "/analytics/customers?ids=c1,c2", func(s *Service) { s.SetShuffleAndDuplicate(true) }, []string{"c2", "c1", "c2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc, ts := serve(t, tt.service, small)
			tt.set(svc)
			type item struct {
				ID         string `json:"id"`
				CustomerID string `json:"customerId"`
			}
			items := decode[sources.Page[item]](t, get(t, ts, tt.path)).Items
			got := ids(items, func(it item) string { return cmp.Or(it.ID, it.CustomerID) })
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
