package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gqlbff/gqlbff/internal/redistest"
	"github.com/gqlbff/gqlbff/server"
	"github.com/gqlbff/gqlbff/sources/demo"
)

// cacheReplica is one gqlbff sharing the demo services and a Redis with
// the others of a test: its public and admin handlers.
type cacheReplica struct {
	public, admin *httptest.Server
}

// newCacheReplicas starts n gqlbffs over one set of demo services and one
// real redis-server, each caching records for a minute.
func newCacheReplicas(t *testing.T, n int, config func(*server.Config)) (*demo.Services, *redistest.Server, []cacheReplica) {
	t.Helper()
	rs := redistest.Start(t)
	svcs, err := demo.Start(demo.Options{Data: defaultData()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svcs.Close() })
	var out []cacheReplica
	for range n {
		cfg := server.Default()
		cfg.JWT.Secret = testSecret
		cfg.Sources.Orders.URL = svcs.Orders.URL()
		cfg.Sources.Customers.URL = svcs.Customers.URL()
		cfg.Sources.Analytics.URL = svcs.Analytics.URL()
		cfg.Redis.URL = rs.URL()
		cfg.Redis.Timeout = 200 * time.Millisecond
		cfg.Sources.Cache.TTL = time.Minute
		cfg.Sources.Cache.Vary = "none"
		cfg.Sources.Cache.KeySecret = "replicas-share-this-key-secret"
		cfg.Admin.Listen = "127.0.0.1:1" // served below through Admin()
		cfg.Admin.Key = testAdminKey
		if config != nil {
			config(&cfg)
		}
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
		budgets, err := server.OpenBudgets(cfg)
		if err != nil {
			t.Fatal(err)
		}
		h, err := server.New(cfg, server.Deps{Budgets: budgets})
		if err != nil {
			t.Fatal(err)
		}
		r := cacheReplica{public: httptest.NewServer(h), admin: httptest.NewServer(h.Admin())}
		t.Cleanup(func() {
			r.public.Close()
			r.admin.Close()
			_ = h.Close()
			_ = budgets.Close()
		})
		out = append(out, r)
	}
	return svcs, rs, out
}

// query posts q to the replica as the caller of token.
func (r cacheReplica) query(t *testing.T, tok, q string) answer {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"query": q})
	req, _ := http.NewRequest(http.MethodPost, r.public.URL+"/graphql", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", bearer(tok))
	return send(t, r.public.Client(), req)
}

// invalidate posts body to the replica's /cache/invalidate with key.
func (r cacheReplica) invalidate(t *testing.T, key, body string) answer {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, r.admin.URL+server.InvalidatePath, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	return send(t, r.admin.Client(), req)
}

func send(t *testing.T, hc *http.Client, req *http.Request) answer {
	t.Helper()
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, header: resp.Header, body: b}
}

func TestNoCrossUserLeakAcrossReplicas(t *testing.T) {
	t.Parallel()
	svcs, _, reps := newCacheReplicas(t, 2, func(c *server.Config) { c.Sources.Customers.Cache.Vary = "user" })
	svcs.Customers.SetPrivateEmails(true)
	ids := make([]string, 10)
	for i := range ids {
		ids[i] = fmt.Sprintf("c%d", i+1)
	}
	q := fmt.Sprintf(`{ customers(ids: %q) { id email } }`, ids)
	q = strings.ReplaceAll(q, `" "`, `", "`)
	user := func(i int) (string, []string) {
		scopes := []string{"customers:read"}
		if i%5 == 0 {
			scopes = append(scopes, demo.PIIScope)
		}
		if i%3 == 0 {
			scopes = append(scopes, "orders:read")
		}
		return fmt.Sprintf("c%d", i%12+1), scopes
	}
	round := func() {
		var wg sync.WaitGroup
		for i := range 50 {
			wg.Go(func() {
				sub, scopes := user(i)
				a := reps[i%2].query(t, token(sub, "web", scopes...), q)
				var got struct {
					Customers []struct{ ID, Email string }
				}
				decodeData(t, a.response(t), &got)
				for _, c := range got.Customers {
					real, _ := defaultData().Customer(c.ID)
					sees := c.ID == sub || strings.Contains(strings.Join(scopes, " "), demo.PIIScope)
					if sees && c.Email != real.Email || !sees && c.Email == real.Email {
						t.Errorf("user %d (%s, %v) got %s's email %q: not the caller's own answer", i, sub, scopes, c.ID, c.Email)
					}
				}
			})
		}
		wg.Wait()
	}
	round()
	before := svcs.Customers.Calls()
	round()
	if n := svcs.Customers.Calls() - before; n != 0 {
		t.Errorf("the second round made %d calls, want 0: each user's records are cached", n)
	}
}

