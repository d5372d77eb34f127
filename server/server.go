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
	"time"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/playground"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/gqlbff/gqlbff/graph"
	"github.com/gqlbff/gqlbff/resolvers"
	"github.com/gqlbff/gqlbff/sources"
	"github.com/gqlbff/gqlbff/sources/demo"
)

// Deps are what a handler needs besides its configuration.
type Deps struct {
	// Sources are the clients of the REST services.
	Sources *sources.Sources
	// Logger receives the logs; nil discards them.
	Logger *slog.Logger
}

// Handler is gqlbff's http.Handler. Close stops its background work (the
// JWKS refresher); call it once the server has stopped serving.
type Handler struct {
	http.Handler
	verifier *Verifier
}

// Close stops the handler's background work.
func (h *Handler) Close() error {
	h.verifier.Close()
	return nil
}

// New returns gqlbff's http.Handler for cfg. It holds no global state, so a
// process (or a test) may build as many as it likes; each must be closed.
func New(cfg Config, deps Deps) (*Handler, error) {
	log := deps.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if deps.Sources == nil {
		return nil, errors.New("server: no sources")
	}
	gql, err := newGraphQL(cfg, log)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	var signer *identitySigner
	if sendsIdentity(cfg.Sources) {
		if signer, err = newIdentitySigner(cfg.Identity); err != nil {
			return nil, err
		}
		mux.Handle("GET "+JWKSPath, signer)
	}
	v, err := NewVerifier(cfg.JWT, log)
	if err != nil {
		return nil, err
	}
	mux.Handle("/graphql", chain(gql, append(policy(cfg, v, signer, log),
		deadline(cfg.HTTP.RequestTimeout),
		bodyLimit(cfg.HTTP.MaxBodyBytes),
		withLoaders(deps.Sources),
	)...))
	mux.HandleFunc("GET /healthz", healthz)
	mux.Handle("GET /readyz", &readiness{src: deps.Sources, timeout: 2 * time.Second, ttl: time.Second})
	if cfg.GraphQL.Playground {
		var opts []playground.GraphiqlConfigOption
		if h := DevHeaders(cfg); h != nil {
			opts = append(opts, playground.WithGraphiqlUiHeaders(h))
		}
		mux.Handle("GET /{$}", playground.Handler("gqlbff", "/graphql", opts...))
	}
	return &Handler{Handler: mux, verifier: v}, nil
}

// policy is the part of the chain that decides, from the HTTP request
// alone, whether and as whom a request runs: CORS, request id and trace
// context, CSRF prevention, authentication. Its cost is measured against
// a whole operation's in BENCHMARKS.md.
func policy(cfg Config, v *Verifier, signer *identitySigner, log *slog.Logger) []func(http.Handler) http.Handler {
	mw := []func(http.Handler) http.Handler{corsPolicy(cfg.CORS), requestMeta}
	if cfg.CSRF.Prevention {
		mw = append(mw, csrfPrevention(cfg.CSRF.Headers))
	}
	return append(mw, authenticate(v, cfg.Profiles, signer, log))
}

func sendsIdentity(s SourcesConfig) bool {
	return s.Orders.SendIdentity || s.Customers.SendIdentity || s.Analytics.SendIdentity
}

func newGraphQL(cfg Config, log *slog.Logger) (*handler.Server, error) {
	gen := graph.NewExecutableSchema(graph.Config{Resolvers: &resolvers.Resolver{}})
	schema := gen.Schema()
	if !cfg.GraphQL.Federation {
		schema = withoutFederation(schema)
	}
	res := &resolvers.Resolver{}
	es := graph.NewExecutableSchema(graph.Config{
		Resolvers: res,
		Schema:    schema,
		Directives: graph.DirectiveRoot{
			Authenticated:  authenticatedDirective,
			RequiresScopes: requiresScopesDirective,
		},
	})
	res.Allow = fieldGate(es.Schema())
	srv := handler.New(es)
	srv.AddTransport(transport{})
	if cfg.GraphQL.QueryCacheSize > 0 {
		srv.SetQueryCache(lru.New[*ast.QueryDocument](cfg.GraphQL.QueryCacheSize))
	}
	srv.SetParserTokenLimit(cfg.GraphQL.ParserTokenLimit)
	srv.Use(IntrospectionPolicy{Profiles: cfg.Profiles})
	if p := cfg.Profiles; !p.Web.Introspection && !p.Mobile.Introspection && !p.Partner.Introspection {
		srv.SetDisableSuggestion(true)
	}
	limit := AmountLimit{Max: cfg.GraphQL.MaxPage}
	if err := limit.Validate(es); err != nil {
		return nil, err
	}
	srv.Use(limit)
	if cfg.GraphQL.Federation {
		sdl, err := subgraphSDL(schema)
		if err != nil {
			return nil, err
		}
		srv.AroundFields(subgraphFields(sdl, schema))
	}
	srv.SetErrorPresenter(presenter(log))
	srv.SetRecoverFunc(recoverer(log))
	return srv, nil
}

