package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gqlbff/gqlbff/internal/testkit"
	"github.com/gqlbff/gqlbff/server"
	"github.com/gqlbff/gqlbff/sources/demo"
)

// The differential proof of the plan engine: every request goes to two
// gqlbff handlers over the same demo services, one running plans and one
// gqlgen's generated executor (the reference), and the answers must be the
// same bytes: status, data, extensions (cost included), and the errors
// with their paths, locations and codes. gqlgen reports errors in the
// order its goroutines finish, so errors are compared as a sorted list.

// twin is the two handlers.
type twin struct {
	t      testing.TB
	svcs   *demo.Services
	plans  *httptest.Server
	gqlgen *httptest.Server
	// executed counts the answers with data; statuses the answers by status.
	executed int
	statuses map[int]int
	codes    map[string]int // the errors' codes
}

// newTwin starts the two handlers; each of configure changes both
// handlers' configuration, after the defaults below.
func newTwin(t testing.TB, configure ...func(*server.Config)) *twin {
	t.Helper()
	svcs, err := demo.Start(demo.Options{Data: defaultData()})
	if err != nil {
		t.Fatal(err)
	}
	tw := &twin{t: t, svcs: svcs, statuses: map[int]int{}, codes: map[string]int{}}
	start := func(executor string) *httptest.Server {
		cfg := server.Default()
		cfg.JWT.Secret = testSecret
		cfg.GraphQL.Executor = executor
		cfg.Sources.Orders.URL = svcs.Orders.URL()
		cfg.Sources.Customers.URL = svcs.Customers.URL()
		cfg.Sources.Analytics.URL = svcs.Analytics.URL()
		// The same requests must meet the same source behaviour: no retry
		// and no breaker that the other handler's history could trip.
		cfg.Sources.Retries = 0
		cfg.Sources.Breaker.MinRequests = 1000000
		// Budgets refill with time: their status would differ by when.
		cfg.Profiles.Web.Budget.Capacity = 0
		cfg.Profiles.Mobile.Budget.Capacity = 0
		cfg.Profiles.Web.AllowAnonymous = true
		for _, p := range []*server.ProfileConfig{&cfg.Profiles.Web, &cfg.Profiles.Mobile} {
			p.MaxAliases, p.MaxRootFields, p.MaxCost = 100, 50, 50000
		}
		for _, f := range configure {
			f(&cfg)
		}
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
		src := server.NewSources(cfg)
		h, err := server.New(cfg, server.Deps{Sources: src})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(h)
		t.Cleanup(func() {
			srv.Client().CloseIdleConnections()
			srv.Close()
			_ = h.Close()
			src.Close()
		})
		return srv
	}
	tw.plans = start(server.ExecutorPlans)
	tw.gqlgen = start(server.ExecutorGqlgen)
	t.Cleanup(func() { _ = svcs.Close() })
	return tw
}

// diffCase is one request.
type diffCase struct {
	name  string
	query string
	vars  map[string]any
	token string // "" is anonymous
}

type parsedAnswer struct {
	status     int
	data       string
	extensions string
	errors     []string
	raw        string
}

