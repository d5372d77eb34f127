package server_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/gqlbff/gqlbff/auth"
	"github.com/gqlbff/gqlbff/internal/testkit"
	"github.com/gqlbff/gqlbff/server"
)

const (
	testIssuer   = "https://issuer.test"
	testAudience = "gqlbff"
)

// keysEnv is gqlbff trusting every kind of key at once: the harness's HS256
// secret, PEM keys (RS256 kid rsa-a, ES256 kid ec-1, EdDSA without kid) and
// a JWKS (RS256 kid jwks-b, EdDSA kid jwks-ed, a 1024-bit RSA key kid weak),
// with an issuer and an audience. attacker is a JWKS nobody trusts.
type keysEnv struct {
	h        *harness
	jwks     *jwksServer
	attacker *jwksServer
}

func newKeysEnv(t *testing.T) *keysEnv {
	t.Helper()
	eds := edKeys()
	jw := newJWKSServer(t,
		jwkOf(&rsaKey(t, "rsa-b").PublicKey, "jwks-b"),
		jwkOf(eds[1].Public(), "jwks-ed"),
		jwkOf(&rsaKey(t, "rsa-weak-1024").PublicKey, "weak"),
	)
	attacker := newJWKSServer(t, jwkOf(&rsaKey(t, "rsa-c").PublicKey, "attacker"))
	h := newHarness(t, withConfig(func(c *server.Config) {
		c.JWT.Issuer, c.JWT.Audience = testIssuer, testAudience
		c.JWT.Keys = []auth.KeyConfig{
			{PEM: testkit.PublicPEM(t, &rsaKey(t, "rsa-a").PublicKey), KID: "rsa-a"},
			{PEM: testkit.PublicPEM(t, &ecKey().PublicKey), KID: "ec-1", Alg: "ES256"},
			{PEM: testkit.PublicPEM(t, eds[0].Public())},
		}
		c.JWT.JWKSURL = jw.URL
	}))
	return &keysEnv{h: h, jwks: jw, attacker: attacker}
}

// goodClaims are valid claims for subject c7 of the web profile; mod
// changes them (a nil value removes a claim).
func goodClaims(mod map[string]any) jwt.MapClaims {
	now := time.Now()
	c := jwt.MapClaims{
		"sub": "c7", "client": "web", "scope": "customers:read", "iss": testIssuer, "aud": testAudience,
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
	}
	for k, v := range mod {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	return c
}

// hs signs goodClaims(mod) with the harness's secret.
func hs(t *testing.T, header, mod map[string]any) string {
	return testkit.SignJWT(t, jwt.SigningMethodHS256, []byte(testSecret), header, goodClaims(mod))
}

// forge signs header and claims as given with method and key, whatever alg
// the header names.
func forge(t *testing.T, header map[string]any, claims jwt.MapClaims, method jwt.SigningMethod, key any) string {
	t.Helper()
	tok := testkit.RawToken(header, claims, nil)
	input := tok[:len(tok)-1]
	sig, err := method.Sign(input, key)
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func TestValidTokens(t *testing.T) {
	env := newKeysEnv(t)
	eds := edKeys()
	now := time.Now()
	cases := []struct {
		name, auth string
	}{
		{"HS256 secret", bearer(hs(t, nil, nil))},
		{"RS256 PEM key by kid", bearer(testkit.SignJWT(t, jwt.SigningMethodRS256, rsaKey(t, "rsa-a"), map[string]any{"kid": "rsa-a"}, goodClaims(nil)))},
		{"ES256 PEM key by kid", bearer(testkit.SignJWT(t, jwt.SigningMethodES256, ecKey(), map[string]any{"kid": "ec-1"}, goodClaims(nil)))},
		{"EdDSA PEM key without kid", bearer(testkit.SignJWT(t, jwt.SigningMethodEdDSA, eds[0], nil, goodClaims(nil)))},
		{"RS256 JWKS key", bearer(testkit.SignJWT(t, jwt.SigningMethodRS256, rsaKey(t, "rsa-b"), map[string]any{"kid": "jwks-b"}, goodClaims(nil)))},
		{"EdDSA JWKS key", bearer(testkit.SignJWT(t, jwt.SigningMethodEdDSA, eds[1], map[string]any{"kid": "jwks-ed"}, goodClaims(nil)))},
		{"expired within the leeway", bearer(hs(t, nil, map[string]any{"exp": now.Add(-10 * time.Second).Unix()}))},
		{"nbf within the leeway", bearer(hs(t, nil, map[string]any{"nbf": now.Add(10 * time.Second).Unix()}))},
		{"aud list holding ours", bearer(hs(t, nil, map[string]any{"aud": []string{"other", testAudience}}))},
		{"typ at+jwt", bearer(hs(t, map[string]any{"typ": "at+jwt"}, nil))},
		{"no typ", bearer(hs(t, map[string]any{"typ": nil}, nil))},
		{"no client claim: the default profile", bearer(hs(t, nil, map[string]any{"client": nil}))},
		{"lower-case scheme", "bearer " + hs(t, nil, nil)},
		{"jku of an attacker alongside a known kid", bearer(testkit.SignJWT(t, jwt.SigningMethodRS256, rsaKey(t, "rsa-a"),
			map[string]any{"kid": "rsa-a", "jku": env.attacker.URL}, goodClaims(nil)))},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := env.h.query(`{ me { id } }`, nil, "Authorization", tc.auth)
			r := a.response(t)
			if a.status != http.StatusOK || !strings.Contains(string(r.Data), `"id":"c7"`) {
				t.Errorf("got %d %s, want 200 with c7's record", a.status, a.body)
			}
		})
	}
	if n := env.attacker.fetches.Load(); n != 0 {
		t.Errorf("fetches of the attacker's JWKS: got %d, want 0", n)
	}
}

