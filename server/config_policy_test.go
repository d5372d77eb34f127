package server_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gqlbff/gqlbff/auth"
	"github.com/gqlbff/gqlbff/internal/testkit"
	"github.com/gqlbff/gqlbff/server"
)

// validConfig passes Validate: sources set, the harness's secret.
func validConfig() server.Config {
	cfg := server.Default()
	cfg.JWT.Secret = testSecret
	cfg.Sources.Orders.URL, cfg.Sources.Customers.URL, cfg.Sources.Analytics.URL = "http://o", "http://c", "http://a"
	return cfg
}

func TestPolicyConfigValidation(t *testing.T) {
	rsaPub := testkit.PublicPEM(t, &rsaKey(t, "rsa-a").PublicKey)
	pemFile := filepath.Join(t.TempDir(), "key.pem")
	if err := os.WriteFile(pemFile, []byte(testkit.PublicPEM(t, &ecKey().PublicKey)), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		change func(c *server.Config)
		key    string // the key the error names; "" for a valid config
	}{
		{"defaults with a secret", func(*server.Config) {}, ""},
		{"PEM keys inline and from a file", func(c *server.Config) {
			c.JWT.Keys = []auth.KeyConfig{{PEM: rsaPub, KID: "a"}, {File: pemFile, Alg: "ES256"}}
		}, ""},
		{"a PEM key that is not PEM", func(c *server.Config) { c.JWT.Keys = []auth.KeyConfig{{PEM: "MIIB"}} }, "jwt.keys[0]"},
		{"a private key", func(c *server.Config) {
			c.JWT.Keys = []auth.KeyConfig{{PEM: testkit.PrivatePEM(t, rsaKey(t, "rsa-a"))}}
		}, "jwt.keys[0]"},
		{"a 1024-bit RSA key", func(c *server.Config) {
			c.JWT.Keys = []auth.KeyConfig{{PEM: testkit.PublicPEM(t, &rsaKey(t, "rsa-weak-1024").PublicKey)}}
		}, "jwt.keys[0]"},
		{"an RSA key for ES256", func(c *server.Config) { c.JWT.Keys = []auth.KeyConfig{{PEM: rsaPub, Alg: "ES256"}} }, "jwt.keys[0]"},
		{"an RSA key for HS256", func(c *server.Config) { c.JWT.Keys = []auth.KeyConfig{{PEM: rsaPub, Alg: "HS256"}} }, "jwt.keys[0]"},
		{"file and pem", func(c *server.Config) { c.JWT.Keys = []auth.KeyConfig{{PEM: rsaPub, File: pemFile}} }, "jwt.keys[0]"},
		{"a missing file", func(c *server.Config) { c.JWT.Keys = []auth.KeyConfig{{File: pemFile + ".nope"}} }, "jwt.keys[0]"},
		{"a kid twice", func(c *server.Config) {
			c.JWT.Keys = []auth.KeyConfig{{PEM: rsaPub, KID: "a"}, {File: pemFile, KID: "a"}}
		}, "jwt.keys[1].kid"},
		{"a JWKS over https", func(c *server.Config) { c.JWT.JWKSURL = "https://issuer.example/jwks" }, ""},
		{"a JWKS over http to loopback", func(c *server.Config) { c.JWT.JWKSURL = "http://127.0.0.1:9/jwks" }, ""},
		{"a JWKS over http", func(c *server.Config) { c.JWT.JWKSURL = "http://issuer.example/jwks" }, "jwt.jwksURL"},
		{"HS256 from a JWKS", func(c *server.Config) { c.JWT.JWKSAlgorithms = []string{"HS256"} }, "jwt.jwksAlgorithms"},
		{"none from a JWKS", func(c *server.Config) { c.JWT.JWKSAlgorithms = []string{"none"} }, "jwt.jwksAlgorithms"},
		{"no JWKS timeout", func(c *server.Config) { c.JWT.JWKSTimeout = 0 }, "jwt.jwksTimeout"},
		{"no JWKS refresh", func(c *server.Config) { c.JWT.JWKSRefresh = 0 }, "jwt.jwksRefresh"},
		{"a tiny JWKS limit", func(c *server.Config) { c.JWT.JWKSMaxBytes = 10 }, "jwt.jwksMaxBytes"},
		{"a short secret", func(c *server.Config) { c.JWT.Secret = "short" }, "jwt.secret"},
		{"no key at all", func(c *server.Config) { c.JWT.Secret = "" }, "jwt"},
		{"no key, anonymous callers", func(c *server.Config) { c.JWT.Secret = ""; c.Profiles.Web.AllowAnonymous = true }, ""},
		{"an identity key", func(c *server.Config) { c.Identity.Key = testkit.PrivatePEM(t, edKeys()[0]) }, ""},
		{"an RSA identity key", func(c *server.Config) { c.Identity.Key = testkit.PrivatePEM(t, rsaKey(t, "rsa-a")) }, "identity.key"},
		{"an identity key that is a public key", func(c *server.Config) { c.Identity.Key = testkit.PublicPEM(t, edKeys()[0].Public()) }, "identity.key"},
		{"identity tokens shorter than a request", func(c *server.Config) { c.Identity.TTL = time.Second }, "identity.ttl"},
		{"a CSRF header that is safelisted", func(c *server.Config) { c.CSRF.Headers = []string{"Content-Type"} }, "csrf.headers"},
		{"CSRF prevention without headers", func(c *server.Config) { c.CSRF.Headers = nil }, "csrf.headers"},
		{"a CORS max age of two days", func(c *server.Config) { c.CORS.MaxAge = 48 * time.Hour }, "cors.maxAge"},
		{"a CORS header that is no header name", func(c *server.Config) { c.CORS.AllowedHeaders = []string{"a b"} }, "cors.allowedHeaders"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := validConfig()
			tc.change(&cfg)
			err := cfg.Validate()
			switch {
			case tc.key == "" && err != nil:
				t.Errorf("got %v, want valid", err)
			case tc.key != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.key+":")):
				t.Errorf("got %v, want an error about %s", err, tc.key)
			}
		})
	}
}

