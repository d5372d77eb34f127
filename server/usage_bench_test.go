package server

import (
	"context"
	"net/http"
	"os"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"

	"github.com/gqlbff/gqlbff/caller"
)

// BenchmarkUsageRecord is what field usage recording adds to one
// operation: the usage recorder's InterceptOperation around a handler
// that answers at once, for order_detail as a named client, its coordinates
// already computed (as for every request after a document's first). Its
// ns/op against BenchmarkOperations/order_detail's is the share of an
// operation end to end (BENCHMARKS.md, target under 1%).
func BenchmarkUsageRecord(b *testing.B) {
	cfg := Default()
	es := newExecutableSchema(false, cfg.GraphQL.MaxPage)
	text, err := os.ReadFile("../testdata/operations/order_detail.graphql")
	if err != nil {
		b.Fatal(err)
	}
	doc, errs := gqlparser.LoadQuery(es.Schema(), string(text))
	if errs != nil {
		b.Fatal(errs)
	}
	u := newUsageRecorder(resolveProfiles(cfg.Profiles), es.Schema(), 1000, cfg.Usage, nil, nil)
	defer u.Close()
	h := http.Header{}
	h.Set("apollographql-client-name", "ios")
	h.Set("apollographql-client-version", "3.2")
	ctx := caller.With(context.Background(), caller.Caller{Subject: "c7", Client: ProfileMobile})
	ctx = graphql.WithOperationContext(ctx, &graphql.OperationContext{
		RawQuery: string(text), OperationName: "OrderDetail", Variables: map[string]any{"id": "o42"},
		Doc: doc, Operation: doc.Operations[0], Headers: h,
	})
	resp := &graphql.Response{}
	answer := func(context.Context) *graphql.Response { return resp }
	next := func(context.Context) graphql.ResponseHandler { return answer }
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		u.InterceptOperation(ctx, next)
	}
}
