package server_test

import (
	"encoding/json"
	"maps"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/gqlbff/gqlbff/server"
)

// usageOp is one operation run for the usage tests, and the coordinates
// it uses, computed by hand from its text and the schema.
type usageOp struct {
	name   string // testdata/operations/<name>.graphql, or a label
	query  string // the text when it is not one of testdata/operations
	vars   map[string]any
	coords []string
}

// usageOps are every operation of testdata/operations, then operations
// that name enum values as literals, through a variable and through a
// variable's default.
var usageOps = []usageOp{
	{name: "customers_by_ids", coords: []string{"Customer.id", "Customer.name", "Customer.tier", "Query.customers", "Query.customers(ids:)"}},
	{name: "dashboard", coords: []string{
		"AnalyticsSummary.activeCustomers", "AnalyticsSummary.averageOrderValue", "AnalyticsSummary.orderCount", "AnalyticsSummary.revenue",
		"Customer.id", "Customer.name", "Customer.stats", "Customer.tier", "CustomerStats.lifetimeValue", "CustomerStats.orderCount",
		"Dashboard.recentOrders", "Dashboard.recentOrders(first:)", "Dashboard.summary", "Dashboard.topCustomers", "Dashboard.topCustomers(first:)",
		"Money.amount", "Money.currency", "Order.createdAt", "Order.customer", "Order.id", "Order.status", "Order.total", "Query.dashboard"}},
	{name: "me", coords: []string{"Customer.email", "Customer.id", "Customer.name", "Customer.orders", "Customer.orders(first:)", "Customer.stats",
		"Customer.tier", "CustomerStats.orderCount", "Money.amount", "Money.currency", "Order.id", "Order.status", "Order.total", "Query.me"}},
	{name: "order_detail", coords: []string{"Customer.email", "Customer.id", "Customer.name", "Customer.tier", "Money.amount", "Money.currency",
		"Order.createdAt", "Order.customer", "Order.id", "Order.items", "Order.status", "Order.total",
		"OrderItem.name", "OrderItem.quantity", "OrderItem.sku", "OrderItem.unitPrice", "Query.order", "Query.order(id:)"}},
	{name: "orders_fanout", coords: []string{"Customer.id", "Customer.name", "Customer.orders", "Customer.orders(first:)", "Customer.stats",
		"CustomerStats.lastOrderAt", "CustomerStats.lifetimeValue", "CustomerStats.orderCount", "Money.amount", "Money.currency",
		"Order.customer", "Order.id", "Order.status", "Order.total", "OrderConnection.edges", "OrderConnection.pageInfo",
		"OrderEdge.cursor", "OrderEdge.node", "PageInfo.endCursor", "PageInfo.hasNextPage", "Query.orders", "Query.orders(after:)", "Query.orders(first:)"}},
	{name: "enum literal and variable",
		query: `query ByStatus($s: OrderStatus) { shipped: orders(status: SHIPPED, first: 1) { edges { cursor } } other: orders(status: $s, first: 1) { pageInfo { hasNextPage } } }`,
		vars:  map[string]any{"s": "DELIVERED"},
		coords: []string{"OrderConnection.edges", "OrderConnection.pageInfo", "OrderEdge.cursor", "OrderStatus.DELIVERED", "OrderStatus.SHIPPED",
			"PageInfo.hasNextPage", "Query.orders", "Query.orders(first:)", "Query.orders(status:)"}},
	{name: "enum variable default",
		query:  `query Paid($s: OrderStatus = PAID) { orders(status: $s) { edges { cursor } } }`,
		coords: []string{"OrderConnection.edges", "OrderEdge.cursor", "OrderStatus.PAID", "Query.orders", "Query.orders(status:)"}},
}

// text and variables of op.
func (op usageOp) request(t *testing.T) (string, map[string]any) {
	t.Helper()
	if op.query != "" {
		return op.query, op.vars
	}
	vars := op.vars
	if b, err := os.ReadFile("../testdata/operations/" + op.name + ".variables.json"); err == nil {
		if err := json.Unmarshal(b, &vars); err != nil {
			t.Fatal(err)
		}
	}
	return operation(t, op.name), vars
}