func (tw *twin) send(srv *httptest.Server, c diffCase) parsedAnswer {
	tw.t.Helper()
	body, err := json.Marshal(map[string]any{"query": c.query, "variables": c.vars})
	if err != nil {
		tw.t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/graphql", bytes.NewReader(body))
	if err != nil {
		tw.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Request-Id", "differential")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		tw.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tw.t.Fatal(err)
	}
	var m struct {
		Data       json.RawMessage   `json:"data"`
		Errors     []json.RawMessage `json:"errors"`
		Extensions json.RawMessage   `json:"extensions"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		tw.t.Fatalf("%s: answer is not JSON: %v: %s", c.name, err, b)
	}
	a := parsedAnswer{status: resp.StatusCode, data: string(m.Data), extensions: string(m.Extensions), raw: string(b)}
	for _, e := range m.Errors {
		a.errors = append(a.errors, string(e))
	}
	slices.Sort(a.errors)
	return a
}

// same runs c on both handlers and reports whether the answers agree; on a
// difference it fails the test with both.
func (tw *twin) same(c diffCase) bool {
	tw.t.Helper()
	p, g := tw.send(tw.plans, c), tw.send(tw.gqlgen, c)
	if p.data != "" && p.data != "null" {
		tw.executed++
	}
	tw.statuses[p.status]++
	for _, e := range p.errors {
		var v struct {
			Extensions struct{ Code string } `json:"extensions"`
		}
		_ = json.Unmarshal([]byte(e), &v)
		tw.codes[v.Extensions.Code]++
	}
	if os.Getenv("GQLBFF_DIFF_DEBUG") != "" && p.status != 200 {
		tw.t.Logf("%d: %s", p.status, p.raw)
	}
	if p.status == g.status && p.data == g.data && p.extensions == g.extensions && slices.Equal(p.errors, g.errors) {
		return true
	}
	tw.t.Errorf("%s: the executors disagree\nquery: %s\nvariables: %v\nplans  (%d): %s\ngqlgen (%d): %s",
		c.name, c.query, c.vars, p.status, p.raw, g.status, g.raw)
	return false
}

// scopeSets are the callers a case runs as: every scope, some, none, and
// anonymous ("").
var scopeSets = []string{
	token("c1", "web", allScopes...),
	token("c7", "web", "orders:read"),
	token("c7", "mobile", "customers:read", "analytics:read"),
	token("nobody", "web"),
	"",
}

// faults are the source failures a case runs under.
var faults = []struct {
	name string
	set  func(*demo.Services)
}{
	{"healthy", func(*demo.Services) {}},
	{"orders malformed", func(s *demo.Services) { s.Orders.SetMalformed(true) }},
	{"customers down", func(s *demo.Services) { s.Customers.SetStatus(http.StatusBadRequest) }},
	{"analytics malformed", func(s *demo.Services) { s.Analytics.SetMalformed(true) }},
}

func TestExecutorsAgreeOnClientOperations(t *testing.T) {
	tw := newTwin(t)
	files, err := filepath.Glob("../testdata/operations/*.graphql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no operations: %v", err)
	}
	for _, f := range faults {
		tw.svcs.Reset()
		f.set(tw.svcs)
		for _, file := range files {
			q, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var vars map[string]any
			if b, err := os.ReadFile(strings.TrimSuffix(file, ".graphql") + ".variables.json"); err == nil {
				if err := json.Unmarshal(b, &vars); err != nil {
					t.Fatal(err)
				}
			}
			for i, tok := range scopeSets {
				tw.same(diffCase{name: fmt.Sprintf("%s/%s/caller %d", f.name, filepath.Base(file), i), query: string(q), vars: vars, token: tok})
			}
		}
	}
	tw.svcs.Reset()
}

func TestExecutorsAgreeOnGeneratedDocuments(t *testing.T) {
	t.Parallel()
	n := 300
	if testing.Short() {
		n = 60
	}
	if v, err := strconv.Atoi(os.Getenv("GQLBFF_DIFF_DOCS")); err == nil && v > 0 {
		n = v // a longer hunt: GQLBFF_DIFF_DOCS=5000
	}
	tw := newTwin(t)
	seed := uint64(2026)
	if v, err := strconv.ParseUint(os.Getenv("GQLBFF_DIFF_SEED"), 10, 64); err == nil {
		seed = v
	}
	rng := rand.New(rand.NewPCG(14, seed))
	for i := range n {
		f := faults[rng.IntN(len(faults))]
		tw.svcs.Reset()
		f.set(tw.svcs)
		q, vars := testkit.GenerateDocument(rng)
		if !tw.same(diffCase{name: fmt.Sprintf("doc %d (%s)", i, f.name), query: q, vars: vars, token: scopeSets[rng.IntN(len(scopeSets))]}) {
			break
		}
	}
	tw.svcs.Reset()
	// A corpus refused before execution would prove nothing.
	t.Logf("%d of %d documents executed; answers by status: %v; errors by code: %v", tw.executed, n, tw.statuses, tw.codes)
	if tw.executed < n/2 {
		t.Errorf("only %d of %d documents reached execution", tw.executed, n)
	}
}

// TestExecutorsAgreeOnDeniedFieldsInLists: the plans decide a step's
// authorization once per request; a field denied inside lists, under
// aliases and fragments, must still be FORBIDDEN at each instance's path,
// with no source call for it, as gqlgen's executor answers.
func TestExecutorsAgreeOnDeniedFieldsInLists(t *testing.T) {
	t.Parallel()
	tw := newTwin(t)
	docs := []string{
		`query($n: Int = 2) { orders(first: 6) { edges { node { id c: customer { id ...S } customer { name }
		    ... on Order { customer { orders(first: $n) { id customer { ...S } } } } } } }
		  customers(ids: ["c1", "c2", "zz", "c3"]) { id s: stats { orderCount } ...S more: orders(first: 1) { customer { stats { lastOrderAt } } } }
		  me { ...S } }
		fragment S on Customer { stats { orderCount lastOrderAt } }`,
		`{ dashboard { recentOrders(first: 5) { id a: customer { name } b: customer { stats { orderCount } } }
		    topCustomers(first: 3) { id ... on Customer { stats { orderCount } } } summary { orderCount } } }`,
	}
	for _, f := range faults[:3] {
		tw.svcs.Reset()
		f.set(tw.svcs)
		for d, q := range docs {
			for i, tok := range scopeSets {
				tw.same(diffCase{name: fmt.Sprintf("%s/doc %d/caller %d", f.name, d, i), query: q, token: tok})
			}
		}
	}
	tw.svcs.Reset()
	if tw.codes["FORBIDDEN"] < 20 {
		t.Errorf("only %d FORBIDDEN errors: the documents do not reach the denied fields (%v)", tw.codes["FORBIDDEN"], tw.codes)
	}
}