func TestBadTokensAre401WithoutSourceCalls(t *testing.T) {
	env := newKeysEnv(t)
	eds := edKeys()
	attacker := rsaKey(t, "rsa-c")
	now := time.Now()
	valid := hs(t, nil, nil)
	parts := strings.Split(valid, ".")
	rsaPEM := []byte(testkit.PublicPEM(t, &rsaKey(t, "rsa-a").PublicKey))
	flipLastBit := func(seg string) string { // the same bytes to a lenient decoder
		const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
		last := strings.IndexByte(alphabet, seg[len(seg)-1])
		return seg[:len(seg)-1] + string(alphabet[last^1])
	}
	flipSigByte := func(tok string) string {
		p := strings.Split(tok, ".")
		sig, _ := base64.RawURLEncoding.DecodeString(p[2])
		sig[0] ^= 0x01
		return p[0] + "." + p[1] + "." + base64.RawURLEncoding.EncodeToString(sig)
	}
	cases := []struct {
		name, auth string
	}{
		{"alg none", bearer(testkit.RawToken(map[string]any{"alg": "none", "typ": "JWT"}, goodClaims(nil), nil))},
		{"alg None", bearer(testkit.RawToken(map[string]any{"alg": "None"}, goodClaims(nil), nil))},
		{"alg none with a known kid", bearer(testkit.RawToken(map[string]any{"alg": "none", "kid": "rsa-a"}, goodClaims(nil), nil))},
		{"HS256 signed with the RSA public key as secret", bearer(testkit.SignJWT(t, jwt.SigningMethodHS256, rsaPEM, map[string]any{"kid": "rsa-a"}, goodClaims(nil)))},
		{"HS256 signed with the RSA public key, no kid", bearer(testkit.SignJWT(t, jwt.SigningMethodHS256, rsaPEM, nil, goodClaims(nil)))},
		{"HS256 with the secret under an RSA kid", bearer(hs(t, map[string]any{"kid": "rsa-a"}, nil))},
		{"RS256 header over an HMAC signature", bearer(forge(t, map[string]any{"alg": "RS256", "kid": "rsa-a"}, goodClaims(nil), jwt.SigningMethodHS256, []byte(testSecret)))},
		{"ES256 under an RSA kid", bearer(testkit.SignJWT(t, jwt.SigningMethodES256, ecKey(), map[string]any{"kid": "rsa-a"}, goodClaims(nil)))},
		{"EdDSA under an EC kid", bearer(testkit.SignJWT(t, jwt.SigningMethodEdDSA, eds[0], map[string]any{"kid": "ec-1"}, goodClaims(nil)))},
		{"RS256 without kid", bearer(testkit.SignJWT(t, jwt.SigningMethodRS256, rsaKey(t, "rsa-a"), nil, goodClaims(nil)))},
		{"HS512, an algorithm not configured", bearer(testkit.SignJWT(t, jwt.SigningMethodHS512, []byte(testSecret), nil, goodClaims(nil)))},
		{"bad signature", bearer(flipSigByte(valid))},
		{"another key's signature", bearer(testkit.SignJWT(t, jwt.SigningMethodRS256, attacker, map[string]any{"kid": "rsa-a"}, goodClaims(nil)))},
		{"claims changed after signing", bearer(parts[0] + "." + testkit.Segment(goodClaims(map[string]any{"sub": "c1"})) + "." + parts[2])},
		{"expired", bearer(hs(t, nil, map[string]any{"exp": now.Add(-time.Hour).Unix()}))},
		{"expired past the leeway", bearer(hs(t, nil, map[string]any{"exp": now.Add(-2 * time.Minute).Unix()}))},
		{"nbf in the future", bearer(hs(t, nil, map[string]any{"nbf": now.Add(10 * time.Minute).Unix()}))},
		{"iat in the future", bearer(hs(t, nil, map[string]any{"iat": now.Add(10 * time.Minute).Unix()}))},
		{"missing exp", bearer(hs(t, nil, map[string]any{"exp": nil}))},
		{"exp not a number", bearer(hs(t, nil, map[string]any{"exp": "tomorrow"}))},
		{"wrong iss", bearer(hs(t, nil, map[string]any{"iss": "https://evil.test"}))},
		{"missing iss", bearer(hs(t, nil, map[string]any{"iss": nil}))},
		{"wrong aud", bearer(hs(t, nil, map[string]any{"aud": "other"}))},
		{"aud list without ours", bearer(hs(t, nil, map[string]any{"aud": []string{"a", "b"}}))},
		{"missing sub", bearer(hs(t, nil, map[string]any{"sub": nil}))},
		{"sub not a string", bearer(hs(t, nil, map[string]any{"sub": 7}))},
		{"unknown client", bearer(hs(t, nil, map[string]any{"client": "admin"}))},
		{"unknown kid", bearer(testkit.SignJWT(t, jwt.SigningMethodRS256, attacker, map[string]any{"kid": "nope"}, goodClaims(nil)))},
		{"kid not a string", bearer(hs(t, map[string]any{"kid": 5}, nil))},
		{"1024-bit RSA key of the JWKS", bearer(testkit.SignJWT(t, jwt.SigningMethodRS256, rsaKey(t, "rsa-weak-1024"), map[string]any{"kid": "weak"}, goodClaims(nil)))},
		{"wrong typ", bearer(hs(t, map[string]any{"typ": "dpop+jwt"}, nil))},
		{"gqlbff's identity typ", bearer(hs(t, map[string]any{"typ": auth.IdentityTokenType}, nil))},
		{"typ not a string", bearer(hs(t, map[string]any{"typ": 1}, nil))},
		{"crit header", bearer(hs(t, map[string]any{"crit": []string{"exp"}}, nil))},
		{"jku to the attacker's JWKS", bearer(testkit.SignJWT(t, jwt.SigningMethodRS256, attacker, map[string]any{"kid": "attacker", "jku": env.attacker.URL}, goodClaims(nil)))},
		{"x5u to the attacker", bearer(testkit.SignJWT(t, jwt.SigningMethodRS256, attacker, map[string]any{"kid": "attacker", "x5u": env.attacker.URL}, goodClaims(nil)))},
		{"embedded jwk of the attacker", bearer(testkit.SignJWT(t, jwt.SigningMethodRS256, attacker, map[string]any{"jwk": jwkOf(&attacker.PublicKey, "")}, goodClaims(nil)))},
		{"embedded x5c", bearer(testkit.SignJWT(t, jwt.SigningMethodEdDSA, eds[2], map[string]any{"x5c": []string{"MIIBIjANBg"}}, goodClaims(nil)))},
		{"truncated to two segments", bearer(parts[0] + "." + parts[1])},
		{"truncated signature", bearer(valid[:len(valid)-6])},
		{"empty signature", bearer(parts[0] + "." + parts[1] + ".")},
		{"four segments", bearer(valid + ".e30")},
		{"not base64", bearer("!!!." + parts[1] + "." + parts[2])},
		{"padded base64", bearer(valid + "=")},
		{"non-canonical base64", bearer(parts[0] + "." + parts[1] + "." + flipLastBit(parts[2]))},
		{"header not JSON", bearer(base64.RawURLEncoding.EncodeToString([]byte("{alg")) + "." + parts[1] + "." + parts[2])},
		{"claims a JSON array", bearer(testkit.RawToken(map[string]any{"alg": "HS256"}, []string{"sub"}, []byte("x")))},
		{"20 KiB header (HTTP headers of 32 KiB and more are 431)", bearer(hs(t, map[string]any{"pad": strings.Repeat("a", 20<<10)}, nil))},
		{"just over 8 KiB", bearer(strings.Repeat("a", 8<<10+1))},
		{"empty bearer", "Bearer "},
		{"no space after the scheme", "Bearer" + valid},
		{"basic scheme", "Basic dXNlcjpwYXNz"},
		{"ed25519 key of nobody", bearer(testkit.SignJWT(t, jwt.SigningMethodEdDSA, ed25519.NewKeyFromSeed(make([]byte, 32)), nil, goodClaims(nil)))},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := env.h.query(`{ me { id } order(id: "o1") { id customer { name stats { orderCount } } } }`, nil, "Authorization", tc.auth)
			r := a.response(t)
			if a.status != http.StatusUnauthorized || len(r.Errors) != 1 || r.Errors[0].Code() != "UNAUTHENTICATED" || r.Data != nil {
				t.Errorf("got %d %s, want 401 UNAUTHENTICATED without data", a.status, a.body)
			}
			if got, want := a.header.Get("WWW-Authenticate"), `Bearer error="invalid_token"`; got != want {
				t.Errorf("WWW-Authenticate: got %q, want %q", got, want)
			}
		})
	}
	if n := env.h.calls(); n != 0 {
		t.Errorf("source calls: got %d, want 0", n)
	}
	if n := env.attacker.fetches.Load(); n != 0 {
		t.Errorf("fetches of the attacker's JWKS: got %d, want 0", n)
	}
}

