package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gqlbff/gqlbff/internal/redistest"
	"github.com/gqlbff/gqlbff/server"
)

func TestAPQRoundTrip(t *testing.T) {
	h := newHarness(t)
	text := operation(t, "order_detail")
	vars := map[string]any{"id": "o42"}
	want, _ := defaultData().Order("o42")

	a := h.postJSON(map[string]any{"variables": vars, "extensions": apq(text)})
	r := a.response(t)
	if a.status != http.StatusOK || len(r.Errors) != 1 || r.Errors[0].Code() != "PERSISTED_QUERY_NOT_FOUND" ||
		r.Errors[0].Message != "PersistedQueryNotFound" || r.Data != nil {
		t.Fatalf("hash only, unknown: got %d %s, want 200 PERSISTED_QUERY_NOT_FOUND PersistedQueryNotFound", a.status, a.body)
	}
	if n := h.calls(); n != 0 {
		t.Errorf("source calls for an unknown hash: got %d, want 0", n)
	}

	for _, step := range []struct {
		name string
		body map[string]any
	}{
		{"hash and text", map[string]any{"query": text, "variables": vars, "extensions": apq(text)}},
		{"hash only, registered", map[string]any{"variables": vars, "extensions": apq(text)}},
	} {
		a := h.postJSON(step.body)
		var got struct{ Order orderJSON }
		decodeData(t, a.response(t), &got)
		if a.status != http.StatusOK || got.Order.ID != want.ID || got.Order.Customer == nil {
			t.Errorf("%s: got %d %s, want order o42", step.name, a.status, a.body)
		}
	}

	a = h.postJSON(map[string]any{"query": text, "variables": vars, "extensions": apq(text + " ")})
	r = a.response(t)
	if a.status != http.StatusBadRequest || len(r.Errors) != 1 || r.Errors[0].Code() != "BAD_USER_INPUT" ||
		!strings.Contains(r.Errors[0].Message, "not the SHA-256 of the query text") {
		t.Errorf("wrong hash: got %d %s, want 400 BAD_USER_INPUT", a.status, a.body)
	}

	st := h.handler.PersistedStats()
	if st.APQRegistered != 1 || st.APQHits != 1 || st.APQMisses != 1 {
		t.Errorf("stats: got %d registered, %d hits, %d misses; want 1, 1, 1", st.APQRegistered, st.APQHits, st.APQMisses)
	}
}

func TestAPQRegistersOnlyValidDocuments(t *testing.T) {
	h := newHarness(t)
	bad := `{ order(id: "o1") { nope } }`
	a := h.postJSON(map[string]any{"query": bad, "extensions": apq(bad)})
	if r := a.response(t); a.status != http.StatusBadRequest || r.Errors[0].Code() != "GRAPHQL_VALIDATION_FAILED" {
		t.Fatalf("invalid text: got %d %s, want 400", a.status, a.body)
	}
	a = h.postJSON(map[string]any{"extensions": apq(bad)})
	if r := a.response(t); r.Errors[0].Code() != "PERSISTED_QUERY_NOT_FOUND" {
		t.Errorf("hash of an invalid text: got %s, want PERSISTED_QUERY_NOT_FOUND (never registered)", a.body)
	}
}

func TestAPQDisabled(t *testing.T) {
	h := newHarness(t, withConfig(func(c *server.Config) { c.Persisted.APQ.Enabled = false }))
	text := operation(t, "me")
	for range 2 {
		h.postJSON(map[string]any{"query": text, "extensions": apq(text)}).response(t, "me")
	}
	a := h.postJSON(map[string]any{"extensions": apq(text)})
	if r := a.response(t); a.status != http.StatusOK || r.Errors[0].Code() != "PERSISTED_QUERY_NOT_FOUND" || r.Errors[0].Message != "PersistedQueryNotSupported" {
		t.Errorf("got %d %s, want 200 PersistedQueryNotSupported (Apollo clients stop sending hashes)", a.status, a.body)
	}
}

