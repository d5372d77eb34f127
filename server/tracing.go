package server

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/contrib/propagators/autoprop"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	noopmetric "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// tracerName is the instrumentation scope of gqlbff's spans.
const tracerName = "github.com/gqlbff/gqlbff"

// NewTracerProvider returns the tracer provider cfg describes: an SDK
// provider exporting to cfg.Endpoint over OTLP (HTTP or gRPC, by
// cfg.Protocol) in batches, or nil when tracing is off. shutdown flushes
// and stops it.
func NewTracerProvider(ctx context.Context, cfg TracingConfig) (_ trace.TracerProvider, shutdown func(context.Context) error, _ error) {
	if cfg.Endpoint == "" {
		return nil, func(context.Context) error { return nil }, nil
	}
	var exp sdktrace.SpanExporter
	var err error
	if cfg.Protocol == "grpc" {
		exp, err = otlptracegrpc.New(ctx, otlptracegrpc.WithEndpointURL(cfg.Endpoint))
	} else {
		exp, err = otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(cfg.Endpoint))
	}
	if err != nil {
		return nil, nil, err
	}
	// Later detectors win: OTEL_SERVICE_NAME overrides the default name.
	res, err := resource.New(ctx,
		resource.WithAttributes(attribute.String("service.name", "gqlbff")),
		resource.WithTelemetrySDK(),
		resource.WithFromEnv(),
	)
	if err != nil {
		return nil, nil, err
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	return tp, tp.Shutdown, nil
}

// applyOTelEnv reads the standard OTEL_* variables that decide whether,
// where and how traces go, and which trace context formats are read and
// written.
func applyOTelEnv(t *TracingConfig, getenv func(string) string) {
	if v := getenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"); v != "" {
		t.Protocol = v
	} else if v := getenv("OTEL_EXPORTER_OTLP_PROTOCOL"); v != "" {
		t.Protocol = v
	}
	if v := getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"); v != "" {
		t.Endpoint = v
	} else if v := getenv("OTEL_EXPORTER_OTLP_ENDPOINT"); v != "" {
		t.Endpoint = strings.TrimRight(v, "/")
		if t.Protocol != "grpc" {
			t.Endpoint += "/v1/traces"
		}
	}
	if v := getenv("OTEL_PROPAGATORS"); v != "" {
		t.Propagators = strings.Split(v, ",")
		for i := range t.Propagators {
			t.Propagators[i] = strings.TrimSpace(t.Propagators[i])
		}
	}
	if strings.EqualFold(getenv("OTEL_SDK_DISABLED"), "true") || getenv("OTEL_TRACES_EXPORTER") == "none" {
		t.Endpoint = ""
	}
}

// propagator is the composite of cfg's propagators (the OpenTelemetry
// contrib's autoprop names).
func propagator(cfg TracingConfig) (propagation.TextMapPropagator, error) {
	return autoprop.TextMapPropagator(cfg.Propagators...)
}

// traceContext reads a caller's trace context in the configured formats.
// With tracing on it is otelhttp's server span (HTTP semantic
// conventions) around the request; with tracing off the request still gets
// a span context of its own, a new span id in the caller's trace (or a new
// trace), so that the sources receive a valid traceparent that continues
// the caller's trace (DESIGN.md).
func traceContext(tp trace.TracerProvider, prop propagation.TextMapPropagator) func(http.Handler) http.Handler {
	if tp != nil {
		return otelhttp.NewMiddleware("graphql",
			otelhttp.WithTracerProvider(tp),
			otelhttp.WithPropagators(prop),
			otelhttp.WithMeterProvider(noopmetric.NewMeterProvider()),
			otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return r.Method + " " + r.URL.Path }),
		)
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx := prop.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
			ctx = trace.ContextWithRemoteSpanContext(ctx, childSpanContext(trace.SpanContextFromContext(ctx)))
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

// childSpanContext is a new span id under parent, or a new unsampled trace
// when parent is not valid. Span ids need to be unique, not secret.
func childSpanContext(parent trace.SpanContext) trace.SpanContext {
	var sid trace.SpanID
	putUint64(sid[:], nonZero())
	cfg := trace.SpanContextConfig{SpanID: sid, Remote: true}
	if parent.IsValid() {
		cfg.TraceID, cfg.TraceFlags, cfg.TraceState = parent.TraceID(), parent.TraceFlags(), parent.TraceState()
	} else {
		putUint64(cfg.TraceID[:8], nonZero())
		putUint64(cfg.TraceID[8:], rand.Uint64())
	}
	return trace.NewSpanContext(cfg)
}

func nonZero() uint64 {
	for {
		if v := rand.Uint64(); v != 0 {
			return v
		}
	}
}

func putUint64(b []byte, v uint64) {
	for i := range 8 {
		b[i] = byte(v >> (56 - 8*i))
	}
}

// operationTracer is the gqlgen extension that opens a span per GraphQL
// operation: its name and type, the client profile, and its cost once the
// cost analysis has reported it (ReportCost). Installed only with tracing on.
type operationTracer struct {
	tracer trace.Tracer
}

var (
	_ graphql.HandlerExtension    = operationTracer{}
	_ graphql.ResponseInterceptor = operationTracer{}
)

// ExtensionName implements graphql.HandlerExtension.
func (operationTracer) ExtensionName() string { return "OperationTracer" }

// Validate implements graphql.HandlerExtension.
func (operationTracer) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptResponse implements graphql.ResponseInterceptor: the span
// encloses the execution, so every batch and source call is below it.
func (t operationTracer) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	typ, name := "", ""
	if graphql.HasOperationContext(ctx) {
		if op := graphql.GetOperationContext(ctx).Operation; op != nil {
			typ, name = string(op.Operation), op.Name
		}
	}
	rec := recordFrom(ctx)
	ctx, span := t.tracer.Start(ctx, strings.TrimSpace("graphql "+typ+" "+name),
		trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(
			attribute.String("graphql.operation.name", name),
			attribute.String("graphql.operation.type", typ),
			attribute.String("gqlbff.client", rec.clientName()),
		))
	defer span.End()
	resp := next(ctx)
	if cost, ok := rec.costOf(); ok {
		span.SetAttributes(attribute.Float64("gqlbff.cost", cost))
	}
	if resp != nil && len(resp.Errors) > 0 {
		span.SetAttributes(attribute.Int("graphql.errors", len(resp.Errors)))
		span.SetStatus(codes.Error, "the answer has errors")
	}
	return resp
}