func TestScopeClaims(t *testing.T) {
	cases := []struct {
		name, claim string
		value       any
	}{
		{"scope, a space-separated string", "scope", "customers:read orders:read"},
		{"scp, an array", "scp", []string{"customers:read", "orders:read"}},
		{"roles, an array", "roles", []string{"customers:read", "orders:read"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, withConfig(func(c *server.Config) { c.JWT.ScopeClaim = tc.claim }))
			claims := jwt.MapClaims{"sub": "c7", "client": "web", tc.claim: tc.value}
			if tc.claim != "scope" {
				claims["scope"] = "analytics:read" // a decoy: read, it would allow stats
			}
			tok := mint(claims)
			a := h.query(`{ me { id } customer(id: "c1") { id stats { orderCount } } }`, nil, "Authorization", bearer(tok))
			r := a.response(t)
			if _, ok := r.ErrorAt("customer"); ok || !strings.Contains(string(r.Data), `"id":"c1"`) {
				t.Errorf("customer needs customers:read from %s: got %s", tc.claim, a.body)
			}
			if e, ok := r.ErrorAt("customer.stats"); !ok || e.Code() != "FORBIDDEN" {
				t.Errorf("customer.stats needs analytics:read, not held: got %s", a.body)
			}
			if got := h.svcs.Customers.Requests()[0].Header.Get("X-User-Scopes"); got != "customers:read orders:read" {
				t.Errorf("X-User-Scopes: got %q, want the %s claim's scopes", got, tc.claim)
			}
		})
	}
}

