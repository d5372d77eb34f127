package server_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestMediaTypesAndStatuses checks the GraphQL over HTTP specification's
// rules: the answer is application/graphql-response+json when the request
// accepts it, else application/json; a parse, validation or
// variable-coercion failure is 400 in the first and 200 in the second, and
// has no data entry either way.
func TestMediaTypesAndStatuses(t *testing.T) {
	const (
		gr   = "application/graphql-response+json"
		json = "application/json"
	)
	failures := []struct {
		name string
		req  rawRequest
	}{
		{"parse failure", opPost(`{ order(id: "o1") { id }`, "", nil)},
		{"validation failure", opPost(`{ order(id: "o1") { nope } }`, "", nil)},
		{"variable coercion failure", opPost(`query($id: ID!) { order(id: $id) { id } }`, "", map[string]any{"id": map[string]any{"a": 1}})},
	}
	accepts := []struct {
		accept     string
		wantType   string
		wantStatus int
	}{
		{gr, gr, http.StatusBadRequest},
		{gr + ", " + json + ";q=0.9", gr, http.StatusBadRequest},
		{json, json, http.StatusOK},
		{"*/*", json, http.StatusOK},
		{"", json, http.StatusOK},
		{gr + ";q=0, " + json, json, http.StatusOK},
	}
	h := newHarness(t)
	for _, f := range failures {
		for _, a := range accepts {
			t.Run(f.name+", Accept "+a.accept, func(t *testing.T) {
				req := f.req.with(func(r *rawRequest) { r.header = []string{"Accept", a.accept} })
				ans := h.send(req)
				if ans.status != a.wantStatus {
					t.Errorf("status: got %d, want %d: %s", ans.status, a.wantStatus, ans.body)
				}
				if ct := ans.header.Get("Content-Type"); !strings.HasPrefix(ct, a.wantType+";") {
					t.Errorf("Content-Type: got %q, want %s", ct, a.wantType)
				}
				r := ans.response(t)
				if len(r.Errors) == 0 || r.Data != nil {
					t.Errorf("got %s, want errors and no data", ans.body)
				}
			})
		}
	}
	for _, a := range accepts {
		t.Run("a good query, Accept "+a.accept, func(t *testing.T) {
			ans := h.send(opPost(`{ order(id: "o1") { id } }`, "", nil).with(func(r *rawRequest) { r.header = []string{"Accept", a.accept} }))
			if ct := ans.header.Get("Content-Type"); ans.status != http.StatusOK || !strings.HasPrefix(ct, a.wantType+";") {
				t.Errorf("got %d %q, want 200 %s", ans.status, ct, a.wantType)
			}
		})
	}
}
