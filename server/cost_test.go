package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/gqlbff/gqlbff/internal/testkit"
	"github.com/gqlbff/gqlbff/server"
)

// costExt is extensions.cost as a client reads it.
type costExt struct {
	RequestedQueryCost int64
	ActualQueryCost    int64
	ThrottleStatus     *struct {
		MaximumAvailable, CurrentlyAvailable, RestoreRate float64
	}
	Fields []struct {
		Path               string
		Weight, Size, Cost int64
	}
}

func costOf(t *testing.T, r testkit.Response) costExt {
	t.Helper()
	raw, ok := r.Extensions["cost"]
	if !ok {
		t.Fatalf("no extensions.cost in %v", r.Extensions)
	}
	b, _ := json.Marshal(raw)
	var c costExt
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatalf("extensions.cost: %v: %s", err, b)
	}
	return c
}

// TestEveryResponseCarriesItsCost runs each client operation and checks
// extensions.cost: the requested cost (priced in cost/price_test.go), the
// actual cost worked out from the data set, and the budget after it.
func TestEveryResponseCarriesItsCost(t *testing.T) {
	d := defaultData()
	min3 := func(n int) int { return min(n, 3) }
	// orders 1 + pageInfo 1 + per edge: edge 1 + node 2 + total 1 +
	// customer 2 + stats (2 + lifetimeValue 1) + 2 per order of the
	// customer, at most 3.
	fanout := int64(2)
	for _, o := range d.RecentOrders("")[:50] {
		fanout += int64(9 + 2*min3(len(d.OrdersOf(o.CustomerID))))
	}
	o42, _ := d.Order("o42")
	cases := []struct {
		name      string
		op        string
		vars      map[string]any
		auth      string
		nulls     []string
		requested int64
		actual    int64
		throttled bool
	}{
		{"orders_fanout", "orders_fanout", nil, "", []string{"**.lastOrderAt"}, 752, fanout, true},
		// every list full: the actual cost is the requested one.
		{"dashboard", "dashboard", nil, "", nil, 98, 98, true},
		// me 2 + 3 per order (at most 5) + stats 2.
		{"me", "me", nil, bearer(token("c7", "web", allScopes...)), nil, 19, int64(4 + 3*min(5, len(d.OrdersOf("c7")))), true},
		// order 2 + total 1 + 2 per item + customer 2.
		{"order_detail", "order_detail", map[string]any{"id": "o42"}, "", nil, 15, int64(5 + 2*len(o42.Items)), true},
		// one entry per id, unknown ones included: 4 × 2.
		{"customers_by_ids", "customers_by_ids", map[string]any{"ids": []string{"c3", "nobody", "c1", "c3"}}, "", []string{"customers.1"}, 8, 8, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			var header []string
			if tc.auth != "" {
				header = []string{"Authorization", tc.auth}
			}
			a := h.query(operation(t, tc.op), tc.vars, header...)
			if a.status != http.StatusOK {
				t.Fatalf("status %d: %s", a.status, a.body)
			}
			c := costOf(t, a.response(t, tc.nulls...))
			if c.RequestedQueryCost != tc.requested || c.ActualQueryCost != tc.actual {
				t.Errorf("cost: got requested %d actual %d, want %d and %d", c.RequestedQueryCost, c.ActualQueryCost, tc.requested, tc.actual)
			}
			ts := c.ThrottleStatus
			if ts == nil || ts.MaximumAvailable != 20000 || ts.RestoreRate != 1000 || ts.CurrentlyAvailable < 20000-float64(tc.actual) || ts.CurrentlyAvailable > 20000 {
				t.Errorf("throttleStatus: got %+v, want max 20000, rate 1000, about %d available", ts, 20000-tc.actual)
			}
			if c.Fields != nil {
				t.Errorf("fields: got %d lines without asking", len(c.Fields))
			}
		})
	}
}

