package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/gqlbff/gqlbff/internal/testkit"
	"github.com/gqlbff/gqlbff/server"
)

// repeat joins n copies of f(i) with spaces.
func repeat(n int, f func(i int) string) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = f(i)
	}
	return strings.Join(parts, " ")
}

// deep nests customer/orders pairs under customer(id) to depth fields.
func deep(depth int) string {
	var b strings.Builder
	b.WriteString(`{ customer(id: "c1") {`)
	for i := 2; i < depth; i++ {
		if i%2 == 0 {
			b.WriteString(" orders(first: 1) {")
		} else {
			b.WriteString(" customer {")
		}
	}
	b.WriteString(" id")
	b.WriteString(strings.Repeat(" }", depth-1))
	b.WriteString(" }")
	return b.String()
}

func TestStructuralLimits(t *testing.T) {
	h := newHarness(t)
	cases := []struct {
		name, q, want string
	}{
		{"depth 11", deep(11), "depth is 11, over the limit of 10"},
		{"16 aliases", `{ dashboard { ` + repeat(16, func(i int) string { return fmt.Sprintf("a%d: __typename", i) }) + ` } }`, "alias count is 16, over the limit of 15"},
		{"11 root fields", `{ ` + repeat(11, func(i int) string { return fmt.Sprintf("r%d: __typename", i) }) + ` }`, "root field count is 11, over the limit of 10"},
		// graphql-js CVE-2023-26144: the same field 2000 times.
		{"2000 fields", `{ dashboard { ` + strings.Repeat("__typename ", 2000) + ` } }`, "field count is over the limit of 500"},
		{"51 directives", `{ dashboard { ` + strings.Repeat("__typename @skip(if: false) ", 51) + ` } }`, "directive count is over the limit of 50"},
		{"operation name of 129", `query ` + strings.Repeat("Q", 129) + ` { dashboard { __typename } }`, "operation name length is 129, over the limit of 128"},
		// No exemption by name (GraphQL Armor's bypass).
		{"fragment named __schema", `{ ...__schema } fragment __schema on Query ` + deep(11), "depth is 11"},
		{"operation named IntrospectionQuery", `query IntrospectionQuery ` + deep(11), "depth is 11"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			calls := h.calls()
			a := h.query(tc.q, nil)
			r := a.response(t)
			if a.status != http.StatusBadRequest || len(r.Errors) != 1 || r.Errors[0].Code() != "GRAPHQL_VALIDATION_FAILED" {
				t.Fatalf("got %d %s, want 400 GRAPHQL_VALIDATION_FAILED", a.status, a.body)
			}
			if !strings.Contains(r.Errors[0].Message, tc.want) {
				t.Errorf("message: got %q, want it to say %q", r.Errors[0].Message, tc.want)
			}
			if n := h.calls() - calls; n != 0 {
				t.Errorf("source calls: got %d, want 0", n)
			}
		})
	}
	// At the limits, the same shapes are served.
	for name, q := range map[string]string{
		"depth 10":       deep(10),
		"15 aliases":     `{ dashboard { ` + repeat(15, func(i int) string { return fmt.Sprintf("a%d: __typename", i) }) + ` } }`,
		"10 root fields": `{ ` + repeat(10, func(i int) string { return fmt.Sprintf("r%d: __typename", i) }) + ` }`,
	} {
		if a := h.query(q, nil); a.status != http.StatusOK {
			t.Errorf("%s: got %d %s, want 200", name, a.status, a.body)
		}
	}
}

func TestStructuralLimitsArePerProfile(t *testing.T) {
	h := newHarness(t, withConfig(func(c *server.Config) {
		c.Profiles.Mobile.MaxDepth = 5
		c.Profiles.Mobile.MaxPage = 10
	}))
	mobile := []string{"Authorization", bearer(token("c1", "mobile", allScopes...))}
	a := h.query(operation(t, "orders_fanout"), nil, mobile...)
	if r := a.response(t); a.status != http.StatusBadRequest || !strings.Contains(r.Errors[0].Message, "depth is 7, over the limit of 5") {
		t.Errorf("mobile: got %d %s, want 400 for depth 7", a.status, a.body)
	}
	if a := h.query(operation(t, "orders_fanout"), nil); a.status != http.StatusOK {
		t.Errorf("web: got %d %s, want 200", a.status, a.body)
	}
	a = h.query(`{ dashboard { recentOrders(first: 11) { id } } }`, nil, mobile...)
	if r := a.response(t); a.status != http.StatusBadRequest || r.Errors[0].Code() != "BAD_USER_INPUT" {
		t.Errorf("mobile first 11: got %d %s, want 400 BAD_USER_INPUT", a.status, a.body)
	}
	if a := h.query(`{ dashboard { recentOrders(first: 11) { id } } }`, nil); a.status != http.StatusOK {
		t.Errorf("web first 11: got %d %s, want 200", a.status, a.body)
	}
}

// The playground's introspection query nests 13 deep under __schema: the
// real introspection field is bounded by its own validation rule, and must
// pass the depth limit.
func TestPlaygroundIntrospectionPasses(t *testing.T) {
	h := newHarness(t, withConfig(func(c *server.Config) { c.Profiles.Web.Introspection = true }))
	q, err := os.ReadFile("../testdata/introspection.graphql")
	if err != nil {
		t.Fatal(err)
	}
	a := h.query(string(q), nil)
	r := a.response(t, "**")
	if a.status != http.StatusOK || len(r.Errors) != 0 {
		t.Fatalf("got %d %.300s, want 200", a.status, a.body)
	}
	if c := costOf(t, r); c.RequestedQueryCost != 10 || c.ActualQueryCost != 10 {
		t.Errorf("cost: got %+v, want 10 and 10 (flat)", c)
	}
}