// chain wraps h in middleware, the first one outermost.
func chain(h http.Handler, mw ...func(http.Handler) http.Handler) http.Handler {
	for i := len(mw) - 1; i >= 0; i-- {
		h = mw[i](h)
	}
	return h
}

// Run serves cfg until ctx is done, then shuts down gracefully: in-flight
// requests finish (up to the shutdown timeout) while new ones are refused.
// ready, if not nil, is called with the listening address once it serves.
func Run(ctx context.Context, cfg Config, log *slog.Logger, ready func(addr string)) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.Demo {
		svcs, err := startDemo(&cfg)
		if err != nil {
			return err
		}
		defer svcs.Close()
	}
	src := NewSources(cfg)
	defer src.Close()
	h, err := New(cfg, Deps{Sources: src, Logger: log})
	if err != nil {
		return err
	}
	defer h.Close()
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
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
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("gqlbff serving", "addr", ln.Addr().String(), "demo", cfg.Demo)
	if ready != nil {
		ready(ln.Addr().String())
	}

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
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

// NewSources returns the source clients cfg describes.
func NewSources(cfg Config) *sources.Sources {
	one := func(name string, s SourceConfig) sources.ClientConfig {
		c := sources.ClientConfig{
			URL:                  s.URL,
			Timeout:              cfg.Sources.Timeout,
			MaxResponseBytes:     cfg.Sources.MaxResponseBytes,
			ForwardAuthorization: s.ForwardAuthorization,
		}
		if s.SendIdentity {
			c.Headers = identityHeader(name)
		}
		return c
	}
	return sources.New(sources.Config{
		Orders:    one(sources.OrdersSource, cfg.Sources.Orders),
		Customers: one(sources.CustomersSource, cfg.Sources.Customers),
		Analytics: one(sources.AnalyticsSource, cfg.Sources.Analytics),
		MaxBatch:  cfg.Sources.MaxBatch,
		BatchWait: cfg.Sources.BatchWait,
	})
}

// startDemo starts the demo services on loopback and points every source
// without a URL at them.
func startDemo(cfg *Config) (*demo.Services, error) {
	svcs, err := demo.Start(demo.Options{})
	if err != nil {
		return nil, fmt.Errorf("demo sources: %w", err)
	}
	for _, s := range []struct {
		url *string
		svc *demo.Service
	}{
		{&cfg.Sources.Orders.URL, svcs.Orders},
		{&cfg.Sources.Customers.URL, svcs.Customers},
		{&cfg.Sources.Analytics.URL, svcs.Analytics},
	} {
		if *s.url == "" {
			*s.url = s.svc.URL()
		}
	}
	return svcs, nil
}

// DevScopes are every read scope of the schema's default policy.
var DevScopes = []string{"orders:read", "customers:read", "analytics:read"}

// DevHeaders are the headers the playground sends by default: in demo mode,
// a dev token for customer c1 with every read scope; nil otherwise.
func DevHeaders(cfg Config) map[string]string {
	if !cfg.Demo || cfg.JWT.Secret == "" {
		return nil
	}
	tok, err := MintToken(cfg.JWT.Secret, "c1", ProfileWeb, DevScopes, 24*time.Hour)
	if err != nil {
		return nil
	}
	return map[string]string{"Authorization": "Bearer " + tok}
}
