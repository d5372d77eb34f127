package server_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gqlbff/gqlbff/server"
)

// withSourceCache turns the record cache on for every source.
func withSourceCache(ttl, staleIfError time.Duration, vary string) option {
	return withConfig(func(c *server.Config) {
		c.Sources.Cache.TTL = ttl
		c.Sources.Cache.StaleIfError = staleIfError
		c.Sources.Cache.Vary = vary
	})
}

// variablesOf reads an operation's variables file, if it has one.
func variablesOf(t *testing.T, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile("../testdata/operations/" + name + ".variables.json")
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestRepeatedOperationsMakeNoSourceCalls(t *testing.T) {
	h := newHarness(t, withSourceCache(time.Minute, 0, "user"))
	files, err := filepath.Glob("../testdata/operations/*.graphql")
	if err != nil || len(files) == 0 {
		t.Fatalf("operations: %v", err)
	}
	customer := bearer(token("c1", "web", allScopes...))
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".graphql")
		t.Run(name, func(t *testing.T) {
			q, vars := operation(t, name), variablesOf(t, name)
			first := h.query(q, vars, "Authorization", customer)
			before := h.calls()
			second := h.query(q, vars, "Authorization", customer)
			if n := h.calls() - before; n != 0 {
				t.Errorf("the repeat made %d source calls, want 0", n)
			}
			// customers_by_ids asks for an id that does not exist.
			a, b := first.response(t, "customers.1"), second.response(t, "customers.1")
			if len(a.Errors) > 0 || !reflect.DeepEqual(a.Data, b.Data) {
				t.Errorf("answers differ or fail:\n%s\n%s", first.body, second.body)
			}
		})
	}
}

func TestServerRefusesATTLWithoutAVaryClass(t *testing.T) {
	cfg := server.Default()
	cfg.Demo = true
	cfg.JWT.Secret = testSecret
	cfg.Sources.Customers.Cache.TTL = new(30 * time.Second)
	err := cfg.Validate()
	if err == nil || !strings.Contains(err.Error(), "sources.customers.cache.vary") {
		t.Fatalf("got %v, want an error naming sources.customers.cache.vary", err)
	}
	for _, name := range []string{"orders", "analytics"} {
		if strings.Contains(err.Error(), "sources."+name+".cache.vary") {
			t.Errorf("%s has no TTL but its vary is reported: %v", name, err)
		}
	}
	cfg.Sources.Cache.Vary = "user"
	if err := cfg.Validate(); err != nil {
		t.Errorf("with sources.cache.vary set: %v", err)
	}
	cfg.Sources.Cache.Vary = "everyone"
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "sources.cache.vary") {
		t.Errorf("a bad vary class: got %v", err)
	}
	cfg.Sources.Cache.Vary = "none"
	cfg.Redis.URL = "redis://127.0.0.1:1/0"
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "sources.cache.keySecret") {
		t.Errorf("a shared cache without a key secret: got %v", err)
	}
}

func TestErrorsAreNeverCached(t *testing.T) {
	h := newHarness(t, withSourceCache(time.Minute, 0, "none"))
	const q = `{ customer(id: "c2") { id name } }`
	h.svcs.Customers.SetStatus(503)
	r := h.query(q, nil).response(t, "customer")
	if e, ok := r.ErrorAt("customer"); !ok || e.Code() != "SOURCE_UNAVAILABLE" {
		t.Fatalf("with the source failing: %+v", r.Errors)
	}
	h.reset()
	r = h.query(q, nil).response(t)
	if len(r.Errors) > 0 || h.svcs.Customers.Calls() != 1 {
		t.Errorf("after the failure: errors %+v, %d calls; want the source called once", r.Errors, h.svcs.Customers.Calls())
	}
}

