package server_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gqlbff/gqlbff/server"
)

// Where each row of HARDENING.md's source-fault table is tested:
//
//	slow past timeout        TestSourceFaultRows, TestSourceFaults, TestSlowSourceSeesTheCancelAtTheTimeout,
//	                         sources.TestSlowSourceTimesOutAtTheTimeout
//	slow within timeout      TestSourceFaultRows, sources.TestRetriesByFault
//	502/503/504, refused     TestSourceFaultRows, TestSourceFaults, TestFlakySourceSucceedsThroughRetries,
//	                         sources.TestRetriesByFault, sources.TestRetriesStopAtTheRequestDeadline
//	500, 4xx, 404            TestSourceFaultRows, TestSourceFaults, sources.TestRetriesByFault
//	429 + Retry-After        TestSourceFaultRows, TestRateLimitedSourceGivesRetryAfter,
//	                         sources.TestRetriesByFault, sources.TestBreakerIgnoresWhatIsNotTheSourcesFault
//	stalled body             TestSourceFaultRows, sources.TestStalledBodyTimesOutAndItsConnectionIsNotReused
//	malformed, HTML, types   TestSourceFaults, sources.TestBadAnswersAreBadResponses
//	batch missing/reordered  TestSourceFaultRows
//	whole batch fails        TestSourceFaults
//	oversized answer         TestSourceFaultRows, sources.TestOversizedAnswerIsABadResponse
//	breaker open             TestDeadSourceOpensTheBreaker, sources.TestDeadSourceOpensTheBreakerAndAProbeClosesIt
//	client cancel            TestClientDisconnectCancelsSourceCalls, sources.TestBreakerIgnoresWhatIsNotTheSourcesFault,
//	                         sources.TestOneCallerLeavingDoesNotCancelTheOthers
//	all sources down         TestSourceFaultRows
//
// TestSourceFaultRows holds a test for each row of HARDENING.md's
// source-fault table that TestSourceFaults and the sources package's tests
// do not already show end to end. Each runs one operation against the demo
// services' knobs and checks the errors, the nulls the contract allows, the
// data kept, and the calls each source received.
func TestSourceFaultRows(t *testing.T) {
	t.Parallel()
	type want struct{ path, code, source string }
	o42 := defaultData().Orders[41]
	cases := []struct {
		name    string
		config  func(*server.Config)
		fault   func(h *harness)
		op      string
		vars    map[string]any
		errors  []want
		nulls   []string       // nulls the contract allows without an error
		intact  []string       // fragments of data that must be there
		calls   map[string]int // calls each source received
		maxTime time.Duration
	}{
		{
			name:    "slow past timeout: SOURCE_TIMEOUT at the timeout, the source sees the cancel",
			config:  func(c *server.Config) { c.Sources.Customers.Timeout = 200 * time.Millisecond },
			fault:   func(h *harness) { h.svcs.Customers.SetLatency(5 * time.Second) },
			op:      operation(t, "order_detail"),
			vars:    map[string]any{"id": "o42"},
			errors:  []want{{"order.customer", "SOURCE_TIMEOUT", "customers"}},
			intact:  []string{`"id":"o42"`},
			calls:   map[string]int{"orders": 1, "customers": 1},
			maxTime: 700 * time.Millisecond,
		},
		{
			name:    "slow within timeout: success, no retry",
			fault:   func(h *harness) { h.svcs.Customers.SetLatency(100 * time.Millisecond) },
			op:      operation(t, "order_detail"),
			vars:    map[string]any{"id": "o42"},
			intact:  []string{`"customer":{"id":"` + o42.CustomerID + `"`},
			calls:   map[string]int{"orders": 1, "customers": 1},
			maxTime: time.Second,
		},
		{
			name:    "502: one retry, then SOURCE_UNAVAILABLE",
			fault:   func(h *harness) { h.svcs.Customers.SetStatus(http.StatusBadGateway) },
			op:      operation(t, "order_detail"),
			vars:    map[string]any{"id": "o42"},
			errors:  []want{{"order.customer", "SOURCE_UNAVAILABLE", "customers"}},
			intact:  []string{`"id":"o42"`},
			calls:   map[string]int{"orders": 1, "customers": 2},
			maxTime: time.Second,
		},
		{
			name:    "500: no retry",
			fault:   func(h *harness) { h.svcs.Customers.SetStatus(http.StatusInternalServerError) },
			op:      operation(t, "order_detail"),
			vars:    map[string]any{"id": "o42"},
			errors:  []want{{"order.customer", "SOURCE_UNAVAILABLE", "customers"}},
			intact:  []string{`"id":"o42"`},
			calls:   map[string]int{"orders": 1, "customers": 1},
			maxTime: time.Second,
		},
		{
			name:    "4xx: no retry",
			fault:   func(h *harness) { h.svcs.Customers.SetStatus(http.StatusBadRequest) },
			op:      operation(t, "order_detail"),
			vars:    map[string]any{"id": "o42"},
			errors:  []want{{"order.customer", "SOURCE_BAD_RESPONSE", "customers"}},
			intact:  []string{`"id":"o42"`},
			calls:   map[string]int{"orders": 1, "customers": 1},
			maxTime: time.Second,
		},
		{
			name:    "404 on a by-id call: null, no error",
			fault:   func(h *harness) { h.svcs.Orders.SetStatus(http.StatusNotFound) },
			op:      operation(t, "order_detail"),
			vars:    map[string]any{"id": "o42"},
			nulls:   []string{"order"},
			calls:   map[string]int{"orders": 1, "customers": 0},
			maxTime: time.Second,
		},
		{
			name: "429 with Retry-After: no retry, SOURCE_UNAVAILABLE with retryAfterMs",
			fault: func(h *harness) {
				h.svcs.Customers.SetStatus(http.StatusTooManyRequests)
				h.svcs.Customers.SetRetryAfter("2")
			},
			op:      operation(t, "order_detail"),
			vars:    map[string]any{"id": "o42"},
			errors:  []want{{"order.customer", "SOURCE_UNAVAILABLE", "customers"}},
			intact:  []string{`"id":"o42"`},
			calls:   map[string]int{"orders": 1, "customers": 1},
			maxTime: time.Second,
		},
		{
			name:    "headers then a stalled body: SOURCE_TIMEOUT",
			config:  func(c *server.Config) { c.Sources.Customers.Timeout = 200 * time.Millisecond },
			fault:   func(h *harness) { h.svcs.Customers.SetStall(5 * time.Second) },
			op:      operation(t, "order_detail"),
			vars:    map[string]any{"id": "o42"},
			errors:  []want{{"order.customer", "SOURCE_TIMEOUT", "customers"}},
			intact:  []string{`"id":"o42"`},
			calls:   map[string]int{"orders": 1, "customers": 1},
			maxTime: 700 * time.Millisecond,
		},
		{
			name:    "oversized answer: SOURCE_BAD_RESPONSE",
			config:  func(c *server.Config) { c.Sources.MaxResponseBytes = 64 << 10 },
			fault:   func(h *harness) { h.svcs.Customers.SetOversized(1 << 20) },
			op:      operation(t, "order_detail"),
			vars:    map[string]any{"id": "o42"},
			errors:  []want{{"order.customer", "SOURCE_BAD_RESPONSE", "customers"}},
			intact:  []string{`"id":"o42"`},
			calls:   map[string]int{"orders": 1, "customers": 1},
			maxTime: time.Second,
		},
		{
			name:    "batch answer missing an id: that entry null, no error",
			fault:   func(h *harness) { h.svcs.Customers.SetDropIDs("c2") },
			op:      operation(t, "customers_by_ids"),
			vars:    map[string]any{"ids": []string{"c1", "c2", "c3"}},
			nulls:   []string{"customers.1"},
			intact:  []string{`{"id":"c1"`, `{"id":"c3"`},
			calls:   map[string]int{"customers": 1},
			maxTime: time.Second,
		},
		{
			name:    "batch answer reordered, with a repeat: matched by id",
			fault:   func(h *harness) { h.svcs.Customers.SetShuffleAndDuplicate(true) },
			op:      operation(t, "customers_by_ids"),
			vars:    map[string]any{"ids": []string{"c1", "c2", "c3", "c2"}},
			intact:  []string{`"customers":[{"id":"c1"`, `},{"id":"c2"`, `},{"id":"c3"`, `},{"id":"c2"`},
			calls:   map[string]int{"customers": 1},
			maxTime: time.Second,
		},
		{
			name: "all sources down: 200, nulls with errors, bounded latency",
			fault: func(h *harness) {
				for _, s := range h.svcs.All() {
					s.SetDown(true)
				}
			},
			op: operation(t, "dashboard"),
			errors: []want{
				{"dashboard.recentOrders", "SOURCE_UNAVAILABLE", "orders"},
				{"dashboard.topCustomers", "SOURCE_UNAVAILABLE", "analytics"},
				{"dashboard.summary", "SOURCE_UNAVAILABLE", "analytics"},
			},
			intact:  []string{`"dashboard":{`},
			calls:   map[string]int{"orders": 2, "customers": 0, "analytics": 4},
			maxTime: time.Second,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, withConfig(tc.config))
			tc.fault(h)
			start := time.Now()
			a := h.query(tc.op, tc.vars)
			elapsed := time.Since(start)
			if a.status != http.StatusOK {
				t.Fatalf("status: got %d, want 200: %s", a.status, a.body)
			}
			r := a.response(t, tc.nulls...)
			if len(r.Errors) != len(tc.errors) {
				t.Errorf("errors: got %d %+v, want %d", len(r.Errors), r.Errors, len(tc.errors))
			}
			for _, w := range tc.errors {
				e, ok := r.ErrorAt(w.path)
				if !ok || e.Code() != w.code || e.Source() != w.source {
					t.Errorf("error at %s: got %+v (found %v), want %s from %s", w.path, e, ok, w.code, w.source)
				}
			}
			for _, s := range tc.intact {
				if !strings.Contains(string(r.Data), s) {
					t.Errorf("data lost %s: %s", s, r.Data)
				}
			}
			for _, s := range h.svcs.All() {
				if want, ok := tc.calls[s.Name()]; ok && s.Calls() != want {
					t.Errorf("calls to %s: got %d, want %d", s.Name(), s.Calls(), want)
				}
			}
			if elapsed > tc.maxTime {
				t.Errorf("answered after %s, want within %s", elapsed, tc.maxTime)
			}
		})
	}
}