// hostile are the documents HARDENING.md names, each refused before
// validation.
func hostile() map[string]string {
	aliases := `{ dashboard { ` + repeat(10_000, func(i int) string { return fmt.Sprintf("a%d: __typename", i) }) + ` } }`
	nesting := strings.Repeat("{ a ", 999) + "{ a }" + strings.Repeat(" }", 999)
	tokens := "{ " + strings.Repeat("a ", 499_990) + "}" // about 1 MB: under the 1 MiB body limit
	return map[string]string{"10,000 aliases": aliases, "1,000-deep nesting": nesting, "1 MiB of tokens": tokens}
}

func TestHostileDocumentsAreRefusedQuickly(t *testing.T) {
	h := newHarness(t)
	for name, q := range hostile() {
		start := time.Now()
		a := h.query(q, nil)
		d := time.Since(start)
		r := a.response(t)
		// Refused by the token limit (parse) or the structural limits:
		// either way before validation, well within the request's time
		// (BenchmarkHostileRejection: under 1 ms without the HTTP round
		// trip and the megabyte of JSON).
		if a.status != http.StatusBadRequest || len(r.Errors) != 1 ||
			(r.Errors[0].Code() != "GRAPHQL_PARSE_FAILED" && r.Errors[0].Code() != "GRAPHQL_VALIDATION_FAILED") {
			t.Errorf("%s: got %d %.200s, want 400", name, a.status, a.body)
		}
		if d > time.Second {
			t.Errorf("%s took %s", name, d)
		}
		t.Logf("%s: %s in %s", name, r.Errors[0].Message, d)
	}
	if n := h.calls(); n != 0 {
		t.Errorf("source calls: got %d, want 0", n)
	}
}

// With a token limit that lets 10,000 aliases parse, the structural limits
// refuse them.
func TestStructuralLimitsBehindARaisedTokenLimit(t *testing.T) {
	h := newHarness(t, withConfig(func(c *server.Config) { c.GraphQL.ParserTokenLimit = 100_000 }))
	a := h.query(hostile()["10,000 aliases"], nil)
	if r := a.response(t); a.status != http.StatusBadRequest || r.Errors[0].Code() != "GRAPHQL_VALIDATION_FAILED" ||
		!strings.Contains(r.Errors[0].Message, "field count is over the limit of 500") {
		t.Errorf("got %d %s, want 400 for too many fields", a.status, a.body)
	}
}

// TestFragmentBombIsRefused: over POST, GET and APQ, issue 12's
// exponential document (30 levels: 1.2 KB, six minutes of a core before
// fragments were memoised at the root) is refused by the field limit, its fragments measured once
// each; a request that did the work would not answer within the client's
// timeout.
func TestFragmentBombIsRefused(t *testing.T) {
	h := newHarness(t)
	for _, k := range []int{22, 30, 40} {
		q := testkit.FragmentBomb(k)
		for _, via := range []struct {
			name string
			do   func() answer
		}{
			{"POST", func() answer { return h.query(q, nil) }},
			{"GET", func() answer { return h.get(url.Values{"query": {q}}) }},
			{"APQ", func() answer { return h.postJSON(map[string]any{"query": q, "extensions": apq(q)}) }},
		} {
			a := via.do()
			r := a.response(t)
			if a.status != http.StatusBadRequest || len(r.Errors) != 1 || r.Errors[0].Code() != "GRAPHQL_VALIDATION_FAILED" ||
				!strings.Contains(r.Errors[0].Message, "field count is 2147483647, over the limit of 500") &&
					!strings.Contains(r.Errors[0].Message, fmt.Sprintf("field count is %d,", 1<<k)) {
				t.Errorf("%d levels over %s: got %d %.300s, want 400 for the field count", k, via.name, a.status, a.body)
			}
		}
	}
	// A cycle is refused before validation walks it.
	a := h.query(`{ ...A } fragment A on Query { dashboard { ...B } } fragment B on Dashboard { __typename ...A }`, nil)
	if r := a.response(t); a.status != http.StatusBadRequest || r.Errors[0].Code() != "GRAPHQL_VALIDATION_FAILED" ||
		r.Errors[0].Message != "a fragment of the document spreads itself" {
		t.Errorf("cycle: got %d %s, want 400", a.status, a.body)
	}
	if n := h.calls(); n != 0 {
		t.Errorf("source calls: got %d, want 0", n)
	}
}

// TestStructureLimitStopsForAnEndedRequest: a request whose client left or
// whose deadline passed is not parsed nor measured.
func TestStructureLimitStopsForAnEndedRequest(t *testing.T) {
	cfg := server.Default()
	cfg.GraphQL.QueryCacheSize = 0
	sl := server.NewStructureLimit(cfg)
	ctx, cancel := context.WithCancel(webCtx)
	q := operation(t, "dashboard")
	if err := sl.MutateOperationParameters(ctx, &graphql.RawParams{Query: q}); err != nil {
		t.Fatalf("live request: %v", err)
	}
	cancel()
	err := sl.MutateOperationParameters(ctx, &graphql.RawParams{Query: q})
	if err == nil || err.Extensions["code"] != "GRAPHQL_VALIDATION_FAILED" {
		t.Errorf("ended request: got %v, want a GRAPHQL_VALIDATION_FAILED refusal", err)
	}
}
