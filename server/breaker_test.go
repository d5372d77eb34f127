package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/gqlbff/gqlbff/server"
)

// TestFlakySourceSucceedsThroughRetries: every other call to each source
// answers 503; every answer is whole, and /metrics shows one retry per 503.
// (The order screen calls each source once at a time, so a retry is always
// the call after a failed one; operations that call one source twice at
// once may see both of a call's attempts fail.)
func TestFlakySourceSucceedsThroughRetries(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, s := range h.svcs.All() {
		s.SetErrorRate(0.5)
	}
	for range 5 {
		r := h.query(operation(t, "order_detail"), map[string]any{"id": "o42"}).response(t)
		if len(r.Errors) > 0 {
			t.Fatalf("errors through a flaky source: %+v", r.Errors)
		}
	}
	m := h.scrape()
	failed, _ := m.value("gqlbff_source_calls_total", "outcome=unavailable")
	retries, _ := m.value("gqlbff_source_retries_total", "")
	if failed == 0 || retries != failed {
		t.Errorf("retries: got %v, want one per 503 (%v), at least one", retries, failed)
	}
	m.want(t, seriesWant{"gqlbff_operations_total", "operation=OrderDetail,outcome=ok", 5})
}

// TestDeadSourceOpensTheBreaker: a dead source trips its breaker after the
// threshold; then its calls fail without reaching it, /readyz and /metrics
// say so, and after the cool-down a probe closes it once the source is back.
func TestDeadSourceOpensTheBreaker(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withConfig(func(c *server.Config) {
		c.Sources.Customers.Breaker.OpenTimeout = 300 * time.Millisecond
	}))
	h.svcs.Customers.SetDown(true)
	// Each request makes two attempts (one retry): 10 requests, 20 failures.
	for range 10 {
		h.query(operation(t, "order_detail"), map[string]any{"id": "o42"}).response(t)
	}
	if got := h.svcs.Customers.Calls(); got != 20 {
		t.Fatalf("calls to the dead source: got %d, want 20", got)
	}
	for range 5 {
		r := h.query(operation(t, "order_detail"), map[string]any{"id": "o42"}).response(t)
		if e, ok := r.ErrorAt("order.customer"); !ok || e.Code() != "SOURCE_UNAVAILABLE" {
			t.Errorf("with the breaker open: got %+v, want SOURCE_UNAVAILABLE at order.customer", r.Errors)
		}
	}
	if got := h.svcs.Customers.Calls(); got != 20 {
		t.Errorf("calls with the breaker open: got %d, want still 20", got)
	}
	m := h.scrape()
	m.want(t,
		seriesWant{"gqlbff_source_breaker_state", "source=customers", 2},
		seriesWant{"gqlbff_source_breaker_state", "source=orders", 0},
		seriesWant{"gqlbff_source_calls_total", "source=customers,outcome=breaker_open", 5},
	)
	var ready struct {
		Sources map[string]struct {
			Reachable bool
			Breaker   string
		}
	}
	a := h.do(context.Background(), http.MethodGet, "/readyz", "", nil)
	if err := json.Unmarshal(a.body, &ready); err != nil {
		t.Fatal(err)
	}
	if a.status != http.StatusOK || ready.Sources["customers"].Breaker != "open" || ready.Sources["customers"].Reachable {
		t.Errorf("readyz with the breaker open: got %d %s", a.status, a.body)
	}

	h.svcs.Customers.SetDown(false)
	time.Sleep(350 * time.Millisecond)
	r := h.query(operation(t, "order_detail"), map[string]any{"id": "o42"}).response(t)
	if len(r.Errors) > 0 {
		t.Errorf("after the cool-down with the source back: got %+v, want no error", r.Errors)
	}
	h.scrape().want(t, seriesWant{"gqlbff_source_breaker_state", "source=customers", 0})
}

// TestIdenticalDashboardsShareUpstreamCalls: 100 concurrent identical
// dashboard requests with slow sources make about as many upstream calls
// as one request does, not 100 times as many.
func TestIdenticalDashboardsShareUpstreamCalls(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, s := range h.svcs.All() {
		s.SetLatency(500 * time.Millisecond)
	}
	h.query(operation(t, "dashboard"), nil).response(t)
	one := h.calls()
	h.reset()
	for _, s := range h.svcs.All() {
		s.SetLatency(500 * time.Millisecond)
	}
	var wg sync.WaitGroup
	bodies := make([]answer, 100)
	for i := range bodies {
		wg.Go(func() { bodies[i] = h.query(operation(t, "dashboard"), nil) })
	}
	wg.Wait()
	for _, a := range bodies {
		if r := a.response(t); len(r.Errors) > 0 {
			t.Fatalf("errors: %+v", r.Errors)
		}
	}
	if got := h.calls(); got > 2*one {
		t.Errorf("upstream calls for 100 identical dashboards: got %d, want about %d (one request's)", got, one)
	}
	t.Logf("one dashboard: %d calls; 100 concurrent: %d", one, h.calls())
	if n, _ := h.scrape().value("gqlbff_source_coalesced_total", ""); n == 0 {
		t.Errorf("gqlbff_source_coalesced_total: got 0, want calls that shared")
	}
}
