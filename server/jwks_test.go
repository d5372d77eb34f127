package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/gqlbff/gqlbff/auth"
	"github.com/gqlbff/gqlbff/internal/testkit"
	"github.com/gqlbff/gqlbff/server"
)

// jwksServer is an issuer's JWKS endpoint: a real HTTP server whose key set,
// status, size and speed a test changes, counting the fetches it serves.
type jwksServer struct {
	*httptest.Server
	fetches atomic.Int64

	mu     sync.Mutex
	keys   []map[string]any
	status int
	pad    int
	stall  time.Duration
}

func newJWKSServer(t *testing.T, keys ...map[string]any) *jwksServer {
	t.Helper()
	s := &jwksServer{keys: keys, status: http.StatusOK}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *jwksServer) serve(w http.ResponseWriter, r *http.Request) {
	s.fetches.Add(1)
	s.mu.Lock()
	keys, status, pad, stall := s.keys, s.status, s.pad, s.stall
	s.mu.Unlock()
	if stall > 0 {
		select {
		case <-time.After(stall):
		case <-r.Context().Done():
			return
		}
	}
	if status != http.StatusOK {
		w.WriteHeader(status)
		return
	}
	body := map[string]any{"keys": keys}
	if pad > 0 {
		body["padding"] = strings.Repeat("x", pad)
	}
	w.Header().Set("Content-Type", "application/jwk-set+json")
	_ = json.NewEncoder(w).Encode(body)
}

func (s *jwksServer) setKeys(keys ...map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = keys
}

func (s *jwksServer) set(f func(s *jwksServer)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s)
}

// jwksHarness is gqlbff trusting only the JWKS of s, configured by f.
func jwksHarness(t *testing.T, s *jwksServer, f func(*auth.JWTConfig)) *harness {
	return newHarness(t, withConfig(func(c *server.Config) {
		c.JWT.Secret = ""
		c.JWT.JWKSURL = s.URL
		if f != nil {
			f(&c.JWT)
		}
	}))
}

// rsToken is a web token for sub signed with a committed RSA key under kid.
func rsToken(t *testing.T, key, kid, sub string) string {
	return testkit.SignJWT(t, jwt.SigningMethodRS256, rsaKey(t, key), map[string]any{"kid": kid},
		jwt.MapClaims{"sub": sub, "client": "web", "scope": "customers:read", "exp": time.Now().Add(time.Hour).Unix()})
}

// meStatus runs { me { id } } with tok and answers the status.
func meStatus(t *testing.T, h *harness, tok string) int {
	t.Helper()
	a := h.query(`{ me { id } }`, nil, "Authorization", bearer(tok))
	a.response(t)
	return a.status
}

func TestJWKSRotationWithoutRestart(t *testing.T) {
	s := newJWKSServer(t, jwkOf(&rsaKey(t, "rsa-a").PublicKey, "a"))
	h := jwksHarness(t, s, nil) // the defaults: refresh every 5m, unknown kids refetch once a minute
	tokA := rsToken(t, "rsa-a", "a", "c1")
	if got := meStatus(t, h, tokA); got != http.StatusOK {
		t.Fatalf("token of the published key: got %d, want 200", got)
	}
	if got := s.fetches.Load(); got != 1 {
		t.Errorf("fetches after start: got %d, want 1", got)
	}

	// The issuer rotates: key a is gone, key b is new.
	s.setKeys(jwkOf(&rsaKey(t, "rsa-b").PublicKey, "b"))
	if got := meStatus(t, h, rsToken(t, "rsa-b", "b", "c1")); got != http.StatusOK {
		t.Fatalf("token of the new key after rotation: got %d, want 200", got)
	}
	if got := s.fetches.Load(); got != 2 {
		t.Errorf("fetches after the new kid: got %d, want 2", got)
	}

	// A flood of unknown kids within the minute causes no fetch at all.
	calls := h.calls()
	var wg sync.WaitGroup
	var wrong atomic.Int64
	for i := range 40 {
		wg.Go(func() {
			a := h.query(`{ me { id } }`, nil, "Authorization", bearer(rsToken(t, "rsa-c", fmt.Sprintf("flood-%d", i), "c1")))
			if a.status != http.StatusUnauthorized {
				wrong.Add(1)
			}
		})
	}
	wg.Wait()
	if n := wrong.Load(); n != 0 {
		t.Errorf("unknown-kid tokens not refused: %d of 40", n)
	}
	if got := s.fetches.Load(); got != 2 {
		t.Errorf("fetches after 40 unknown kids: got %d, want still 2", got)
	}
	// The removed key is unknown now, and its refetch is rate limited too.
	// The very token verified before the rotation is not answered from the
	// verified tokens' memory: it held under the old key set only.
	if got := meStatus(t, h, tokA); got != http.StatusUnauthorized {
		t.Errorf("token of the removed key: got %d, want 401", got)
	}
	if n := h.calls() - calls; n != 0 {
		t.Errorf("source calls of refused tokens: got %d, want 0", n)
	}
}

