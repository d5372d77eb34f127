package engine

import (
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"

	"github.com/gqlbff/gqlbff/graph"
)

const fanoutQuery = `query($after: String) { orders(first: 50, after: $after) {
  pageInfo { hasNextPage endCursor }
  edges { cursor node { id status total { amount currency }
    customer { id name stats { lifetimeValue { amount } orderCount lastOrderAt } orders(first: 3) { id } } } } } }`

// BenchmarkCompile is what compiling the fan-out's plan costs, once per
// document (and @skip/@include values): the price of compiling on first
// use rather than when a manifest loads (README, Execution engine).
func BenchmarkCompile(b *testing.B) {
	es := graph.NewExecutableSchema(graph.Config{})
	e := New(es.Schema(), nil, graph.DirectiveRoot{}, Options{})
	doc, errs := gqlparser.LoadQueryWithRules(es.Schema(), fanoutQuery, nil)
	if errs != nil {
		b.Fatal(errs)
	}
	b.ReportAllocs()
	for b.Loop() {
		oc := &graphql.OperationContext{RawQuery: fanoutQuery, Doc: doc, Operation: doc.Operations[0], Variables: map[string]any{}}
		if e.compile(oc) == nil {
			b.Fatal("no plan")
		}
	}
}

// TestPlansAreCachedPerConditions: one plan per document and @skip/@include
// values.
func TestPlansAreCachedPerConditions(t *testing.T) {
	es := graph.NewExecutableSchema(graph.Config{})
	e := New(es.Schema(), nil, graph.DirectiveRoot{}, Options{})
	const q = `query($s: Boolean!) { dashboard { summary @skip(if: $s) { orderCount } } }`
	doc, errs := gqlparser.LoadQueryWithRules(es.Schema(), q, nil)
	if errs != nil {
		t.Fatal(errs)
	}
	plan := func(vars map[string]any) *Plan {
		return e.Plan(&graphql.OperationContext{RawQuery: q, Doc: doc, Operation: doc.Operations[0], Variables: vars})
	}
	skip, keep := plan(map[string]any{"s": true}), plan(map[string]any{"s": false})
	if skip == nil || keep == nil || skip == keep {
		t.Fatal("want two plans")
	}
	if plan(map[string]any{"s": true}) != skip {
		t.Error("the plan was compiled again")
	}
	if n := len(skip.root.steps[0].child.steps); n != 0 {
		t.Errorf("skipped: %d steps under dashboard, want 0", n)
	}
}
