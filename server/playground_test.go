package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gqlbff/gqlbff/server"
)

func playgroundOn(on bool) option {
	return withConfig(func(c *server.Config) { c.GraphQL.Playground = on })
}

// getPath sends a GET of path without a body, with a CSRF-preflight
// header as a browser app sends to /graphql.
func (h *harness) getPath(path string) answer {
	h.t.Helper()
	return h.do(context.Background(), http.MethodGet, path, "", nil, "GraphQL-Preflight", "1")
}

func TestPlaygroundOffIsNotFound(t *testing.T) {
	on, off := newHarness(t, playgroundOn(true)), newHarness(t, playgroundOn(false))
	for _, path := range []string{"/", "/playground/config.json"} {
		if a := on.getPath(path); a.status != http.StatusOK {
			t.Errorf("on: GET %s: status %d, want 200", path, a.status)
		}
		if a := off.getPath(path); a.status != http.StatusNotFound {
			t.Errorf("off: GET %s: status %d, want 404", path, a.status)
		}
	}
	if csp := on.getPath("/").header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("on: CSP %q, want script-src 'self'", csp)
	}
}

// Turning the playground off changes nothing but the playground: every
// other request gets the same answer either way.
func TestPlaygroundOffChangesNothingElse(t *testing.T) {
	on, off := newHarness(t, playgroundOn(true)), newHarness(t, playgroundOn(false))
	dashboard := operation(t, "dashboard")
	tests := []struct {
		name string
		send func(h *harness) answer
	}{
		{"POST /graphql", func(h *harness) answer { return h.query(dashboard, nil) }},
		{"GET /graphql", func(h *harness) answer {
			return h.getPath("/graphql?query=" + url.QueryEscape("{ dashboard { summary { orderCount } } }"))
		}},
		{"bad request", func(h *harness) answer {
			return h.do(context.Background(), http.MethodPost, "/graphql", "application/json", bytes.NewReader([]byte("{")))
		}},
		{"healthz", func(h *harness) answer { return h.getPath("/healthz") }},
		{"unknown path", func(h *harness) answer { return h.getPath("/nope") }},
		{"unknown playground file", func(h *harness) answer { return h.getPath("/playground/0000/playground.js") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := tt.send(on), tt.send(off)
			if a.status != b.status || !bytes.Equal(withoutExtensions(a.body), withoutExtensions(b.body)) {
				t.Errorf("on: %d %s\noff: %d %s\nwant the same answer", a.status, a.body, b.status, b.body)
			}
			if a.header.Get("Content-Type") != b.header.Get("Content-Type") {
				t.Errorf("Content-Type: on %q, off %q; want the same", a.header.Get("Content-Type"), b.header.Get("Content-Type"))
			}
		})
	}
}

// Deps.PlaygroundHeaders reach the page's settings: the hook for the dev
// token of demo mode.
func TestPlaygroundHeaders(t *testing.T) {
	h := newHarness(t, playgroundOn(true))
	src := server.NewSources(h.cfg)
	defer src.Close()
	handler, err := server.New(h.cfg, server.Deps{
		Sources:           src,
		PlaygroundHeaders: map[string]string{"Authorization": "Bearer dev-token"},
	})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/playground/config.json", nil))
	var cfg struct {
		Headers map[string]string
		Tabs    []struct{ Name string }
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &cfg); err != nil {
		t.Fatalf("status %d: %v", rec.Code, err)
	}
	if cfg.Headers["Authorization"] != "Bearer dev-token" {
		t.Errorf("headers %v, want the Authorization header given", cfg.Headers)
	}
	if len(cfg.Tabs) == 0 || cfg.Tabs[0].Name != "dashboard" {
		t.Errorf("tabs %v, want the dashboard first", cfg.Tabs)
	}
}

// withoutExtensions drops a JSON answer's extensions: the cost report
// holds each server's own budget left.
func withoutExtensions(body []byte) []byte {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return body
	}
	delete(m, "extensions")
	b, _ := json.Marshal(m)
	return b
}
