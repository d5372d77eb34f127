package server_test

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/gqlbff/gqlbff/auth"
	"github.com/gqlbff/gqlbff/internal/redistest"
	"github.com/gqlbff/gqlbff/internal/testkit"
	"github.com/gqlbff/gqlbff/server"
	"github.com/gqlbff/gqlbff/sources/demo"
)

// publishedKey fetches gqlbff's JWKS the way a source would, and answers
// its one key and kid.
func publishedKey(t *testing.T, h *harness) (ed25519.PublicKey, string) {
	t.Helper()
	a := h.do(context.Background(), http.MethodGet, server.JWKSPath, "", nil, "Authorization", "")
	if a.status != http.StatusOK || a.header.Get("Content-Type") != "application/jwk-set+json" {
		t.Fatalf("GET %s: got %d %q, want 200 application/jwk-set+json", server.JWKSPath, a.status, a.header.Get("Content-Type"))
	}
	var set struct {
		Keys []struct{ Kty, Crv, X, Kid, Alg, Use string }
	}
	if err := json.Unmarshal(a.body, &set); err != nil || len(set.Keys) != 1 {
		t.Fatalf("JWKS: got %s (%v), want one key", a.body, err)
	}
	k := set.Keys[0]
	x, err := base64.RawURLEncoding.DecodeString(k.X)
	if k.Kty != "OKP" || k.Crv != "Ed25519" || k.Alg != "EdDSA" || k.Use != "sig" || err != nil || len(x) != ed25519.PublicKeySize {
		t.Fatalf("JWKS key: got %+v, want an Ed25519 signature key", k)
	}
	return ed25519.PublicKey(x), k.Kid
}

// verifyIdentity verifies an identity token as a source would, with the
// published key and its own name as the audience.
func verifyIdentity(tok string, pub ed25519.PublicKey, kid, audience string) (jwt.MapClaims, error) {
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(tok, claims, func(t *jwt.Token) (any, error) {
		if t.Header["kid"] != kid || t.Header["typ"] != auth.IdentityTokenType {
			return nil, errors.New("not a gqlbff identity token")
		}
		return pub, nil
	}, jwt.WithValidMethods([]string{"EdDSA"}), jwt.WithAudience(audience), jwt.WithIssuer("gqlbff"), jwt.WithExpirationRequired())
	return claims, err
}

func TestSourcesGetTheCallersIdentityNeverAForgery(t *testing.T) {
	h := newHarness(t, withConfig(func(c *server.Config) {
		c.Sources.Orders.SendIdentity = true
		c.Sources.Customers.ForwardAuthorization = true
	}))
	scopes := "orders:read customers:read analytics:read"
	tok := token("c7", "mobile", strings.Fields(scopes)...)
	a := h.query(`{ order(id: "o1") { id customer { id stats { orderCount } } } recent: orders(first: 1) { edges { node { id } } } }`, nil,
		"Authorization", bearer(tok),
		"X-User-Id", "forged", "X-User-Scopes", "admin", server.IdentityHeader, "forged.identity.token")
	a.response(t)
	pub, kid := publishedKey(t, h)

	for _, svc := range []*demo.Service{h.svcs.Orders, h.svcs.Customers, h.svcs.Analytics} {
		reqs := svc.Requests()
		if len(reqs) == 0 {
			t.Fatalf("%s: no call", svc.Name())
		}
		for _, r := range reqs {
			if got := r.Header.Get("X-User-Id"); got != "c7" {
				t.Errorf("%s X-User-Id: got %q, want the token's c7", svc.Name(), got)
			}
			if got := r.Header.Get("X-User-Scopes"); got != scopes {
				t.Errorf("%s X-User-Scopes: got %q, want the token's %q", svc.Name(), got, scopes)
			}
		}
	}

	// orders: an identity token, the same on every call of the request.
	reqs := h.svcs.Orders.Requests()
	if len(reqs) != 2 {
		t.Fatalf("orders calls: got %d, want 2", len(reqs))
	}
	id := reqs[0].Header.Get(server.IdentityHeader)
	if reqs[1].Header.Get(server.IdentityHeader) != id {
		t.Errorf("orders: the second call's identity token differs from the first's")
	}
	claims, err := verifyIdentity(id, pub, kid, "orders")
	if err != nil {
		t.Fatalf("orders' identity token %q does not verify with the published key: %v", id, err)
	}
	exp, _ := claims.GetExpirationTime()
	iat, _ := claims.GetIssuedAt()
	if claims["sub"] != "c7" || claims["scope"] != scopes || claims["client"] != "mobile" || exp == nil || iat == nil || exp.Sub(iat.Time) != server.Default().Identity.TTL {
		t.Errorf("identity claims: got %v, want sub c7, scope %q, client mobile, valid for %s", claims, scopes, server.Default().Identity.TTL)
	}
	if _, err := verifyIdentity(id, pub, kid, "customers"); !errors.Is(err, jwt.ErrTokenInvalidAudience) {
		t.Errorf("orders' token checked by customers: got %v, want %v", err, jwt.ErrTokenInvalidAudience)
	}
	if got := reqs[0].Header.Get("Authorization"); got != "" {
		t.Errorf("orders Authorization: got %q, want none (not forwarded)", got)
	}

	// customers: the caller's own Authorization, no identity token.
	for _, r := range h.svcs.Customers.Requests() {
		if got := r.Header.Get("Authorization"); got != bearer(tok) {
			t.Errorf("customers Authorization: got %q, want the caller's", got)
		}
		if got := r.Header.Get(server.IdentityHeader); got != "" {
			t.Errorf("customers %s: got %q, want none", server.IdentityHeader, got)
		}
	}
	// analytics: neither.
	for _, r := range h.svcs.Analytics.Requests() {
		if r.Header.Get("Authorization") != "" || r.Header.Get(server.IdentityHeader) != "" {
			t.Errorf("analytics: got Authorization %q and identity %q, want neither", r.Header.Get("Authorization"), r.Header.Get(server.IdentityHeader))
		}
	}

	// The identity token is no access token: gqlbff refuses it.
	if b := h.query(`{ me { id } }`, nil, "Authorization", bearer(id)); b.status != http.StatusUnauthorized {
		t.Errorf("identity token as a bearer token: got %d, want 401", b.status)
	}
}

