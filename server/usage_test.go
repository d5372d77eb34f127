package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

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
	if d := w.diff(got, wantClient); d != "" {
		t.Error(d)
	}
}

// diff is how got differs from w ("" when it does not).
func (w usageWant) diff(got usageReport, wantClient map[string][2]string) string {
	var b strings.Builder
	if len(got.Clients) != len(w) {
		fmt.Fprintf(&b, "clients %+v, want %v\n", got.Clients, slices.Sorted(maps.Keys(w)))
		return b.String()
	}
	for _, c := range got.Clients {
		want, ok := w[c.Name]
		if !ok || wantClient[c.Name] != [2]string{c.Profile, c.Version} {
			fmt.Fprintf(&b, "client %s/%s@%s, want one of %v\n", c.Profile, c.Name, c.Version, wantClient)
			continue
		}
		gotCoords := slices.Sorted(maps.Keys(c.Coordinates))
		wantCoords := slices.Sorted(maps.Keys(want))
		if !slices.Equal(gotCoords, wantCoords) {
			fmt.Fprintf(&b, "%s: coordinates\n%v\nwant\n%v\n", c.Name, gotCoords, wantCoords)
		}
		for k, n := range c.Coordinates {
			if n.Count != want[k] {
				fmt.Fprintf(&b, "%s %s: count %d, want %d\n", c.Name, k, n.Count, want[k])
			}
			if n.LastSeen == "" || strings.HasPrefix(n.LastSeen, "0001") || strings.HasPrefix(n.LastSeen, "1970") {
				fmt.Fprintf(&b, "%s %s: last use %q\n", c.Name, k, n.LastSeen)
			}
		}
	}
	return b.String()
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

// usageClients are the two clients of the usage tests.
var usageClients = []struct{ name, version, profile string }{{"app-a", "1.0", "web"}, {"app-b", "2.1", "mobile"}}

// usageClientsWant names their profiles and versions.
var usageClientsWant = map[string][2]string{"app-a": {"web", "1.0"}, "app-b": {"mobile", "2.1"}}

// postAs posts op to a gqlbff at base as a client (no header when name is
// empty) with tok, and fails unless it answers data without errors.
func postAs(t *testing.T, hc *http.Client, base, tok string, op usageOp, name, version string) {
	t.Helper()
	q, vars := op.request(t)
	b, _ := json.Marshal(map[string]any{"query": q, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, base+"/graphql", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", bearer(tok))
	if name != "" {
		req.Header.Set("apollographql-client-name", name)
		req.Header.Set("apollographql-client-version", version)
	}
	a := send(t, hc, req)
	if a.status != 200 || bytes.Contains(a.body, []byte(`"errors"`)) {
		t.Fatalf("%s as %q: %d %s", op.name, name, a.status, a.body)
	}
}

// TestFieldUsageAcrossReplicas: two gqlbffs share one real redis-server,
// each serves one client; the report read from either lists both, with
// exactly the coordinates and counts each used. When Redis goes down,
// requests go on and a report is this replica's, saying so.
func TestFieldUsageAcrossReplicas(t *testing.T) {
	t.Parallel()
	_, rs, reps := newCacheReplicas(t, 2, func(c *server.Config) { c.Usage.FlushInterval = 20 * time.Millisecond })
	want := usageWant{}
	for i, op := range usageOps {
		for j, cl := range usageClients {
			if j == 1 && i%2 == 1 {
				continue
			}
			// Each client only ever reaches its own replica.
			postAs(t, reps[j].public.Client(), reps[j].public.URL, token("c1", cl.profile, allScopes...), op, cl.name, cl.version)
			want.add(cl.name, op)
		}
	}
	for i, r := range reps {
		deadline := time.Now().Add(10 * time.Second)
		for {
			got := readUsage(t, r.admin, "?days=7")
			d := want.diff(got, usageClientsWant)
			if got.Store != "redis" || got.Days != 7 {
				d += fmt.Sprintf("store %q days %d, want redis and 7\n", got.Store, got.Days)
			}
			if d == "" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("replica %d's report:\n%s", i, d)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	rs.Kill()
	postAs(t, reps[0].public.Client(), reps[0].public.URL, token("c1", "web", allScopes...), usageOps[0], "app-c", "3")
	got := readUsage(t, reps[0].admin, "")
	if got.Store != "memory" || got.Warning == "" || got.Days != 30 {
		t.Errorf("with Redis down: store %q, warning %q, days %d; want memory, a warning, 30", got.Store, got.Warning, got.Days)
	}
	names := map[string]bool{}
	for _, c := range got.Clients {
		names[c.Name] = true
	}
	if !names["app-a"] || !names["app-c"] || names["app-b"] {
		t.Errorf("with Redis down, replica 0 lists %v, want its own clients app-a and app-c", names)
	}
}

// TestUsageWindowParameter: days is a whole number from 1 to the
// retention's days; anything else is a clear 400.
func TestUsageWindowParameter(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withConfig(func(c *server.Config) {
		c.Admin.Listen = "127.0.0.1:0"
		c.Admin.Key = testAdminKey
		c.Usage.Retention = 10 * 24 * time.Hour
	}))
	admin := httptest.NewServer(h.handler.Admin())
	defer admin.Close()
	defer admin.Client().CloseIdleConnections()
	if got := readUsage(t, admin, "?days=10"); got.Days != 10 {
		t.Errorf("days=10: %d", got.Days)
	}
	if got := readUsage(t, admin, ""); got.Days != 10 {
		t.Errorf("no days with a 10-day retention: %d, want 10", got.Days)
	}
	for _, q := range []string{"0", "11", "x", "1.5", "-1"} {
		st, _, body := fetch(t, admin.Client(), "GET", admin.URL+server.UsagePath+"?days="+q, "Bearer "+testAdminKey)
		if st != 400 || !strings.Contains(body, "BAD_USER_INPUT") || !strings.Contains(body, "from 1 to 10") {
			t.Errorf("days=%s: %d %s, want 400 BAD_USER_INPUT naming 1 to 10", q, st, body)
		}
	}
}

// TestUsageClientFromClaims: with usage.clientNameClaim and
// clientVersionClaim, a token's claims name the client when the request
// has no apollographql-client-name/-version header; a header wins.
func TestUsageClientFromClaims(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withConfig(func(c *server.Config) {
		c.Admin.Listen = "127.0.0.1:0"
		c.Admin.Key = testAdminKey
		c.Usage.ClientNameClaim = "azp"
		c.Usage.ClientVersionClaim = "app_version"
	}))
	tok := mint(jwt.MapClaims{"sub": "c1", "client": "mobile", "scope": strings.Join(allScopes, " "), "azp": "ios-app", "app_version": "7.2"})
	op := usageOps[0]
	postAs(t, h.http, h.srv.URL, tok, op, "", "")
	postAs(t, h.http, h.srv.URL, tok, op, "from-header", "1")
	// A claim that is not a string names nothing (and the token is fine).
	odd := mint(jwt.MapClaims{"sub": "c1", "client": "web", "scope": strings.Join(allScopes, " "), "azp": 42})
	postAs(t, h.http, h.srv.URL, odd, op, "", "")

	admin := httptest.NewServer(h.handler.Admin())
	defer admin.Close()
	defer admin.Client().CloseIdleConnections()
	want := usageWant{}
	want.add("ios-app", op)
	want.add("from-header", op)
	want.add("", op)
	want.check(t, readUsage(t, admin, ""), map[string][2]string{"ios-app": {"mobile", "7.2"}, "from-header": {"mobile", "1"}, "": {"web", ""}})
}

// TestDeprecatedUsageMetrics: the uses of @deprecated coordinates are
// counted on the admin listener's /metrics by profile, client name and
// coordinate; client names beyond the first 20 share "other", a request
// without one is "unknown". The report lists the deprecated coordinates
// and, as safe to remove, those no client used in the window.
func TestDeprecatedUsageMetrics(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withConfig(func(c *server.Config) {
		c.Admin.Listen = "127.0.0.1:0"
		c.Admin.Key = testAdminKey
	}))
	admin := httptest.NewServer(h.handler.Admin())
	defer admin.Close()
	defer admin.Client().CloseIdleConnections()
	rep := readUsage(t, admin, "")
	if !slices.Contains(rep.Deprecated, "Query.customer") || !slices.Equal(rep.SafeToRemove, rep.Deprecated) {
		t.Fatalf("before any use: deprecated %v, safe to remove %v; want Query.customer in both", rep.Deprecated, rep.SafeToRemove)
	}

	web := token("c1", "web", allScopes...)
	deprecated := usageOp{name: "deprecated", query: `query One($id: ID!) { customer(id: $id) { id name } }`, vars: map[string]any{"id": "c1"}}
	current := usageOps[0]
	for i := range 22 {
		postAs(t, h.http, h.srv.URL, web, deprecated, fmt.Sprintf("app-%02d", i), "1")
	}
	postAs(t, h.http, h.srv.URL, web, deprecated, "app-00", "2")
	postAs(t, h.http, h.srv.URL, token("c1", "mobile", allScopes...), deprecated, "", "")
	postAs(t, h.http, h.srv.URL, web, current, "app-00", "1")

	st, _, body := fetch(t, admin.Client(), "GET", admin.URL+"/metrics", "")
	if st != 200 {
		t.Fatalf("GET /metrics: %d", st)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	m := scrape(fams)
	const name = "gqlbff_deprecated_usage_total"
	m.want(t,
		seriesWant{name, "profile=web,client=app-00,coordinate=Query.customer", 2},
		seriesWant{name, "profile=web,client=app-19,coordinate=Query.customer", 1},
		seriesWant{name, "profile=web,client=other,coordinate=Query.customer", 2},
		seriesWant{name, "profile=mobile,client=unknown,coordinate=Query.customer", 1},
		seriesWant{name, "coordinate=Query.customer", 24},
	)
	if _, ok := m.value(name, "client=app-20"); ok {
		t.Errorf("app-20 has a series of its own, want it counted as other")
	}
	if n := len(m[name].GetMetric()); n != 22 {
		t.Errorf("%d series of %s, want 22 (20 names, other, unknown)", n, name)
	}

	rep = readUsage(t, admin, "")
	if slices.Contains(rep.SafeToRemove, "Query.customer") {
		t.Errorf("safe to remove %v lists Query.customer, which clients used", rep.SafeToRemove)
	}
}

// TestFieldUsageOfPersistedOperations: an operation run by a trusted
// document's id, or by an APQ hash alone, is counted as its text is.
func TestFieldUsageOfPersistedOperations(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "manifest.json")
	unscopedManifestOf(t, path, "customers_by_ids", "dashboard")
	h := newHarness(t, withManifest(path), withConfig(func(c *server.Config) {
		c.Admin.Listen = "127.0.0.1:0"
		c.Admin.Key = testAdminKey
	}))
	ids := demoIDs(t)
	partner := bearer(token("c1", "partner", allScopes...))
	for range 2 {
		a := h.postJSON(map[string]any{"documentId": ids["CustomersByIds"], "variables": map[string]any{"ids": []string{"c1"}}},
			"Authorization", partner, "apollographql-client-name", "partner-app", "apollographql-client-version", "5")
		if a.status != 200 || bytes.Contains(a.body, []byte(`"errors"`)) {
			t.Fatalf("by documentId: %d %s", a.status, a.body)
		}
	}
	text := operation(t, "me")
	web := []string{"Authorization", bearer(token("c1", "web", allScopes...)), "apollographql-client-name", "web-app", "apollographql-client-version", "1"}
	h.postJSON(map[string]any{"query": text, "extensions": apq(text)}, web...).response(t)
	if a := h.postJSON(map[string]any{"extensions": apq(text)}, web...); a.status != 200 || bytes.Contains(a.body, []byte(`"errors"`)) {
		t.Fatalf("by APQ hash: %d %s", a.status, a.body)
	}

	admin := httptest.NewServer(h.handler.Admin())
	defer admin.Close()
	defer admin.Client().CloseIdleConnections()
	want := usageWant{}
	want.add("partner-app", usageOps[0])
	want.add("partner-app", usageOps[0])
	want.add("web-app", usageOps[2])
	want.add("web-app", usageOps[2])
	want.check(t, readUsage(t, admin, ""), map[string][2]string{"partner-app": {"partner", "5"}, "web-app": {"web", "1"}})
}

// TestFieldUsageCountsExecutedOperationsOnly: an operation refused before
// it runs (validation, its variables, the cost limit) uses nothing; one
// that runs counts once.
func TestFieldUsageCountsExecutedOperationsOnly(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withConfig(func(c *server.Config) {
		c.Admin.Listen = "127.0.0.1:0"
		c.Admin.Key = testAdminKey
		c.Profiles.Web.MaxCost = 50
	}))
	client := []string{"apollographql-client-name", "app"}
	for _, r := range []struct {
		name, query string
		vars        map[string]any
		code        string
	}{
		{"unknown field", `{ nosuch }`, nil, "GRAPHQL_VALIDATION_FAILED"},
		{"a variable missing", `query($id: ID!) { order(id: $id) { id } }`, nil, "GRAPHQL_VALIDATION_FAILED"},
		{"an enum variable of no value", `query($s: OrderStatus) { orders(status: $s) { edges { cursor } } }`, map[string]any{"s": "LOST"}, "GRAPHQL_VALIDATION_FAILED"},
		{"over the cost limit", operation(t, "orders_fanout"), nil, "COST_LIMIT_EXCEEDED"},
	} {
		if a := h.query(r.query, r.vars, client...); !strings.Contains(string(a.body), r.code) {
			t.Fatalf("%s: %d %s, want %s", r.name, a.status, a.body, r.code)
		}
	}
	h.query(`{ me { id } }`, nil, client...).response(t, "me")

	admin := httptest.NewServer(h.handler.Admin())
	defer admin.Close()
	defer admin.Client().CloseIdleConnections()
	want := usageWant{}
	want.add("app", usageOp{coords: []string{"Customer.id", "Query.me"}})
	want.check(t, readUsage(t, admin, ""), map[string][2]string{"app": {"web", ""}})
}
