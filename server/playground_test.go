package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
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

// playgroundConfig is what /playground/config.json answers for a profile.
type playgroundConfig struct {
	Profile  string            `json:"profile"`
	Profiles []string          `json:"profiles"`
	Headers  map[string]string `json:"headers"`
	Tabs     []struct {
		Name       string         `json:"name"`
		Query      string         `json:"query"`
		Variables  map[string]any `json:"variables"`
		DocumentID string         `json:"documentId"`
	} `json:"tabs"`
	Schema *struct {
		Schema struct {
			Types []struct {
				Name   string `json:"name"`
				Fields []struct {
					Name              string  `json:"name"`
					IsDeprecated      bool    `json:"isDeprecated"`
					DeprecationReason *string `json:"deprecationReason"`
				} `json:"fields"`
			} `json:"types"`
		} `json:"__schema"`
	} `json:"schema"`
}

func (c playgroundConfig) fields(typ string) []string {
	var out []string
	if c.Schema == nil {
		return nil
	}
	for _, t := range c.Schema.Schema.Types {
		if t.Name == typ {
			for _, f := range t.Fields {
				out = append(out, f.Name)
			}
		}
	}
	return out
}

func (h *harness) playgroundConfig(t *testing.T, profile string) playgroundConfig {
	t.Helper()
	path := "/playground/config.json"
	if profile != "" {
		path += "?profile=" + profile
	}
	a := h.getPath(path)
	if a.status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, a.status, a.body)
	}
	var c playgroundConfig
	if err := json.Unmarshal(a.body, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestPlaygroundPerProfile: in demo mode /?profile=partner plays as the
// partner: its docs are its contract's (no Customer.email, which web's
// have), its tabs are the example operations it can run (trusted documents
// that serve it and fit its contract, sent by id since it may only send
// ids), and its dev token runs every one of them. Without ?profile the
// page is the default profile's (web): every operation, as text.
func TestPlaygroundPerProfile(t *testing.T) {
	h := newHarness(t, playgroundOn(true), withConfig(func(c *server.Config) { c.Demo = true }))
	ids := demoIDs(t)
	web, def, partner := h.playgroundConfig(t, "web"), h.playgroundConfig(t, ""), h.playgroundConfig(t, "partner")
	if def.Profile != "web" || len(def.Tabs) != len(web.Tabs) || strings.Join(partner.Profiles, ",") != "web,mobile,partner" {
		t.Errorf("default %q (%d tabs), profiles %v: want web's, and web, mobile, partner", def.Profile, len(def.Tabs), partner.Profiles)
	}
	if f := web.fields("Customer"); !slices.Contains(f, "email") || !slices.Contains(f, "name") {
		t.Errorf("web's docs: Customer has %v, want email", f)
	}
	if f := partner.fields("Customer"); slices.Contains(f, "email") || !slices.Contains(f, "name") {
		t.Errorf("partner's docs: Customer has %v, want no email", f)
	}
	var webTabs, partnerTabs []string
	for _, tab := range web.Tabs {
		webTabs = append(webTabs, tab.Name)
		if tab.DocumentID != "" {
			t.Errorf("web's tab %s: documentId %q, want its text sent", tab.Name, tab.DocumentID)
		}
	}
	if len(webTabs) != 5 {
		t.Errorf("web's tabs %v, want every example operation", webTabs)
	}
	byName := map[string]string{"customers_by_ids": "CustomersByIds", "dashboard": "Dashboard", "orders_fanout": "OrdersFanout"}
	for _, tab := range partner.Tabs {
		partnerTabs = append(partnerTabs, tab.Name)
		if want := ids[byName[tab.Name]]; tab.DocumentID == "" || tab.DocumentID != want {
			t.Errorf("partner's tab %s: documentId %q, want %q", tab.Name, tab.DocumentID, want)
		}
		body := map[string]any{"documentId": tab.DocumentID, "variables": tab.Variables}
		a := h.postJSON(body, "Authorization", partner.Headers["Authorization"])
		// customers_by_ids asks for an unknown id on purpose.
		if r := a.response(t, "customers.1"); a.status != http.StatusOK || len(r.Errors) > 0 {
			t.Errorf("partner runs its tab %s with its dev token: %d %s", tab.Name, a.status, a.body)
		}
	}
	slices.Sort(partnerTabs)
	if strings.Join(partnerTabs, ",") != "customers_by_ids,dashboard,orders_fanout" {
		t.Errorf("partner's tabs %v, want the trusted documents it can run (not me, order_detail: email)", partnerTabs)
	}
	if a := h.getPath("/playground/config.json?profile=kiosk"); a.status != http.StatusNotFound || !strings.Contains(string(a.body), "kiosk") {
		t.Errorf("an unknown profile: %d %s, want 404 naming it", a.status, a.body)
	}
}