func TestIdentityKeyFromConfig(t *testing.T) {
	key := edKeys()[2]
	h := newHarness(t, withConfig(func(c *server.Config) {
		c.Sources.Analytics.SendIdentity = true
		c.Identity.Key = testkit.PrivatePEM(t, key)
	}))
	pub, kid := publishedKey(t, h)
	if !pub.Equal(key.Public()) {
		t.Errorf("published key: got %x, want the configured key's %x", pub, key.Public())
	}
	x := base64.RawURLEncoding.EncodeToString(pub)
	sum := sha256.Sum256([]byte(`{"crv":"Ed25519","kty":"OKP","x":"` + x + `"}`))
	if want := base64.RawURLEncoding.EncodeToString(sum[:]); kid != want {
		t.Errorf("kid: got %q, want the RFC 7638 thumbprint %q", kid, want)
	}
	h.query(`{ dashboard { summary { orderCount } } }`, nil).response(t)
	reqs := h.svcs.Analytics.Requests()
	if len(reqs) != 1 {
		t.Fatalf("analytics calls: got %d, want 1", len(reqs))
	}
	if _, err := verifyIdentity(reqs[0].Header.Get(server.IdentityHeader), pub, kid, "analytics"); err != nil {
		t.Errorf("analytics' identity token: %v", err)
	}
}

func TestNoJWKSWithoutIdentityTokens(t *testing.T) {
	h := newHarness(t)
	if a := h.do(context.Background(), http.MethodGet, server.JWKSPath, "", nil); a.status != http.StatusNotFound {
		t.Errorf("GET %s with no source taking identity tokens: got %d, want 404", server.JWKSPath, a.status)
	}
}

// Replicas share a Redis; a key generated at start differs per replica, so
// gqlbff warns when it generates one while a Redis is configured, and only
// then.
func TestWarnsWhenReplicasWouldSignWithKeysOfTheirOwn(t *testing.T) {
	rs := redistest.Start(t)
	const msg = "identity key generated at start while redis.url is set: replicas sign with keys of their own"
	cases := []struct {
		name  string
		redis string
		key   bool
		warn  bool
	}{
		{"generated key, redis", rs.URL(), false, true},
		{"configured key, redis", rs.URL(), true, false},
		{"generated key, no redis", "", false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var buf syncBuffer
			newHarness(t, withLogger(slog.New(slog.NewJSONHandler(&buf, nil))), withConfig(func(c *server.Config) {
				c.Sources.Orders.SendIdentity = true
				c.Redis.URL = tc.redis
				if tc.key {
					c.Identity.Key = testkit.PrivatePEM(t, edKeys()[1])
				}
			}))
			lines := buf.lines(t, msg)
			if got := len(lines) == 1; got != tc.warn {
				t.Fatalf("warning logged %d times, want it: %v", len(lines), tc.warn)
			}
			if tc.warn && (lines[0]["level"] != "WARN" || !strings.Contains(lines[0]["fix"].(string), "GQLBFF_IDENTITY_KEY_FILE")) {
				t.Errorf("warning: got %v, want level WARN and a fix naming GQLBFF_IDENTITY_KEY_FILE", lines[0])
			}
		})
	}
}
