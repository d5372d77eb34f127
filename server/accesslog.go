package server

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/gqlbff/gqlbff/caller"
	"github.com/gqlbff/gqlbff/sources"
)

// maxLoggedSourceErrors bounds the distinct source errors an access line holds.
const maxLoggedSourceErrors = 5

// record is what one request's handling learns along the way, for its
// access line and its metrics: the transport, the presenter, the operation
// tracer and the cost analysis write into it.
type record struct {
	mu            sync.Mutex
	operation     string
	parsed        bool
	client        string
	cost          float64
	hasCost       bool
	budgetRefused bool
	apqMiss       bool
	// queued is how long the request waited in the admission line (0: it
	// found a slot free, or was refused at once).
	queued       time.Duration
	codes        []string
	sourceErrors []string
}

// recordSlot holds the request's record in its caller.Request.
var recordSlot = caller.NewSlot()

// withRecord returns a context that carries rec: in place, in the
// request's caller.Request when it has one (requestMeta made it).
func withRecord(ctx context.Context, rec *record) context.Context {
	if req := caller.RequestOf(ctx); req != nil {
		req.Set(recordSlot, rec)
		return ctx
	}
	return caller.WithValue(ctx, recordSlot, rec)
}

// recordFrom returns the request's record; a throwaway one outside a request.
func recordFrom(ctx context.Context) *record {
	if rec, ok := caller.Value(ctx, recordSlot).(*record); ok {
		return rec
	}
	return &record{}
}

// ReportCost records the computed cost of the request's operation: it goes
// to the access line, the operation span and the cost histogram.
func reportCost(ctx context.Context, cost float64) {
	rec := recordFrom(ctx)
	rec.mu.Lock()
	rec.cost, rec.hasCost = cost, true
	rec.mu.Unlock()
}

// ReportBudgetRefusal records that the request was refused because its
// client's cost budget was spent (counted in gqlbff_budget_refusals_total).
func reportBudgetRefusal(ctx context.Context) {
	rec := recordFrom(ctx)
	rec.mu.Lock()
	rec.budgetRefused = true
	rec.mu.Unlock()
}

// markAPQMiss records that the request sent an APQ hash gqlbff does not
// know: an expected step of the APQ protocol (the client sends the text
// next), counted as its own outcome rather than as an error.
func (r *record) markAPQMiss() {
	r.mu.Lock()
	r.apqMiss = true
	r.mu.Unlock()
}

func (r *record) setOperation(name string, parsed bool) {
	r.mu.Lock()
	r.operation, r.parsed = name, parsed
	r.mu.Unlock()
}

func (r *record) setClient(client string) {
	if client == "" {
		return
	}
	r.mu.Lock()
	r.client = client
	r.mu.Unlock()
}

func (r *record) clientName() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.client
}

func (r *record) costOf() (float64, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cost, r.hasCost
}

// addError notes an error sent to the client, and for a source error its
// (internal) detail.
func (r *record) addError(code string, se *sources.Error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.codes = append(r.codes, code)
	if se == nil || len(r.sourceErrors) >= maxLoggedSourceErrors {
		return
	}
	msg := se.Error()
	for _, s := range r.sourceErrors {
		if s == msg {
			return
		}
	}
	r.sourceErrors = append(r.sourceErrors, msg)
}

// accessLog writes one line per request (request id, trace and span ids
// when tracing, method, path, remote address, client, operation, cost,
// status, bytes, duration, the wait in the admission line, source errors)
// and counts it in the metrics.
func accessLog(log *slog.Logger, m *metrics, defaultClient string, tracing bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			rec := &record{client: defaultClient}
			sw := &statusWriter{ResponseWriter: w}
			if ctx := withRecord(r.Context(), rec); ctx != r.Context() {
				r = r.WithContext(ctx)
			}
			next.ServeHTTP(sw, r)
			d := time.Since(start)

			rec.mu.Lock()
			defer rec.mu.Unlock()
			outcome := outcomeOf(sw.status, len(rec.codes))
			if rec.apqMiss && sw.status == http.StatusOK {
				outcome = outcomeAPQMiss
			}
			if m != nil {
				m.request(rec, outcome, d)
			}
			if !log.Enabled(r.Context(), slog.LevelInfo) {
				return
			}
			attrs := make([]slog.Attr, 0, 16)
			attrs = append(attrs, slog.String("request_id", caller.From(r.Context()).RequestID))
			if sc := trace.SpanContextFromContext(r.Context()); tracing && sc.IsValid() {
				attrs = append(attrs, slog.String("trace_id", sc.TraceID().String()), slog.String("span_id", sc.SpanID().String()))
			}
			attrs = append(attrs,
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.String("remote_addr", r.RemoteAddr),
				slog.String("client", rec.client),
				slog.String("operation", rec.operation),
				slog.Int("status", sw.status),
				slog.Int64("bytes", sw.bytes),
				slog.String("outcome", outcome),
				slog.Float64("duration_ms", float64(d.Microseconds())/1000),
			)
			if rec.hasCost {
				attrs = append(attrs, slog.Float64("cost", rec.cost))
			}
			if rec.queued > 0 {
				attrs = append(attrs, slog.Float64("queue_ms", float64(rec.queued.Microseconds())/1000))
			}
			if len(rec.codes) > 0 {
				attrs = append(attrs, slog.Any("errors", rec.codes))
			}
			if len(rec.sourceErrors) > 0 {
				attrs = append(attrs, slog.Any("source_errors", rec.sourceErrors))
			}
			// A record made here rather than by LogAttrs, which would walk the
			// stack for the caller's program counter: nothing logs it (no
			// AddSource), and the walk was about 0.7% of the CPU under load.
			line := slog.NewRecord(time.Now(), slog.LevelInfo, "request", 0)
			line.AddAttrs(attrs...)
			_ = log.Handler().Handle(r.Context(), line)
		})
	}
}

// outcomeAPQMiss is the outcome of a request whose APQ hash was unknown.
const outcomeAPQMiss = "apq_miss"

// outcomeOf names how a request ended: ok, partial (an answer with
// errors), rejected (4xx), error (5xx) or canceled (the client left and
// nothing was written).
func outcomeOf(status, errs int) string {
	switch {
	case status == 0:
		return "canceled"
	case status >= 500:
		return "error"
	case status >= 400:
		return "rejected"
	case errs > 0:
		return "partial"
	default:
		return "ok"
	}
}

// statusWriter remembers the status and counts the body bytes written.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
