package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gqlbff/gqlbff/internal/admission"
)

// overloadRetryAfter is the Retry-After of an OVERLOADED answer: a short
// while, for the limit to come back or another replica to take the request.
const overloadRetryAfter = time.Second

// newLimiter returns the admission limiter of cfg: fixed when
// http.maxInFlight is set, else adaptive (see package admission), asking
// the process's CPU time whether a slowdown is the CPU's.
func newLimiter(cfg HTTPConfig) *admission.Limiter {
	return admission.New(admission.Options{Fixed: cfg.MaxInFlight, QueueTimeout: cfg.QueueTimeout, CPUTime: admission.ProcessCPUTime})
}

// admit lets a request run only with a slot of the limiter, waiting at
// most http.queueTimeout in line (the no-load latency, at most a tenth
// of it, while the line is overloaded, see package admission); past that it answers 503 with
// Retry-After and OVERLOADED before the request is read or parsed. Only
// the GraphQL endpoint goes through it: health, readiness, metrics and the
// playground are never refused. The latency of each request admitted
// feeds the adaptive limit, unless its client went away.
func admit(l *admission.Limiter) func(http.Handler) http.Handler {
	retryAfter := strconv.Itoa(int(overloadRetryAfter / time.Second))
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			asked := time.Now()
			start, ok := l.Acquire(r.Context())
			if waited := time.Since(asked); waited >= 100*time.Microsecond {
				// The access line's queue_ms: the part of its duration
				// spent waiting for a slot (a free slot takes ~µs).
				rec := recordFrom(r.Context())
				rec.mu.Lock()
				rec.queued = waited
				rec.mu.Unlock()
			}
			if !ok {
				// The refusal is made once per request the server cannot
				// serve, so its body is encoded once, at start.
				recordFrom(r.Context()).addError(CodeOverloaded, nil)
				w.Header().Set("Retry-After", retryAfter)
				writeRefusal(w, http.StatusServiceUnavailable, overloadedBody)
				return
			}
			defer func() { l.Release(start, r.Context().Err() == nil) }()
			next.ServeHTTP(w, r)
		})
	}
}

// overloadedBody is the JSON errors body of every OVERLOADED refusal.
var overloadedBody = refusalJSONCode(CodeOverloaded, "the server is at its concurrency limit: try again after Retry-After")

// registerLimiter exposes the limiter's state as metrics, read at scrape
// time (nothing is counted per request).
func (m *metrics) registerLimiter(l *admission.Limiter) {
	gauge := func(name, help string, v func(admission.Stats) float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, func() float64 { return v(l.Stats()) })
	}
	m.reg.MustRegister(
		gauge("gqlbff_http_concurrency_limit", "GraphQL requests allowed to run at once (adaptive unless http.maxInFlight is set).",
			func(s admission.Stats) float64 { return float64(s.Limit) }),
		gauge("gqlbff_http_in_flight", "GraphQL requests running.",
			func(s admission.Stats) float64 { return float64(s.InFlight) }),
		gauge("gqlbff_http_queued", "GraphQL requests waiting for a slot (at most http.queueTimeout).",
			func(s admission.Stats) float64 { return float64(s.Queued) }),
		gauge("gqlbff_http_baseline_latency_seconds", "The no-load latency the adaptive limit compares with.",
			func(s admission.Stats) float64 { return s.BaselineRTT.Seconds() }),
		gauge("gqlbff_http_queue_overloaded", "1 while the line is overloaded: the newest waiter is served first and none waits more than the no-load latency (at most a tenth of http.queueTimeout).",
			func(s admission.Stats) float64 {
				if s.Overloaded {
					return 1
				}
				return 0
			}),
		gauge("gqlbff_http_cpu_busy", "The share of its CPUs gqlbff's threads ran or waited to run in the adaptive limit's last window (1: all of GOMAXPROCS); below 5/6 a slowdown is not taken for queueing. -1 where unknown.",
			func(s admission.Stats) float64 { return s.CPUBusy }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "gqlbff_http_shed_total",
			Help: "GraphQL requests refused with 503 OVERLOADED.",
		}, func() float64 { return float64(l.Stats().Shed) }),
	)
}