func TestJWKSUnknownKIDFetchesAtMostOncePerInterval(t *testing.T) {
	t.Parallel()
	const interval = 200 * time.Millisecond
	s := newJWKSServer(t, jwkOf(&rsaKey(t, "rsa-a").PublicKey, "a"))
	h := jwksHarness(t, s, func(c *auth.JWTConfig) { c.JWKSMinRefetch = interval })
	meStatus(t, h, rsToken(t, "rsa-a", "a", "c1")) // the first fetch is done
	before := s.fetches.Load()
	start := time.Now()
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := 0; time.Since(start) < 5*interval; i++ {
				h.query(`{ me { id } }`, nil, "Authorization", bearer(rsToken(t, "rsa-c", fmt.Sprintf("u-%d-%d", w, i), "c1")))
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	got := s.fetches.Load() - before
	most := int64(elapsed/interval) + 1
	if got < 1 || got > most {
		t.Errorf("fetches in %s of unknown kids: got %d, want 1 to %d (one per %s)", elapsed, got, most, interval)
	}
}

func TestJWKSBackgroundRefreshAndFailures(t *testing.T) {
	t.Parallel()
	s := newJWKSServer(t, jwkOf(&rsaKey(t, "rsa-a").PublicKey, "a"))
	h := jwksHarness(t, s, func(c *auth.JWTConfig) {
		c.JWKSRefresh = 20 * time.Millisecond
		c.JWKSMinRefetch = time.Hour
		c.JWKSTimeout = 100 * time.Millisecond
	})
	tokA := rsToken(t, "rsa-a", "a", "c1")
	if got := meStatus(t, h, tokA); got != http.StatusOK {
		t.Fatalf("token of the published key: got %d, want 200", got)
	}
	// Use up the unknown-kid refetch, so only the background refresh can
	// bring key c.
	meStatus(t, h, rsToken(t, "rsa-c", "spent", "c1"))

	steps := []struct {
		name  string
		fault func(s *jwksServer)
	}{
		{"JWKS answers 500", func(s *jwksServer) { s.status = http.StatusInternalServerError }},
		{"JWKS over 64 KiB", func(s *jwksServer) { s.status, s.pad = http.StatusOK, 64<<10 }},
		{"JWKS stalls past the timeout", func(s *jwksServer) { s.pad, s.stall = 0, time.Second }},
		{"JWKS has no usable key", func(s *jwksServer) {
			s.stall, s.keys = 0, []map[string]any{{"kty": "oct", "kid": "x", "k": "c2VjcmV0"}}
		}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			s.set(st.fault)
			n := s.fetches.Load()
			eventually(t, "two refreshes", func() bool { return s.fetches.Load() >= n+2 })
			if got := meStatus(t, h, tokA); got != http.StatusOK {
				t.Errorf("known key while the JWKS fails: got %d, want 200 (the last good set stays)", got)
			}
		})
	}

	s.set(func(s *jwksServer) {
		s.keys = []map[string]any{jwkOf(&rsaKey(t, "rsa-c").PublicKey, "c")}
	})
	tokC := rsToken(t, "rsa-c", "c", "c1")
	eventually(t, "the refresh to bring key c", func() bool { return meStatus(t, h, tokC) == http.StatusOK })
	if got := meStatus(t, h, tokA); got != http.StatusUnauthorized {
		t.Errorf("token of the key the refresh removed: got %d, want 401", got)
	}
}

func TestJWKSKeysThatAreIgnored(t *testing.T) {
	weak := rsaKey(t, "rsa-weak-1024")
	ec := ecKey()
	s := newJWKSServer(t,
		jwkOf(&rsaKey(t, "rsa-a").PublicKey, "a"),
		jwkOf(&weak.PublicKey, "weak"),
		map[string]any{"kty": "oct", "kid": "oct", "k": "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA"},
		func() map[string]any { k := jwkOf(&rsaKey(t, "rsa-b").PublicKey, "enc"); k["use"] = "enc"; return k }(),
		func() map[string]any { k := jwkOf(&ec.PublicKey, "es384"); k["alg"] = "ES384"; return k }(),
		func() map[string]any { k := jwkOf(&rsaKey(t, "rsa-c").PublicKey, "nokid"); delete(k, "kid"); return k }(),
	)
	h := jwksHarness(t, s, nil)
	claims := func() jwt.MapClaims {
		return jwt.MapClaims{"sub": "c1", "client": "web", "exp": time.Now().Add(time.Hour).Unix()}
	}
	cases := []struct {
		name string
		tok  string
		want int
	}{
		{"a 2048-bit key", rsToken(t, "rsa-a", "a", "c1"), http.StatusOK},
		{"a 1024-bit key", testkit.SignJWT(t, jwt.SigningMethodRS256, weak, map[string]any{"kid": "weak"}, claims()), http.StatusUnauthorized},
		{"a symmetric key", testkit.SignJWT(t, jwt.SigningMethodHS256, []byte("secret-secret-secret-secret-secret"), map[string]any{"kid": "oct"}, claims()), http.StatusUnauthorized},
		{"an encryption key", testkit.SignJWT(t, jwt.SigningMethodRS256, rsaKey(t, "rsa-b"), map[string]any{"kid": "enc"}, claims()), http.StatusUnauthorized},
		{"an algorithm not accepted", testkit.SignJWT(t, jwt.SigningMethodES256, ec, map[string]any{"kid": "es384"}, claims()), http.StatusUnauthorized},
		{"a key without kid", testkit.SignJWT(t, jwt.SigningMethodRS256, rsaKey(t, "rsa-c"), nil, claims()), http.StatusUnauthorized},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := meStatus(t, h, tc.tok); got != tc.want {
				t.Errorf("got %d, want %d", got, tc.want)
			}
		})
	}
}
