package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gqlbff/gqlbff/server"
)

const testAdminKey = "admin-key-0123456789abcdef-0123456789"

// fetch sends a request with an optional Authorization header and returns
// the status and body.
func fetch(t *testing.T, hc *http.Client, method, url, authorization string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

func TestAdminListenerServesProbesMetricsAndKeyedProfiles(t *testing.T) {
	r := startRun(t, func(c *server.Config) {
		c.Admin.Listen = "127.0.0.1:0"
		c.Admin.Key = testAdminKey
	})
	if r.admin == "" || r.admin == r.addr {
		t.Fatalf("admin address %q (public %q): want a listener of its own", r.admin, r.addr)
	}
	hc := &http.Client{Transport: &http.Transport{}}
	defer hc.CloseIdleConnections()
	admin, public := "http://"+r.admin, "http://"+r.addr

	for _, path := range []string{"/healthz", "/readyz", "/metrics"} {
		if st, _, body := fetch(t, hc, "GET", admin+path, ""); st != http.StatusOK {
			t.Errorf("admin %s: got %d %s, want 200 without a key", path, st, body)
		}
	}
	if _, _, body := fetch(t, hc, "GET", admin+"/metrics", ""); !strings.Contains(body, "go_goroutines") {
		t.Errorf("admin /metrics: got %.200s, want the Prometheus text", body)
	}
	// The public listener keeps the probes but not /metrics.
	for path, want := range map[string]int{"/healthz": 200, "/readyz": 200, "/metrics": 404} {
		if st, _, _ := fetch(t, hc, "GET", public+path, ""); st != want {
			t.Errorf("public %s: got %d, want %d", path, st, want)
		}
	}
	// pprof and the runtime stats are there only with the key.
	for _, auth := range []string{"", "Bearer wrong", "Bearer " + testAdminKey[:len(testAdminKey)-1], "Basic " + testAdminKey, testAdminKey} {
		st, h, body := fetch(t, hc, "GET", admin+"/debug/pprof/", auth)
		var e struct {
			Errors []struct {
				Extensions struct{ Code string } `json:"extensions"`
			} `json:"errors"`
		}
		_ = json.Unmarshal([]byte(body), &e)
		if st != http.StatusUnauthorized || len(e.Errors) != 1 || e.Errors[0].Extensions.Code != server.CodeUnauthenticated ||
			!strings.HasPrefix(h.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("pprof with Authorization %q: got %d %s, want 401 UNAUTHENTICATED with WWW-Authenticate", auth, st, body)
		}
	}
	if st, _, body := fetch(t, hc, "GET", admin+"/debug/pprof/", "Bearer "+testAdminKey); st != 200 || !strings.Contains(body, "goroutine") {
		t.Errorf("pprof with the key: got %d %.200s, want the index", st, body)
	}
	if st, _, _ := fetch(t, hc, "GET", admin+"/debug/stats", ""); st != http.StatusUnauthorized {
		t.Errorf("stats without the key: got %d, want 401", st)
	}
	if st, _, body := fetch(t, hc, "GET", admin+"/debug/stats", "Bearer "+testAdminKey); st != 200 || !strings.Contains(body, `"goroutines"`) {
		t.Errorf("stats with the key: got %d %.200s", st, body)
	}
	// Never on the public listener, key or not.
	if st, _, _ := fetch(t, hc, "GET", public+"/debug/pprof/", "Bearer "+testAdminKey); st != http.StatusNotFound {
		t.Errorf("public pprof: got %d, want 404", st)
	}
}

func TestAdminListenerIsOffByDefault(t *testing.T) {
	r := startRun(t, nil)
	if r.admin != "" {
		t.Errorf("admin address %q, want none", r.admin)
	}
	hc := &http.Client{Transport: &http.Transport{}}
	defer hc.CloseIdleConnections()
	if st, _, body := fetch(t, hc, "GET", "http://"+r.addr+"/metrics", ""); st != 200 || !strings.Contains(body, "go_goroutines") {
		t.Errorf("public /metrics without an admin listener: got %d, want 200", st)
	}
}

// TestAdminRoutesNeedTheKey mounts an endpoint that changes state, as the
// cache invalidation does, through Deps.AdminRoutes.
func TestAdminRoutesNeedTheKey(t *testing.T) {
	for _, key := range []string{testAdminKey, ""} {
		calls := 0
		route := server.AdminRoute{Pattern: "POST /cache/invalidate", Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			calls++
			w.WriteHeader(http.StatusNoContent)
		})}
		h := newHarness(t, withConfig(func(c *server.Config) {
			c.Admin.Listen = "127.0.0.1:0"
			c.Admin.Key = key
		}), withDeps(server.Deps{AdminRoutes: []server.AdminRoute{route}}))
		srv := httptest.NewServer(h.handler.Admin())
		hc := srv.Client()
		wantWith, wantWithout := http.StatusNoContent, http.StatusUnauthorized
		if key == "" {
			// Without a key the keyed endpoints are off.
			wantWith, wantWithout = http.StatusNotFound, http.StatusNotFound
		}
		if st, _, _ := fetch(t, hc, "POST", srv.URL+"/cache/invalidate", ""); st != wantWithout {
			t.Errorf("key %q, no Authorization: got %d, want %d", key, st, wantWithout)
		}
		if st, _, _ := fetch(t, hc, "POST", srv.URL+"/cache/invalidate", "Bearer "+testAdminKey); st != wantWith {
			t.Errorf("key %q, with the key: got %d, want %d", key, st, wantWith)
		}
		if st, _, _ := fetch(t, hc, "GET", srv.URL+"/debug/pprof/", "Bearer "+testAdminKey); key == "" && st != http.StatusNotFound {
			t.Errorf("no key configured: pprof got %d, want 404", st)
		}
		if wantCalls := map[bool]int{true: 1, false: 0}[key != ""]; calls != wantCalls {
			t.Errorf("key %q: the route ran %d times, want %d", key, calls, wantCalls)
		}
		// Not on the public listener.
		if a := h.do(t.Context(), "POST", "/cache/invalidate", "", nil, "Authorization", "Bearer "+testAdminKey); a.status != http.StatusNotFound && a.status != http.StatusMethodNotAllowed {
			t.Errorf("public /cache/invalidate: got %d, want 404", a.status)
		}
		hc.CloseIdleConnections()
		srv.Close()
	}
}

