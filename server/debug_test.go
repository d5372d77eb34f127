package server

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gqlbff/gqlbff/internal/diag"
	"github.com/gqlbff/gqlbff/sources"
)

func TestDebugListenerServesStatsAndProfiles(t *testing.T) {
	cfg := Default()
	cfg.Debug.Listen = "127.0.0.1:0"
	addr, stop, err := startDebug(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Transport: &http.Transport{}}
	defer hc.CloseIdleConnections()
	resp, err := hc.Get("http://" + addr + "/debug/stats")
	if err != nil {
		t.Fatal(err)
	}
	var st diag.Stats
	err = json.NewDecoder(resp.Body).Decode(&st)
	resp.Body.Close()
	if err != nil || st.Goroutines == 0 {
		t.Errorf("stats: got %+v (%v), want goroutines above 0", st, err)
	}
	resp, err = hc.Get("http://" + addr + "/debug/pprof/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("pprof index: got %d, want 200", resp.StatusCode)
	}
	hc.CloseIdleConnections()
	stop()
	if _, err := hc.Get("http://" + addr + "/debug/stats"); err == nil {
		t.Error("after stop: got an answer, want the listener closed")
	}
}

func TestDebugListenerIsOffByDefault(t *testing.T) {
	cfg := Default()
	addr, stop, err := startDebug(cfg, slog.New(slog.DiscardHandler))
	stop()
	if addr != "" || err != nil {
		t.Errorf("got %q, %v; want no listener and no error", addr, err)
	}
	// And the public handler never serves the debug endpoints.
	cfg.Debug.Listen = "127.0.0.1:0"
	src := sources.New(sources.Config{})
	defer src.Close()
	h, err := New(cfg, Deps{Sources: src})
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/debug/stats", "/debug/pprof/", "/debug/pprof/heap", "/debug/vars"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != http.StatusNotFound {
			t.Errorf("public %s: got %d, want 404", path, rec.Code)
		}
	}
}

func TestDebugListenValidation(t *testing.T) {
	tests := []struct {
		name, listen, want string
	}{
		{"off", "", ""},
		{"loopback", "127.0.0.1:6060", ""},
		{"not host:port", "6060", "debug.listen: want host:port"},
		{"the public address", "127.0.0.1:8080", "debug.listen: must differ from listen"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := Default()
			cfg.Sources.Orders.URL, cfg.Sources.Customers.URL, cfg.Sources.Analytics.URL = "http://o", "http://c", "http://a"
			cfg.JWT.Secret = DemoJWTSecret
			cfg.Debug.Listen = tt.listen
			err := cfg.Validate()
			got := ""
			if err != nil {
				got = err.Error()
			}
			if (tt.want == "") != (err == nil) || !strings.Contains(got, tt.want) {
				t.Errorf("got %v, want %q", err, tt.want)
			}
		})
	}
}
