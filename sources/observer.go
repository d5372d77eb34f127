package sources

import (
	"context"
	"net/http"
	"time"

	"github.com/graph-gophers/dataloader/v7"
)

// Observer is told what the sources do, so that the server can trace and
// count it without the sources knowing metrics or tracing. Its methods are
// called concurrently and must not block.
type Observer interface {
	// StartCall begins one attempt of a source call; the context it returns
	// is the attempt's (it may carry a span, see Inject), and end is called
	// once the attempt is over.
	StartCall(ctx context.Context, c CallInfo) (_ context.Context, end func(CallResult))
	// Retry is called before a call is tried again.
	Retry(source, endpoint string)
	// Coalesced is called when a call shares another one in flight.
	Coalesced(source, endpoint string)
	// BreakerChanged is called when a source's breaker changes state.
	BreakerChanged(source string, state BreakerState)
	// StartBatch begins a dataloader batch of size keys; end is called once
	// its call is over.
	StartBatch(ctx context.Context, loader string, size int) (_ context.Context, end func())
	// Inject writes the trace context of ctx into a source call's headers
	// (W3C traceparent).
	Inject(ctx context.Context, h http.Header)
}

// CallInfo describes one attempt of a source call.
type CallInfo struct {
	// Source is orders, customers or analytics.
	Source string
	// Endpoint names the call, such as "orders.byIDs" (a closed set).
	Endpoint string
	// IDs is how many ids the call asks for; 0 when it asks for none.
	IDs int
	// Attempt counts from 0; a retry is attempt 1.
	Attempt int
}

// CallResult is how an attempt ended.
type CallResult struct {
	Outcome Outcome
	// Status is the HTTP status, 0 when the source did not answer.
	Status   int
	Duration time.Duration
	// Err is the attempt's *Error, nil on success.
	Err error
}

// NopObserver observes nothing. Embed it to implement part of Observer.
type NopObserver struct{}

var _ Observer = NopObserver{}

// StartCall implements Observer.
func (NopObserver) StartCall(ctx context.Context, _ CallInfo) (context.Context, func(CallResult)) {
	return ctx, func(CallResult) {}
}

// Retry implements Observer.
func (NopObserver) Retry(string, string) {}

// Coalesced implements Observer.
func (NopObserver) Coalesced(string, string) {}

// BreakerChanged implements Observer.
func (NopObserver) BreakerChanged(string, BreakerState) {}

// StartBatch implements Observer.
func (NopObserver) StartBatch(ctx context.Context, _ string, _ int) (context.Context, func()) {
	return ctx, func() {}
}

// Inject implements Observer.
func (NopObserver) Inject(context.Context, http.Header) {}

// batchTracer reports a loader's batches to the observer through
// dataloader's Tracer hook; loads are not traced one by one.
type batchTracer[V any] struct {
	obs  Observer
	name string
}

var _ dataloader.Tracer[string, int] = batchTracer[int]{}

func (t batchTracer[V]) TraceLoad(ctx context.Context, _ string) (context.Context, dataloader.TraceLoadFinishFunc[V]) {
	return ctx, func(dataloader.Thunk[V]) {}
}

func (t batchTracer[V]) TraceLoadMany(ctx context.Context, _ []string) (context.Context, dataloader.TraceLoadManyFinishFunc[V]) {
	return ctx, func(dataloader.ThunkMany[V]) {}
}

func (t batchTracer[V]) TraceBatch(ctx context.Context, keys []string) (context.Context, dataloader.TraceBatchFinishFunc[V]) {
	ctx, end := t.obs.StartBatch(ctx, t.name, len(keys))
	return ctx, func([]*dataloader.Result[V]) { end() }
}
