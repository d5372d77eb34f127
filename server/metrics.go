package server

import (
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/gqlbff/gqlbff/sources"
)

// Label values that stand for many operation names.
const (
	opAnonymous = "anonymous" // an operation without a name
	opInvalid   = "invalid"   // refused before an operation was known
	opOther     = "other"     // a name past the first MaxOperationNames
)

// metrics are one server's Prometheus series, on a registry of its own
// (no global state). Every label has a bounded set of values: operation
// names are folded (opNames), clients are the profiles, codes the closed
// vocabulary, sources, endpoints, loaders and outcomes are fixed in code.
type metrics struct {
	reg            *prometheus.Registry
	names          *opNames
	operations     *prometheus.CounterVec
	opDuration     *prometheus.HistogramVec
	errors         *prometheus.CounterVec
	sourceCalls    *prometheus.CounterVec
	sourceDuration *prometheus.HistogramVec
	retries        *prometheus.CounterVec
	coalesced      *prometheus.CounterVec
	breaker        *prometheus.GaugeVec
	batchSize      *prometheus.HistogramVec
	cost           *prometheus.HistogramVec
	budgetRefusals *prometheus.CounterVec
	// The record cache's (cache.Observer): no user ids nor keys in labels.
	cacheLookups     *prometheus.CounterVec
	cacheSaved       *prometheus.CounterVec
	cacheJoined      *prometheus.CounterVec
	cacheSkipped     *prometheus.CounterVec
	cacheRedisErrors *prometheus.CounterVec
	// Every Redis client's round trips (redisTimer), by store.
	redisDuration *prometheus.HistogramVec
	// The children of the series every request and every source call
	// counts, by their labels: resolved once (WithLabelValues hashes and
	// validates every label and takes the vector's lock on each use). The
	// label sets are bounded (see above), so are these.
	requestSeries sync.Map // requestLabels → *requestChildren
	costSeries    sync.Map // client → prometheus.Observer
	batchSeries   sync.Map // loader → prometheus.Observer
	sourceSeries  sync.Map // sourceLabels → *sourceChildren
}

type requestLabels struct{ op, client, outcome string }

type requestChildren struct {
	operations prometheus.Counter
	duration   prometheus.Observer
}

type sourceLabels struct {
	source, endpoint string
	outcome          sources.Outcome
}

type sourceChildren struct {
	calls    prometheus.Counter
	duration prometheus.Observer
}

// child returns the series stored under k in series, made by mk on the
// first use of k.
func child[K comparable, V any](series *sync.Map, k K, mk func() V) V {
	if v, ok := series.Load(k); ok {
		return v.(V)
	}
	v, _ := series.LoadOrStore(k, mk())
	return v.(V)
}

func (m *metrics) requestChildren(l requestLabels) *requestChildren {
	return child(&m.requestSeries, l, func() *requestChildren {
		return &requestChildren{
			operations: m.operations.WithLabelValues(l.op, l.client, l.outcome),
			duration:   m.opDuration.WithLabelValues(l.op, l.client),
		}
	})
}

// batchSizeOf is the batch size histogram of a loader.
func (m *metrics) batchSizeOf(loader string) prometheus.Observer {
	return child(&m.batchSeries, loader, func() prometheus.Observer { return m.batchSize.WithLabelValues(loader) })
}

// costOf is the cost histogram of a client, made on its first cost (a
// client whose requests were never priced has no series).
func (m *metrics) costOf(client string) prometheus.Observer {
	return child(&m.costSeries, client, func() prometheus.Observer { return m.cost.WithLabelValues(client) })
}

func (m *metrics) sourceChildren(l sourceLabels) *sourceChildren {
	return child(&m.sourceSeries, l, func() *sourceChildren {
		return &sourceChildren{
			calls:    m.sourceCalls.WithLabelValues(l.source, l.endpoint, string(l.outcome)),
			duration: m.sourceDuration.WithLabelValues(l.source, l.endpoint),
		}
	})
}