func TestAdminConfigValidation(t *testing.T) {
	cases := []struct {
		name   string
		set    func(*server.Config)
		substr string
	}{
		{"short key", func(c *server.Config) { c.Admin.Listen, c.Admin.Key = "127.0.0.1:9090", "short" }, "admin.key: must be at least 32"},
		{"key without listener", func(c *server.Config) { c.Admin.Key = testAdminKey }, "admin.key: set, but admin.listen is empty"},
		{"same as public", func(c *server.Config) { c.Admin.Listen = c.Listen }, "admin.listen: must differ"},
		{"not host:port", func(c *server.Config) { c.Admin.Listen = "9090" }, "admin.listen: want host:port"},
	}
	for _, tc := range cases {
		cfg := server.Default()
		tc.set(&cfg)
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), tc.substr) {
			t.Errorf("%s: got %v, want %q", tc.name, err, tc.substr)
		}
	}
	cfg, err := server.LoadConfig("", func(k string) string {
		return map[string]string{"GQLBFF_ADMIN_LISTEN": "127.0.0.1:9090", "GQLBFF_ADMIN_KEY": testAdminKey, "GQLBFF_DEMO": "true"}[k]
	})
	if err != nil || cfg.Admin.Listen != "127.0.0.1:9090" || cfg.Admin.Key != testAdminKey {
		t.Errorf("from the environment: got %+v, %v", cfg.Admin, err)
	}
}