// usageReport is GET /usage's answer.
type usageReport struct {
	Days    int
	Store   string
	Warning string
	Clients []struct {
		Profile, Name, Version string
		Coordinates            map[string]struct {
			Count    int64
			LastSeen string
		}
	}
	Deprecated   []string
	SafeToRemove []string
}

// readUsage reads GET /usage (with query) from an admin handler.
func readUsage(t *testing.T, admin *httptest.Server, query string) usageReport {
	t.Helper()
	st, _, body := fetch(t, admin.Client(), "GET", admin.URL+server.UsagePath+query, "Bearer "+testAdminKey)
	if st != 200 {
		t.Fatalf("GET %s%s: %d %s", server.UsagePath, query, st, body)
	}
	var got usageReport
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	return got
}

// usageWant is, per client name, each coordinate's expected count: how
// many of the operations it ran use it.
type usageWant map[string]map[string]int64

func (w usageWant) add(client string, op usageOp) {
	if w[client] == nil {
		w[client] = map[string]int64{}
	}
	for _, c := range op.coords {
		w[client][c]++
	}
}

// check compares a report with want: the same clients (of profile and
// version as named by wantClient), exactly the same coordinates, counts.
func (w usageWant) check(t *testing.T, got usageReport, wantClient map[string][2]string) {
	t.Helper()
	if len(got.Clients) != len(w) {
		t.Fatalf("clients %+v, want %v", got.Clients, slices.Sorted(maps.Keys(w)))
	}
	for _, c := range got.Clients {
		want, ok := w[c.Name]
		if !ok || wantClient[c.Name] != [2]string{c.Profile, c.Version} {
			t.Errorf("client %s/%s@%s, want one of %v", c.Profile, c.Name, c.Version, wantClient)
			continue
		}
		gotCoords := slices.Sorted(maps.Keys(c.Coordinates))
		wantCoords := slices.Sorted(maps.Keys(want))
		if !slices.Equal(gotCoords, wantCoords) {
			t.Errorf("%s: coordinates\n%v\nwant\n%v", c.Name, gotCoords, wantCoords)
		}
		for k, n := range c.Coordinates {
			if n.Count != want[k] {
				t.Errorf("%s %s: count %d, want %d", c.Name, k, n.Count, want[k])
			}
			if n.LastSeen == "" {
				t.Errorf("%s %s: no last use", c.Name, k)
			}
		}
	}
}

// TestFieldUsageByClient runs the project's operations, and operations
// that name enum values, as two clients of two profiles on both executors,
// and reads through the admin listener exactly the coordinates each used,
// with their counts.
func TestFieldUsageByClient(t *testing.T) {
	t.Parallel()
	for _, x := range []string{server.ExecutorPlans, server.ExecutorGqlgen} {
		t.Run(x, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, withConfig(func(c *server.Config) {
				c.GraphQL.Executor = x
				c.Admin.Listen = "127.0.0.1:0"
				c.Admin.Key = testAdminKey
			}))
			clients := []struct{ name, version, profile string }{{"app-a", "1.0", "web"}, {"app-b", "2.1", "mobile"}}
			want := usageWant{}
			for i, op := range usageOps {
				// app-a runs every operation, app-b every other one, twice.
				for j, cl := range clients {
					if j == 1 && i%2 == 1 {
						continue
					}
					for range j + 1 {
						q, vars := op.request(t)
						a := h.query(q, vars, "Authorization", bearer(token("c1", cl.profile, allScopes...)),
							"apollographql-client-name", cl.name, "apollographql-client-version", cl.version)
						if a.status != 200 || strings.Contains(string(a.body), `"errors"`) {
							t.Fatalf("%s as %s: %d %s", op.name, cl.name, a.status, a.body)
						}
						want.add(cl.name, op)
					}
				}
			}
			// A refused operation records nothing.
			h.query(`{ nosuch }`, nil, "apollographql-client-name", "app-c")

			admin := httptest.NewServer(h.handler.Admin())
			defer admin.Close()
			defer admin.Client().CloseIdleConnections()
			want.check(t, readUsage(t, admin, ""), map[string][2]string{"app-a": {"web", "1.0"}, "app-b": {"mobile", "2.1"}})
			if st, _, _ := fetch(t, admin.Client(), "GET", admin.URL+server.UsagePath, ""); st != 401 {
				t.Errorf("without the key: %d, want 401", st)
			}
		})
	}
}
