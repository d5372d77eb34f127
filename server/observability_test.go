package server_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/gqlbff/gqlbff/server"
	"github.com/gqlbff/gqlbff/sources/demo"
)

// TestMetricsAfterAKnownWorkload parses /metrics after a workload whose
// every count is known.
func TestMetricsAfterAKnownWorkload(t *testing.T) {
	h := newHarness(t)
	detail := operation(t, "order_detail")
	vars := map[string]any{"id": "o42"}
	h.query(detail, vars).response(t)
	h.query(detail, vars).response(t)
	h.svcs.Customers.SetStatus(http.StatusInternalServerError)
	h.query(detail, vars).response(t)
	h.svcs.Customers.SetStatus(0)
	h.do(context.Background(), http.MethodPost, "/graphql", "application/json", strings.NewReader(`[]`))
	h.query(`{ order(`, nil)

	h.scrape().want(t,
		seriesWant{"gqlbff_operations_total", "operation=OrderDetail,client=web,outcome=ok", 2},
		seriesWant{"gqlbff_operations_total", "operation=OrderDetail,client=web,outcome=partial", 1},
		seriesWant{"gqlbff_operations_total", "operation=invalid,client=web,outcome=rejected", 2},
		seriesWant{"gqlbff_operation_duration_seconds", "operation=OrderDetail,client=web", 3},
		seriesWant{"gqlbff_errors_total", "code=SOURCE_UNAVAILABLE", 1},
		seriesWant{"gqlbff_errors_total", "code=BAD_USER_INPUT", 1},
		seriesWant{"gqlbff_errors_total", "code=GRAPHQL_PARSE_FAILED", 1},
		seriesWant{"gqlbff_source_calls_total", "source=orders,endpoint=orders.byIDs,outcome=ok", 3},
		seriesWant{"gqlbff_source_calls_total", "source=customers,endpoint=customers.byIDs,outcome=ok", 2},
		seriesWant{"gqlbff_source_calls_total", "source=customers,endpoint=customers.byIDs,outcome=unavailable", 1},
		seriesWant{"gqlbff_source_call_duration_seconds", "source=orders,endpoint=orders.byIDs", 3},
		seriesWant{"gqlbff_dataloader_batch_size", "loader=order", 3},
		seriesWant{"gqlbff_dataloader_batch_size", "loader=customer", 3},
		seriesWant{"gqlbff_source_breaker_state", "source=orders", 0},
		seriesWant{"gqlbff_source_breaker_state", "source=customers", 0},
		seriesWant{"gqlbff_source_breaker_state", "source=analytics", 0},
	)
}

func TestOperationNamesAreFolded(t *testing.T) {
	h := newHarness(t, withConfig(func(c *server.Config) { c.Metrics.MaxOperationNames = 2 }))
	for _, name := range []string{"A", "B", "C", "A", "D", ""} {
		h.query("query "+name+" { dashboard { summary { orderCount } } }", nil).response(t)
	}
	m := h.scrape()
	m.want(t,
		seriesWant{"gqlbff_operations_total", "operation=A", 2},
		seriesWant{"gqlbff_operations_total", "operation=B", 1},
		seriesWant{"gqlbff_operations_total", "operation=other", 2},
		seriesWant{"gqlbff_operations_total", "operation=anonymous", 1},
	)
	if _, ok := m.value("gqlbff_operations_total", "operation=C"); ok {
		t.Errorf("operation=C: a series past the limit, want it folded into other")
	}
}

func TestMetricsCanBeTurnedOff(t *testing.T) {
	h := newHarness(t, withConfig(func(c *server.Config) { c.Metrics.Enabled = false }))
	h.query(operation(t, "me"), nil)
	if a := h.do(context.Background(), http.MethodGet, "/metrics", "", nil); a.status != http.StatusNotFound {
		t.Errorf("GET /metrics with metrics off: got %d, want 404", a.status)
	}
}

// TestTraceTree: with tracing on, one operation gives the span tree
// operation → dataloader batch → source call, in the caller's trace, and
// each source receives the traceparent of its call's span.
func TestTraceTree(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	h := newHarness(t, withTracer(tp))
	const caller = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	h.query(operation(t, "order_detail"), map[string]any{"id": "o42"}, "Traceparent", caller).response(t)
	// The batch spans end once their results are handed out, which may be
	// after the answer is written.
	eventually(t, "six spans", func() bool { return len(exp.GetSpans()) == 6 })

	byName := map[string]tracetest.SpanStub{}
	for _, s := range exp.GetSpans() {
		byName[s.Name] = s
	}
	op := byName["graphql query OrderDetail"]
	tree := []struct{ span, parent string }{
		{"graphql query OrderDetail", "POST /graphql"},
		{"dataloader order", "graphql query OrderDetail"},
		{"GET orders.byIDs", "dataloader order"},
		{"dataloader customer", "graphql query OrderDetail"},
		{"GET customers.byIDs", "dataloader customer"},
	}
	srv := byName["POST /graphql"]
	if got := srv.Parent.SpanID().String(); got != "00f067aa0ba902b7" || srv.SpanKind != trace.SpanKindServer {
		t.Errorf("HTTP server span: parent %s, kind %s; want the caller's span, server", got, srv.SpanKind)
	}
	for _, s := range exp.GetSpans() {
		if got := s.SpanContext.TraceID().String(); got != "4bf92f3577b34da6a3ce929d0e0e4736" {
			t.Errorf("%s: trace %s, want the caller's", s.Name, got)
		}
	}
	for _, e := range tree {
		if got, want := byName[e.span].Parent.SpanID(), byName[e.parent].SpanContext.SpanID(); !got.IsValid() || got != want {
			t.Errorf("parent of %q: got %s, want %q (%s)", e.span, got, e.parent, want)
		}
	}
	attrs := map[string]string{}
	for _, kv := range append(op.Attributes, byName["GET orders.byIDs"].Attributes...) {
		attrs[string(kv.Key)] = kv.Value.Emit()
	}
	for _, kv := range srv.Attributes {
		attrs[string(kv.Key)] = kv.Value.Emit()
	}
	for k, v := range map[string]string{
		"http.request.method":    "POST",
		"graphql.operation.name": "OrderDetail", "gqlbff.client": "web", "peer.service": "orders",
		"gqlbff.source.endpoint": "orders.byIDs", "gqlbff.source.ids": "1", "http.response.status_code": "200",
	} {
		if attrs[k] != v {
			t.Errorf("attribute %s: got %q, want %q", k, attrs[k], v)
		}
	}
	for _, c := range []struct {
		svc  *demo.Service
		span string
	}{{h.svcs.Orders, "GET orders.byIDs"}, {h.svcs.Customers, "GET customers.byIDs"}} {
		want := "00-4bf92f3577b34da6a3ce929d0e0e4736-" + byName[c.span].SpanContext.SpanID().String() + "-01"
		if got := c.svc.Requests()[0].Header.Get("Traceparent"); got != want {
			t.Errorf("traceparent seen by %s: got %q, want %q", c.svc.Name(), got, want)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for a logger and a test at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// contains reports whether the log holds s.
func (s *syncBuffer) contains(sub string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Contains(s.b.Bytes(), []byte(sub))
}

// lines returns the JSON log lines whose msg is msg.
func (s *syncBuffer) lines(t *testing.T, msg string) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(s.b.Bytes()))
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("log line is not JSON: %s", sc.Bytes())
		}
		if line["msg"] == msg {
			out = append(out, line)
		}
	}
	return out
}