func TestRateLimitedSourceGivesRetryAfter(t *testing.T) {
	h := newHarness(t)
	h.svcs.Customers.SetStatus(http.StatusTooManyRequests)
	h.svcs.Customers.SetRetryAfter("2")
	r := h.query(operation(t, "order_detail"), map[string]any{"id": "o42"}).response(t)
	e, ok := r.ErrorAt("order.customer")
	if got := e.Extensions["retryAfterMs"]; !ok || got != float64(2000) {
		t.Errorf("retryAfterMs: got %v, want 2000", got)
	}
}

func TestSlowSourceSeesTheCancelAtTheTimeout(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withConfig(func(c *server.Config) { c.Sources.Customers.Timeout = 200 * time.Millisecond }))
	h.svcs.Customers.SetLatency(5 * time.Second)
	h.query(operation(t, "order_detail"), map[string]any{"id": "o42"}).response(t)
	eventually(t, "the customers source to see the cancel", func() bool { return h.svcs.Customers.Cancelled() == 1 })
}

// TestLoadWithFaultsLeaksNothing runs concurrent requests against faulty
// sources, some cancelled by their clients, then closes everything and
// checks that no goroutine is left.
func TestLoadWithFaultsLeaksNothing(t *testing.T) {
	before := goleak.IgnoreCurrent()
	t.Run("load", func(t *testing.T) {
		h := newHarness(t, withConfig(func(c *server.Config) {
			c.Sources.Timeout = 300 * time.Millisecond
			c.Sources.Breaker.MinRequests = 10
		}))
		h.svcs.Orders.SetErrorRate(0.3)
		h.svcs.Orders.SetLatency(20 * time.Millisecond)
		h.svcs.Customers.SetStall(time.Second)
		h.svcs.Analytics.SetDown(true)
		ops := []string{operation(t, "dashboard"), operation(t, "orders_fanout"), operation(t, "order_detail")}
		var wg sync.WaitGroup
		for i := range 60 {
			wg.Go(func() {
				ctx, cancel := context.WithTimeout(context.Background(), time.Duration(50+i*10)*time.Millisecond)
				defer cancel()
				body := strings.NewReader(`{"query":` + quote(ops[i%len(ops)]) + `,"variables":{"id":"o42"}}`)
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, h.srv.URL+"/graphql", body)
				req.Header.Set("Content-Type", "application/json")
				if resp, err := h.http.Do(req); err == nil {
					resp.Body.Close()
				}
			})
		}
		wg.Wait()
	})
	goleak.VerifyNone(t, before)
}

func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}
