package auth_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/gqlbff/gqlbff/auth"
)

// TestSignerTokensVerifyWithThePublishedKey signs a token and checks it
// with the key the Signer publishes, as a source would.
func TestSignerTokensVerifyWithThePublishedKey(t *testing.T) {
	s, err := auth.NewSigner(auth.IdentityConfig{Issuer: "gqlbff", TTL: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/.well-known/jwks.json", nil))
	var set struct {
		Keys []struct{ Kid, Kty, Crv, X string }
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &set); err != nil || len(set.Keys) != 1 {
		t.Fatalf("published JWK Set %s: %v", rec.Body, err)
	}
	x, err := base64.RawURLEncoding.DecodeString(set.Keys[0].X)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := s.Sign(auth.Claims{Subject: "c1", Scopes: []string{"a", "b"}, Client: "web"}, "orders", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	claims := jwt.MapClaims{}
	parsed, err := jwt.ParseWithClaims(tok, claims, func(*jwt.Token) (any, error) { return ed25519.PublicKey(x), nil },
		jwt.WithValidMethods([]string{"EdDSA"}), jwt.WithAudience("orders"), jwt.WithIssuer("gqlbff"))
	if err != nil {
		t.Fatalf("the signed token does not verify with the published key: %v", err)
	}
	if parsed.Header["typ"] != auth.IdentityTokenType || parsed.Header["kid"] != set.Keys[0].Kid {
		t.Errorf("header %v: want typ %s and the published kid", parsed.Header, auth.IdentityTokenType)
	}
	if claims["sub"] != "c1" || claims["scope"] != "a b" || claims["client"] != "web" {
		t.Errorf("claims %v: want c1 of web with scope \"a b\"", claims)
	}
}
