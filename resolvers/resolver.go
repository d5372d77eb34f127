// Package resolvers holds the hand-written resolvers: they read the request's
// loaders from the context and map source DTOs to GraphQL models. They never
// call a source per item.
package resolvers

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

//go:generate go run ../internal/gqlgen

// maxPageCeiling is the largest graphql.maxPage, and a zero Resolver's
// MaxPage.
const maxPageCeiling = 100

// Resolver is the wiring root of the resolvers. It holds nothing per
// request: the request's loaders come from the context (sources.For).
type Resolver struct {
	// Allow reports whether the caller may resolve the field typeName.field
	// (the schema's authorization directives). The lookahead prefetch asks
	// it before it queues a field's lookups, so that a field the caller may
	// not see costs no source call. Nil allows every field.
	Allow func(ctx context.Context, typeName, field string) bool
	// CollectFields answers graphql.CollectFields for the lookahead: the
	// fields of set on typeName, for the operation ctx runs. The plan
	// engine's (engine.CollectFields) answers a compiled plan's sets
	// without collecting them again per request. The answer is read,
	// never changed. Nil is gqlgen's.
	CollectFields func(ctx context.Context, set ast.SelectionSet, typeName string) []graphql.CollectedField
	// MaxPage is the largest page size (`first`) and the most `ids` one
	// field may ask for: graphql.maxPage. 0: 100.
	MaxPage int
}

func (r *Resolver) collectFields(ctx context.Context, set ast.SelectionSet, typeName string) []graphql.CollectedField {
	if r.CollectFields != nil {
		return r.CollectFields(ctx, set, typeName)
	}
	return graphql.CollectFields(graphql.GetOperationContext(ctx), set, []string{typeName})
}

func (r *Resolver) maxPage() int {
	if r.MaxPage > 0 {
		return min(r.MaxPage, maxPageCeiling)
	}
	return maxPageCeiling
}
