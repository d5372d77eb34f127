// Package server assembles gqlbff's http.Handler: the policy middleware,
// the GraphQL transport, the playground, health and readiness. It knows
// nothing of orders or customers: those live in resolvers and sources.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/redis/go-redis/v9"
	"github.com/vektah/gqlparser/v2/ast"
	"go.opentelemetry.io/otel/trace"

	"github.com/gqlbff/gqlbff"
	"github.com/gqlbff/gqlbff/auth"
	"github.com/gqlbff/gqlbff/budget"
	"github.com/gqlbff/gqlbff/graph"
	"github.com/gqlbff/gqlbff/persisted"
	"github.com/gqlbff/gqlbff/resolvers"
	"github.com/gqlbff/gqlbff/server/playground"
	"github.com/gqlbff/gqlbff/sources"
)

// Deps are what a handler needs besides its configuration.
type Deps struct {
	// Sources are the clients of the REST services, observed by whatever
	// observer they were built with: New never changes it. nil: New builds
	// them from cfg, observed by the handler's metrics and traces, with
	// the identity-token hook of the sources that take one, and Close
	// closes them.
	Sources *sources.Sources
	// Logger receives the logs; nil discards them.
	Logger *slog.Logger
	// Pricer prices each trusted document once, at load; nil: the cost
	// analyzer of the cost policy.
	Pricer persisted.Pricer
	// PlaygroundHeaders pre-fill the playground's headers editor, such as
	// an Authorization header with a dev token in demo mode.
	PlaygroundHeaders map[string]string
	// Budgets keeps the clients' cost budgets (OpenBudgets); nil keeps them
	// in memory, which a configured redis.url does not allow. The caller
	// closes it.
	Budgets budget.Store
	// TracerProvider makes the spans; nil turns tracing off (see
	// NewTracerProvider). Source calls carry a W3C traceparent either way.
	TracerProvider trace.TracerProvider
	// AdminRoutes are served on the admin listener only (admin.listen), and
	// only to a caller with the admin key (admin.key); without a key they
	// are off. This is where endpoints that change state or expose
	// internals belong, such as cache invalidation: build the handler, add
	// an AdminRoute{Pattern: "POST /cache/invalidate", Handler: h}.
	AdminRoutes []AdminRoute
}

// OpenBudgets returns the store of the cost budgets cfg asks for: Redis
// when redis.url is set, else memory. Close it after the handlers that use
// it.
func OpenBudgets(cfg Config) (budget.Store, error) {
	if cfg.Redis.URL == "" {
		return budget.NewMemory(), nil
	}
	return budget.NewRedis(cfg.Redis.URL, cfg.Redis.Timeout)
}

// Handler is gqlbff's http.Handler. It owns background work (the JWKS
// refresher, the manifest watcher) and connections (Redis): Close releases
// them once the server has stopped serving.
type Handler struct {
	http.Handler
	admin     http.Handler
	verifier  *auth.Verifier
	persisted *persistedPolicy
	costs     *costLimit
	ready     *readiness
	stop      func()
	sources   *sources.Sources // built by New, closed by Close; nil when given
	closed    sync.Once
}

// Close stops the handler's background work and closes its connections;
// requests in flight are the HTTP server's to finish first. A second call
// does nothing.
func (h *Handler) Close() error {
	h.closed.Do(func() {
		h.stop()
		h.ready.close()
		h.verifier.Close()
		if h.sources != nil {
			h.sources.Close()
		}
	})
	return nil
}

// Drain makes /readyz answer 503 from now on, so that load balancers stop
// sending new requests; the handler goes on serving those that still come.
// Run calls it on shutdown, before the drain delay.
func (h *Handler) Drain() { h.ready.drain() }

// Admin is the admin listener's handler (see newAdminMux): Run serves it on
// admin.listen.
func (h *Handler) Admin() http.Handler { return h.admin }

// ReloadManifest reads the trusted documents' file now (SIGHUP): a valid,
// changed manifest replaces the one in force, a broken one is refused and
// the old one stays.
func (h *Handler) ReloadManifest() error { return h.persisted.trusted.Reload() }

