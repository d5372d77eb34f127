package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gqlbff/gqlbff/server"
)

func TestGETAnswersAreCacheable(t *testing.T) {
	h := newHarness(t, withManifest(demoManifest), withConfig(func(c *server.Config) { c.Persisted.CacheMaxAge = 30 * time.Second }))
	byID := url.Values{"documentId": {demoIDs(t)["OrderDetail"]}, "variables": {`{"id":"o42"}`}}

	first := h.get(byID)
	first.response(t)
	etag := first.header.Get("ETag")
	if first.status != http.StatusOK || len(etag) < 10 || first.header.Get("Cache-Control") != "private, max-age=30" ||
		!strings.Contains(strings.Join(first.header.Values("Vary"), ", "), "Authorization") {
		t.Fatalf("got %d, ETag %q, Cache-Control %q, Vary %q; want 200, an ETag, private, max-age=30, Vary: Authorization",
			first.status, etag, first.header.Get("Cache-Control"), first.header.Values("Vary"))
	}
	cases := []struct {
		name, ifNoneMatch string
		status            int
	}{
		{"same ETag", etag, http.StatusNotModified},
		{"weak form", "W/" + etag, http.StatusNotModified},
		{"in a list", `"other", ` + etag, http.StatusNotModified},
		{"any", "*", http.StatusNotModified},
		{"other ETag", `"other"`, http.StatusOK},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := h.get(byID, "If-None-Match", tc.ifNoneMatch)
			if a.status != tc.status || a.header.Get("ETag") != etag {
				t.Errorf("got %d with ETag %q, want %d with %q", a.status, a.header.Get("ETag"), tc.status, etag)
			}
			if tc.status == http.StatusNotModified && len(a.body) != 0 {
				t.Errorf("304 with a body: %q", a.body)
			}
			if tc.status == http.StatusOK {
				a.response(t)
			}
		})
	}
	other := h.get(url.Values{"documentId": byID["documentId"], "variables": {`{"id":"o43"}`}})
	other.response(t)
	if other.header.Get("ETag") == etag {
		t.Error("another order has the same ETag")
	}
}

func TestGETFormsOfPersistedQueries(t *testing.T) {
	h := newHarness(t)
	text := operation(t, "customers_by_ids")
	vars := `{"ids":["c1"]}`
	ext := mustJSON(apq(text))
	miss := h.get(url.Values{"extensions": {ext}, "variables": {vars}})
	if r := miss.response(t); miss.status != http.StatusOK || r.Errors[0].Code() != "PERSISTED_QUERY_NOT_FOUND" || miss.header.Get("ETag") != "" {
		t.Fatalf("hash only: got %d %s (ETag %q), want 200 PERSISTED_QUERY_NOT_FOUND without an ETag", miss.status, miss.body, miss.header.Get("ETag"))
	}
	reg := h.get(url.Values{"query": {text}, "extensions": {ext}, "variables": {vars}})
	hit := h.get(url.Values{"extensions": {ext}, "variables": {vars}})
	for name, a := range map[string]answer{"registration": reg, "hash only": hit} {
		if r := a.response(t); a.status != http.StatusOK || len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"id":"c1"`) {
			t.Errorf("%s over GET: got %d %s, want c1", name, a.status, a.body)
		}
	}
	if reg.header.Get("ETag") != hit.header.Get("ETag") {
		t.Error("the same answer by text and by hash has two ETags")
	}
}

func TestGETIsForQueriesOnly(t *testing.T) {
	h := newHarness(t)
	cases := []struct {
		name   string
		params url.Values
	}{
		{"mutation", url.Values{"query": {`mutation { anything }`}}},
		{"named mutation in a document with a query", url.Values{"query": {`query Q { me { id } } mutation M { anything }`}, "operationName": {"M"}}},
		{"subscription", url.Values{"query": {`subscription { anything }`}}},
		{"mutation with an APQ hash", url.Values{"query": {`mutation { anything }`}, "extensions": {mustJSON(apq(`mutation { anything }`))}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := h.get(tc.params)
			r := a.response(t)
			if a.status != http.StatusMethodNotAllowed || a.header.Get("Allow") != "POST" || r.Errors[0].Code() != "BAD_USER_INPUT" {
				t.Errorf("got %d (Allow %q) %s, want 405, Allow: POST", a.status, a.header.Get("Allow"), a.body)
			}
		})
	}
	if n := h.calls(); n != 0 {
		t.Errorf("source calls: got %d, want 0", n)
	}
}

func TestGETAnswersWithErrorsAreNotStored(t *testing.T) {
	h := newHarness(t)
	h.svcs.Analytics.SetDown(true)
	a := h.get(url.Values{"query": {`{ dashboard { summary { orderCount } } }`}})
	r := a.response(t)
	if a.status != http.StatusOK || len(r.Errors) == 0 || a.header.Get("Cache-Control") != "no-store" || a.header.Get("ETag") != "" {
		t.Errorf("partial answer: got %d, Cache-Control %q, ETag %q; want 200, no-store, no ETag",
			a.status, a.header.Get("Cache-Control"), a.header.Get("ETag"))
	}
}

func TestGETAnswerToAnAnonymousCallerIsPublic(t *testing.T) {
	h := newHarness(t, withConfig(func(c *server.Config) { c.Profiles.Web.AllowAnonymous = true }))
	a := h.get(url.Values{"query": {`{ dashboard { __typename } }`}}, "Authorization", "")
	r := a.response(t)
	if a.status != http.StatusOK || a.header.Get("Cache-Control") != "public, max-age=30" {
		t.Errorf("got %d %s, Cache-Control %q; want public, max-age=30", a.status, r.Data, a.header.Get("Cache-Control"))
	}
}
