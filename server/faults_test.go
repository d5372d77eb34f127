package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gqlbff/gqlbff/server"
)

// TestFanoutIsFourSourceCalls holds on both executors: the plans batch by
// level, gqlgen's executor by the resolvers' lookahead.
func TestFanoutIsFourSourceCalls(t *testing.T) {
	for _, x := range []string{server.ExecutorPlans, server.ExecutorGqlgen} {
		t.Run(x, func(t *testing.T) {
			h := newHarness(t, withConfig(func(c *server.Config) { c.GraphQL.Executor = x }))
			a := h.query(operation(t, "orders_fanout"), nil)
			var got struct {
				Orders struct{ Edges []struct{ Cursor string } }
			}
			decodeData(t, a.response(t, "**.lastOrderAt"), &got)
			if n := len(got.Orders.Edges); n != 50 {
				t.Fatalf("edges: got %d, want 50", n)
			}
			if n := h.calls(); n > 4 {
				t.Errorf("source calls for 50 orders: got %d, want at most 4", n)
			}
			for _, s := range h.svcs.All() {
				for _, r := range s.Requests() {
					t.Logf("%s %s?%s", s.Name(), r.Path, r.RawQuery)
				}
			}
		})
	}
}

// TestPlansPayNoBatchWindow: under the compiled plans the lookups of a
// level go out once the level's callers all wait or are done, never after
// the loaders' time window. With a window of 20 s every client
// operation still answers whole, at once, in the batches its data needs
// (me: the customer, its stats and its orders side by side).
func TestPlansPayNoBatchWindow(t *testing.T) {
	t.Parallel()
	for op, want := range map[string]int{"order_detail": 2, "customers_by_ids": 1, "dashboard": 5, "orders_fanout": 4, "me": 3} {
		t.Run(op, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, withConfig(func(c *server.Config) {
				c.GraphQL.Executor = server.ExecutorPlans
				c.Sources.BatchWait = 20 * time.Second
			}))
			body, _ := json.Marshal(map[string]any{"query": operation(t, op), "variables": variablesOf(t, op)})
			// A window paid would hold the answer for 20 s: fail instead.
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			a := h.do(ctx, http.MethodPost, "/graphql", "application/json", bytes.NewReader(body), "Authorization", bearer(token("c7", "web", allScopes...)))
			a.response(t, "**.lastOrderAt", "customers.*") // unknown ids are null entries
			if bytes.Contains(a.body, []byte(`"errors"`)) {
				t.Fatalf("errors: %s", a.body)
			}
			if n := h.calls(); n != want {
				t.Errorf("source calls: got %d, want %d", n, want)
			}
		})
	}
}

func TestSameCustomerTwiceIsFetchedOnce(t *testing.T) {
	h := newHarness(t)
	// The order's customer is c1 too: asked for three times, fetched once.
	order := defaultData().OrdersOf("c1")[0].ID
	a := h.query(`query($o: ID!) { a: customer(id: "c1") { id } b: customer(id: "c1") { name }
		o: order(id: $o) { customer { id } } }`, map[string]any{"o": order})
	a.response(t)
	reqs := h.svcs.Customers.Requests()
	if len(reqs) != 1 {
		t.Fatalf("customers calls: got %d, want 1", len(reqs))
	}
	if got := idsOf(reqs[0].RawQuery); got != "c1" {
		t.Errorf("ids in the batch: got %q, want c1", got)
	}
}

