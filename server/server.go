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
	"github.com/99designs/gqlgen/graphql/handler/extension"
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

// New returns gqlbff's http.Handler for cfg. It holds no global state, so a
// process (or a test) may build as many as it likes.
func New(cfg Config, deps Deps) (http.Handler, error) {
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
	mux.Handle("/graphql", chain(gql,
		requestMeta,
		deadline(cfg.HTTP.RequestTimeout),
		bodyLimit(cfg.HTTP.MaxBodyBytes),
		withLoaders(deps.Sources),
	))
	mux.HandleFunc("GET /healthz", healthz)
	mux.Handle("GET /readyz", &readiness{src: deps.Sources, timeout: 2 * time.Second, ttl: time.Second})
	if cfg.GraphQL.Playground {
		mux.Handle("GET /{$}", playground.Handler("gqlbff", "/graphql"))
	}
	return mux, nil
}

func newGraphQL(cfg Config, log *slog.Logger) (*handler.Server, error) {
	es := graph.NewExecutableSchema(graph.Config{Resolvers: &resolvers.Resolver{}})
	srv := handler.New(es)
	srv.AddTransport(transport{})
	if cfg.GraphQL.QueryCacheSize > 0 {
		srv.SetQueryCache(lru.New[*ast.QueryDocument](cfg.GraphQL.QueryCacheSize))
	}
	srv.SetParserTokenLimit(cfg.GraphQL.ParserTokenLimit)
	if cfg.GraphQL.Introspection {
		srv.Use(extension.Introspection{})
	} else {
		srv.SetDisableSuggestion(true)
	}
	limit := AmountLimit{Max: cfg.GraphQL.MaxPage}
	if err := limit.Validate(es); err != nil {
		return nil, err
	}
	srv.Use(limit)
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
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	_, stopDebug, err := startDebug(cfg, log)
	if err != nil {
		_ = ln.Close()
		return err
	}
	defer stopDebug()
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
	<-served
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// NewSources returns the source clients cfg describes.
func NewSources(cfg Config) *sources.Sources {
	one := func(s SourceConfig) sources.ClientConfig {
		return sources.ClientConfig{
			URL:                  s.URL,
			Timeout:              cfg.Sources.Timeout,
			MaxResponseBytes:     cfg.Sources.MaxResponseBytes,
			ForwardAuthorization: s.ForwardAuthorization,
		}
	}
	return sources.New(sources.Config{
		Orders:    one(cfg.Sources.Orders),
		Customers: one(cfg.Sources.Customers),
		Analytics: one(cfg.Sources.Analytics),
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
