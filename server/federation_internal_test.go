package server

import (
	"testing"

	"github.com/gqlbff/gqlbff/graph"
)

// The policy layer reads @requiresScopes and @authenticated from the schema
// it serves: entity fields keep them in both modes, so a field reached
// through _entities is guarded exactly as one reached through Query.
func TestEntityFieldsKeepPolicyDirectives(t *testing.T) {
	gen := graph.NewExecutableSchema(graph.Config{}).Schema()
	cases := []struct {
		typ, field, directive string
	}{
		{"Customer", "stats", "requiresScopes"},
		{"Customer", "orders", "requiresScopes"},
		{"Order", "customer", "requiresScopes"},
		{"Query", "me", "authenticated"},
	}
	for _, mode := range []struct {
		name string
		on   bool
	}{{"on", true}, {"off", false}} {
		s := gen
		if !mode.on {
			s = withoutFederation(gen)
		}
		for _, c := range cases {
			f := s.Types[c.typ].Fields.ForName(c.field)
			if f == nil || f.Directives.ForName(c.directive) == nil {
				t.Errorf("subgraph mode %s: %s.%s: no @%s", mode.name, c.typ, c.field, c.directive)
			}
		}
		for _, d := range []string{"requiresScopes", "authenticated"} {
			if s.Directives[d] == nil {
				t.Errorf("subgraph mode %s: @%s is not declared", mode.name, d)
			}
		}
	}
}

func TestWithoutFederationLeavesTheGeneratedSchema(t *testing.T) {
	gen := graph.NewExecutableSchema(graph.Config{}).Schema()
	off := withoutFederation(gen)
	for _, f := range []string{"_entities", "_service"} {
		if off.Query.Fields.ForName(f) != nil {
			t.Errorf("off: Query.%s is still there", f)
		}
		if gen.Query.Fields.ForName(f) == nil {
			t.Errorf("generated: Query.%s was removed from the original", f)
		}
	}
	for _, typ := range []string{"_Entity", "_Any", "_Service", "Entity"} {
		if off.Types[typ] != nil {
			t.Errorf("off: type %s is still there", typ)
		}
		if gen.Types[typ] == nil {
			t.Errorf("generated: type %s was removed from the original", typ)
		}
	}
	if off.Types["Query"] != off.Query {
		t.Error("off: Types[Query] and Query differ")
	}
	if got := len(off.Query.Fields); got != len(gen.Query.Fields)-2 {
		t.Errorf("off: Query fields: got %d, want %d", got, len(gen.Query.Fields)-2)
	}
}