func TestOverCostLimitIsRefusedWithoutSourceCalls(t *testing.T) {
	h := newHarness(t, withConfig(func(c *server.Config) { c.Profiles.Web.MaxCost = 100 }))
	a := h.query(operation(t, "orders_fanout"), nil)
	r := a.response(t)
	if a.status != http.StatusBadRequest || len(r.Errors) != 1 || r.Errors[0].Code() != "COST_LIMIT_EXCEEDED" {
		t.Fatalf("got %d %s, want 400 COST_LIMIT_EXCEEDED", a.status, a.body)
	}
	if got, _ := json.Marshal(r.Errors[0].Extensions["cost"]); string(got) != `{"limit":100,"requested":752}` {
		t.Errorf("errors[0].extensions.cost: got %s, want requested 752 and limit 100", got)
	}
	if c := costOf(t, r); c.RequestedQueryCost != 752 || c.ActualQueryCost != 0 || c.ThrottleStatus == nil || c.ThrottleStatus.CurrentlyAvailable != 20000 {
		t.Errorf("extensions.cost: got %+v, want 752 requested, nothing charged", c)
	}
	if n := h.calls(); n != 0 {
		t.Errorf("source calls: got %d, want 0", n)
	}
	// Under the limit, the same profile is served.
	if a := h.query(operation(t, "me"), nil); a.status != http.StatusOK {
		t.Errorf("a cheap operation: got %d %s, want 200", a.status, a.body)
	}
}

// An operation dearer than a full bucket could never run: the bucket's
// capacity caps the limit.
func TestCostOverTheBudgetCapacityIsOverTheLimit(t *testing.T) {
	h := newHarness(t, withConfig(func(c *server.Config) {
		c.Profiles.Web.MaxCost = 0
		c.Profiles.Web.Budget = server.BudgetConfig{Capacity: 500, RestoreRate: 10}
	}))
	a := h.query(operation(t, "orders_fanout"), nil)
	r := a.response(t)
	if a.status != http.StatusBadRequest || len(r.Errors) != 1 || r.Errors[0].Code() != "COST_LIMIT_EXCEEDED" {
		t.Fatalf("got %d %s, want 400 COST_LIMIT_EXCEEDED (752 over a capacity of 500)", a.status, a.body)
	}
}

func TestMeasureModeServesAndLogs(t *testing.T) {
	logs := &logBuffer{}
	h := newHarness(t, withLogger(slog.New(slog.NewTextHandler(logs, nil))), withConfig(func(c *server.Config) {
		c.Profiles.Web.MaxCost = 100
		c.Profiles.Web.CostMode = "measure"
		c.Profiles.Web.Budget = server.BudgetConfig{Capacity: 1000, RestoreRate: 0.001}
	}))
	for i := range 3 {
		a := h.query(operation(t, "orders_fanout"), nil)
		if a.status != http.StatusOK {
			t.Fatalf("request %d: got %d %s, want 200 (measure refuses nothing)", i, a.status, a.body)
		}
		a.response(t, "**.lastOrderAt")
	}
	out := logs.String()
	if n := strings.Count(out, "cost limit exceeded (measure mode: served)"); n != 3 {
		t.Errorf("limit log lines: got %d, want 3:\n%s", n, out)
	}
	// 1000 points: the second fan-out (requested 752) finds the bucket short.
	if n := strings.Count(out, "cost budget spent (measure mode: served)"); n != 2 {
		t.Errorf("budget log lines: got %d, want 2:\n%s", n, out)
	}
}