// sourceFaults run one operation against one failing source and check that
// exactly the dependent fields are null, each with the right error.
func TestSourceFaults(t *testing.T) {
	t.Parallel()
	type want struct {
		path, code, source string
	}
	cases := []struct {
		name   string
		fault  func(h *harness)
		config func(*server.Config)
		op     string
		vars   map[string]any
		errors []want
		intact []string // data fields that must be present and non-null
	}{
		{
			name:   "customers down",
			fault:  func(h *harness) { h.svcs.Customers.SetDown(true) },
			op:     operation(t, "order_detail"),
			vars:   map[string]any{"id": "o42"},
			errors: []want{{"order.customer", "SOURCE_UNAVAILABLE", "customers"}},
			intact: []string{`"id":"o42"`, `"items":[{`},
		},
		{
			name:   "customers stopped (connection refused)",
			fault:  func(h *harness) { _ = h.svcs.Customers.Stop() },
			op:     operation(t, "order_detail"),
			vars:   map[string]any{"id": "o42"},
			errors: []want{{"order.customer", "SOURCE_UNAVAILABLE", "customers"}},
			intact: []string{`"id":"o42"`},
		},
		{
			name:   "analytics slow past its timeout",
			fault:  func(h *harness) { h.svcs.Analytics.SetLatency(3 * time.Second) },
			config: func(c *server.Config) { c.Sources.Timeout = 300 * time.Millisecond },
			op:     operation(t, "dashboard"),
			errors: []want{
				{"dashboard.topCustomers", "SOURCE_TIMEOUT", "analytics"},
				{"dashboard.summary", "SOURCE_TIMEOUT", "analytics"},
			},
			intact: []string{`"recentOrders":[{`},
		},
		{
			name:   "orders malformed",
			fault:  func(h *harness) { h.svcs.Orders.SetMalformed(true) },
			op:     operation(t, "dashboard"),
			errors: []want{{"dashboard.recentOrders", "SOURCE_BAD_RESPONSE", "orders"}},
			intact: []string{`"topCustomers":[{`, `"summary":{`},
		},
		{
			name:   "analytics 500",
			fault:  func(h *harness) { h.svcs.Analytics.SetStatus(http.StatusInternalServerError) },
			op:     operation(t, "me") + "\n" + `query Top { dashboard { topCustomers { id } summary { orderCount } recentOrders(first: 1) { id } } }`,
			vars:   nil,
			errors: []want{{"dashboard.topCustomers", "SOURCE_UNAVAILABLE", "analytics"}, {"dashboard.summary", "SOURCE_UNAVAILABLE", "analytics"}},
			intact: []string{`"recentOrders":[{`},
		},
		{
			name:  "stats for every customer of the fan-out fail",
			fault: func(h *harness) { h.svcs.Analytics.SetDown(true) },
			op:    `{ orders(first: 3) { edges { node { id customer { id stats { orderCount } } } } } }`,
			errors: []want{
				{"orders.edges.0.node.customer.stats", "SOURCE_UNAVAILABLE", "analytics"},
				{"orders.edges.1.node.customer.stats", "SOURCE_UNAVAILABLE", "analytics"},
				{"orders.edges.2.node.customer.stats", "SOURCE_UNAVAILABLE", "analytics"},
			},
			intact: []string{`"customer":{"id":"c`},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var opts []option
			if tc.config != nil {
				opts = append(opts, withConfig(tc.config))
			}
			h := newHarness(t, opts...)
			tc.fault(h)
			body := map[string]any{"query": tc.op, "variables": tc.vars}
			if strings.Contains(tc.op, "query Top") {
				body["operationName"] = "Top"
			}
			b, _ := json.Marshal(body)
			start := time.Now()
			a := h.do(context.Background(), http.MethodPost, "/graphql", "application/json", bytes.NewReader(b))
			elapsed := time.Since(start)
			if a.status != http.StatusOK {
				t.Fatalf("status: got %d, want 200: %s", a.status, a.body)
			}
			r := a.response(t)
			if len(r.Errors) != len(tc.errors) {
				t.Errorf("errors: got %d %v, want %d", len(r.Errors), r.Errors, len(tc.errors))
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
			if tc.config != nil && elapsed > h.cfg.Sources.Timeout+time.Second {
				t.Errorf("answered after %s, want within the timeout (%s) plus a margin", elapsed, h.cfg.Sources.Timeout)
			}
		})
	}
}

