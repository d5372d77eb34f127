package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gqlbff/gqlbff/server"
)

func TestCSRFPrevention(t *testing.T) {
	h := newHarness(t)
	const op = `{ order(id: "o1") { id } }`
	get := "/graphql?query=" + url.QueryEscape(op)
	body := `{"query":"{ order(id: \"o1\") { id } }"}`
	cases := []struct {
		name, method, path, contentType string
		header                          []string
		status                          int
	}{
		{"GET with no header", http.MethodGet, get, "", nil, http.StatusBadRequest},
		{"GET with GraphQL-Preflight", http.MethodGet, get, "", []string{"GraphQL-Preflight", "1"}, http.StatusOK},
		{"GET with X-Requested-With", http.MethodGet, get, "", []string{"X-Requested-With", "XMLHttpRequest"}, http.StatusOK},
		{"GET with Apollo-Require-Preflight", http.MethodGet, get, "", []string{"Apollo-Require-Preflight", "true"}, http.StatusOK},
		{"GET with Content-Type application/json", http.MethodGet, get, "application/json", nil, http.StatusOK},
		{"GET with Content-Type text/plain", http.MethodGet, get, "text/plain", nil, http.StatusBadRequest},
		{"GET with a text/plain a strict parser fails on", http.MethodGet, get, "text/plain; x", nil, http.StatusBadRequest},
		{"GET with an upper-case simple type", http.MethodGet, get, " TEXT/Plain ;charset=utf-8", nil, http.StatusBadRequest},
		{"GET with only a safelisted header", http.MethodGet, get, "", []string{"Accept-Language", "en"}, http.StatusBadRequest},
		// A simple POST never runs: only application/json bodies do, which
		// a browser preflights. The transport refuses the others.
		{"POST text/plain: never runs, 415", http.MethodPost, "/graphql", "text/plain", nil, http.StatusUnsupportedMediaType},
		{"POST form: never runs, 415", http.MethodPost, "/graphql", "application/x-www-form-urlencoded", nil, http.StatusUnsupportedMediaType},
		{"POST multipart: never runs, 415", http.MethodPost, "/graphql", "multipart/form-data; boundary=x", nil, http.StatusUnsupportedMediaType},
		{"POST text/plain with X-Requested-With: past CSRF, then 415", http.MethodPost, "/graphql", "text/plain", []string{"X-Requested-With", "x"}, http.StatusUnsupportedMediaType},
		{"POST application/json", http.MethodPost, "/graphql", "application/json", nil, http.StatusOK},
		{"PUT, preflighted by any browser: past CSRF, then 405", http.MethodPut, "/graphql", "text/plain", nil, http.StatusMethodNotAllowed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h.reset()
			var b *strings.Reader
			if tc.method == http.MethodPost {
				b = strings.NewReader(body)
			} else {
				b = strings.NewReader("")
			}
			a := h.do(context.Background(), tc.method, tc.path, tc.contentType, b, tc.header...)
			r := a.response(t)
			if a.status != tc.status {
				t.Fatalf("got %d %s, want %d", a.status, a.body, tc.status)
			}
			if tc.status == http.StatusBadRequest {
				if len(r.Errors) != 1 || r.Errors[0].Code() != "BAD_USER_INPUT" || !strings.Contains(r.Errors[0].Message, "CSRF") {
					t.Errorf("got %s, want one BAD_USER_INPUT error naming CSRF", a.body)
				}
				if n := h.calls(); n != 0 {
					t.Errorf("source calls of a refused request: got %d, want 0", n)
				}
			}
		})
	}
}

func TestCSRFPreventionOff(t *testing.T) {
	h := newHarness(t, withConfig(func(c *server.Config) { c.CSRF.Prevention = false }))
	a := h.do(context.Background(), http.MethodGet, "/graphql?query="+url.QueryEscape(`{ order(id: "o1") { id } }`), "", nil)
	if a.response(t); a.status != http.StatusOK {
		t.Errorf("GET with no header, prevention off: got %d %s, want 200", a.status, a.body)
	}
}
