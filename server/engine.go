package server

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/gqlbff/gqlbff/engine"
	"github.com/gqlbff/gqlbff/graph"
	"github.com/gqlbff/gqlbff/resolvers"
)

// The executors graphql.executor names.
const (
	// ExecutorPlans runs operations on compiled plans (package engine),
	// and what plans do not cover (introspection, _service, _entities) on
	// gqlgen's executor.
	ExecutorPlans = "plans"
	// ExecutorGqlgen runs every operation on gqlgen's generated executor,
	// the reference the plans are tested against.
	ExecutorGqlgen = "gqlgen"
)

// withPlans puts the plan engine in front of es: the same resolvers and
// authorization hooks, and the cost policy's actual-cost meter.
func withPlans(es graphql.ExecutableSchema, costs *costLimit, maxPage int) graphql.ExecutableSchema {
	res := &resolvers.Resolver{Allow: fieldGate(es.Schema()), MaxPage: maxPage, CollectFields: engine.CollectFields}
	e := engine.New(es.Schema(), res, graph.DirectiveRoot{
		Authenticated:  authenticatedDirective,
		RequiresScopes: requiresScopesDirective,
	}, engine.Options{
		FieldCost: func(typeName string, q *ast.Field, result any) int64 {
			if costs.analyzer == nil {
				return 0
			}
			return costs.analyzer.Instance(typeName, q, result)
		},
		Charge: func(ctx context.Context, actual int64) {
			if st := opCostOf(graphql.GetOperationContext(ctx)); st != nil {
				st.actual.Add(actual)
			}
		},
	})
	return e.Wrap(es)
}

// withoutDefer is the schema without @defer. gqlgen's transport here
// writes one payload, so a deferred fragment would answer null with
// hasNext: true and never arrive; without the directive such a query is
// refused by validation (GRAPHQL_VALIDATION_FAILED) instead. Neither
// executor serves incremental delivery.
func withoutDefer(s *ast.Schema) *ast.Schema {
	out := *s
	out.Directives = make(map[string]*ast.DirectiveDefinition, len(s.Directives))
	for name, d := range s.Directives {
		if name != "defer" {
			out.Directives[name] = d
		}
	}
	return &out
}
