package server

import (
	"crypto/sha256"
	"crypto/subtle"
	"net"
	"net/http"
	"strings"

	"github.com/gqlbff/gqlbff/internal/config"
	"github.com/gqlbff/gqlbff/internal/diag"
)

// minAdminKeyLen is the shortest admin key accepted.
const minAdminKeyLen = 32

// AdminConfig configures the admin listener (DESIGN.md, HTTP surface): the
// probes and /metrics for a private network, and the endpoints that change
// state or expose internals (pprof, cache invalidation) behind a key.
type AdminConfig struct {
	// Listen is the admin listener's host:port; empty turns it off, and
	// then /metrics stays on the public listener.
	Listen string `yaml:"listen" env:"LISTEN"`
	// Key is the bearer key of the keyed admin endpoints (Authorization:
	// Bearer KEY), at least 32 characters; empty turns those endpoints off.
	Key string `yaml:"key" env:"KEY"`
}

func (c Config) validateAdmin() []error {
	var errs []error
	a := c.Admin
	if a.Listen != "" {
		if _, _, err := net.SplitHostPort(a.Listen); err != nil {
			errs = append(errs, config.Errorf("admin.listen", "want host:port or empty (off), got %q", a.Listen))
		} else if a.Listen == c.Listen {
			errs = append(errs, config.Errorf("admin.listen", "must differ from listen (%q)", c.Listen))
		}
	}
	if a.Key != "" && len(a.Key) < minAdminKeyLen {
		errs = append(errs, config.Errorf("admin.key", "must be at least %d characters, got %d", minAdminKeyLen, len(a.Key)))
	}
	if a.Key != "" && a.Listen == "" {
		errs = append(errs, config.Errorf("admin.key", "set, but admin.listen is empty: the admin endpoints are served only on the admin listener"))
	}
	return errs
}

// AdminRoute is an endpoint served only on the admin listener, and only to
// a caller presenting the admin key (Authorization: Bearer KEY). Without a
// configured key it is off: it answers 404 like any unknown path.
type AdminRoute struct {
	// Pattern is an http.ServeMux pattern, such as "POST /cache/invalidate".
	Pattern string
	// Handler serves it; the key is checked before it is called.
	Handler http.Handler
}

// newAdminMux is the admin listener's handler: /healthz, /readyz and
// /metrics (m may be nil) for anyone who reaches the listener; pprof and the
// runtime stats under /debug/, and routes, only with the admin key.
func newAdminMux(key string, ready http.Handler, m *metrics, routes []AdminRoute) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", healthz)
	mux.Handle("GET /readyz", ready)
	if m != nil {
		mux.Handle("GET /metrics", m.handler())
	}
	if key == "" {
		return mux
	}
	auth := adminAuth(key)
	mux.Handle("/debug/", auth(diag.Handler()))
	for _, r := range routes {
		mux.Handle(r.Pattern, auth(r.Handler))
	}
	return mux
}

// adminAuth lets through a request whose Authorization is "Bearer KEY";
// any other gets 401 with a JSON errors body. The comparison takes the same
// time whatever the presented key (both sides are hashed first).
func adminAuth(key string) func(http.Handler) http.Handler {
	want := sha256.Sum256([]byte(key))
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			sum := sha256.Sum256([]byte(got))
			if !ok || subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
				w.Header().Set("WWW-Authenticate", `Bearer realm="gqlbff-admin"`)
				writeErrors(r.Context(), w, http.StatusUnauthorized, newError(CodeUnauthenticated, "the admin endpoints need Authorization: Bearer with the admin key"))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}
