package server_test

import (
	"encoding/json"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/gqlbff/gqlbff/server"
)

// TestFieldUsageByClient runs the project's operations as two clients and
// reads, through the admin listener, exactly the coordinates each used.
func TestFieldUsageByClient(t *testing.T) {
	h := newHarness(t, withConfig(func(c *server.Config) {
		c.Admin.Listen = "127.0.0.1:0"
		c.Admin.Key = testAdminKey
	}))
	web := bearer(token("c1", "web", allScopes...))
	run := func(name, client, version string, vars map[string]any) {
		a := h.query(operation(t, name), vars, "Authorization", web,
			"apollographql-client-name", client, "apollographql-client-version", version)
		if a.status != 200 {
			t.Fatalf("%s: %d %s", name, a.status, a.body)
		}
	}
	run("me", "app-a", "1.0", nil)
	run("me", "app-a", "1.0", nil)
	run("customers_by_ids", "app-b", "2.1", map[string]any{"ids": []string{"c1"}})
	// A refused operation records nothing.
	h.query(`{ nosuch }`, nil, "Authorization", web, "apollographql-client-name", "app-c")

	srv := httptest.NewServer(h.handler.Admin())
	defer srv.Close()
	defer srv.Client().CloseIdleConnections()
	st, _, body := fetch(t, srv.Client(), "GET", srv.URL+server.UsagePath, "Bearer "+testAdminKey)
	if st != 200 {
		t.Fatalf("GET %s: %d %s", server.UsagePath, st, body)
	}
	var got struct {
		Clients []struct {
			Profile, Name, Version string
			Coordinates            map[string]struct{ Count int64 }
		}
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		coords []string
		count  int64
	}{
		"app-a": {[]string{"Customer.email", "Customer.id", "Customer.name", "Customer.orders", "Customer.orders(first:)", "Customer.stats",
			"Customer.tier", "CustomerStats.orderCount", "Money.amount", "Money.currency", "Order.id", "Order.status", "Order.total", "Query.me"}, 2},
		"app-b": {[]string{"Customer.id", "Customer.name", "Customer.tier", "Query.customers", "Query.customers(ids:)"}, 1},
	}
	if len(got.Clients) != len(want) {
		t.Fatalf("clients %+v, want app-a and app-b only", got.Clients)
	}
	for _, c := range got.Clients {
		w, ok := want[c.Name]
		if !ok || c.Profile != "web" || (c.Name == "app-a") != (c.Version == "1.0") {
			t.Errorf("client %+v", c)
			continue
		}
		var coords []string
		for k, n := range c.Coordinates {
			coords = append(coords, k)
			if n.Count != w.count {
				t.Errorf("%s %s: count %d, want %d", c.Name, k, n.Count, w.count)
			}
		}
		slices.Sort(coords)
		if !slices.Equal(coords, w.coords) {
			t.Errorf("%s: coordinates\n%v\nwant\n%v", c.Name, coords, w.coords)
		}
	}
	if st, _, _ := fetch(t, srv.Client(), "GET", srv.URL+server.UsagePath, ""); st != 401 {
		t.Errorf("without the key: %d, want 401", st)
	}
}