func TestAccessLogLine(t *testing.T) {
	var buf syncBuffer
	h := newHarness(t, withLogger(slog.New(slog.NewJSONHandler(&buf, nil))))
	h.svcs.Customers.SetStatus(http.StatusInternalServerError)
	h.query(operation(t, "order_detail"), map[string]any{"id": "o42"}, "X-Request-Id", "req-log-1").response(t)
	lines := buf.lines(t, "request")
	if len(lines) != 1 {
		t.Fatalf("access lines: got %d, want 1", len(lines))
	}
	l := lines[0]
	for k, v := range map[string]any{
		"request_id": "req-log-1", "client": "web", "operation": "OrderDetail",
		"status": float64(200), "outcome": "partial", "level": "INFO",
	} {
		if l[k] != v {
			t.Errorf("%s: got %v, want %v", k, l[k], v)
		}
	}
	if d, _ := l["duration_ms"].(float64); d <= 0 {
		t.Errorf("duration_ms: got %v, want > 0", l["duration_ms"])
	}
	if codes, _ := l["errors"].([]any); len(codes) != 1 || codes[0] != "SOURCE_UNAVAILABLE" {
		t.Errorf("errors: got %v, want [SOURCE_UNAVAILABLE]", l["errors"])
	}
	se, _ := l["source_errors"].([]any)
	if len(se) != 1 || !strings.Contains(se[0].(string), "customers") || !strings.Contains(se[0].(string), "status 500") {
		t.Errorf("source_errors: got %v, want the customers source's 500", l["source_errors"])
	}
}

// TestAccessLogCarriesTheTrace checks that with tracing on a request's
// access line names its trace and span (the HTTP server span's), and the
// HTTP facts: method, path, remote address, bytes written.
func TestAccessLogCarriesTheTrace(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	var buf syncBuffer
	h := newHarness(t, withTracer(tp), withLogger(slog.New(slog.NewJSONHandler(&buf, nil))))
	const caller = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	a := h.query(`{ order(id: "o1") { id } }`, nil, "Traceparent", caller)
	lines := buf.lines(t, "request")
	if len(lines) != 1 {
		t.Fatalf("access lines: got %d, want 1", len(lines))
	}
	var server tracetest.SpanStub
	for _, s := range exp.GetSpans() {
		if s.Name == "POST /graphql" {
			server = s
		}
	}
	l := lines[0]
	for k, v := range map[string]any{
		"trace_id": "4bf92f3577b34da6a3ce929d0e0e4736", "span_id": server.SpanContext.SpanID().String(),
		"method": "POST", "path": "/graphql", "bytes": float64(len(a.body)),
	} {
		if l[k] != v {
			t.Errorf("%s: got %v, want %v", k, l[k], v)
		}
	}
	if ra, _ := l["remote_addr"].(string); !strings.HasPrefix(ra, "127.0.0.1:") {
		t.Errorf("remote_addr: got %v, want the client's address", l["remote_addr"])
	}
}

// TestPropagatorsFromConfig checks that OTEL_PROPAGATORS (tracing.propagators)
// decides the formats read from callers: with b3, a caller's b3 header
// continues its trace.
func TestPropagatorsFromConfig(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	h := newHarness(t, withTracer(tp), withConfig(func(c *server.Config) { c.Tracing.Propagators = []string{"b3", "tracecontext"} }))
	h.query(`{ order(id: "o1") { id } }`, nil, "B3", "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1").response(t)
	for _, s := range exp.GetSpans() {
		if s.Name == "POST /graphql" {
			if got := s.SpanContext.TraceID().String(); got != "80f198ee56343ba864fe8b2a57d3eff7" || s.Parent.SpanID().String() != "e457b5a2e4d86bd1" {
				t.Errorf("server span: trace %s parent %s, want the b3 caller's", got, s.Parent.SpanID())
			}
			return
		}
	}
	t.Fatal("no server span")
}
