package server_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/executor"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/gqlbff/gqlbff/caller"
	"github.com/gqlbff/gqlbff/graph"
	"github.com/gqlbff/gqlbff/internal/testkit"
	"github.com/gqlbff/gqlbff/resolvers"
	"github.com/gqlbff/gqlbff/server"
)

var webCtx = graphql.StartOperationTrace(caller.With(context.Background(), caller.Caller{Subject: "c1", Client: server.ProfileWeb}))

// BenchmarkHostileRejection is what refusing each hostile document of
// HARDENING.md costs the structural limits, uncached (every document new):
// the target is under 1 ms. For comparison, "validated" is what gqlgen's
// parse and validation spend on the 2000-field document when nothing stops
// it first.
func BenchmarkHostileRejection(b *testing.B) {
	cfg := server.Default()
	cfg.GraphQL.QueryCacheSize = 0
	sl := server.NewStructureLimit(cfg)
	docs := hostile()
	docs["2000 fields"] = `{ dashboard { ` + strings.Repeat("__typename ", 2000) + ` } }`
	docs["fragment bomb, 30 levels"] = testkit.FragmentBomb(30)
	docs["fragment bomb, 40 levels"] = testkit.FragmentBomb(40)
	for _, name := range []string{"10,000 aliases", "1,000-deep nesting", "1 MiB of tokens", "2000 fields", "fragment bomb, 30 levels", "fragment bomb, 40 levels"} {
		q := docs[name]
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := sl.MutateOperationParameters(webCtx, &graphql.RawParams{Query: q}); err == nil {
					b.Fatal("not refused")
				}
			}
		})
	}
	b.Run("2000 fields/validated", func(b *testing.B) {
		e := newExecutor(nil, 0)
		q := docs["2000 fields"]
		b.ReportAllocs()
		for b.Loop() {
			if _, errs := e.CreateOperationContext(webCtx, &graphql.RawParams{Query: q}); errs != nil {
				b.Fatal(errs)
			}
		}
	})
}

func newExecutor(ext graphql.HandlerExtension, cacheSize int) *executor.Executor {
	e := executor.New(graph.NewExecutableSchema(graph.Config{Resolvers: &resolvers.Resolver{}}))
	e.SetParserTokenLimit(15000)
	if cacheSize > 0 {
		e.SetQueryCache(lru.New[*ast.QueryDocument](cacheSize))
	}
	if ext != nil {
		e.Use(ext)
	}
	return e
}

// BenchmarkStructureLimitOverhead measures what the structural limits add
// to gqlgen's parse and validation of orders_fanout: on a query-cache miss
// (a new document: parsed twice) and on a hit (neither parses).
func BenchmarkStructureLimitOverhead(b *testing.B) {
	q := operation(b, "orders_fanout")
	cfg := server.Default()
	for _, with := range []bool{false, true} {
		var ext graphql.HandlerExtension
		if with {
			ext = server.NewStructureLimit(cfg)
		}
		name := map[bool]string{false: "without", true: "with"}[with]
		b.Run(name+"/miss", func(b *testing.B) {
			e := newExecutor(ext, 1000)
			i := 0
			b.ReportAllocs()
			for b.Loop() {
				i++
				if _, errs := e.CreateOperationContext(webCtx, &graphql.RawParams{Query: fmt.Sprintf("# %d\n%s", i, q)}); errs != nil {
					b.Fatal(errs)
				}
			}
		})
		b.Run(name+"/hit", func(b *testing.B) {
			e := newExecutor(ext, 1000)
			b.ReportAllocs()
			for b.Loop() {
				if _, errs := e.CreateOperationContext(webCtx, &graphql.RawParams{Query: q}); errs != nil {
					b.Fatal(errs)
				}
			}
		})
	}
}
