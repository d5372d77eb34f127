package auth_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/gqlbff/gqlbff/auth"
)

const secret = "a-test-secret-of-at-least-32-bytes!!"

func config() auth.JWTConfig {
	return auth.JWTConfig{
		Secret: secret, Leeway: time.Second, ScopeClaim: "scope", ClientClaim: "client",
		JWKSAlgorithms: []string{"RS256"}, JWKSRefresh: time.Minute, JWKSMinRefetch: time.Minute,
		JWKSTimeout: time.Second, JWKSMaxBytes: 64 << 10,
	}
}

func verifier(t *testing.T) *auth.Verifier {
	t.Helper()
	v, err := auth.NewVerifier(config(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(v.Close)
	return v
}

func hs256(t *testing.T, claims jwt.MapClaims) string {
	t.Helper()
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestVerifyAnswersClaimsNotProfiles(t *testing.T) {
	v := verifier(t)
	tok, err := auth.MintToken(config(), "c1", "partner", []string{"orders:read", "customers:read"}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	c, err := v.Verify(context.Background(), tok)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if c.Subject != "c1" || c.Client != "partner" || !slices.Equal(c.Scopes, []string{"orders:read", "customers:read"}) {
		t.Errorf("Verify = %+v, want c1 of partner with orders:read and customers:read", c)
	}

	exp := time.Now().Add(time.Minute).Unix()
	c, err = v.Verify(context.Background(), hs256(t, jwt.MapClaims{"sub": "c2", "exp": exp}))
	if err != nil || c.Client != "" {
		t.Errorf("a token without a client claim: got %+v, %v; want no client and no error", c, err)
	}
	for _, client := range []any{"", 7, []any{"web"}} {
		_, err := v.Verify(context.Background(), hs256(t, jwt.MapClaims{"sub": "c2", "exp": exp, "client": client}))
		if !errors.Is(err, auth.ErrBadToken) {
			t.Errorf("client claim %#v: got %v, want ErrBadToken", client, err)
		}
	}
}

func TestBearerTokenSentinels(t *testing.T) {
	for header, want := range map[string]error{
		"":                                    auth.ErrNoToken,
		"Basic abc":                           auth.ErrBadToken,
		"Bearer ":                             auth.ErrBadToken,
		"Bearer " + strings.Repeat("a", 9000): auth.ErrTokenTooLarge,
	} {
		if _, err := auth.BearerToken(header); !errors.Is(err, want) {
			t.Errorf("BearerToken(%.20q): got %v, want %v", header, err, want)
		}
	}
	if tok, err := auth.BearerToken("bearer  abc "); err != nil || tok != "abc" {
		t.Errorf(`BearerToken("bearer  abc "): got %q, %v; want "abc"`, tok, err)
	}
}

func TestValidateNamesKeysOfItsSection(t *testing.T) {
	if err := config().Validate(); err != nil {
		t.Fatalf("a good config: %v", err)
	}
	c := config()
	c.Secret = "short"
	c.ScopeClaim = "perms"
	c.Keys = []auth.KeyConfig{{PEM: "not a key"}}
	err := c.Validate()
	for _, key := range []string{"secret: ", "scopeClaim: ", "keys[0]: "} {
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("Validate: got %v, want a problem of %s", err, key)
		}
	}
	if err := (auth.IdentityConfig{}).Validate(); err == nil {
		t.Error("an identity config with no issuer and no TTL: got no problem")
	}
}

func TestAsymmetricAlgorithmsIsACopy(t *testing.T) {
	algs := auth.AsymmetricAlgorithms()
	algs[0] = "HS256"
	if auth.AsymmetricAlgorithms()[0] == "HS256" {
		t.Error("AsymmetricAlgorithms hands out the package's own slice")
	}
}
