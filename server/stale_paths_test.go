package server_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gqlbff/gqlbff/server"
)

// staleEntry is one entry of extensions.stale, its age left out (the two
// handlers' records were not stored at the same instant).
type staleEntry struct {
	Path   []any  `json:"path"`
	Source string `json:"source"`
	Code   string `json:"code"`
}

func (e staleEntry) String() string {
	b, _ := json.Marshal(e.Path)
	return fmt.Sprintf("%s %s %s", b, e.Source, e.Code)
}

// staleOf splits an answer's extensions into its stale entries, sorted
// (their order is the order the calls settled in), and the rest.
func staleOf(t *testing.T, a parsedAnswer) (entries []string, rest string) {
	t.Helper()
	if a.extensions == "" {
		return nil, ""
	}
	var ext map[string]json.RawMessage
	if err := json.Unmarshal([]byte(a.extensions), &ext); err != nil {
		t.Fatalf("extensions %s: %v", a.extensions, err)
	}
	var stale []staleEntry
	if b, ok := ext["stale"]; ok {
		if err := json.Unmarshal(b, &stale); err != nil {
			t.Fatalf("extensions.stale %s: %v", b, err)
		}
		delete(ext, "stale")
	}
	for _, e := range stale {
		entries = append(entries, e.String())
	}
	slices.Sort(entries)
	b, _ := json.Marshal(ext)
	return entries, string(b)
}

// TestStalePathsInListsAreEachInstances: when a list's objects are answered
// from stale records (every source down), each stale entry names the
// path of the field whose resolver looked the record up, list indexes
// included: every instance once, none twice, none of another field. The
// plan engine's calls of one step share a site whose node changes from
// task to task, and batches run in other goroutines than the step's loop
// (run under -race: no read of it may race). gqlgen's executor answers the
// same entries and the same bytes otherwise.
func TestStalePathsInListsAreEachInstances(t *testing.T) {
	t.Parallel()
	const ttl, window = 150 * time.Millisecond, time.Minute
	tw := newTwin(t, func(c *server.Config) {
		c.Sources.Cache.TTL = ttl
		c.Sources.Cache.StaleIfError = window
		c.Sources.Cache.Vary = "user"
	})
	tok := token("c1", "web", allScopes...)
	type expectFunc func(t *testing.T, data map[string]any) []string
	note := func(source string, path ...any) string {
		return staleEntry{Path: path, Source: source, Code: "SOURCE_UNAVAILABLE"}.String()
	}
	list := func(t *testing.T, v any) []any {
		t.Helper()
		l, ok := v.([]any)
		if !ok || len(l) < 2 {
			t.Fatalf("want a list of at least two, got %v", v)
		}
		return l
	}
	cases := []struct {
		name, query string
		vars        map[string]any
		expect      expectFunc
	}{{
		name:  "orders fan-out",
		query: `{ orders(first: 12) { edges { node { id customer { id name stats { orderCount } orders(first: 3) { id } } c2: customer { tier } } } } }`,
		expect: func(t *testing.T, data map[string]any) []string {
			want := []string{note("orders", "orders")}
			for i, e := range list(t, data["orders"].(map[string]any)["edges"]) {
				node := e.(map[string]any)["node"].(map[string]any)
				if node["customer"] == nil {
					continue
				}
				want = append(want,
					note("customers", "orders", "edges", float64(i), "node", "customer"),
					note("customers", "orders", "edges", float64(i), "node", "c2"))
				if node["customer"].(map[string]any)["stats"] != nil {
					want = append(want, note("analytics", "orders", "edges", float64(i), "node", "customer", "stats"))
				}
				want = append(want, note("orders", "orders", "edges", float64(i), "node", "customer", "orders"))
			}
			return want
		},
	}, {
		name:  "customers by ids",
		query: `query($ids: [ID!]!) { customers(ids: $ids) { id name stats { orderCount } orders(first: 2) { id customer { name } } } }`,
		vars:  map[string]any{"ids": []any{"c3", "nobody", "c1", "c2", "c5"}},
		expect: func(t *testing.T, data map[string]any) []string {
			want := []string{note("customers", "customers")}
			for i, c := range list(t, data["customers"]) {
				if c == nil {
					continue
				}
				want = append(want, note("analytics", "customers", float64(i), "stats"), note("orders", "customers", float64(i), "orders"))
				for j := range c.(map[string]any)["orders"].([]any) {
					want = append(want, note("customers", "customers", float64(i), "orders", float64(j), "customer"))
				}
			}
			return want
		},
	}, {
		name:  "dashboard",
		query: `{ dashboard { recentOrders(first: 8) { id customer { id name } } topCustomers(first: 4) { id stats { orderCount } } } }`,
		expect: func(t *testing.T, data map[string]any) (want []string) {
			d := data["dashboard"].(map[string]any)
			want = append(want, note("orders", "dashboard", "recentOrders"))
			for i := range list(t, d["recentOrders"]) {
				want = append(want, note("customers", "dashboard", "recentOrders", float64(i), "customer"))
			}
			// The top customers' ranking, then their records.
			want = append(want, note("analytics", "dashboard", "topCustomers"), note("customers", "dashboard", "topCustomers"))
			for i := range list(t, d["topCustomers"]) {
				want = append(want, note("analytics", "dashboard", "topCustomers", float64(i), "stats"))
			}
			return want
		},
	}}
	// Warm both handlers' record caches, healthy.
	warm := make([]parsedAnswer, len(cases))
	for i, c := range cases {
		dc := diffCase{name: c.name + "/warm", query: c.query, vars: c.vars, token: tok}
		if !tw.same(dc) {
			t.FailNow()
		}
		warm[i] = tw.send(tw.plans, dc)
		if len(warm[i].errors) > 0 || strings.Contains(warm[i].extensions, `"stale"`) {
			t.Fatalf("%s: warming: %s", c.name, warm[i].raw)
		}
	}
	time.Sleep(ttl + 100*time.Millisecond)
	tw.svcs.Customers.SetDown(true)
	tw.svcs.Analytics.SetDown(true)
	tw.svcs.Orders.SetDown(true)
	defer tw.svcs.Reset()
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var data map[string]any
			if err := json.Unmarshal([]byte(warm[i].data), &data); err != nil {
				t.Fatal(err)
			}
			want := c.expect(t, data)
			slices.Sort(want)
			dc := diffCase{name: c.name, query: c.query, vars: c.vars, token: tok}
			for round := range 3 {
				p, g := tw.send(tw.plans, dc), tw.send(tw.gqlgen, dc)
				if p.status != 200 || p.data != warm[i].data || len(p.errors) > 0 {
					t.Fatalf("round %d: plans answered %s, want the warm data and no errors", round, p.raw)
				}
				if p.status != g.status || p.data != g.data || !slices.Equal(p.errors, g.errors) {
					t.Fatalf("round %d: the executors disagree\nplans:  %s\ngqlgen: %s", round, p.raw, g.raw)
				}
				ps, prest := staleOf(t, p)
				gs, grest := staleOf(t, g)
				if !slices.Equal(ps, want) {
					t.Errorf("round %d: plans' stale entries:\n  %s\nwant:\n  %s", round, strings.Join(ps, "\n  "), strings.Join(want, "\n  "))
				}
				if !slices.Equal(gs, want) {
					t.Errorf("round %d: gqlgen's stale entries:\n  %s\nwant:\n  %s", round, strings.Join(gs, "\n  "), strings.Join(want, "\n  "))
				}
				if prest != grest {
					t.Errorf("round %d: the other extensions differ:\nplans:  %s\ngqlgen: %s", round, prest, grest)
				}
			}
		})
	}
}