func newMetrics(maxNames int) *metrics {
	m := &metrics{
		reg:   prometheus.NewRegistry(),
		names: &opNames{max: maxNames, known: map[string]bool{}},
		operations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gqlbff_operations_total",
			Help: "GraphQL requests by operation name, client profile and outcome (ok, partial, apq_miss, rejected, error, canceled).",
		}, []string{"operation", "client", "outcome"}),
		opDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "gqlbff_operation_duration_seconds",
			Help:    "GraphQL request latency by operation name and client profile.",
			Buckets: prometheus.DefBuckets,
		}, []string{"operation", "client"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gqlbff_errors_total",
			Help: "Errors sent to clients, by extensions.code.",
		}, []string{"code"}),
		sourceCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gqlbff_source_calls_total",
			Help: "Source call attempts by source, endpoint and outcome.",
		}, []string{"source", "endpoint", "outcome"}),
		sourceDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "gqlbff_source_call_duration_seconds",
			Help:    "Source call attempt latency by source and endpoint.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"source", "endpoint"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gqlbff_source_retries_total",
			Help: "Source calls tried again, by source and endpoint.",
		}, []string{"source", "endpoint"}),
		coalesced: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gqlbff_source_coalesced_total",
			Help: "Source calls that shared an identical call in flight instead of making their own.",
		}, []string{"source", "endpoint"}),
		breaker: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "gqlbff_source_breaker_state",
			Help: "Circuit breaker state per source: 0 closed, 1 half-open, 2 open.",
		}, []string{"source"}),
		batchSize: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "gqlbff_dataloader_batch_size",
			Help:    "Keys per dataloader batch, by loader.",
			Buckets: []float64{1, 2, 5, 10, 20, 50, 100},
		}, []string{"loader"}),
		cost: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "gqlbff_operation_cost",
			Help:    "Computed cost of operations, by client profile.",
			Buckets: []float64{1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000},
		}, []string{"client"}),
		budgetRefusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gqlbff_budget_refusals_total",
			Help: "Operations refused because the client's cost budget was spent, by client profile.",
		}, []string{"client"}),
		cacheLookups: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gqlbff_cache_lookups_total",
			Help: "Record cache lookups by source, tier (memory, redis) and result (hit, miss, stale).",
		}, []string{"source", "tier", "result"}),
		cacheSaved: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gqlbff_cache_source_calls_saved_total",
			Help: "Source calls not made because every record they would have fetched was fresh in the cache.",
		}, []string{"source"}),
		cacheJoined: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gqlbff_cache_joined_total",
			Help: "Record lookups that joined a refresh already in flight instead of calling.",
		}, []string{"source"}),
		cacheSkipped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gqlbff_cache_store_skipped_total",
			Help: "Records not stored, by source and reason (failure, no_store, private).",
		}, []string{"source", "reason"}),
		cacheRedisErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gqlbff_cache_redis_errors_total",
			Help: "Redis commands of the record cache that failed (breaker open included), by command.",
		}, []string{"op"}),
		redisDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "gqlbff_redis_command_duration_seconds",
			Help:    "Redis round trips (a command, or a pipeline as one), failed ones included, by store: budgets, apq or cache.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1},
		}, []string{"store"}),
	}
	m.reg.MustRegister(m.redisDuration,
		m.cacheLookups, m.cacheSaved, m.cacheJoined, m.cacheSkipped, m.cacheRedisErrors,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.operations, m.opDuration, m.errors, m.sourceCalls, m.sourceDuration,
		m.retries, m.coalesced, m.breaker, m.batchSize, m.cost, m.budgetRefusals,
	)
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// request counts one finished GraphQL request from its record, whose lock
// the caller holds.
func (m *metrics) request(rec *record, outcome string, d time.Duration) {
	op := opInvalid
	if rec.parsed || rec.apqMiss {
		// An APQ miss carries the operation name the client sent with
		// its hash.
		op = m.names.label(rec.operation)
	}
	client := rec.client
	series := m.requestChildren(requestLabels{op: op, client: client, outcome: outcome})
	series.operations.Inc()
	series.duration.Observe(d.Seconds())
	for _, code := range rec.codes {
		if !slices.Contains(clientCodes, code) {
			code = opOther
		}
		m.errors.WithLabelValues(code).Inc()
	}
	if rec.hasCost {
		m.costOf(client).Observe(rec.cost)
	}
	if rec.budgetRefused {
		m.budgetRefusals.WithLabelValues(client).Inc()
	}
}

func (m *metrics) sourceCall(c sources.CallInfo, r sources.CallResult) {
	series := m.sourceChildren(sourceLabels{source: c.Source, endpoint: c.Endpoint, outcome: r.Outcome})
	series.calls.Inc()
	series.duration.Observe(r.Duration.Seconds())
}

// opNames folds operation names into a bounded label set: the first max
// distinct names seen are kept, every later new name is "other". A caller
// can spend the slots with made-up names; persisted operations, where the
// set of names is known, close that.
type opNames struct {
	mu    sync.RWMutex
	max   int
	known map[string]bool
}

func (n *opNames) label(name string) string {
	if name == "" {
		return opAnonymous
	}
	n.mu.RLock()
	ok, full := n.known[name], len(n.known) >= n.max
	n.mu.RUnlock()
	switch {
	case ok:
		return name
	case full:
		return opOther
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if len(n.known) >= n.max && !n.known[name] {
		return opOther
	}
	n.known[name] = true
	return name
}