func TestExplainIsPerProfile(t *testing.T) {
	h := newHarness(t)
	cases := []struct {
		name, auth, header string
		want               bool
	}{
		{"web asks", bearer(defaultToken), "1", true},
		{"web does not ask", bearer(defaultToken), "", false},
		{"web asks with another value", bearer(defaultToken), "yes", false},
		{"mobile may not ask", bearer(token("c1", "mobile", allScopes...)), "1", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := h.query(operation(t, "dashboard"), nil, "Authorization", tc.auth, "GQLBFF-Cost-Explain", tc.header)
			c := costOf(t, a.response(t))
			if got := len(c.Fields) > 0; got != tc.want {
				t.Fatalf("breakdown present: got %v, want %v", got, tc.want)
			}
			if !tc.want {
				return
			}
			want := fmt.Sprint(struct {
				Path               string
				Weight, Size, Cost int64
			}{"dashboard.recentOrders", 2, 10, 50})
			for _, f := range c.Fields {
				if f.Path == "dashboard.recentOrders" && fmt.Sprint(f) != want {
					t.Errorf("got %v, want %s", f, want)
				}
			}
			if c.Fields[0].Path != "dashboard" || c.Fields[0].Cost != 98 {
				t.Errorf("first line: got %+v, want dashboard at 98", c.Fields[0])
			}
		})
	}
}

// A field that fails is not charged: the client did not get it.
func TestFailedFieldsAreNotCharged(t *testing.T) {
	h := newHarness(t)
	h.svcs.Analytics.SetDown(true)
	a := h.query(operation(t, "me"), nil, "Authorization", bearer(token("c7", "web", allScopes...)))
	r := a.response(t)
	if e, ok := r.ErrorAt("me.stats"); !ok || e.Code() != "SOURCE_UNAVAILABLE" {
		t.Fatalf("me.stats: got %+v, want SOURCE_UNAVAILABLE", e)
	}
	// me 2 + 3 per order; stats (2) failed.
	want := int64(2 + 3*min(5, len(defaultData().OrdersOf("c7"))))
	if c := costOf(t, r); c.RequestedQueryCost != 19 || c.ActualQueryCost != want {
		t.Errorf("got requested %d actual %d, want 19 and %d", c.RequestedQueryCost, c.ActualQueryCost, want)
	}
}

// A trusted document is priced once, when its manifest loads: a request by
// id takes that price, no analysis per request, and it is the price the
// same text gets when analysed.
func TestTrustedDocumentsArePricedAtLoad(t *testing.T) {
	h := newHarness(t, withConfig(func(c *server.Config) { c.Demo = true }))
	id := demoIDs(t)["Dashboard"]
	partner := bearer(token("p1", "partner", allScopes...))
	byID := h.postJSON(map[string]any{"documentId": id}, "Authorization", partner)
	text := h.query(operation(t, "dashboard"), nil)
	var got, want struct {
		Extensions struct {
			Cost struct{ RequestedQueryCost int64 }
		}
	}
	_ = json.Unmarshal(byID.body, &got)
	_ = json.Unmarshal(text.body, &want)
	byID.response(t)
	if byID.status != http.StatusOK || got.Extensions.Cost.RequestedQueryCost != want.Extensions.Cost.RequestedQueryCost ||
		got.Extensions.Cost.RequestedQueryCost == 0 {
		t.Errorf("by id: got %d cost %d, want 200 and the text's cost %d: %s", byID.status,
			got.Extensions.Cost.RequestedQueryCost, want.Extensions.Cost.RequestedQueryCost, byID.body)
	}
	if st := h.handler.CostStats(); st.FromManifest != 1 || st.Priced != 2 {
		t.Errorf("stats: got %+v, want one of two operations priced from the manifest", st)
	}
}

// The cost of every operation and every budget refusal reach /metrics.
func TestCostReachesMetrics(t *testing.T) {
	h := newHarness(t, withConfig(func(c *server.Config) {
		c.Profiles.Web.Budget = server.BudgetConfig{Capacity: 20, RestoreRate: 0.001}
	}))
	q := operation(t, "order_detail")
	first := h.query(q, map[string]any{"id": "o42"})
	first.response(t)
	for range 3 {
		h.query(q, map[string]any{"id": "o42"})
	}
	m := h.do(context.Background(), http.MethodGet, "/metrics", "", nil)
	body := string(m.body)
	// A 20-point bucket pays for one order_detail (15), not the next three.
	for _, want := range []string{
		`gqlbff_operation_cost_count{client="web"} 4`,
		`gqlbff_budget_refusals_total{client="web"} 3`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics: no %s", want)
		}
	}
}