func TestPolicyConfigFromEnvironment(t *testing.T) {
	rsaPub := testkit.PublicPEM(t, &rsaKey(t, "rsa-a").PublicKey)
	pemJSON, _ := json.Marshal(rsaPub)
	env := map[string]string{
		"GQLBFF_DEMO":                          "true",
		"GQLBFF_JWT_KEYS":                      `[{"pem": ` + string(pemJSON) + `, "kid": "k1", "alg": "RS256"}]`,
		"GQLBFF_CORS_ALLOWED_ORIGINS":          "https://a.example, https://b.example",
		"GQLBFF_CORS_ALLOW_CREDENTIALS":        "true",
		"GQLBFF_CSRF_PREVENTION":               "false",
		"GQLBFF_ORDERS_SEND_IDENTITY":          "true",
		"GQLBFF_IDENTITY_TTL":                  "30s",
		"GQLBFF_JWKS_MIN_REFETCH":              "10s",
		"GQLBFF_PROFILE_PARTNER_INTROSPECTION": "true",
	}
	cfg, err := server.LoadConfig("", func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.JWT.Keys) != 1 || cfg.JWT.Keys[0].KID != "k1" || cfg.JWT.Keys[0].PEM != rsaPub {
		t.Errorf("jwt.keys: got %+v, want the one key of GQLBFF_JWT_KEYS", cfg.JWT.Keys)
	}
	if cfg.JWT.Secret != "" {
		t.Errorf("jwt.secret: got %q, want none: demo mode adds its key only when none is configured", cfg.JWT.Secret)
	}
	if got := cfg.CORS.AllowedOrigins; len(got) != 2 || got[1] != "https://b.example" || !cfg.CORS.AllowCredentials {
		t.Errorf("cors: got %+v", cfg.CORS)
	}
	if cfg.CSRF.Prevention || !cfg.Sources.Orders.SendIdentity || cfg.Identity.TTL != 30*time.Second ||
		cfg.JWT.JWKSMinRefetch != 10*time.Second || !cfg.Profiles.Partner.Introspection {
		t.Errorf("got csrf %+v, orders %+v, identity %+v, jwksMinRefetch %s, partner %+v",
			cfg.CSRF, cfg.Sources.Orders, cfg.Identity, cfg.JWT.JWKSMinRefetch, cfg.Profiles.Partner)
	}

	env["GQLBFF_JWT_KEYS"] = `[{"pem": "x", "bogus": 1}]`
	if _, err := server.LoadConfig("", func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), "GQLBFF_JWT_KEYS") {
		t.Errorf("an unknown field in GQLBFF_JWT_KEYS: got %v, want an error naming it", err)
	}
}

func TestPolicyConfigFromYAML(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "gqlbff.yaml")
	keyFile := filepath.Join(dir, "a.pem")
	const yaml = `
sources:
  orders: {url: http://o, sendIdentity: true}
  customers: {url: http://c, forwardAuthorization: true}
  analytics: {url: http://a}
jwt:
  issuer: https://issuer.example
  audience: gqlbff
  jwksURL: https://issuer.example/.well-known/jwks.json
  jwksAlgorithms: [RS256, ES256]
  keys:
    - {file: %s, kid: a}
cors:
  allowedOrigins: [https://app.example.com]
  allowCredentials: true
  maxAge: 5m
`
	if err := os.WriteFile(path, fmt.Appendf(nil, yaml, keyFile), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := server.LoadConfig(path, func(string) string { return "" })
	if err == nil || !strings.Contains(err.Error(), "jwt.keys[0]") {
		t.Fatalf("a key file that does not exist: got %v, want an error naming jwt.keys[0]", err)
	}
	if err := os.WriteFile(keyFile, []byte(testkit.PublicPEM(t, &rsaKey(t, "rsa-a").PublicKey)), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := server.LoadConfig(path, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.JWT.Keys[0].File != keyFile || cfg.CORS.MaxAge != 5*time.Minute || !cfg.Sources.Orders.SendIdentity || !cfg.Sources.Customers.ForwardAuthorization {
		t.Errorf("got %+v, %+v, %+v", cfg.JWT, cfg.CORS, cfg.Sources)
	}
}
