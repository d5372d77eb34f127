package server_test

import (
	"strings"
	"testing"
)

// TestDeferIsRefused: gqlbff does not serve incremental delivery, so @defer
// is not in its schema and a query using it is refused by validation,
// never answered with nulls and hasNext: true.
func TestDeferIsRefused(t *testing.T) {
	h := newHarness(t)
	a := h.query(`{ dashboard { summary { orderCount } ... @defer { recentOrders(first: 2) { id } } } }`, nil)
	if a.status != 400 {
		t.Fatalf("status %d, want 400: %s", a.status, a.body)
	}
	body := string(a.body)
	if !strings.Contains(body, `"code":"GRAPHQL_VALIDATION_FAILED"`) || !strings.Contains(body, `Unknown directive \"@defer\"`) {
		t.Fatalf("want an unknown-directive validation error, got %s", body)
	}
	if strings.Contains(body, "hasNext") || strings.Contains(body, `"data"`) {
		t.Fatalf("a refused query has no data: %s", body)
	}
}
