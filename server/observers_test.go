package server_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gqlbff/gqlbff/server"
	"github.com/gqlbff/gqlbff/sources"
)

// callCounter is an observer that counts the source calls it sees.
type callCounter struct {
	sources.NopObserver
	calls atomic.Int64
}

func (c *callCounter) StartCall(ctx context.Context, _ sources.CallInfo) (context.Context, func(sources.CallResult)) {
	c.calls.Add(1)
	return ctx, func(sources.CallResult) {}
}

// TestNewLeavesTheObserverOfTheSourcesItIsGiven: two handlers given one
// Sources observe nothing of each other's calls, and the Sources keep the
// observer they were built with (New used to replace it, so the last
// handler built took every handler's source metrics).
func TestNewLeavesTheObserverOfTheSourcesItIsGiven(t *testing.T) {
	h := newHarness(t)
	own := &callCounter{}
	src := sources.New(sources.Config{
		Orders:    sources.ClientConfig{URL: h.cfg.Sources.Orders.URL},
		Customers: sources.ClientConfig{URL: h.cfg.Sources.Customers.URL},
		Analytics: sources.ClientConfig{URL: h.cfg.Sources.Analytics.URL},
		Observer:  own,
	})
	defer src.Close()
	var handlers [2]*server.Handler
	for i := range handlers {
		hd, err := server.New(h.cfg, server.Deps{Sources: src})
		if err != nil {
			t.Fatal(err)
		}
		defer hd.Close()
		handlers[i] = hd
	}
	req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{"query":"{ me { id name } }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", bearer(token("c1", "web", allScopes...)))
	rec := httptest.NewRecorder()
	handlers[0].ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"me"`) {
		t.Fatalf("query through the first handler: %d %s", rec.Code, rec.Body)
	}
	if own.calls.Load() == 0 {
		t.Error("the Sources' own observer saw no call: New replaced it")
	}
	for i, hd := range handlers {
		rec := httptest.NewRecorder()
		hd.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("handler %d's /metrics: got %d, want 200", i, rec.Code)
		}
		if strings.Contains(rec.Body.String(), "gqlbff_source_calls_total{") {
			t.Errorf("handler %d's /metrics counts source calls of Sources it was given and does not observe", i)
		}
	}
}