// TestTwoAuthorizationHeadersAre400: which credential is meant is
// ambiguous (a proxy may read the first, gqlbff another), so neither is
// used (issue 12: the first was).
func TestTwoAuthorizationHeadersAre400(t *testing.T) {
	h := newHarness(t)
	for _, second := range []string{bearer(defaultToken), bearer(token("c1", "web", allScopes...)), "Basic dXNlcjpwYXNz", ""} {
		req, err := http.NewRequest(http.MethodPost, h.srv.URL+"/graphql", strings.NewReader(`{"query":"{ me { id } }"}`))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Add("Authorization", bearer(defaultToken))
		req.Header.Add("Authorization", second)
		resp, err := h.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		a := answer{status: resp.StatusCode, header: resp.Header, body: body}
		if r := a.response(t); a.status != http.StatusBadRequest || len(r.Errors) != 1 || r.Errors[0].Code() != "BAD_USER_INPUT" || r.Data != nil {
			t.Errorf("second header %.20q: got %d %s, want 400 BAD_USER_INPUT", second, a.status, a.body)
		}
	}
	if n := h.calls(); n != 0 {
		t.Errorf("source calls: got %d, want 0", n)
	}
}

// TestUnsendableSubjectIs401AndOpensNoBreaker: a signed token whose sub
// holds a CR, a NUL or a DEL is refused at authentication; before issue 12
// the header it made failed at every source, 20 such requests opened the
// breakers and everyone's me failed.
func TestUnsendableSubjectIs401AndOpensNoBreaker(t *testing.T) {
	h := newHarness(t)
	for i := range 30 {
		sub := []string{"c1\r", "c1\x00", "c1\x7f"}[i%3]
		a := h.query(`{ me { id } dashboard { __typename } }`, nil, "Authorization", bearer(token(sub, "web", allScopes...)))
		if r := a.response(t); a.status != http.StatusUnauthorized || len(r.Errors) != 1 || r.Errors[0].Code() != "UNAUTHENTICATED" {
			t.Fatalf("sub %q: got %d %s, want 401 UNAUTHENTICATED", sub, a.status, a.body)
		}
	}
	if n := h.calls(); n != 0 {
		t.Errorf("source calls: got %d, want 0", n)
	}
	if a := h.getPath("/readyz"); a.status != http.StatusOK {
		t.Errorf("readyz: got %d %s, want 200", a.status, a.body)
	}
	a := h.query(`{ me { id } }`, nil, "Authorization", bearer(token("c1", "web", allScopes...)))
	if r := a.response(t); a.status != http.StatusOK || len(r.Errors) != 0 {
		t.Errorf("a good caller after them: got %d %s", a.status, a.body)
	}
}