// PersistedStats returns the persisted-query policy's counters.
func (h *Handler) PersistedStats() PersistedStats { return h.persisted.Stats() }

// CostStats returns the cost policy's counters.
func (h *Handler) CostStats() CostStats { return h.costs.Stats() }

// New returns gqlbff's http.Handler for cfg. It holds no global state, so a
// process (or a test) may build as many as it likes; Close each.
func New(cfg Config, deps Deps) (_ *Handler, err error) {
	log := deps.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var m *metrics
	if cfg.Metrics.Enabled {
		m = newMetrics(cfg.Metrics.MaxOperationNames)
	}
	tel := newTelemetry(m, deps.TracerProvider)
	var ownSources *sources.Sources
	if deps.Sources == nil {
		if ownSources, err = newSources(cfg, tel, log); err != nil {
			return nil, err
		}
		deps.Sources = ownSources
		defer func() {
			if err != nil {
				ownSources.Close()
			}
		}()
	}
	budgets := deps.Budgets
	if budgets == nil {
		if cfg.Redis.URL != "" {
			return nil, errors.New("server: redis.url is set: open the store with OpenBudgets and pass it as Deps.Budgets")
		}
		budgets = budget.NewMemory()
	}
	trusted, err := parsePrefixes(cfg.HTTP.TrustedProxies)
	if err != nil {
		return nil, fmt.Errorf("server: http.trustedProxies: %w", err)
	}
	es := newExecutableSchema(cfg.GraphQL.Federation, cfg.GraphQL.MaxPage)
	ps := resolveProfiles(cfg.Profiles)
	if err := ps.attachContracts(cfg.Profiles, es.Schema(), cfg.GraphQL.QueryCacheSize); err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	costs := newCostLimit(ps, budgets, cfg.Redis.FailMode != FailClosed, log)
	pricer := deps.Pricer
	if pricer == nil {
		if pricer, err = costs.TrustedPricer(es); err != nil {
			return nil, err
		}
	}
	if h := m.redisHook(redisStoreBudgets); h != nil {
		if rs, ok := budgets.(interface{ AddHook(redis.Hook) }); ok {
			rs.AddHook(h)
		}
	}
	if h := m.redisHook(redisStoreCache); h != nil && deps.Sources.Cache() != nil {
		deps.Sources.Cache().AddRedisHook(h)
	}
	pq, stop, err := newPersistedQueries(cfg, ps, es.Schema(), pricer, log, m.redisHook(redisStoreAPQ))
	if err != nil {
		return nil, err
	}
	if m != nil {
		m.reg.MustRegister(policyCollector{persisted: pq, costs: costs})
	}
	if cfg.GraphQL.Executor == ExecutorPlans {
		es = withPlans(es, costs, cfg.GraphQL.MaxPage)
	}
	es = withContractIntrospection(es, ps, cfg.GraphQL.MaxPage)
	gql := handler.New(es)
	hints := newHintCache(es.Schema())
	gql.AddTransport(transport{tokenLimit: cfg.GraphQL.ParserTokenLimit, cacheMaxAge: cfg.Persisted.CacheMaxAge, profiles: ps, hints: hints})
	if err := configureExecutor(gql, cfg, ps, es, pq, costs, tel, log); err != nil {
		stop()
		return nil, err
	}
	// Inside every policy (the cost policy settles a hit's budget).
	ustore, err := newUsageStore(cfg, m.redisHook(redisStoreUsage))
	if err != nil {
		stop()
		return nil, fmt.Errorf("redis: %w", err)
	}
	usage := newUsageRecorder(ps, es.Schema(), cfg.GraphQL.QueryCacheSize, cfg.Usage, ustore, log)
	if ustore != nil {
		stopPersisted := stop
		stop = func() {
			usage.Close()
			_ = ustore.Close()
			stopPersisted()
		}
	}
	if m != nil {
		m.reg.MustRegister(usageCollector{usage})
	}
	gql.Use(usage)
	if answers := newAnswerCache(deps.Sources.Cache(), hints, cfg.Persisted.CacheMaxAge); answers != nil {
		gql.Use(answers)
	}
	mux := http.NewServeMux()
	var signer *auth.Signer
	if sendsIdentity(cfg.Sources) {
		if signer, err = auth.NewSigner(cfg.Identity); err != nil {
			stop()
			return nil, err
		}
		warnUnsharedIdentityKey(cfg, log)
		mux.Handle("GET "+JWKSPath, signer)
	}
	v, err := auth.NewVerifier(cfg.JWT, log)
	if err != nil {
		stop()
		return nil, err
	}
	v.ReadAppClaims(cfg.Usage.ClientNameClaim, cfg.Usage.ClientVersionClaim)
	prop, err := propagator(cfg.Tracing)
	if err != nil {
		stop()
		return nil, err
	}
	observe := []func(http.Handler) http.Handler{traceContext(deps.TracerProvider, prop), accessLog(log, m, cfg.Profiles.Default, tel.tracing())}
	// Admission control comes right after the request id, trace context and
	// access log (a refusal is logged and counted) and before anything that
	// reads the body or the token.
	limiter := newLimiter(cfg.HTTP)
	if m != nil {
		m.registerLimiter(limiter)
	}
	observe = append(observe, admit(limiter))
	encode := func(h http.Handler) http.Handler { return h }
	if cfg.HTTP.Compression {
		encode = compress
	}
	mux.Handle("/graphql", encode(chain(gql, append(policy(cfg, ps, v, signer, trusted, observe, log),
		operationScope(cfg.HTTP.RequestTimeout, cfg.HTTP.MaxBodyBytes, deps.Sources),
	)...)))
	mux.HandleFunc("GET /healthz", healthz)
	if m != nil && cfg.Admin.Listen == "" {
		mux.Handle("GET /metrics", m.handler())
	}
	ready := newReadiness(deps.Sources, readinessInterval, readinessTimeout)
	mux.Handle("GET /readyz", ready)
	routes := slices.Clone(deps.AdminRoutes)
	if store := deps.Sources.Cache(); store != nil {
		routes = append(routes, AdminRoute{Pattern: "POST " + InvalidatePath, Handler: invalidator{store: store}})
	}
	routes = append(routes, AdminRoute{Pattern: "GET " + UsagePath, Handler: usage})
	admin := newAdminMux(cfg.Admin.Key, ready, m, routes)
	if cfg.GraphQL.Playground {
		headers := deps.PlaygroundHeaders
		if headers == nil && ps.fallback.name == ProfileWeb {
			headers = DevHeaders(cfg)
		}
		views, err := playgroundProfiles(cfg, ps, es.Schema(), pq, headers)
		if err != nil {
			stop()
			v.Close()
			return nil, err
		}
		pg, err := playground.New(playground.Options{
			Endpoint:   "/graphql",
			Headers:    headers,
			Operations: gqlbff.Operations(),
			First:      gqlbff.DefaultOperation,
			Logger:     log,
			Profiles:   views,
		})
		if err != nil {
			stop()
			v.Close()
			return nil, err
		}
		mux.Handle("GET /{$}", encode(pg))
		mux.Handle("GET /playground/", encode(pg))
	}
	return &Handler{Handler: refusals(mux, cfg.HTTP.MaxHeaderBytes), admin: admin, ready: ready, verifier: v, persisted: pq, costs: costs, stop: stop, sources: ownSources}, nil
}

