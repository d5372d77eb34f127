package server

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"go.opentelemetry.io/otel/propagation"

	"github.com/gqlbff/gqlbff/auth"
	"github.com/gqlbff/gqlbff/caller"
	"github.com/gqlbff/gqlbff/sources"
)

// BenchmarkRequestLayers is every layer of /graphql between the server and
// the GraphQL handler, as New assembles them (CORS, request id, trace
// context, the access line to a discarding logger, admission, CSRF,
// authentication with a remembered HS256 token, deadline, loaders and
// stale collector), in front of a handler that reads the request's values
// as an operation does: the caller, the record, the loaders, the
// collector. What the request's chain of contexts costs.
func BenchmarkRequestLayers(b *testing.B) {
	cfg := Default()
	cfg.JWT.Secret = strings.Repeat("s", 32)
	v, err := auth.NewVerifier(cfg.JWT, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer v.Close()
	src := sources.New(sources.Config{})
	defer src.Close()
	ps := resolveProfiles(cfg.Profiles)
	log := slog.New(slog.DiscardHandler)
	observe := []func(http.Handler) http.Handler{
		traceContext(nil, propagation.TraceContext{}),
		accessLog(log, nil, cfg.Profiles.Default, false),
		admit(newLimiter(cfg.HTTP)),
	}
	ran := 0
	final := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ran++
		_, _ = io.Copy(io.Discard, r.Body)
		ctx := r.Context()
		for range 8 {
			_ = caller.From(ctx)
			_ = sources.For(ctx)
		}
		recordFrom(ctx).setOperation("op", true)
		_ = staleCollectorFrom(ctx)
		w.WriteHeader(http.StatusOK)
	})
	h := chain(final, append(policy(cfg, ps, v, nil, nil, observe, log),
		operationScope(cfg.HTTP.RequestTimeout, cfg.HTTP.MaxBodyBytes, src))...)
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": "c7", "scope": "orders:read",
		"iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix()}).SignedString([]byte(cfg.JWT.Secret))
	if err != nil {
		b.Fatal(err)
	}
	const body = `{"query":"{ me { id } }"}`
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Authorization", "Bearer "+tok)
		w := discard{h: http.Header{}}
		h.ServeHTTP(w, r)
	}
	if ran != b.N {
		b.Fatalf("the handler ran %d times of %d: a layer refused", ran, b.N)
	}
}
