package server_test

import (
	"maps"
	"slices"
	"strings"
	"testing"
)

// matrixOp reads from the three sources, through lists too, so that the
// lookahead prefetch is under test as well as the directive hooks.
const matrixOp = `{
  order(id: "o1") { id customer { name stats { orderCount } } }
  customer(id: "c1") { id orders(first: 2) { id } }
  dashboard {
    recentOrders(first: 3) { id customer { id stats { orderCount } } }
    topCustomers(first: 2) { id }
    summary { orderCount }
  }
}`

// each expands a path with "*" into the three recentOrders items.
func each(p string) []string {
	out := make([]string, 3)
	for i := range out {
		out[i] = strings.Replace(p, "*", string(rune('0'+i)), 1)
	}
	return out
}

func TestScopeMatrix(t *testing.T) {
	h := newHarness(t)
	const (
		orders    = "orders"
		customers = "customers"
		analytics = "analytics"
	)
	allDashboard := []string{"dashboard.recentOrders", "dashboard.topCustomers", "dashboard.summary"}
	cases := []struct {
		name      string
		scopes    []string
		forbidden []string
		called    []string // the sources that may be called; the others must not be
	}{
		{"no scope", nil,
			append([]string{"order", "customer"}, allDashboard...), nil},
		{"an unrelated scope", []string{"orders:write"},
			append([]string{"order", "customer"}, allDashboard...), nil},
		{"orders:read", []string{"orders:read"},
			append([]string{"order.customer", "customer", "dashboard.topCustomers", "dashboard.summary"},
				each("dashboard.recentOrders.*.customer")...), []string{orders}},
		{"customers:read", []string{"customers:read"},
			append([]string{"order", "customer.orders"}, allDashboard...), []string{customers}},
		{"analytics:read", []string{"analytics:read"},
			[]string{"order", "customer", "dashboard.recentOrders", "dashboard.topCustomers"}, []string{analytics}},
		{"orders and customers", []string{"orders:read", "customers:read"},
			append([]string{"order.customer.stats", "dashboard.topCustomers", "dashboard.summary"},
				each("dashboard.recentOrders.*.customer.stats")...), []string{orders, customers}},
		{"customers and analytics", []string{"customers:read", "analytics:read"},
			[]string{"order", "customer.orders", "dashboard.recentOrders"}, []string{customers, analytics}},
		{"every read scope", allScopes, nil, []string{orders, customers, analytics}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h.reset()
			a := h.query(matrixOp, nil, "Authorization", bearer(token("c1", "web", tc.scopes...)))
			r := a.response(t) // every null has its error: what is not forbidden is there
			got := map[string]bool{}
			for _, e := range r.Errors {
				if e.Code() != "FORBIDDEN" {
					t.Errorf("error at %s: got %s, want only FORBIDDEN errors", e.PathString(), e.Code())
				}
				got[e.PathString()] = true
			}
			if g, w := slices.Sorted(maps.Keys(got)), slices.Sorted(slices.Values(tc.forbidden)); !slices.Equal(g, w) {
				t.Errorf("FORBIDDEN paths:\n got %v\nwant %v", g, w)
			}
			for _, svc := range h.svcs.All() {
				n := svc.Calls()
				if may := slices.Contains(tc.called, svc.Name()); !may && n != 0 || may && n == 0 {
					t.Errorf("%s calls: got %d, want them %v", svc.Name(), n, map[bool]string{true: "> 0", false: "= 0"}[may])
				}
			}
		})
	}
}
