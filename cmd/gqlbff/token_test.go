package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/gqlbff/gqlbff/auth"
	"github.com/gqlbff/gqlbff/server"
)

func TestTokenCommand(t *testing.T) {
	const secret = "a-configured-secret-of-32-bytes-or-more"
	cases := []struct {
		name    string
		args    []string
		env     map[string]string
		key     string // the key the token must verify with
		sub     string
		client  string
		scopes  string
		wantErr string
	}{
		{"demo key, defaults", nil, nil, server.DemoJWTSecret, "c1", "web", strings.Join(server.DevScopes(), " "), ""},
		{"demo key, flags", []string{"--sub", "c7", "--scopes", "orders:read customers:read", "--client", "partner"}, nil,
			server.DemoJWTSecret, "c7", "partner", "orders:read customers:read", ""},
		{"configured key", []string{"--sub", "c9"}, map[string]string{"GQLBFF_JWT_SECRET": secret,
			"GQLBFF_ORDERS_URL": "http://o", "GQLBFF_CUSTOMERS_URL": "http://c", "GQLBFF_ANALYTICS_URL": "http://a"},
			secret, "c9", "web", strings.Join(server.DevScopes(), " "), ""},
		{"unknown client", []string{"--client", "admin"}, nil, "", "", "", "", "--client"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := run(context.Background(), append([]string{"token"}, tc.args...), func(k string) string { return tc.env[k] }, &out, &errOut)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got %v, want an error about %s", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			claims := jwt.MapClaims{}
			_, err = jwt.ParseWithClaims(strings.TrimSpace(out.String()), claims, func(*jwt.Token) (any, error) { return []byte(tc.key), nil },
				jwt.WithValidMethods([]string{"HS256"}), jwt.WithExpirationRequired())
			if err != nil {
				t.Fatalf("token %q: %v", out.String(), err)
			}
			if claims["sub"] != tc.sub || claims["client"] != tc.client || claims["scope"] != tc.scopes {
				t.Errorf("claims: got %v, want sub %s, client %s, scope %q", claims, tc.sub, tc.client, tc.scopes)
			}
		})
	}
}

// A token minted with a config is accepted by that config's verifier: its
// issuer, audience, key and claim names all come from the config.
func TestTokenHonoursTheConfig(t *testing.T) {
	cases := []struct {
		name, yaml string
	}{
		{"issuer and audience", "jwt:\n  secret: a-configured-secret-of-32-bytes-or-more\n  issuer: https://login.example.com/\n  audience: gqlbff\n"},
		{"claim names", "jwt:\n  secret: a-configured-secret-of-32-bytes-or-more\n  scopeClaim: scp\n  clientClaim: app\n"},
		{"demo mode with an issuer", "demo: true\njwt:\n  issuer: https://login.example.com/\n  audience: api\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "gqlbff.yaml")
			yaml := tc.yaml + "sources:\n  orders: {url: http://o}\n  customers: {url: http://c}\n  analytics: {url: http://a}\n"
			if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			var out, errOut bytes.Buffer
			if err := run(context.Background(), []string{"token", "--config", path, "--client", "mobile", "--sub", "c3", "--scopes", "orders:read"},
				getenv(nil), &out, &errOut); err != nil {
				t.Fatalf("token: %v\n%s", err, errOut.String())
			}
			cfg, err := server.LoadConfig(path, getenv(nil))
			if err != nil {
				t.Fatal(err)
			}
			v, err := auth.NewVerifier(cfg.JWT, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer v.Close()
			id, err := v.Verify(context.Background(), strings.TrimSpace(out.String()))
			if err != nil {
				t.Fatalf("the config's verifier refuses the token it minted: %v", err)
			}
			if id.Subject != "c3" || id.Client != "mobile" || strings.Join(id.Scopes, " ") != "orders:read" {
				t.Errorf("identity: got %+v, want c3, mobile, [orders:read]", id)
			}
		})
	}
}