func TestStaleIfErrorAnswers(t *testing.T) {
	t.Parallel()
	const ttl, window = 100 * time.Millisecond, 1500 * time.Millisecond
	h := newHarness(t, withSourceCache(ttl, window, "none"), withConfig(func(c *server.Config) {
		c.Sources.Customers.Breaker = server.BreakerConfig{MinRequests: 2, FailureRatio: 0.5, Window: 10 * time.Second, OpenTimeout: time.Minute}
	}))
	const q = `{ order(id: "o1") { id customer { id name } } }`
	warm := h.query(q, nil).response(t)
	if len(warm.Errors) > 0 {
		t.Fatal(warm.Errors)
	}
	time.Sleep(ttl + 50*time.Millisecond)
	h.svcs.Customers.SetDown(true)

	check := func(t *testing.T) {
		t.Helper()
		a := h.query(q, nil)
		r := a.response(t)
		if len(r.Errors) > 0 || string(r.Data) != string(warm.Data) {
			t.Fatalf("got %s, want the cached data and no errors", a.body)
		}
		var stale []struct {
			Path       []any  `json:"path"`
			Source     string `json:"source"`
			Code       string `json:"code"`
			AgeSeconds *int   `json:"ageSeconds"`
		}
		b, _ := json.Marshal(r.Extensions["stale"])
		if err := json.Unmarshal(b, &stale); err != nil || len(stale) != 1 {
			t.Fatalf("extensions.stale %s, want one entry", b)
		}
		s := stale[0]
		if !reflect.DeepEqual(s.Path, []any{"order", "customer"}) || s.Source != "customers" || s.Code != "SOURCE_UNAVAILABLE" || s.AgeSeconds == nil || *s.AgeSeconds > 2 {
			t.Errorf("extensions.stale %s", b)
		}
		if cc := a.header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("Cache-Control %q, want no-store", cc)
		}
	}
	t.Run("source down", check)
	// The failures open the breaker: then no call reaches the source.
	h.query(q, nil)
	if st := h.svcs.Customers.Counters(); st.Calls == 0 {
		t.Fatal("no call reached the source")
	}
	before := h.svcs.Customers.Calls()
	t.Run("breaker open", check)
	if n := h.svcs.Customers.Calls() - before; n != 0 {
		t.Errorf("%d calls reached the source with its breaker open", n)
	}

	time.Sleep(window)
	a := h.query(q, nil)
	r := a.response(t, "order.customer")
	if e, ok := r.ErrorAt("order.customer"); !ok || e.Code() != "SOURCE_UNAVAILABLE" || r.Extensions["stale"] != nil {
		t.Errorf("past the window: got %s, want null and SOURCE_UNAVAILABLE", a.body)
	}
}

func TestCacheStatusAndMetrics(t *testing.T) {
	h := newHarness(t, withSourceCache(time.Minute, time.Minute, "user"), withConfig(func(c *server.Config) { c.Metrics.Enabled = true }))
	const q = `{ customer(id: "c5") { name } }`
	first := h.query(q, nil)
	first.response(t)
	if got := first.header.Get("Cache-Status"); got != `gqlbff; fwd=miss; detail="records hit=0 miss=1"` {
		t.Errorf("first: Cache-Status %q", got)
	}
	second := h.query(q, nil)
	second.response(t)
	if got := second.header.Get("Cache-Status"); got != "gqlbff; hit" {
		t.Errorf("repeat: Cache-Status %q, want gqlbff; hit", got)
	}
	if got := h.query(`{ dashboard { __typename } }`, nil).header.Get("Cache-Status"); got != "" {
		t.Errorf("no record looked up: Cache-Status %q, want none", got)
	}
	h.svcs.Customers.SetStatus(500)
	h.query(`{ customer(id: "c6") { name } }`, nil).response(t, "customer")
	m := string(h.getPath("/metrics").body)
	for _, want := range []string{
		`gqlbff_cache_lookups_total{result="hit",source="customers",tier="memory"} 1`,
		`gqlbff_cache_lookups_total{result="miss",source="customers",tier="memory"} 2`,
		`gqlbff_cache_source_calls_saved_total{source="customers"} 1`,
		`gqlbff_cache_store_skipped_total{reason="failure",source="customers"} 1`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(m, "tester") || strings.Contains(m, `"c5"`) {
		t.Error("/metrics names a user or a record")
	}
}