// policy is the part of the chain that decides, from the HTTP request
// alone, whether and as whom a request runs: CORS, request id and trace
// context, CSRF prevention, authentication. Its cost is measured against
// a whole operation's in BENCHMARKS.md.
//
// observe (trace context, access log) comes right after the request id, so
// that a refused request is traced and logged too.
func policy(cfg Config, ps profiles, v *auth.Verifier, signer *auth.Signer, trusted []netip.Prefix, observe []func(http.Handler) http.Handler, log *slog.Logger) []func(http.Handler) http.Handler {
	mw := append([]func(http.Handler) http.Handler{corsPolicy(cfg.CORS), requestMeta}, observe...)
	if cfg.CSRF.Prevention {
		mw = append(mw, csrfPrevention(cfg.CSRF.Headers))
	}
	return append(mw, authenticate(v, ps, signer, trusted, log))
}

func sendsIdentity(s SourcesConfig) bool {
	return s.Orders.SendIdentity || s.Customers.SendIdentity || s.Analytics.SendIdentity
}

// newExecutableSchema is the schema served: without _service and _entities
// unless subgraph mode is on, with the auth directives' hooks, and with the
// resolvers' field gate for their lookahead and page limit (graphql.maxPage;
// 0: 100).
func newExecutableSchema(federation bool, maxPage int) graphql.ExecutableSchema {
	schema := withoutDefer(graph.NewExecutableSchema(graph.Config{Resolvers: &resolvers.Resolver{}}).Schema())
	if federation {
		schema = sizeEntities(schema)
	} else {
		schema = withoutFederation(schema)
	}
	res := &resolvers.Resolver{MaxPage: maxPage}
	es := graph.NewExecutableSchema(graph.Config{
		Resolvers: res,
		Schema:    schema,
		Directives: graph.DirectiveRoot{
			Authenticated:  authenticatedDirective,
			RequiresScopes: requiresScopesDirective,
		},
	})
	res.Allow = fieldGate(es.Schema())
	return es
}

