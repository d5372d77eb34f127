package server_test

import (
	"testing"

	"github.com/gqlbff/gqlbff/server"
)

// The plan engine batches by level, not by a time window: the calls an
// operation makes are the batches its data needs, whatever the load.

// TestAliasesAreTwoSourceCalls: 20 aliased order(id) root fields with their
// customers are one orders batch and one customers batch.
func TestAliasesAreTwoSourceCalls(t *testing.T) {
	h := newHarness(t, withConfig(func(c *server.Config) {
		c.Profiles.Web.MaxRootFields, c.Profiles.Web.MaxAliases = 20, 20
	}))
	a := h.query(aliasesOp, nil)
	if a.status != 200 {
		t.Fatalf("status %d: %s", a.status, a.body)
	}
	var got map[string]*struct{ Customer *struct{ Name string } }
	decodeData(t, a.response(t), &got)
	if len(got) != 20 {
		t.Fatalf("got %d orders, want 20", len(got))
	}
	for k, o := range got {
		if o == nil || o.Customer == nil || o.Customer.Name == "" {
			t.Fatalf("%s: no customer: %s", k, a.body)
		}
	}
	if o, c := len(h.svcs.Orders.Requests()), len(h.svcs.Customers.Requests()); o != 1 || c != 1 {
		t.Errorf("orders calls %d, customers calls %d: want 1 and 1", o, c)
	}
}
