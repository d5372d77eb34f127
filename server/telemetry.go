package server

import (
	"context"
	"net/http"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/gqlbff/gqlbff/sources"
	"github.com/gqlbff/gqlbff/sources/cache"
)

// telemetry observes the sources (sources.Observer) for the metrics and the
// traces. Either may be off: m nil, tracer nil; then it costs a nil check.
type telemetry struct {
	m      *metrics
	tracer trace.Tracer
	prop   propagation.TraceContext
}

var (
	_ sources.Observer = (*telemetry)(nil)
	_ cache.Observer   = (*telemetry)(nil)
)

func newTelemetry(m *metrics, tp trace.TracerProvider) *telemetry {
	t := &telemetry{m: m}
	if tp != nil {
		t.tracer = tp.Tracer(tracerName)
	}
	return t
}

func (t *telemetry) tracing() bool { return t.tracer != nil }

// StartCall implements sources.Observer: a client span per attempt.
func (t *telemetry) StartCall(ctx context.Context, c sources.CallInfo) (context.Context, func(sources.CallResult)) {
	var span trace.Span
	if t.tracer != nil {
		ctx, span = t.tracer.Start(ctx, "GET "+c.Endpoint,
			trace.WithSpanKind(trace.SpanKindClient),
			trace.WithAttributes(
				attribute.String("peer.service", c.Source),
				attribute.String("gqlbff.source.endpoint", c.Endpoint),
				attribute.Int("gqlbff.source.ids", c.IDs),
				attribute.Int("gqlbff.source.attempt", c.Attempt),
			))
	}
	return ctx, func(r sources.CallResult) {
		if t.m != nil {
			t.m.sourceCall(c, r)
		}
		if span == nil {
			return
		}
		if r.Status != 0 {
			span.SetAttributes(attribute.Int("http.response.status_code", r.Status))
		}
		span.SetAttributes(attribute.String("gqlbff.source.outcome", string(r.Outcome)))
		if r.Err != nil && r.Outcome != sources.OutcomeNotFound {
			span.SetStatus(codes.Error, string(r.Outcome))
		}
		span.End()
	}
}

// Retry implements sources.Observer.
func (t *telemetry) Retry(source, endpoint string) {
	if t.m != nil {
		t.m.retries.WithLabelValues(source, endpoint).Inc()
	}
}

// Coalesced implements sources.Observer.
func (t *telemetry) Coalesced(source, endpoint string) {
	if t.m != nil {
		t.m.coalesced.WithLabelValues(source, endpoint).Inc()
	}
}

// BreakerChanged implements sources.Observer.
func (t *telemetry) BreakerChanged(source string, s sources.BreakerState) {
	if t.m != nil {
		t.m.breaker.WithLabelValues(source).Set(float64(s))
	}
}

// StartBatch implements sources.Observer: a span per dataloader batch.
func (t *telemetry) StartBatch(ctx context.Context, loader string, size int) (context.Context, func()) {
	if t.m != nil {
		t.m.batchSizeOf(loader).Observe(float64(size))
	}
	if t.tracer == nil {
		return ctx, func() {}
	}
	ctx, span := t.tracer.Start(ctx, "dataloader "+loader,
		trace.WithAttributes(attribute.String("gqlbff.loader", loader), attribute.Int("gqlbff.batch.size", size)))
	return ctx, func() { span.End() }
}

// Inject implements sources.Observer: the W3C traceparent of the call's span.
func (t *telemetry) Inject(ctx context.Context, h http.Header) {
	t.prop.Inject(ctx, propagation.HeaderCarrier(h))
}

// Lookup implements cache.Observer.
func (t *telemetry) Lookup(source, tier, result string) {
	if t.m != nil {
		t.m.cacheLookups.WithLabelValues(source, tier, result).Inc()
	}
}

// StoreSkipped implements cache.Observer.
func (t *telemetry) StoreSkipped(source, reason string) {
	if t.m != nil {
		t.m.cacheSkipped.WithLabelValues(source, reason).Inc()
	}
}

// RedisError implements cache.Observer.
func (t *telemetry) RedisError(op string) {
	if t.m != nil {
		t.m.cacheRedisErrors.WithLabelValues(op).Inc()
	}
}

// Saved implements cache.Observer.
func (t *telemetry) Saved(source string) {
	if t.m != nil {
		t.m.cacheSaved.WithLabelValues(source).Inc()
	}
}

// Joined implements cache.Observer.
func (t *telemetry) Joined(source string) {
	if t.m != nil {
		t.m.cacheJoined.WithLabelValues(source).Inc()
	}
}
