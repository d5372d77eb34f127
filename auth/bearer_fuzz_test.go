package auth_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/gqlbff/gqlbff/auth"
	"github.com/gqlbff/gqlbff/internal/testkit"
)

// FuzzBearerToken feeds Authorization headers to BearerToken and Verify.
// Properties: nothing panics; every error is one of the sentinels; and a
// token verifies if and only if it is one the test signed, byte for byte.
// The "only if" holds because the signatures cover the exact segments, the
// decoding is strict (one encoding per byte string) and none of HMAC,
// RSA PKCS #1 v1.5 or Ed25519 signatures is malleable: any other string is
// invalid.
//
//	go test -run '^$' -fuzz FuzzBearerToken -fuzztime 60s ./auth/
func FuzzBearerToken(f *testing.F) {
	cfg := config()
	cfg.Keys = []auth.KeyConfig{
		{PEM: testkit.PublicPEM(f, &rsaTestKey().PublicKey), KID: "rsa-a"},
		{PEM: testkit.PublicPEM(f, edTestKey().Public())},
	}
	v, err := auth.NewVerifier(cfg, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(v.Close)

	claims := func(sub string) jwt.MapClaims {
		return jwt.MapClaims{"sub": sub, "client": "mobile", "scope": "orders:read", "exp": time.Now().Add(24 * time.Hour).Unix()}
	}
	valid := map[string]string{ // token → subject
		testkit.SignJWT(f, jwt.SigningMethodHS256, []byte(secret), nil, claims("hs")):                          "hs",
		testkit.SignJWT(f, jwt.SigningMethodRS256, rsaTestKey(), map[string]any{"kid": "rsa-a"}, claims("rs")): "rs",
		testkit.SignJWT(f, jwt.SigningMethodEdDSA, edTestKey(), nil, claims("ed")):                             "ed",
	}
	for tok := range valid {
		parts := strings.Split(tok, ".")
		for _, seed := range []string{
			"Bearer " + tok, "bearer  " + tok + " ", "Bearer " + tok + "=", "Bearer " + tok[:len(tok)-1],
			"Bearer " + parts[0] + "." + parts[1], "Bearer " + parts[1] + "." + parts[0] + "." + parts[2],
			"Basic " + tok, "Bearer " + strings.ToUpper(tok),
		} {
			f.Add(seed)
		}
	}
	for _, seed := range []string{"", "Bearer", "Bearer ", "Bearer ..", "Bearer a.b.c", "Bearer " + strings.Repeat("A", 9000),
		"Bearer " + testkit.RawToken(map[string]any{"alg": "none"}, claims("none"), nil)} {
		f.Add(seed)
	}

	f.Fuzz(func(t *testing.T, header string) {
		tok, err := auth.BearerToken(header)
		if err != nil {
			if !errors.Is(err, auth.ErrNoToken) && !errors.Is(err, auth.ErrBadToken) && !errors.Is(err, auth.ErrTokenTooLarge) {
				t.Fatalf("BearerToken(%q): error %v is none of the sentinels", header, err)
			}
			return
		}
		if tok == "" || len(tok) > 8<<10 || !strings.Contains(header, tok) || strings.TrimSpace(tok) != tok {
			t.Fatalf("BearerToken(%q) = %q: want a non-empty, trimmed part of the header of at most 8 KiB", header, tok)
		}
		id, err := v.Verify(context.Background(), tok)
		sub, want := valid[tok]
		if got := err == nil; got != want {
			t.Fatalf("Verify(%q): error %v, want valid %v", tok, err, want)
		}
		if err != nil && !errors.Is(err, auth.ErrBadToken) && !errors.Is(err, auth.ErrTokenTooLarge) {
			t.Fatalf("Verify(%q): error %v is none of the sentinels", tok, err)
		}
		if err == nil && (id.Subject != sub || id.Client != "mobile") {
			t.Fatalf("Verify(%q) = %+v, want subject %s of the mobile profile", tok, id, sub)
		}
	})
}
