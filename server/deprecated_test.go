package server_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/gqlbff/gqlbff/server"
)

// customerDeprecation is schema/'s reason for deprecating Query.customer.
const customerDeprecation = "Use customers(ids:): one lookup or many, batched, in request order."

// TestDeprecatedReasonsInIntrospection: introspection shows a deprecated
// field as GraphQL says, with its reason, when asked to include deprecated
// fields, and leaves it out otherwise; a profile's contract keeps the
// reason; and the playground's docs get it from its config, for every
// profile.
func TestDeprecatedReasonsInIntrospection(t *testing.T) {
	h := newHarness(t, playgroundOn(true), withConfig(func(c *server.Config) {
		c.Demo = true
		c.Profiles.Web.Introspection = true
		// partner may introspect, with its contract, and send text.
		c.Profiles.Partner.Introspection = true
		c.Profiles.Partner.PersistedQueries = server.ModeOff
	}))
	const q = `query($all: Boolean!) { __type(name: "Query") { fields(includeDeprecated: $all) { name isDeprecated deprecationReason } } }`
	type field struct {
		Name              string  `json:"name"`
		IsDeprecated      bool    `json:"isDeprecated"`
		DeprecationReason *string `json:"deprecationReason"`
	}
	for _, profile := range []string{"web", "partner"} {
		tok := bearer(token("c1", profile, allScopes...))
		for _, all := range []bool{true, false} {
			a := h.query(q, map[string]any{"all": all}, "Authorization", tok)
			var r struct {
				Data struct {
					Type struct{ Fields []field } `json:"__type"`
				}
				Errors []json.RawMessage
			}
			if err := json.Unmarshal(a.body, &r); err != nil || a.status != http.StatusOK || len(r.Errors) > 0 {
				t.Fatalf("%s: %d %s", profile, a.status, a.body)
			}
			var customer, customers *field
			for i, f := range r.Data.Type.Fields {
				switch f.Name {
				case "customer":
					customer = &r.Data.Type.Fields[i]
				case "customers":
					customers = &r.Data.Type.Fields[i]
				}
			}
			switch {
			case customers == nil || customers.IsDeprecated || customers.DeprecationReason != nil:
				t.Errorf("%s: Query.customers %+v, want it, not deprecated", profile, customers)
			case !all && customer != nil:
				t.Errorf("%s: includeDeprecated false: got Query.customer", profile)
			case all && (customer == nil || !customer.IsDeprecated || customer.DeprecationReason == nil || *customer.DeprecationReason != customerDeprecation):
				t.Errorf("%s: includeDeprecated true: Query.customer %+v, want deprecated with the reason %q", profile, customer, customerDeprecation)
			}
		}
	}
	for _, profile := range []string{"web", "mobile", "partner"} {
		c := h.playgroundConfig(t, profile)
		var found bool
		for _, ty := range c.Schema.Schema.Types {
			for _, f := range ty.Fields {
				if ty.Name == "Query" && f.Name == "customer" {
					found = f.IsDeprecated && f.DeprecationReason != nil && *f.DeprecationReason == customerDeprecation
				}
			}
		}
		if !found {
			t.Errorf("the %s playground's schema: Query.customer not shown deprecated with its reason", profile)
		}
	}
}