func TestClientDisconnectCancelsSourceCalls(t *testing.T) {
	h := newHarness(t)
	h.svcs.Orders.SetLatency(5 * time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, h.srv.URL+"/graphql", strings.NewReader(`{"query":"{ order(id: \"o1\") { id } }"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", bearer(defaultToken))
		if resp, err := h.http.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	eventually(t, "the source to receive the call", func() bool { return h.svcs.Orders.InFlight() == 1 })
	cancel()
	start := time.Now()
	eventually(t, "the source to see the cancellation", func() bool { return h.svcs.Orders.Cancelled() == 1 })
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Errorf("cancellation reached the source after %s, want within 100ms", d)
	}
	<-done
}

func TestSourceCallsCarryRequestHeaders(t *testing.T) {
	h := newHarness(t)
	const trace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	cases := []struct {
		name, id, traceparent string
		keepID                bool
		keepTrace             bool
	}{
		{"caller's own id and trace", "req-123_abc.x", trace, true, true},
		{"id too long, no trace", strings.Repeat("a", 129), "", false, false},
		{"id with bad characters, bad trace", "bad id!", "00-zz-yy-01", false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h.reset()
			hdr := []string{"X-Request-Id", tc.id, "X-User-Id", "forged", "X-User-Scopes", "admin"}
			if tc.traceparent != "" {
				hdr = append(hdr, "Traceparent", tc.traceparent)
			}
			a := h.query(`{ order(id: "o1") { id customer { id } } }`, nil, hdr...)
			a.response(t)
			gotID := a.header.Get("X-Request-Id")
			if tc.keepID != (gotID == tc.id) || gotID == "" {
				t.Errorf("answer's X-Request-Id: got %q (sent %q), keep %v", gotID, tc.id, tc.keepID)
			}
			for _, s := range []string{"orders", "customers"} {
				svc := h.svcs.Orders
				if s == "customers" {
					svc = h.svcs.Customers
				}
				reqs := svc.Requests()
				if len(reqs) != 1 {
					t.Fatalf("%s calls: got %d, want 1", s, len(reqs))
				}
				hd := reqs[0].Header
				if hd.Get("X-Request-Id") != gotID {
					t.Errorf("%s X-Request-Id: got %q, want %q", s, hd.Get("X-Request-Id"), gotID)
				}
				tp := hd.Get("Traceparent")
				if len(tp) != 55 {
					t.Errorf("%s traceparent: got %q, want a W3C traceparent", s, tp)
				} else if tc.keepTrace != (tp[3:35] == trace[3:35]) {
					t.Errorf("%s traceparent %q: continues the caller's trace %v, want %v", s, tp, !tc.keepTrace, tc.keepTrace)
				}
				// The caller forged X-User-Id "forged"; the sources see the token's.
				if hd.Get("X-User-Id") != "tester" || hd.Get("X-User-Scopes") != strings.Join(allScopes, " ") {
					t.Errorf("%s identity headers: got %q %q, want the token's tester %q", s, hd.Get("X-User-Id"), hd.Get("X-User-Scopes"), allScopes)
				}
			}
		})
	}
}

func TestReadiness(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	if a := h.do(context.Background(), http.MethodGet, "/healthz", "", nil); a.status != http.StatusOK {
		t.Errorf("healthz: got %d, want 200", a.status)
	}
	a := h.do(context.Background(), http.MethodGet, "/readyz", "", nil)
	if a.status != http.StatusOK || !strings.Contains(string(a.body), `"orders":{"reachable":true,"breaker":"closed"}`) {
		t.Errorf("readyz with sources up: got %d %s, want 200", a.status, a.body)
	}
	// A down source is partial data, not unreadiness: /readyz stays 200
	// and shows the source's state.
	h.svcs.Customers.SetDown(true)
	eventually(t, "readyz to report the customers source down", func() bool {
		a = h.do(context.Background(), http.MethodGet, "/readyz", "", nil)
		return a.status != http.StatusOK || strings.Contains(string(a.body), `"customers":{"reachable":false`)
	})
	var body struct {
		Ready   bool
		Sources map[string]struct {
			Reachable bool
			Error     string
		}
	}
	if err := json.Unmarshal(a.body, &body); err != nil {
		t.Fatal(err)
	}
	if a.status != http.StatusOK || !body.Ready || body.Sources["customers"].Reachable || body.Sources["customers"].Error != "SOURCE_UNAVAILABLE" || !body.Sources["orders"].Reachable {
		t.Errorf("readyz body: got %s", a.body)
	}
}

func idsOf(rawQuery string) string {
	q, _ := url.ParseQuery(rawQuery)
	return q.Get("ids")
}
