package server

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// documentCache is the executor's query cache with the request's trusted
// document in front: the executor looks the text up here before it parses,
// and a trusted document comes back parsed and validated at load. Keying by
// the request (not by a shared map) means a reload between the policy's
// decision and the parse cannot change which document runs.
type documentCache struct {
	next   graphql.Cache[*ast.QueryDocument]
	counts *persistedCounts
}

// Get implements graphql.Cache.
func (c documentCache) Get(ctx context.Context, query string) (*ast.QueryDocument, bool) {
	if info := persistedInfoFrom(ctx); info != nil && info.Document != nil && info.Document.Body == query {
		c.counts.preparsed.Add(1)
		return info.Document.Doc, true
	}
	return c.next.Get(ctx, query)
}

// Add implements graphql.Cache.
func (c documentCache) Add(ctx context.Context, query string, doc *ast.QueryDocument) {
	c.next.Add(ctx, query, doc)
}
