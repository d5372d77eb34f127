package scenario_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/gqlbff/gqlbff/bench/driver"
	"github.com/gqlbff/gqlbff/bench/limit"
	"github.com/gqlbff/gqlbff/bench/load"
	"github.com/gqlbff/gqlbff/bench/naive"
	"github.com/gqlbff/gqlbff/bench/scenario"
	"github.com/gqlbff/gqlbff/bench/serve"
	"github.com/gqlbff/gqlbff/internal/testkit"
	"github.com/gqlbff/gqlbff/server"
	"github.com/gqlbff/gqlbff/sources"
	"github.com/gqlbff/gqlbff/sources/demo"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// systems are the three systems under test, in-process, over one set of
// demo services.
type systems struct {
	svcs *demo.Services
	ops  map[string]string
	urls map[string]string // by system name
	c    *http.Client
}

func start(t *testing.T) *systems {
	t.Helper()
	svcs, err := demo.Start(demo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svcs.Close() })
	ops, err := scenario.Operations("../..")
	if err != nil {
		t.Fatal(err)
	}
	// gqlbff as the driver runs it: the bench's key, its manifest, a
	// budget that never runs out.
	mb, err := json.Marshal(scenario.Manifest(ops))
	if err != nil {
		t.Fatal(err)
	}
	manifestPath := filepath.Join(t.TempDir(), "manifest.json")
	if err := os.WriteFile(manifestPath, mb, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := server.Default()
	cfg.Sources.Orders.URL, cfg.Sources.Customers.URL, cfg.Sources.Analytics.URL = svcs.Orders.URL(), svcs.Customers.URL(), svcs.Analytics.URL()
	cfg.JWT.Secret = driver.BenchSecret
	cfg.Persisted.Manifest = manifestPath
	cfg.Profiles.Web.Budget = server.BudgetConfig{Capacity: 1e15, RestoreRate: 1e12}
	gqlbff, err := server.New(cfg, server.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = gqlbff.Close() })
	manifest := map[string]string{}
	for _, op := range scenario.Manifest(ops).Operations {
		manifest[op.ID] = op.Body
	}
	// The limit and the naive way get plain clients, as their own mains
	// make them: no coalescing of identical calls.
	plain := sources.New(sources.Config{
		Orders:    sources.ClientConfig{URL: svcs.Orders.URL()},
		Customers: sources.ClientConfig{URL: svcs.Customers.URL()},
		Analytics: sources.ClientConfig{URL: svcs.Analytics.URL()},
	})
	t.Cleanup(plain.Close)
	opts := serve.Options{Sources: plain, Manifest: manifest}
	s := &systems{svcs: svcs, ops: ops, urls: map[string]string{}, c: &http.Client{Transport: &http.Transport{}}}
	t.Cleanup(s.c.CloseIdleConnections)
	for name, h := range map[string]http.Handler{"gqlbff": gqlbff, "limit": limit.New(opts), "naive": naive.New(opts)} {
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		s.urls[name] = srv.URL
	}
	return s
}

// send sends sc to a system and answers the body and the source calls it
// made.
func (s *systems) send(t *testing.T, system string, sc scenario.Scenario, token string) ([]byte, int) {
	t.Helper()
	kind := scenario.GraphQL
	if system == "limit" {
		kind = scenario.Limit
	}
	rq, err := sc.Request(s.urls[system], kind, s.ops, token)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(rq.Method, rq.URL, bytes.NewReader(rq.Body))
	req.Header = rq.Header
	s.svcs.Reset()
	resp, err := s.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	calls := s.svcs.Orders.Calls() + s.svcs.Customers.Calls() + s.svcs.Analytics.Calls()
	if err := load.Check(resp.StatusCode, body); err != nil {
		t.Fatalf("%s %s: %v", system, sc.Name, err)
	}
	return body, calls
}

