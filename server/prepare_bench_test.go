package server

import (
	"context"
	"encoding/json"
	"os"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/executor"

	"github.com/gqlbff/gqlbff/budget"
	"github.com/gqlbff/gqlbff/caller"
	"github.com/gqlbff/gqlbff/persisted"
)

// BenchmarkPrepare measures what happens before execution: the
// persisted-query policy, parse, validation, variable coercion and the
// operation-context extensions, through gqlgen's executor configured as
// the server configures it (BENCHMARKS.md). It is where a trusted document
// saves work; execution itself is the same.
func BenchmarkPrepare(b *testing.B) {
	text, err := os.ReadFile("../testdata/operations/orders_fanout.graphql")
	if err != nil {
		b.Fatal(err)
	}
	var m persisted.ApolloManifest
	raw, err := os.ReadFile("demomanifest.json")
	if err != nil || json.Unmarshal(raw, &m) != nil {
		b.Fatal("demomanifest.json", err)
	}
	id := ""
	for _, op := range m.Operations {
		if op.Name == "OrdersFanout" {
			id = op.ID
		}
	}
	vars := map[string]any{"after": nil}
	apqExt := func(s string) map[string]any {
		return map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": persisted.Hash(s)}}
	}
	cases := []struct {
		name      string
		cacheSize int
		params    func() *graphql.RawParams
	}{
		{"text/no_query_cache", 0, func() *graphql.RawParams { return &graphql.RawParams{Query: string(text), Variables: vars} }},
		{"text/query_cache_hit", 1000, func() *graphql.RawParams { return &graphql.RawParams{Query: string(text), Variables: vars} }},
		{"apq_hash/query_cache_hit", 1000, func() *graphql.RawParams {
			return &graphql.RawParams{Variables: vars, Extensions: apqExt(string(text))}
		}},
		{"documentId", 0, func() *graphql.RawParams {
			return &graphql.RawParams{Variables: vars, Extensions: map[string]any{"documentId": id}}
		}},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			cfg := Default()
			cfg.Persisted.Manifest = "demomanifest.json"
			cfg.GraphQL.QueryCacheSize = tc.cacheSize
			es := newExecutableSchema(false, 0)
			pq, stop, err := newPersistedQueries(cfg, resolveProfiles(cfg.Profiles), es.Schema(), nil, nil, nil)
			if err != nil {
				b.Fatal(err)
			}
			defer stop()
			exec := executor.New(es)
			if err := configureExecutor(exec, cfg, resolveProfiles(cfg.Profiles), es, pq, NewCostLimit(cfg, budget.NewMemory(), pq.log), newTelemetry(nil, nil), pq.log); err != nil {
				b.Fatal(err)
			}
			ctx := caller.With(graphql.StartOperationTrace(context.Background()), caller.Caller{Subject: "c1", Client: ProfileWeb, Scopes: []string{"orders:read"}})
			// Register the APQ text, and warm the query cache.
			if _, errs := exec.CreateOperationContext(ctx, &graphql.RawParams{Query: string(text), Variables: vars, Extensions: apqExt(string(text))}); errs != nil {
				b.Fatal(errs)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, errs := exec.CreateOperationContext(ctx, tc.params()); errs != nil {
					b.Fatal(errs)
				}
			}
		})
	}
}