// Schema is gqlbff's GraphQL schema, as the server validates operations
// against it with subgraph mode off (the manifest tools use it).
func Schema() *ast.Schema { return newExecutableSchema(false, 0).Schema() }

// executorConfig is what both gqlgen's handler.Server and its bare
// executor.Executor can be told; the benchmarks configure the latter
// exactly as the server does.
type executorConfig interface {
	Use(graphql.HandlerExtension)
	SetQueryCache(graphql.Cache[*ast.QueryDocument])
	SetParserTokenLimit(int)
	SetDisableSuggestion(bool)
	SetErrorPresenter(graphql.ErrorPresenterFunc)
	SetRecoverFunc(graphql.RecoverFunc)
}

func configureExecutor(x executorConfig, cfg Config, ps profiles, es graphql.ExecutableSchema, pq *persistedPolicy, costs *costLimit, tel *telemetry, log *slog.Logger) error {
	var cache graphql.Cache[*ast.QueryDocument] = graphql.NoCache[*ast.QueryDocument]{}
	if cfg.GraphQL.QueryCacheSize > 0 {
		cache = lru.New[*ast.QueryDocument](cfg.GraphQL.QueryCacheSize)
	}
	x.SetQueryCache(documentCache{next: cache, counts: &pq.counts})
	x.SetParserTokenLimit(cfg.GraphQL.ParserTokenLimit)
	x.Use(introspectionPolicy{profiles: ps})
	x.Use(contractPolicy{profiles: ps})
	suggest := false
	for p := range ps.all() {
		suggest = suggest || p.introspection
	}
	x.SetDisableSuggestion(!suggest)
	// Order matters: the persisted-query policy turns an id into its text,
	// which the structural limits then see before gqlgen parses and
	// validates it; the amount limit refuses a page that is too large
	// before the cost extension prices it.
	x.Use(pq)
	x.Use(newStructureLimit(ps, cfg.GraphQL.ParserTokenLimit, cfg.GraphQL.QueryCacheSize))
	limit := amountLimit{max: cfg.GraphQL.MaxPage, profiles: ps}
	if err := limit.Validate(es); err != nil {
		return err
	}
	x.Use(limit)
	x.Use(costs)
	if tel.tracing() {
		x.Use(operationTracer{tracer: tel.tracer})
	}
	if cfg.GraphQL.Federation {
		sdl, err := subgraphSDL(es.Schema())
		if err != nil {
			return err
		}
		x.Use(handler.FieldFunc(subgraphFields(sdl, es.Schema())))
	}
	x.SetErrorPresenter(presenter(log))
	x.SetRecoverFunc(recoverer(log))
	return nil
}

// chain wraps h in middleware, the first one outermost.
func chain(h http.Handler, mw ...func(http.Handler) http.Handler) http.Handler {
	for i := len(mw) - 1; i >= 0; i-- {
		h = mw[i](h)
	}
	return h
}

// Addrs are the addresses Run listens on.
type Addrs struct {
	// Public serves the graph.
	Public string
	// Admin is the admin listener's, empty when it is off.
	Admin string
}

