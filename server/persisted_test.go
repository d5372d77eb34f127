package server_test

import (
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/gqlbff/gqlbff/server"
)

var partner = bearer(token("p1", "partner", "orders:read", "customers:read", "analytics:read"))

// partnerSeesPII lifts partner's default contract (excludeTags [pii]):
// OrderDetail selects the customer's email, which it hides.
var partnerSeesPII = withConfig(func(c *server.Config) { c.Profiles.Partner.ExcludeTags = nil })

func withManifest(path string) option {
	return withConfig(func(c *server.Config) { c.Persisted.Manifest = path })
}

func TestPartnerRunsTrustedDocumentsOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "manifest.json")
	unscopedManifestOf(t, path, "order_detail", "customers_by_ids", "dashboard")
	h := newHarness(t, withManifest(path), partnerSeesPII)
	ids := demoIDs(t)
	text := operation(t, "order_detail")
	vars := map[string]any{"id": "o42"}
	cases := []struct {
		name   string
		send   func() answer
		status int
		code   string // "" for an answer with data
	}{
		{"documentId", func() answer {
			return h.postJSON(map[string]any{"documentId": ids["OrderDetail"], "variables": vars}, "Authorization", partner)
		}, 200, ""},
		{"documentId with the sha256: prefix", func() answer {
			return h.postJSON(map[string]any{"documentId": "sha256:" + ids["OrderDetail"], "variables": vars}, "Authorization", partner)
		}, 200, ""},
		{"documentId over GET", func() answer {
			return h.get(url.Values{"documentId": {ids["OrderDetail"]}, "variables": {mustJSON(vars)}}, "Authorization", partner)
		}, 200, ""},
		{"APQ hash that is a trusted id", func() answer {
			ext := map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": ids["OrderDetail"]}}
			return h.postJSON(map[string]any{"extensions": ext, "variables": vars}, "Authorization", partner)
		}, 200, ""},
		{"free-form text", func() answer { return h.query(text, vars, "Authorization", partner) }, 403, "PERSISTED_QUERY_REQUIRED"},
		{"free-form text of a trusted document", func() answer {
			return h.query("query OrderDetail($id:ID!){order(id:$id){id}}", vars, "Authorization", partner)
		}, 403, "PERSISTED_QUERY_REQUIRED"},
		{"APQ registration", func() answer {
			return h.postJSON(map[string]any{"query": text, "variables": vars, "extensions": apq(text)}, "Authorization", partner)
		}, 403, "PERSISTED_QUERY_REQUIRED"},
		{"unknown id", func() answer {
			return h.postJSON(map[string]any{"documentId": "sha256:" + strings.Repeat("0", 64)}, "Authorization", partner)
		}, 400, "PERSISTED_QUERY_NOT_FOUND"},
		{"documentId and query", func() answer {
			return h.postJSON(map[string]any{"documentId": ids["OrderDetail"], "query": text}, "Authorization", partner)
		}, 400, "BAD_USER_INPUT"},
		{"malformed documentId", func() answer { return h.postJSON(map[string]any{"documentId": "a/b"}, "Authorization", partner) }, 400, "BAD_USER_INPUT"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h.reset()
			a := tc.send()
			r := a.response(t)
			switch {
			case a.status != tc.status:
				t.Errorf("status: got %d, want %d: %s", a.status, tc.status, a.body)
			case tc.code == "" && (len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"id":"o42"`)):
				t.Errorf("got %s, want order o42", a.body)
			case tc.code != "" && (len(r.Errors) != 1 || r.Errors[0].Code() != tc.code || r.Data != nil):
				t.Errorf("got %s, want one %s error and no data", a.body, tc.code)
			case tc.code != "" && h.calls() != 0:
				t.Errorf("source calls: got %d, want 0", h.calls())
			}
		})
	}
	a := h.postJSON(map[string]any{"documentId": "nope-1"}, "Authorization", partner)
	if r := a.response(t); !strings.Contains(r.Errors[0].Message, `no trusted document has the id "nope-1"`) {
		t.Errorf("unknown id message: got %q, want it to name the id", r.Errors[0].Message)
	}
	// The refused registration stored nothing: a web client cannot run it by hash.
	a = h.postJSON(map[string]any{"extensions": apq(text), "variables": vars})
	if r := a.response(t); r.Errors[0].Code() != "PERSISTED_QUERY_NOT_FOUND" {
		t.Errorf("hash of the refused registration: got %s, want PERSISTED_QUERY_NOT_FOUND", a.body)
	}
}

func TestRolloutLadder(t *testing.T) {
	ids := demoIDs(t)
	// The trusted Me document as a client would write it: other layout,
	// commas and a comment; and an operation the manifest does not hold.
	trustedText := "# mine\nquery Me {\n  me { id, name, email, tier, orders(first: 5) { id status total { amount currency } } stats { orderCount } }\n}"
	unknownText := `query Mine { me { id } }`
	type want struct{ trusted, unknown, byID int }
	cases := []struct {
		mode server.PersistedMode
		want want
	}{
		{server.ModeOff, want{200, 200, 200}},
		{server.ModeLogUnknown, want{200, 200, 200}},
		{server.ModeSafelist, want{200, 403, 200}},
		{server.ModeRequireID, want{403, 403, 200}},
	}
	for _, tc := range cases {
		t.Run(string(tc.mode), func(t *testing.T) {
			logs := &logBuffer{}
			h := newHarness(t, withManifest(demoManifest),
				withDeps(server.Deps{Logger: slog.New(slog.NewTextHandler(logs, nil))}),
				withConfig(func(c *server.Config) { c.Profiles.Mobile.PersistedQueries = tc.mode }))
			mobile := bearer(token("c7", "mobile", allScopes...))
			got := want{
				trusted: h.query(trustedText, nil, "Authorization", mobile).status,
				unknown: h.query(unknownText, nil, "Authorization", mobile).status,
				byID:    h.postJSON(map[string]any{"documentId": ids["Me"]}, "Authorization", mobile).status,
			}
			if got != tc.want {
				t.Errorf("statuses (trusted text, unknown text, by id): got %v, want %v", got, tc.want)
			}
			st := h.handler.PersistedStats()
			wantUnknown := map[bool]uint64{true: 1, false: 0}[tc.mode == server.ModeLogUnknown]
			if st.Unknown["mobile"] != wantUnknown || st.Unknown["web"] != 0 {
				t.Errorf("unknown operations counted: got %v, want mobile %d", st.Unknown, wantUnknown)
			}
			logged := strings.Contains(logs.String(), "operation not in the manifest") && strings.Contains(logs.String(), "operation=Mine")
			if logged != (tc.mode == server.ModeLogUnknown) {
				t.Errorf("unknown operation logged: got %v, want %v", logged, tc.mode == server.ModeLogUnknown)
			}
			// A trusted document that ran, by id or as matching text, ran pre-parsed.
			if st.Preparsed != st.Trusted || st.Trusted == 0 {
				t.Errorf("pre-parsed %d of %d trusted runs, want all", st.Preparsed, st.Trusted)
			}
		})
	}
}

func TestOperatorBypass(t *testing.T) {
	const secret = "support-0123456789-abcdef"
	logs := &logBuffer{}
	h := newHarness(t, withManifest(demoManifest),
		withDeps(server.Deps{Logger: slog.New(slog.NewTextHandler(logs, nil))}),
		withConfig(func(c *server.Config) { c.Persisted.Bypass.Secret = secret }))
	q := `query Debug { order(id: "o1") { id } }`
	cases := []struct {
		name, value string
		status      int
	}{
		{"no header", "", 403},
		{"wrong secret", secret[:len(secret)-1] + "X", 403},
		{"a prefix of the secret", secret[:8], 403},
		{"the secret", secret, 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := h.query(q, nil, "Authorization", partner, "GQLBFF-Persisted-Bypass", tc.value)
			a.response(t)
			if a.status != tc.status {
				t.Errorf("got %d %s, want %d", a.status, a.body, tc.status)
			}
		})
	}
	if n := h.handler.PersistedStats().Bypasses; n != 1 {
		t.Errorf("bypasses: got %d, want 1", n)
	}
	l := logs.String()
	if strings.Count(l, "persisted-query bypass used") != 1 || strings.Count(l, "bypass refused: wrong secret") != 2 ||
		!strings.Contains(l, "subject=p1") || strings.Contains(l, secret[:8]) {
		t.Errorf("logs: got\n%s\nwant one use and two refusals, naming the subject, never the secret", l)
	}
}

func TestManifestReloadUnderLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "manifest.json")
	unscopedManifestOf(t, path, "order_detail")
	h := newHarness(t, withManifest(path), partnerSeesPII, withConfig(func(c *server.Config) { c.Persisted.ReloadInterval = 5 * time.Millisecond }))
	ids := demoIDs(t)

	var sent, failed atomic.Int64
	var firstFailure atomic.Value
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			a := h.postJSON(map[string]any{"documentId": ids["OrderDetail"], "variables": map[string]any{"id": "o7"}}, "Authorization", partner)
			sent.Add(1)
			if a.status != http.StatusOK || strings.Contains(string(a.body), `"errors"`) {
				failed.Add(1)
				firstFailure.CompareAndSwap(nil, string(a.body))
			}
		}
	})
	defer func() {
		close(stop)
		wg.Wait()
	}()
	byIDs := func() answer {
		return h.postJSON(map[string]any{"documentId": ids["CustomersByIds"], "variables": map[string]any{"ids": []string{"c1"}}}, "Authorization", partner)
	}

	if a := byIDs(); a.status != http.StatusBadRequest {
		t.Fatalf("CustomersByIds before the reload: got %d, want 400 (unknown id)", a.status)
	}
	unscopedManifestOf(t, path, "order_detail", "customers_by_ids")
	eventually(t, "CustomersByIds served after the reload", func() bool { return byIDs().status == http.StatusOK })

	writeAtomically(t, path, []byte(`{"broken": "query Broken { order(id: \"o1\") { nope } }"}`))
	eventually(t, "the broken manifest refused", func() bool { return h.handler.PersistedStats().ManifestFailures > 0 })
	if a := byIDs(); a.status != http.StatusOK {
		t.Errorf("after a broken manifest: got %d %s, want the old manifest still in force", a.status, a.body)
	}
	for sent.Load() < 20 {
		time.Sleep(time.Millisecond)
	}
	if n := failed.Load(); n != 0 {
		t.Errorf("%d of %d requests failed during the reloads; first: %v", n, sent.Load(), firstFailure.Load())
	}
	if st := h.handler.PersistedStats(); st.ManifestReloads != 1 || st.Documents != 2 {
		t.Errorf("got %d reloads and %d documents, want 1 and 2", st.ManifestReloads, st.Documents)
	}
}

func TestManifestReloadOnDemand(t *testing.T) {
	path := filepath.Join(t.TempDir(), "manifest.json")
	manifestOf(t, path, "me")
	h := newHarness(t, withManifest(path), withConfig(func(c *server.Config) { c.Persisted.ReloadInterval = 0 }))
	manifestOf(t, path, "me", "dashboard")
	if err := h.handler.ReloadManifest(); err != nil {
		t.Fatal(err)
	}
	a := h.postJSON(map[string]any{"documentId": demoIDs(t)["Dashboard"]}, "Authorization", partner)
	if r := a.response(t); a.status != http.StatusOK || len(r.Errors) > 0 {
		t.Errorf("after ReloadManifest: got %d %s, want the new document served", a.status, a.body)
	}
}

func TestABrokenManifestStopsTheStart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "manifest.json")
	writeAtomically(t, path, []byte(`{"broken": "query Broken { nope }"}`))
	cfg := server.Default()
	cfg.Sources.Orders.URL, cfg.Sources.Customers.URL, cfg.Sources.Analytics.URL = "http://o", "http://c", "http://a"
	cfg.Persisted.Manifest = path
	src := server.NewSources(cfg)
	defer src.Close()
	_, err := server.New(cfg, server.Deps{Sources: src})
	if err == nil || !strings.Contains(err.Error(), "operation broken (Broken)") {
		t.Errorf("got %v, want the start refused naming the operation", err)
	}
}

// countingPricer prices every operation at 7 and counts its calls.
type countingPricer struct{ calls atomic.Int64 }

func (p *countingPricer) Price(*ast.QueryDocument, *ast.OperationDefinition) (int, error) {
	p.calls.Add(1)
	return 7, nil
}

func TestTrustedDocumentsArePricedOnceAtLoad(t *testing.T) {
	p := &countingPricer{}
	h := newHarness(t, withManifest(demoManifest), withDeps(server.Deps{Pricer: p}))
	ids := demoIDs(t)
	for range 10 {
		h.postJSON(map[string]any{"documentId": ids["Dashboard"]}, "Authorization", partner).response(t)
	}
	if n := p.calls.Load(); n != int64(len(ids)) {
		t.Errorf("pricer calls: got %d, want %d (one per operation, at load)", n, len(ids))
	}
}

func TestDemoModeTrustsTheDemoOperations(t *testing.T) {
	h := newHarness(t, withConfig(func(c *server.Config) { c.Demo = true }))
	a := h.postJSON(map[string]any{"documentId": demoIDs(t)["CustomersByIds"], "variables": map[string]any{"ids": []string{"c1"}}}, "Authorization", partner)
	if r := a.response(t); a.status != http.StatusOK || len(r.Errors) > 0 {
		t.Errorf("got %d %s, want the embedded demo manifest's CustomersByIds", a.status, a.body)
	}
}
