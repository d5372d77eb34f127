package server_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc"

	"github.com/gqlbff/gqlbff/server"
)

// collector is an OTLP trace collector over gRPC counting what it
// receives.
type collector struct {
	collectortrace.UnimplementedTraceServiceServer
	spans atomic.Int64
}

func (c *collector) Export(_ context.Context, req *collectortrace.ExportTraceServiceRequest) (*collectortrace.ExportTraceServiceResponse, error) {
	for _, rs := range req.GetResourceSpans() {
		for _, ss := range rs.GetScopeSpans() {
			c.spans.Add(int64(len(ss.GetSpans())))
		}
	}
	return &collectortrace.ExportTraceServiceResponse{}, nil
}

// TestTracesReachACollector exports a span over each OTLP protocol
// (OTEL_EXPORTER_OTLP_PROTOCOL) to a real collector endpoint.
func TestTracesReachACollector(t *testing.T) {
	t.Run("grpc", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		c := &collector{}
		srv := grpc.NewServer()
		collectortrace.RegisterTraceServiceServer(srv, c)
		go func() { _ = srv.Serve(ln) }()
		t.Cleanup(srv.Stop)
		exportOne(t, server.TracingConfig{Endpoint: "http://" + ln.Addr().String(), Protocol: "grpc"})
		if n := c.spans.Load(); n != 1 {
			t.Errorf("spans received over gRPC: got %d, want 1", n)
		}
	})
	t.Run("http/protobuf", func(t *testing.T) {
		var posts atomic.Int64
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost && r.URL.Path == "/v1/traces" && r.Header.Get("Content-Type") == "application/x-protobuf" {
				_, _ = io.Copy(io.Discard, r.Body)
				posts.Add(1)
			}
			w.Header().Set("Content-Type", "application/x-protobuf")
		}))
		t.Cleanup(srv.Close)
		exportOne(t, server.TracingConfig{Endpoint: srv.URL + "/v1/traces", Protocol: "http/protobuf"})
		if n := posts.Load(); n != 1 {
			t.Errorf("OTLP/HTTP posts: got %d, want 1", n)
		}
	})
}

func exportOne(t *testing.T, cfg server.TracingConfig) {
	t.Helper()
	ctx := context.Background()
	tp, shutdown, err := server.NewTracerProvider(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, span := tp.Tracer("test").Start(ctx, "one")
	span.End()
	if err := shutdown(ctx); err != nil {
		t.Fatalf("flushing to the collector: %v", err)
	}
}
