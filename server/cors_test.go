package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gqlbff/gqlbff/server"
)

const appOrigin = "https://app.example.com"

// corsHeaders are the answer headers that grant a browser anything.
var corsHeaders = []string{
	"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials", "Access-Control-Allow-Methods",
	"Access-Control-Allow-Headers", "Access-Control-Max-Age", "Access-Control-Expose-Headers",
}

func TestCORS(t *testing.T) {
	h := newHarness(t, withConfig(func(c *server.Config) {
		c.CORS.AllowedOrigins = []string{appOrigin}
		c.CORS.AllowCredentials = true
		c.CORS.MaxAge = 10 * time.Minute
	}))
	preflight := func(origin, method, headers string) answer {
		return h.do(context.Background(), http.MethodOptions, "/graphql", "", nil,
			"Authorization", "", "Origin", origin, "Access-Control-Request-Method", method, "Access-Control-Request-Headers", headers)
	}
	cases := []struct {
		name    string
		do      func() answer
		status  int
		allowed bool
	}{
		{"preflight, allowed origin", func() answer { return preflight(appOrigin, "POST", "authorization,content-type") }, http.StatusNoContent, true},
		{"preflight, allowed origin, GET with graphql-preflight", func() answer { return preflight(appOrigin, "GET", "graphql-preflight") }, http.StatusNoContent, true},
		{"preflight, disallowed origin", func() answer { return preflight("https://evil.example", "POST", "authorization,content-type") }, http.StatusNoContent, false},
		{"preflight, an origin that only starts like ours", func() answer { return preflight(appOrigin+".evil.example", "POST", "content-type") }, http.StatusNoContent, false},
		{"preflight, a header not allowed", func() answer { return preflight(appOrigin, "POST", "x-evil") }, http.StatusNoContent, false},
		{"preflight, a method not allowed", func() answer { return preflight(appOrigin, "DELETE", "") }, http.StatusNoContent, false},
		{"actual request, allowed origin", func() answer {
			return h.query(`{ order(id: "o1") { id } }`, nil, "Origin", appOrigin)
		}, http.StatusOK, true},
		{"actual request, allowed origin, refused token", func() answer {
			return h.query(`{ order(id: "o1") { id } }`, nil, "Origin", appOrigin, "Authorization", "Bearer bad")
		}, http.StatusUnauthorized, true},
		{"actual request, disallowed origin", func() answer {
			return h.query(`{ order(id: "o1") { id } }`, nil, "Origin", "https://evil.example")
		}, http.StatusOK, false},
		{"actual request, no origin (not a browser)", func() answer {
			return h.query(`{ order(id: "o1") { id } }`, nil)
		}, http.StatusOK, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := tc.do()
			if a.status != tc.status {
				t.Errorf("status: got %d, want %d", a.status, tc.status)
			}
			if a.status != http.StatusNoContent {
				a.response(t)
			}
			if !tc.allowed {
				for _, name := range corsHeaders {
					if v := a.header.Get(name); v != "" {
						t.Errorf("%s: got %q, want none for a disallowed request", name, v)
					}
				}
				return
			}
			if got := a.header.Get("Access-Control-Allow-Origin"); got != appOrigin {
				t.Errorf("Access-Control-Allow-Origin: got %q, want %q", got, appOrigin)
			}
			if got := a.header.Get("Access-Control-Allow-Credentials"); got != "true" {
				t.Errorf("Access-Control-Allow-Credentials: got %q, want true", got)
			}
			if !strings.Contains(strings.Join(a.header.Values("Vary"), ","), "Origin") {
				t.Errorf("Vary: got %q, want Origin in it", a.header.Values("Vary"))
			}
			if a.status == http.StatusNoContent {
				if got := a.header.Get("Access-Control-Max-Age"); got != "600" {
					t.Errorf("Access-Control-Max-Age: got %q, want 600", got)
				}
			} else if got := a.header.Get("Access-Control-Expose-Headers"); !strings.Contains(got, "X-Request-Id") {
				t.Errorf("Access-Control-Expose-Headers: got %q, want X-Request-Id in it", got)
			}
		})
	}
}

func TestCORSWithoutOriginsAllowsNone(t *testing.T) {
	h := newHarness(t) // no cors.allowedOrigins: rs/cors alone would read that as "all"
	a := h.do(context.Background(), http.MethodOptions, "/graphql", "", nil,
		"Origin", appOrigin, "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "content-type")
	b := h.query(`{ order(id: "o1") { id } }`, nil, "Origin", appOrigin)
	b.response(t)
	for _, name := range corsHeaders {
		if v := a.header.Get(name) + b.header.Get(name); v != "" {
			t.Errorf("%s: got %q, want none", name, v)
		}
	}
}

func TestCORSWildcards(t *testing.T) {
	cases := []struct {
		name        string
		origins     []string
		credentials bool
		valid       bool
		origin      string // with a valid config: this origin
		allowed     bool   // is allowed, or not
	}{
		{"* with credentials", []string{"*"}, true, false, "", false},
		{"a pattern with credentials", []string{"https://*.example.com"}, true, false, "", false},
		{"h* with credentials (rs/cors #197)", []string{"h*"}, true, false, "", false},
		{"an origin with a path", []string{"https://app.example.com/x"}, false, false, "", false},
		{"null", []string{"null"}, false, false, "", false},
		{"a pattern without credentials, a subdomain", []string{"https://*.example.com"}, false, true, "https://a.example.com", true},
		{"a pattern without credentials, another site", []string{"https://*.example.com"}, false, true, "https://example.com.evil.example", false},
		{"* without credentials", []string{"*"}, false, true, "https://anyone.example", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := server.Default()
			cfg.JWT.Secret = testSecret
			cfg.Sources.Orders.URL, cfg.Sources.Customers.URL, cfg.Sources.Analytics.URL = "http://o", "http://c", "http://a"
			cfg.CORS.AllowedOrigins, cfg.CORS.AllowCredentials = tc.origins, tc.credentials
			err := cfg.Validate()
			if (err == nil) != tc.valid {
				t.Fatalf("Validate: got %v, want valid %v", err, tc.valid)
			}
			if err != nil {
				if !strings.Contains(err.Error(), "cors.allowedOrigins") {
					t.Errorf("Validate: got %v, want it to name cors.allowedOrigins", err)
				}
				return
			}
			h := newHarness(t, withConfig(func(c *server.Config) { c.CORS = cfg.CORS }))
			a := h.query(`{ __typename }`, nil, "Origin", tc.origin)
			if got := a.header.Get("Access-Control-Allow-Origin") != ""; got != tc.allowed {
				t.Errorf("origin %s allowed: got %v, want %v", tc.origin, got, tc.allowed)
			}
		})
	}
}
