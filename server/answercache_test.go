package server_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gqlbff/gqlbff/server"
)

// answerCost reads extensions.cost of an answer.
func answerCost(t *testing.T, a answer) (actual int64, available float64) {
	t.Helper()
	var r struct {
		Extensions struct {
			Cost struct {
				ActualQueryCost int64
				ThrottleStatus  *struct{ CurrentlyAvailable float64 }
			}
		}
	}
	if err := json.Unmarshal(a.body, &r); err != nil || r.Extensions.Cost.ThrottleStatus == nil {
		t.Fatalf("no extensions.cost with a throttle status: %s", a.body)
	}
	return r.Extensions.Cost.ActualQueryCost, r.Extensions.Cost.ThrottleStatus.CurrentlyAvailable
}

func TestWholeAnswerCacheForPersistedOperations(t *testing.T) {
	h := newHarness(t, withManifest(demoManifest), withSourceCache(time.Minute, 0, "user"), withConfig(func(c *server.Config) {
		c.Profiles.Web.Budget = server.BudgetConfig{Capacity: 1000, RestoreRate: 0.001}
		c.Admin.Listen, c.Admin.Key = "127.0.0.1:1", testAdminKey
	}))
	byID := url.Values{"documentId": {demoIDs(t)["OrderDetail"]}, "variables": {`{"id":"o42"}`}}
	miss := h.get(byID)
	miss.response(t)
	if got := miss.header.Get("Cache-Status"); strings.Contains(got, "detail=answer") {
		t.Fatalf("first: Cache-Status %q", got)
	}
	cost, before := answerCost(t, miss)
	calls := h.calls()
	hit := h.get(byID)
	hit.response(t)
	if got := hit.header.Get("Cache-Status"); got != "gqlbff; hit; detail=answer" {
		t.Errorf("repeat: Cache-Status %q, want gqlbff; hit; detail=answer", got)
	}
	var a, b struct{ Data json.RawMessage }
	_ = json.Unmarshal(miss.body, &a)
	_ = json.Unmarshal(hit.body, &b)
	if string(a.Data) != string(b.Data) || h.calls() != calls {
		t.Errorf("the hit differs or called sources")
	}
	// The hit drew the budget as the miss did.
	hitCost, after := answerCost(t, hit)
	if hitCost != cost || before-after < float64(cost)-1 {
		t.Errorf("hit: cost %d, budget %v -> %v; want cost %d drawn", hitCost, before, after, cost)
	}
	if got := hit.header.Get("Cache-Control"); got != miss.header.Get("Cache-Control") || !strings.HasPrefix(got, "private, max-age=") {
		t.Errorf("hit Cache-Control %q, miss %q", got, miss.header.Get("Cache-Control"))
	}
	// By POST too, the same entry.
	post := h.do(t.Context(), http.MethodPost, "/graphql", "application/json",
		strings.NewReader(`{"documentId": "`+byID.Get("documentId")+`", "variables": {"id": "o42"}}`))
	if got := post.header.Get("Cache-Status"); got != "gqlbff; hit; detail=answer" {
		t.Errorf("POST: Cache-Status %q", got)
	}

	for name, params := range map[string]url.Values{
		"other variables":     {"documentId": byID["documentId"], "variables": {`{"id":"o43"}`}},
		"text, not persisted": {"query": {operation(t, "order_detail")}, "variables": {`{"id":"o42"}`}},
	} {
		if got := h.get(params).header.Get("Cache-Status"); strings.Contains(got, "detail=answer") {
			t.Errorf("%s: Cache-Status %q, want no answer hit", name, got)
		}
	}
	other := h.get(byID, "Authorization", bearer(token("someone-else", "web", allScopes...)))
	if got := other.header.Get("Cache-Status"); strings.Contains(got, "detail=answer") {
		t.Errorf("another user: Cache-Status %q, want no answer hit", got)
	}

	// Invalidating any source drops the answers.
	admin := httptest.NewServer(h.handler.Admin())
	defer admin.Close()
	req, _ := http.NewRequest(http.MethodPost, admin.URL+server.InvalidatePath, strings.NewReader(`{"source": "orders", "ids": ["o42"]}`))
	req.Header.Set("Authorization", "Bearer "+testAdminKey)
	if got := send(t, admin.Client(), req); got.status != http.StatusAccepted {
		t.Fatalf("invalidate: %d %s", got.status, got.body)
	}
	if got := h.get(byID).header.Get("Cache-Status"); strings.Contains(got, "detail=answer") {
		t.Errorf("after invalidation: Cache-Status %q, want no answer hit", got)
	}

	// The hits draw the budget: it is spent within capacity/cost requests,
	// and then refused, cached answer or not.
	for i := range 1000/int(cost) + 1 {
		a := h.get(byID)
		if a.status == http.StatusTooManyRequests {
			if i < 1000/int(cost)-15 {
				t.Errorf("refused after %d requests, want about %d", i, 1000/int(cost))
			}
			return
		}
		if a.status != http.StatusOK {
			t.Fatalf("request %d: %d %s", i, a.status, a.body)
		}
	}
	t.Error("the budget was never spent: hits do not draw it")
}
