package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/gqlbff/gqlbff/auth"
	"github.com/gqlbff/gqlbff/internal/testkit"
	"github.com/gqlbff/gqlbff/server"
)

// BenchmarkBatchWait measures what the dataloader's batch window costs and
// buys on the fan-out: latency per operation against source calls per
// operation. It chose sources.DefaultBatchWait (BENCHMARKS.md).
func BenchmarkBatchWait(b *testing.B) {
	for _, wait := range []time.Duration{100 * time.Microsecond, 500 * time.Microsecond, time.Millisecond, 2 * time.Millisecond, 5 * time.Millisecond, 16 * time.Millisecond} {
		for _, op := range []string{"orders_fanout", "aliases"} {
			for _, par := range []int{1, 16} {
				b.Run(fmt.Sprintf("%s/wait=%s/clients=%d", op, wait, par), func(b *testing.B) {
					benchOperation(b, par, op, func(c *server.Config) { c.Sources.BatchWait = wait })
				})
			}
		}
	}
}

// BenchmarkOperations runs each client operation end to end over loopback.
func BenchmarkOperations(b *testing.B) {
	for _, op := range []string{"order_detail", "customers_by_ids", "dashboard", "orders_fanout", "me"} {
		b.Run(op, func(b *testing.B) { benchOperation(b, 1, op, nil) })
	}
}

// BenchmarkExecutors runs the wide operations end to end over loopback on
// each executor: compiled plans and gqlgen's generated executor
// (BENCHMARKS.md). The demo services run in the process: allocs/op counts
// theirs too.
func BenchmarkExecutors(b *testing.B) {
	for _, op := range []string{"orders_fanout", "dashboard"} {
		for _, x := range []string{server.ExecutorGqlgen, server.ExecutorPlans} {
			b.Run(op+"/"+x, func(b *testing.B) {
				benchOperation(b, 1, op, func(c *server.Config) { c.GraphQL.Executor = x })
			})
		}
	}
}

// BenchmarkOrderDetailByAlg is order_detail end to end with a valid HS256
// and a valid RS256 token: the whole whose part BenchmarkPolicyChain is.
func BenchmarkOrderDetailByAlg(b *testing.B) {
	config := func(c *server.Config) {
		c.JWT.Keys = []auth.KeyConfig{{PEM: testkit.PublicPEM(b, &rsaKey(b, "rsa-a").PublicKey), KID: "rsa-a"}}
	}
	claims := func() jwt.MapClaims {
		return jwt.MapClaims{"sub": "c7", "client": "web", "scope": strings.Join(allScopes, " "), "exp": time.Now().Add(time.Hour).Unix()}
	}
	tokens := map[string]string{
		"HS256": testkit.SignJWT(b, jwt.SigningMethodHS256, []byte(testSecret), nil, claims()),
		"RS256": testkit.SignJWT(b, jwt.SigningMethodRS256, rsaKey(b, "rsa-a"), map[string]any{"kid": "rsa-a"}, claims()),
	}
	for _, alg := range []string{"HS256", "RS256"} {
		b.Run(alg, func(b *testing.B) { benchOperationWith(b, 1, "order_detail", config, tokens[alg]) })
	}
}

// BenchmarkTelemetry measures what tracing and metrics cost on the
// fan-out: off (no metrics, no tracer provider) against on (metrics, and a
// real SDK tracer provider that samples every span and batches them to an
// exporter that drops them). Coalescing is off in both, so that every
// operation does the same work whatever the timing. BENCHMARKS.md holds
// the result.
func BenchmarkTelemetry(b *testing.B) {
	for _, par := range []int{1, 8} {
		b.Run(fmt.Sprintf("off/clients=%d", par), func(b *testing.B) {
			benchOperation(b, par, "orders_fanout", func(c *server.Config) {
				c.Metrics.Enabled = false
				c.Sources.Coalesce = false
			})
		})
		b.Run(fmt.Sprintf("on/clients=%d", par), func(b *testing.B) {
			tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(tracetest.NewNoopExporter()))
			defer func() { _ = tp.Shutdown(context.Background()) }()
			benchOperation(b, par, "orders_fanout", func(c *server.Config) { c.Sources.Coalesce = false }, withTracer(tp))
		})
	}
}