// same reports whether two answers are the same bytes: same members, same
// order, same escaping, but for gqlbff's extensions (the cost report),
// which it writes last.
func same(a, b []byte) bool {
	return bytes.Equal(withoutExtensions(bytes.TrimSpace(a)), withoutExtensions(bytes.TrimSpace(b)))
}

func withoutExtensions(b []byte) []byte {
	if i := bytes.LastIndex(b, []byte(`,"extensions":`)); i > 0 {
		return append(b[:i:i], '}')
	}
	return b
}

// benchToken is the token the driver sends: customer c7, every read scope.
func benchToken(t *testing.T) string {
	t.Helper()
	tok, err := driver.BenchToken()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// allowedNulls are the nulls of each operation's answer that no failure
// explains: not found, no identity, never ordered.
var allowedNulls = map[string][]string{
	"customers_by_ids": {"customers.20"},
	"orders_fanout":    {"**.lastOrderAt"},
	"me":               {"me"},
}

// TestSystemsAnswerAlike is what makes the table fair: on every scenario
// the limit and the naive way answer what gqlbff answers, with the source
// calls each is meant to make.
func TestSystemsAnswerAlike(t *testing.T) {
	s := start(t)
	wantCalls := map[string][3]int{ // gqlbff, limit, naive
		"order_detail":          {2, 2, 2},
		"customers_by_ids":      {1, 1, 22},
		"dashboard":             {5, 5, 23},
		"orders_fanout":         {4, 4, 151},
		"me":                    {3, 3, 3},
		"dashboard_trusted_get": {5, 5, 23},
	}
	for _, sc := range scenario.All {
		t.Run(sc.Name, func(t *testing.T) {
			want, ok := wantCalls[sc.Name]
			if !ok {
				t.Fatalf("no expected calls for scenario %s: add them here", sc.Name)
			}
			tok := benchToken(t)
			ref, refCalls := s.send(t, "limit", sc, tok)
			if refCalls != want[1] {
				t.Errorf("limit: got %d source calls, want %d", refCalls, want[1])
			}
			for i, system := range []string{"gqlbff", "naive"} {
				body, calls := s.send(t, system, sc, tok)
				if system == "gqlbff" {
					testkit.AssertNothingLost(t, body, allowedNulls[sc.Operation]...)
				}
				if !same(body, ref) {
					t.Errorf("%s answers\n%s\nthe limit\n%s", system, body, ref)
				}
				w := want[i*2]
				if system == "gqlbff" && sc.Operation == "dashboard" && calls == w+1 {
					calls = w // the two lists' customers may miss one batch window
				}
				if calls != w {
					t.Errorf("%s: got %d source calls, want %d", system, calls, w)
				}
			}
		})
	}
}

// TestMeWithAToken: the limit and the naive way take the caller's sub from
// the token (unverified), and answer alike.
func TestMeWithAToken(t *testing.T) {
	s := start(t)
	claims := base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"c7"}`))
	token := "eyJhbGciOiJIUzI1NiJ9." + claims + ".sig"
	me := scenario.All[4]
	ref, refCalls := s.send(t, "limit", me, token)
	body, calls := s.send(t, "naive", me, token)
	if !same(body, ref) || !strings.Contains(string(ref), `"id":"c7"`) {
		t.Errorf("naive answers\n%s\nthe limit\n%s\nwant both c7's record", body, ref)
	}
	if refCalls != 3 || calls != 3 {
		t.Errorf("calls: limit %d, naive %d; want 3 each", refCalls, calls)
	}
}

func TestManifestRoundTrip(t *testing.T) {
	ops, err := scenario.Operations("../..")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(scenario.Manifest(ops))
	path := filepath.Join(t.TempDir(), "manifest.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := serve.LoadManifest(path)
	if err != nil {
		t.Fatal(err)
	}
	for name, text := range ops {
		if got[scenario.DocumentID(text)] != text {
			t.Errorf("%s: not in the manifest under its id", name)
		}
	}
}
