package server

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/gqlbff/gqlbff/sources"
)

// BenchmarkTelemetryOfAFanout isolates what tracing and metrics add to one
// orders_fanout operation: one operation span and its metrics, four
// dataloader batches, four source calls with their traceparent. The
// end-to-end BenchmarkTelemetry is too noisy on a shared machine to show a
// few percent; this, against the operation's own cost, bounds it.
func BenchmarkTelemetryOfAFanout(b *testing.B) {
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(tracetest.NewNoopExporter()))
	defer func() { _ = tp.Shutdown(context.Background()) }()
	for _, tc := range []struct {
		name string
		tel  *telemetry
	}{
		{"off", newTelemetry(nil, nil)},
		{"on", newTelemetry(newMetrics(100), tp)},
	} {
		b.Run(tc.name, func(b *testing.B) {
			op := operationTracer{tracer: tc.tel.tracer}
			calls := []sources.CallInfo{
				{Source: "orders", Endpoint: "orders.list"},
				{Source: "customers", Endpoint: "customers.byIDs", IDs: 45},
				{Source: "analytics", Endpoint: "analytics.customers", IDs: 45},
				{Source: "orders", Endpoint: "orders.byCustomers", IDs: 45},
			}
			loaders := []string{"customer", "stats", "ordersOf"}
			b.ReportAllocs()
			for b.Loop() {
				rec := &record{client: ProfileWeb, operation: "OrdersFanout", parsed: true}
				ctx := withRecord(context.Background(), rec)
				run := func(ctx context.Context) {
					for i, c := range calls {
						bctx := ctx
						end := func() {}
						if i > 0 {
							bctx, end = tc.tel.StartBatch(ctx, loaders[i-1], 45)
						}
						cctx, done := tc.tel.StartCall(bctx, c)
						tc.tel.Inject(cctx, http.Header{})
						done(sources.CallResult{Outcome: sources.OutcomeOK, Status: 200, Duration: time.Millisecond})
						end()
					}
				}
				if tc.tel.tracing() {
					op.InterceptResponse(ctx, func(ctx context.Context) *graphql.Response { run(ctx); return nil })
				} else {
					run(ctx)
				}
				if tc.tel.m != nil {
					tc.tel.m.request(rec, "ok", time.Millisecond)
				}
			}
		})
	}
}