func benchOperation(b *testing.B, par int, op string, config func(*server.Config), more ...option) {
	benchOperationWith(b, par, op, config, token("c7", "web", allScopes...), more...) // me is c7's record
}

func benchOperationWith(b *testing.B, par int, op string, config func(*server.Config), tok string, more ...option) {
	opts := append([]option{withConfig(func(c *server.Config) {
		// The budget is checked and charged, and never runs out.
		c.Profiles.Web.Budget = server.BudgetConfig{Capacity: 1e15, RestoreRate: 1e12}
	})}, more...)
	if config != nil {
		opts = append(opts, withConfig(config))
	}
	q := aliasesOp
	if op != "aliases" {
		q = operation(b, op)
	}
	body, _ := json.Marshal(map[string]any{"query": q, "variables": map[string]any{"id": "o42", "ids": []string{"c1", "c2", "c3"}}})
	benchBody(b, par, body, nil, bearer(tok), opts...)
}

// benchBody posts body to a fresh harness b.N times from par clients per
// core, after warm (if any), and reports source calls per operation.
func benchBody(b *testing.B, par int, body []byte, warm func(*harness), auth string, opts ...option) {
	h := newHarness(b, opts...)
	if warm != nil {
		warm(h)
	}
	h.reset()
	b.SetParallelism(par)
	b.ReportAllocs()
	cpu0 := cpuTime()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, h.srv.URL+"/graphql", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", auth)
			resp, err := h.http.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			var out struct{ Errors []any }
			_ = json.NewDecoder(resp.Body).Decode(&out)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || len(out.Errors) > 0 {
				b.Errorf("status %d, errors %v", resp.StatusCode, out.Errors)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(h.calls())/float64(b.N), "calls/op")
	// CPU time is steadier than wall time on a shared machine; it counts
	// the whole process (the demo services too).
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
}

// BenchmarkPersisted compares a trusted document sent by id with the same
// operation sent as text (with and without gqlgen's query cache) and by
// APQ hash, end to end over loopback (BENCHMARKS.md).
func BenchmarkPersisted(b *testing.B) {
	text := operation(b, "order_detail")
	vars := map[string]any{"id": "o42"}
	id := demoIDs(b)["OrderDetail"]
	manifest := withManifest(demoManifest)
	noCache := withConfig(func(c *server.Config) { c.GraphQL.QueryCacheSize = 0 })
	register := func(h *harness) {
		h.postJSON(map[string]any{"query": text, "variables": vars, "extensions": apq(text)})
	}
	cases := []struct {
		name string
		body map[string]any
		warm func(*harness)
		opts []option
	}{
		{"text/no_query_cache", map[string]any{"query": text, "variables": vars}, nil, []option{manifest, noCache}},
		{"text/query_cache", map[string]any{"query": text, "variables": vars}, nil, []option{manifest}},
		{"apq_hash/query_cache", map[string]any{"extensions": apq(text), "variables": vars}, register, []option{manifest}},
		{"documentId/no_query_cache", map[string]any{"documentId": id, "variables": vars}, nil, []option{manifest, noCache}},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			body, _ := json.Marshal(tc.body)
			benchBody(b, 1, body, tc.warm, bearer(token("c1", "web", allScopes...)), tc.opts...)
		})
	}
}

// aliasesOp has no list to look ahead from: 20 root fields whose customers
// only the batch window can gather.
var aliasesOp = func() string {
	var b strings.Builder
	b.WriteString("{")
	for i := 1; i <= 20; i++ {
		fmt.Fprintf(&b, " o%d: order(id: \"o%d\") { id customer { name } }", i, i*37)
	}
	b.WriteString(" }")
	return b.String()
}()

// cpuTime is the CPU time (user and system) the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