func TestInvalidationOnOneReplicaIsSeenByAnother(t *testing.T) {
	t.Parallel()
	svcs, rs, reps := newCacheReplicas(t, 2, nil)
	a, b := reps[0], reps[1]
	const q = `{ customer(id: "c3") { name } }`
	a.query(t, defaultToken, q).response(t)
	b.query(t, defaultToken, q).response(t)
	if n := svcs.Customers.Calls(); n != 1 {
		t.Fatalf("%d calls, want 1: B reads what A stored", n)
	}

	for _, tc := range []struct{ name, key, body string }{
		{"no key", "", `{"all": true}`},
		{"wrong key", strings.Repeat("x", 40), `{"all": true}`},
	} {
		if got := a.invalidate(t, tc.key, tc.body); got.status != http.StatusUnauthorized {
			t.Errorf("%s: got %d, want 401", tc.name, got.status)
		}
	}
	for _, body := range []string{`{}`, `{"source": "payments"}`, `{"all": true, "source": "orders"}`, `{"source": "customers", "ids": []}`, `not json`} {
		if got := a.invalidate(t, testAdminKey, body); got.status != http.StatusBadRequest {
			t.Errorf("%s: got %d %s, want 400", body, got.status, got.body)
		}
	}
	// The public listener does not serve it.
	req, _ := http.NewRequest(http.MethodPost, a.public.URL+server.InvalidatePath, strings.NewReader(`{"all": true}`))
	req.Header.Set("Authorization", "Bearer "+testAdminKey)
	if got := send(t, a.public.Client(), req); got.status != http.StatusNotFound {
		t.Errorf("the public listener answered %d, want 404", got.status)
	}

	for i, body := range []string{`{"source": "customers", "ids": ["c3"]}`, `{"source": "customers"}`, `{"all": true}`} {
		got := a.invalidate(t, testAdminKey, body)
		var n struct{ Invalidated *int }
		if got.status != http.StatusAccepted || json.Unmarshal(got.body, &n) != nil || n.Invalidated == nil {
			t.Fatalf("%s: got %d %s, want 202 {invalidated: N}", body, got.status, got.body)
		}
		// B drops its in-memory copy when A's message arrives: then it
		// calls the source once, and the next query is a hit again.
		want := 2 + i
		eventually(t, "B to call the source after "+body, func() bool {
			b.query(t, defaultToken, q).response(t)
			return svcs.Customers.Calls() >= want
		})
		b.query(t, defaultToken, q).response(t)
		if n := svcs.Customers.Calls(); n != want {
			t.Errorf("after %s: %d calls, want %d", body, n, want)
		}
	}

	// Redis killed: no 5xx, hits from memory, misses from the source.
	rs.Kill()
	for i := range 20 {
		r := reps[i%2]
		for _, q := range []string{q, fmt.Sprintf(`{ customer(id: "c%d") { name } }`, 10+i)} {
			got := r.query(t, defaultToken, q)
			if got.status != http.StatusOK || len(got.response(t).Errors) > 0 {
				t.Fatalf("with Redis down: %d %s", got.status, got.body)
			}
		}
	}
	if got := a.invalidate(t, testAdminKey, `{"all": true}`); got.status != http.StatusServiceUnavailable {
		t.Errorf("invalidating with Redis down: got %d %s, want 503", got.status, got.body)
	}
	// go-redis probes a dead server once a second until it answers, even
	// after Close: let the probes find it, so that none outlives the test.
	rs.Restart()
	time.Sleep(1100 * time.Millisecond)
}