// Run serves cfg until ctx is done, then shuts down gracefully: in-flight
// requests finish (up to the shutdown timeout) while new ones are refused.
// ready, if not nil, is called with the listening address once it serves.
// Run starts no source: in demo mode the caller starts the demo services
// and sets the sources' URLs (cmd/gqlbff does).
func Run(ctx context.Context, cfg Config, log *slog.Logger, ready func(addr string)) error {
	return RunAddrs(ctx, cfg, log, func(a Addrs) {
		if ready != nil {
			ready(a.Public)
		}
	})
}

// RunAddrs is Run, telling ready every address it listens on.
func RunAddrs(ctx context.Context, cfg Config, log *slog.Logger, ready func(Addrs)) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	tp, shutdownTracing, err := NewTracerProvider(ctx, cfg.Tracing)
	if err != nil {
		return fmt.Errorf("tracing: %w", err)
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := shutdownTracing(sctx); err != nil {
			log.Warn("tracing: flushing the last spans failed", "error", err)
		}
	}()
	budgets, err := OpenBudgets(cfg)
	if err != nil {
		return err
	}
	defer budgets.Close()
	h, err := New(cfg, Deps{Logger: log, Budgets: budgets, TracerProvider: tp})
	if err != nil {
		return err
	}
	defer h.Close()
	stopHUP := reloadOnSIGHUP(h, log)
	defer stopHUP()
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	ln = jsonRefusals(ln, cfg.HTTP.MaxHeaderBytes)
	adminAddr, stopAdmin, err := startAux("admin", cfg.Admin.Listen, h.Admin(), cfg, log)
	if err != nil {
		_ = ln.Close()
		return err
	}
	defer stopAdmin()
	if adminAddr != "" {
		log.Info("admin listener serving", "addr", adminAddr, "authenticated_endpoints", cfg.Admin.Key != "")
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: cfg.HTTP.ReadHeaderTimeout,
		ReadTimeout:       cfg.HTTP.ReadTimeout,
		WriteTimeout:      cfg.HTTP.WriteTimeout,
		IdleTimeout:       cfg.HTTP.IdleTimeout,
		MaxHeaderBytes:    cfg.HTTP.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	serve := srv.Serve
	if cfg.TLS.enabled() {
		if srv.TLSConfig, err = serverTLS(cfg.TLS, log); err != nil {
			_ = ln.Close()
			return fmt.Errorf("tls: %w", err)
		}
		// ServeTLS adds HTTP/2 to the ALPN protocols and serves it.
		serve = func(ln net.Listener) error { return srv.ServeTLS(ln, "", "") }
	}
	served := make(chan error, 1)
	go func() { served <- serve(ln) }()
	log.Info("gqlbff serving", "addr", ln.Addr().String(), "demo", cfg.Demo, "tracing", cfg.Tracing.Endpoint != "", "tls", cfg.TLS.enabled())
	if ready != nil {
		ready(Addrs{Public: ln.Addr().String(), Admin: adminAddr})
	}

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	// Readiness fails at once; requests are still served through the drain
	// delay, while the load balancers notice, then the listener closes.
	h.Drain()
	if d := cfg.HTTP.DrainDelay; d > 0 {
		log.Info("draining: /readyz answers 503, still serving", "delay", d)
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case err := <-served:
			t.Stop()
			return err
		}
	}
	log.Info("shutting down: finishing in-flight requests", "timeout", cfg.HTTP.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.HTTP.ShutdownTimeout)
	defer cancel()
	err = srv.Shutdown(sctx)
	if err != nil {
		// Past the shutdown timeout: cut the requests still running rather
		// than answer them after the sources are closed.
		_ = srv.Close()
	}
	<-served
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// DevScopes are every read scope of the schema's default policy.
func DevScopes() []string { return []string{"orders:read", "customers:read", "analytics:read"} }

// DevHeaders are the headers the playground sends by default: in demo mode,
// a dev token for customer c1 with every read scope; nil otherwise.
func DevHeaders(cfg Config) map[string]string { return devHeadersFor(cfg, ProfileWeb) }