func TestTwoReplicasShareAPQThroughRedis(t *testing.T) {
	t.Parallel()
	rds := redistest.Start(t)
	cfg := withConfig(func(c *server.Config) { c.Redis.URL = rds.URL() })
	a, b := newHarness(t, cfg), newHarness(t, cfg)
	text := operation(t, "customers_by_ids")
	vars := map[string]any{"ids": []string{"c1", "c2"}}

	if r := a.postJSON(map[string]any{"query": text, "variables": vars, "extensions": apq(text)}).response(t); len(r.Errors) > 0 {
		t.Fatalf("registration on replica a: %v", r.Errors)
	}
	ans := b.postJSON(map[string]any{"variables": vars, "extensions": apq(text)})
	var got struct{ Customers []customerJSON }
	decodeData(t, ans.response(t), &got)
	if len(got.Customers) != 2 || got.Customers[0].ID != "c1" {
		t.Errorf("hash only on replica b: got %s, want the two customers", ans.body)
	}
	if sa, sb := a.handler.PersistedStats(), b.handler.PersistedStats(); sa.APQRegistered != 1 || sb.APQRegistered != 0 || sb.APQHits != 1 {
		t.Errorf("got a: %d registered; b: %d registered, %d hits; want one registration, seen by b", sa.APQRegistered, sb.APQRegistered, sb.APQHits)
	}

	// Redis down: texts still run, nothing is a 5xx, and the wait is bounded.
	rds.Kill()
	other := operation(t, "dashboard")
	start := time.Now()
	for i := range 5 {
		ans := b.postJSON(map[string]any{"query": other, "extensions": apq(other)})
		if ans.status != http.StatusOK || len(ans.response(t).Errors) > 0 {
			t.Fatalf("text %d with Redis down: got %d %s, want 200", i, ans.status, ans.body)
		}
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("5 requests with Redis down took %s", d)
	}
	ans = a.get(url.Values{"extensions": {mustJSON(apq(other))}})
	if r := ans.response(t); ans.status != http.StatusOK || r.Errors[0].Code() != "PERSISTED_QUERY_NOT_FOUND" {
		t.Errorf("hash only on replica a with Redis down: got %d %s, want 200 PERSISTED_QUERY_NOT_FOUND", ans.status, ans.body)
	}
}

// TestAPQMetrics checks the APQ series: a miss is its own outcome of
// gqlbff_operations_total, under the operation name the client sent with
// its hash, and the lookups and registrations are counted.
func TestAPQMetrics(t *testing.T) {
	h := newHarness(t)
	text := operation(t, "order_detail")
	vars := map[string]any{"id": "o42"}
	h.postJSON(map[string]any{"operationName": "OrderDetail", "variables": vars, "extensions": apq(text)}).response(t)
	h.postJSON(map[string]any{"operationName": "OrderDetail", "query": text, "variables": vars, "extensions": apq(text)}).response(t)
	h.postJSON(map[string]any{"operationName": "OrderDetail", "variables": vars, "extensions": apq(text)}).response(t)
	m := h.scrape()
	m.want(t,
		seriesWant{"gqlbff_operations_total", "operation=OrderDetail,client=web,outcome=apq_miss", 1},
		seriesWant{"gqlbff_operations_total", "operation=OrderDetail,client=web,outcome=ok", 2},
		seriesWant{"gqlbff_apq_lookups_total", "result=miss", 1},
		seriesWant{"gqlbff_apq_lookups_total", "result=hit", 1},
		seriesWant{"gqlbff_apq_registrations_total", "", 1},
		seriesWant{"gqlbff_trusted_document_reloads_total", "result=refused", 0},
		seriesWant{"gqlbff_cost_store_errors_total", "", 0},
	)
	if _, ok := m.value("gqlbff_operations_total", "operation=invalid"); ok {
		t.Error("an APQ miss counted as operation=invalid")
	}
	if _, ok := m.value("gqlbff_trusted_documents", ""); !ok {
		t.Error("no gqlbff_trusted_documents series")
	}
}
