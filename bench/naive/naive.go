// Package naive is "the naive way" of the benchmarks: gqlbff's schema
// (graph.NewExecutableSchema) with resolvers that call a source per item,
// with no dataloaders and no look-ahead: Order.customer is
// GET /customers/{id}, Customer.stats and Customer.orders one call per
// customer. The fan-out costs about 151 source calls where gqlbff makes 4.
// It is never shipped.
package naive

import (
	"context"
	"net/http"
	"net/url"

	gqlgraphql "github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/gqlbff/gqlbff/bench/serve"
	"github.com/gqlbff/gqlbff/caller"
	"github.com/gqlbff/gqlbff/graph"
)

// New returns the naive way's handler at /graphql: gqlgen's stock POST and
// GET transports, a parsed-query cache, and the trusted documents of
// opts.Manifest by ?documentId= over GET.
func New(opts serve.Options) http.Handler {
	// The naive way trusts the token and enforces no scope: the directives
	// only run their fields.
	pass := func(ctx context.Context, _ any, next gqlgraphql.Resolver) (any, error) { return next(ctx) }
	es := graph.NewExecutableSchema(graph.Config{
		Resolvers: &Resolver{src: opts.Sources},
		Directives: graph.DirectiveRoot{
			Authenticated: pass,
			RequiresScopes: func(ctx context.Context, obj any, next gqlgraphql.Resolver, _ [][]string) (any, error) {
				return pass(ctx, obj, next)
			},
		},
	})
	srv := handler.New(es)
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	mux := http.NewServeMux()
	mux.Handle("/graphql", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := caller.With(r.Context(), caller.Caller{Subject: serve.Subject(r)})
		r = r.WithContext(ctx)
		if id := r.URL.Query().Get("documentId"); id != "" && r.Method == http.MethodGet {
			doc, ok := opts.Manifest[id]
			if !ok {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(`{"errors":[{"message":"PersistedQueryNotFound","extensions":{"code":"PERSISTED_QUERY_NOT_FOUND"}}]}`))
				return
			}
			q := r.URL.Query()
			q.Del("documentId")
			q.Set("query", doc)
			u := *r.URL
			u.RawQuery = q.Encode()
			r.URL = &url.URL{Path: u.Path, RawQuery: u.RawQuery}
		}
		srv.ServeHTTP(w, r)
	}))
	return mux
}
