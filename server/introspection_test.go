package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gqlbff/gqlbff/server"
)

func TestIntrospectionPerProfile(t *testing.T) {
	// web may introspect (as in demo mode); mobile and partner may not.
	// Partners may send free-form text here, so that what is checked is the
	// introspection policy, not the persisted-only one.
	h := newHarness(t, withConfig(func(c *server.Config) {
		c.Profiles.Web.Introspection = true
		c.Profiles.Partner.PersistedQueries = "off"
	}))
	const (
		schema   = `{ __schema { queryType { name } } }`
		typ      = `{ __type(name: "Order") { name } }`
		fragment = `{ ...F } fragment F on Query { __schema { queryType { name } } }`
		inline   = `{ ... on Query { __type(name: "Order") { name } } }`
		nested   = `{ ...A } fragment A on Query { ...B } fragment B on Query { __schema { queryType { name } } }`
		typename = `{ __typename order(id: "o1") { __typename id } }`
		// A fragment named like an introspection field exempts and blocks nothing.
		named = `{ ...__schema } fragment __schema on Query { order(id: "o1") { id } }`
	)
	cases := []struct {
		name, client, op string
		allowed          bool
	}{
		{"web: __schema", "web", schema, true},
		{"web: __type", "web", typ, true},
		{"mobile: __schema", "mobile", schema, false},
		{"partner: __schema", "partner", schema, false},
		{"partner: __type", "partner", typ, false},
		{"partner: __schema in a fragment", "partner", fragment, false},
		{"partner: __type in an inline fragment", "partner", inline, false},
		{"partner: __schema two fragments deep", "partner", nested, false},
		{"partner: __typename", "partner", typename, true},
		{"partner: a fragment named __schema", "partner", named, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := h.query(tc.op, nil, "Authorization", bearer(token("c1", tc.client, allScopes...)))
			r := a.response(t)
			if tc.allowed {
				if a.status != http.StatusOK || len(r.Errors) != 0 {
					t.Errorf("got %d %s, want 200 without errors", a.status, a.body)
				}
				return
			}
			if a.status != http.StatusBadRequest || len(r.Errors) != 1 || r.Errors[0].Code() != "GRAPHQL_VALIDATION_FAILED" || r.Data != nil {
				t.Errorf("got %d %s, want 400 GRAPHQL_VALIDATION_FAILED without data", a.status, a.body)
			}
		})
	}
}

func TestSuggestionsOnlyForProfilesThatIntrospect(t *testing.T) {
	h := newHarness(t, withConfig(func(c *server.Config) {
		c.Profiles.Web.Introspection = true
		c.Profiles.Partner.PersistedQueries = "off" // the suggestions policy, not the persisted-only one
	}))
	cases := []struct {
		name, client, op string
		suggest          bool
	}{
		{"web, a misspelt field", "web", `{ ordr(id: "o1") { id } }`, true},
		{"partner, a misspelt field", "partner", `{ ordr(id: "o1") { id } }`, false},
		{"web, a misspelt argument", "web", `{ order(idd: "o1") { id } }`, true},
		{"partner, a misspelt argument", "partner", `{ order(idd: "o1") { id } }`, false},
		{"web, a misspelt enum value", "web", `{ orders(status: PAYED) { edges { cursor } } }`, true},
		{"partner, a misspelt enum value", "partner", `{ orders(status: PAYED) { edges { cursor } } }`, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := h.query(tc.op, nil, "Authorization", bearer(token("c1", tc.client, allScopes...)))
			r := a.response(t)
			if a.status != http.StatusBadRequest || len(r.Errors) == 0 {
				t.Fatalf("got %d %s, want 400 with errors", a.status, a.body)
			}
			var msgs []string
			for _, e := range r.Errors {
				msgs = append(msgs, e.Message)
			}
			all := strings.Join(msgs, " | ")
			if got := strings.Contains(all, "Did you mean"); got != tc.suggest {
				t.Errorf("suggestions in %q: got %v, want %v", all, got, tc.suggest)
			}
		})
	}
}

func TestIntrospectionDefaults(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		want map[string]bool
	}{
		{"production", map[string]string{"GQLBFF_JWT_SECRET": testSecret, "GQLBFF_ORDERS_URL": "http://o", "GQLBFF_CUSTOMERS_URL": "http://c", "GQLBFF_ANALYTICS_URL": "http://a"},
			map[string]bool{"web": false, "mobile": false, "partner": false}},
		{"demo", map[string]string{"GQLBFF_DEMO": "true"},
			map[string]bool{"web": true, "mobile": false, "partner": false}},
		{"demo, web turned off by the environment", map[string]string{"GQLBFF_DEMO": "true", "GQLBFF_PROFILE_WEB_INTROSPECTION": "false"},
			map[string]bool{"web": false, "mobile": false, "partner": false}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := server.LoadConfig("", func(k string) string { return tc.env[k] })
			if err != nil {
				t.Fatal(err)
			}
			for name, want := range tc.want {
				p, _ := cfg.Profiles.Profile(name)
				if p.Introspection != want {
					t.Errorf("profiles.%s.introspection: got %v, want %v", name, p.Introspection, want)
				}
			}
		})
	}
}
