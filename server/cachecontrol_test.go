package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gqlbff/gqlbff/server"
)

// TestCacheControlTable checks Cache-Control, Vary, ETag and 304 over the
// cases of DESIGN.md's HTTP caching, over GET and POST.
func TestCacheControlTable(t *testing.T) {
	h := newHarness(t, withConfig(func(c *server.Config) { c.Profiles.Web.AllowAnonymous, c.Profiles.Web.Introspection = true, true }))
	capped := newHarness(t, withConfig(func(c *server.Config) { c.Persisted.CacheMaxAge = 10 * time.Second }))
	const anonymous = ""
	user := bearer(defaultToken)
	cases := []struct {
		name  string
		h     *harness
		query string
		auth  string
		down  bool // the analytics source
		want  string
		etag  bool
		nulls []string
	}{
		{"authenticated: private, the shortest maxAge", h, `{ order(id: "o1") { id total { amount } customer { name stats { orderCount } } } }`, user, false, "private, max-age=30", true, nil},
		{"a list of orders", h, `{ orders(first: 2) { edges { node { id } } pageInfo { hasNextPage } } }`, user, false, "private, max-age=15", true, nil},
		{"a customer and its stats", h, `{ customer(id: "c1") { name stats { lifetimeValue { amount } } } }`, user, false, "private, max-age=120", true, nil},
		{"every field PUBLIC, anonymous", h, `{ dashboard { __typename } }`, anonymous, false, "public, max-age=30", true, nil},
		{"every field PUBLIC, authenticated", h, `{ dashboard { summary { orderCount revenue { amount } } } }`, user, false, "private, max-age=30", true, nil},
		{"a PRIVATE field among PUBLIC ones", h, `{ dashboard { summary { orderCount } recentOrders(first: 1) { id } } }`, user, false, "private, max-age=15", true, nil},
		{"errors", h, `{ dashboard { summary { orderCount } } }`, user, true, "no-store", false, []string{"dashboard.summary"}},
		{"maxAge 0 (a root field without a hint)", h, `{ __typename }`, anonymous, false, "no-store", true, nil},
		{"introspection", h, `{ __schema { queryType { name } } }`, user, false, "no-store", true, nil},
		{"capped by persisted.cacheMaxAge", capped, `{ customer(id: "c1") { name } }`, user, false, "private, max-age=10", true, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.h.svcs.Analytics.SetDown(tc.down)
			defer tc.h.reset()
			post := tc.h.query(tc.query, nil, "Authorization", tc.auth)
			get := tc.h.get(url.Values{"query": {tc.query}}, "Authorization", tc.auth)
			for method, a := range map[string]answer{"POST": post, "GET": get} {
				a.response(t, tc.nulls...)
				if a.status != http.StatusOK || a.header.Get("Cache-Control") != tc.want {
					t.Errorf("%s: got %d, Cache-Control %q; want 200, %q", method, a.status, a.header.Get("Cache-Control"), tc.want)
				}
				if v := strings.Join(a.header.Values("Vary"), ", "); !strings.Contains(v, "Authorization") {
					t.Errorf("%s: Vary %q lacks Authorization", method, v)
				}
			}
			etag := get.header.Get("ETag")
			if (etag != "") != tc.etag || strings.HasPrefix(etag, "W/") {
				t.Fatalf("GET ETag %q, want one: %v (strong)", etag, tc.etag)
			}
			if post.header.Get("ETag") != "" {
				t.Errorf("POST has an ETag")
			}
			if !tc.etag {
				return
			}
			// The cost report differs from one request to the next (the
			// budget drawn); the ETag, of data and errors only, does not.
			again := tc.h.get(url.Values{"query": {tc.query}}, "Authorization", tc.auth, "If-None-Match", etag)
			if again.status != http.StatusNotModified || len(again.body) != 0 || again.header.Get("ETag") != etag {
				t.Errorf("If-None-Match with the ETag: got %d, %d bytes, ETag %q; want 304, none, %q", again.status, len(again.body), again.header.Get("ETag"), etag)
			}
			other := tc.h.get(url.Values{"query": {tc.query}}, "Authorization", tc.auth, "If-None-Match", `"not-it"`)
			if other.status != http.StatusOK {
				t.Errorf("If-None-Match with another ETag: got %d, want 200", other.status)
			}
		})
	}
}
