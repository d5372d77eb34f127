package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"

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
		{"demo key, defaults", nil, nil, server.DemoJWTSecret, "c1", "web", strings.Join(server.DevScopes, " "), ""},
		{"demo key, flags", []string{"--sub", "c7", "--scopes", "orders:read customers:read", "--client", "partner"}, nil,
			server.DemoJWTSecret, "c7", "partner", "orders:read customers:read", ""},
		{"configured key", []string{"--sub", "c9"}, map[string]string{"GQLBFF_JWT_SECRET": secret,
			"GQLBFF_ORDERS_URL": "http://o", "GQLBFF_CUSTOMERS_URL": "http://c", "GQLBFF_ANALYTICS_URL": "http://a"},
			secret, "c9", "web", strings.Join(server.DevScopes, " "), ""},
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
