package server_test

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gqlbff/gqlbff/server"
)

// rawRequest is one HTTP request to gqlbff, built afresh for every send.
type rawRequest struct {
	method, target, contentType string
	header                      []string
	body                        func() io.Reader
}

// rawPost posts body as application/json with a known Content-Length.
func rawPost(body string) rawRequest {
	return rawRequest{
		method: http.MethodPost, target: "/graphql", contentType: "application/json",
		body: func() io.Reader { return strings.NewReader(body) },
	}
}

// opPost posts a well-formed GraphQL request body.
func opPost(query, operationName string, vars map[string]any) rawRequest {
	b, err := json.Marshal(map[string]any{"query": query, "operationName": operationName, "variables": vars})
	if err != nil {
		panic(err)
	}
	return rawPost(string(b))
}

// rawGet sends a GET with the query parameters q.
// rawGet is a GET with a CSRF-preflight header, as a browser app sends it.
func rawGet(q url.Values) rawRequest {
	return rawRequest{method: http.MethodGet, target: "/graphql?" + q.Encode(), header: []string{"GraphQL-Preflight", "1"},
		body: func() io.Reader { return nil }}
}

// with returns r with its method, content type or headers changed.
func (r rawRequest) with(f func(*rawRequest)) rawRequest { f(&r); return r }

// chunked hides the length of r's body so it is sent chunked, without a
// Content-Length.
func (r rawRequest) chunked() rawRequest {
	body := r.body
	r.body = func() io.Reader { return io.MultiReader(body()) }
	return r
}

func (h *harness) send(r rawRequest) answer {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return h.do(ctx, r.method, r.target, r.contentType, r.body(), r.header...)
}

// assertServes checks that gqlbff still answers a good query.
func assertServes(t *testing.T, h *harness) {
	t.Helper()
	a := h.send(opPost(`{ order(id: "o1") { id } }`, "", nil))
	r := a.response(t)
	if a.status != http.StatusOK || string(r.Data) != `{"order":{"id":"o1"}}` {
		t.Errorf("good query afterwards: got %d %s, want 200 with order o1", a.status, a.body)
	}
}

// nested returns {a{a{…}}} with depth selection sets.
func nested(depth int) string {
	return strings.Repeat("{a", depth) + strings.Repeat("}", depth)
}

// idList renders n customer ids as a GraphQL list literal.
func idList(n int) string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("%q", fmt.Sprintf("c%d", i+1))
	}
	return "[" + strings.Join(ids, ", ") + "]"
}

func TestBadRequests(t *testing.T) {
	t.Parallel()
	const (
		parse      = server.CodeParseFailed
		validation = server.CodeValidationFailed
		input      = server.CodeBadUserInput
	)
	good := `{"query":"{ order(id: \"o1\") { id } }"}`
	overLimit := `{"query":"` + strings.Repeat("x", 1<<20) + `"}`
	idVars := make([]string, 101)
	for i := range idVars {
		idVars[i] = fmt.Sprintf("c%d", i+1)
	}
	deep := withConfig(func(c *server.Config) { c.GraphQL.ParserTokenLimit = 1_000_000 })

	cases := []struct {
		name    string
		opts    []option
		req     rawRequest
		status  int
		code    string
		message string        // a part of the first error's message; "" for any
		allow   string        // the Allow header of the answer
		within  time.Duration // how fast it must answer; 0 for the default
	}{
		// The HTTP envelope.
		{name: "invalid JSON body", req: rawPost(`{"query": "{ order(id: \"o1\") { id } }"`), status: 400, code: input},
		{name: "JSON syntax error", req: rawPost(`{"query" "x"}`), status: 400, code: input},
		{name: "data after the JSON object", req: rawPost(good + ` {"query":"{ dashboard { summary { orderCount } } }"}`), status: 400, code: input},
		{name: "a bracket after the JSON object", req: rawPost(good + `]`), status: 400, code: input},
		{name: "a brace after the JSON object", req: rawPost(good + " \n}"), status: 400, code: input},
		{name: "variables not an object", req: rawPost(`{"query":"{ order(id: \"o1\") { id } }","variables":[1]}`), status: 400, code: input},
		{name: "query not a string", req: rawPost(`{"query":{"a":1}}`), status: 400, code: input},
		{name: "content type text/plain", req: rawPost(good).with(func(r *rawRequest) { r.contentType = "text/plain" }), status: 415, code: input},
		{name: "no content type", req: rawPost(good).with(func(r *rawRequest) { r.contentType = "" }), status: 415, code: input},
		{name: "content type form", req: rawPost(good).with(func(r *rawRequest) { r.contentType = "application/x-www-form-urlencoded" }), status: 415, code: input},
		{name: "Content-Encoding gzip", req: rawPost(good).with(func(r *rawRequest) { r.header = []string{"Content-Encoding", "gzip"} }), status: 415, code: input},
		{name: "empty body", req: rawPost(""), status: 400, code: input},
		{name: "blank body", req: rawPost(" \n\t "), status: 400, code: input},
		{name: "JSON array (HTTP batching)", req: rawPost(`[` + good + `,` + good + `]`), status: 400, code: input, message: "batch"},
		{name: "JSON string, not an object", req: rawPost(`"{ order(id: \"o1\") { id } }"`), status: 400, code: input},
		{name: "JSON number, not an object", req: rawPost(`42`), status: 400, code: input},
		{name: "JSON null, not an object", req: rawPost(`null`), status: 400, code: input},
		{name: "no query", req: rawPost(`{}`), status: 400, code: input},
		{name: "empty query", req: rawPost(`{"query":"","variables":{}}`), status: 400, code: input},
		{name: "body over 1 MiB with Content-Length", req: rawPost(overLimit), status: 413, code: input},
		{name: "body over 1 MiB chunked", req: rawPost(overLimit).chunked(), status: 413, code: input},
		{name: "PUT", req: rawPost(good).with(func(r *rawRequest) { r.method = http.MethodPut }), status: 405, code: input, allow: "GET, POST"},
		{name: "DELETE", req: rawPost(good).with(func(r *rawRequest) { r.method = http.MethodDelete }), status: 405, code: input, allow: "GET, POST"},

		// GET.
		{name: "GET without a query", req: rawGet(url.Values{}), status: 400, code: input},
		{name: "GET with a mutation", req: rawGet(url.Values{"query": {`mutation { order(id: "o1") { id } }`}}), status: 405, code: input, allow: "POST"},
		{name: "GET with malformed variables", req: rawGet(url.Values{"query": {`query($id: ID!) { order(id: $id) { id } }`}, "variables": {`{"id": "o1"`}}), status: 400, code: input},
		{name: "GET with variables not an object", req: rawGet(url.Values{"query": {`{ order(id: "o1") { id } }`}, "variables": {`["o1"]`}}), status: 400, code: input},
		{name: "GET with malformed extensions", req: rawGet(url.Values{"query": {`{ order(id: "o1") { id } }`}, "extensions": {`{`}}), status: 400, code: input},
		{name: "GET with a malformed query string", req: rawGet(nil).with(func(r *rawRequest) { r.target = "/graphql?query=%zz" }), status: 400, code: input},

		// The document.
		{name: "syntax error", req: opPost(`{ order(id: "o1") { id }`, "", nil), status: 400, code: parse},
		{name: "unknown field", req: opPost(`{ order(id: "o1") { id nope } }`, "", nil), status: 400, code: validation},
		{name: "unknown root field", req: opPost(`{ nope }`, "", nil), status: 400, code: validation},
		{name: "wrong variable type", req: opPost(`query($id: ID!) { order(id: $id) { id } }`, "", map[string]any{"id": map[string]any{"a": 1}}), status: 400, code: validation},
		{name: "string for an Int variable", req: opPost(`query($n: Int) { orders(first: $n) { edges { cursor } } }`, "", map[string]any{"n": "ten"}), status: 400, code: validation},
		{name: "missing required variable", req: opPost(`query($id: ID!) { order(id: $id) { id } }`, "", nil), status: 400, code: validation},
		{name: "null for a required variable", req: opPost(`query($id: ID!) { order(id: $id) { id } }`, "", map[string]any{"id": nil}), status: 400, code: validation},
		{name: "operationName that does not exist", req: opPost(`query A { order(id: "o1") { id } }`, "B", nil), status: 400, code: validation},
		{name: "two operations without operationName", req: opPost(`query A { order(id: "o1") { id } } query B { order(id: "o2") { id } }`, "", nil), status: 400, code: validation},
		{
			name:    "100,000 @a directives",
			req:     opPost(`{ order(id: "o1")`+strings.Repeat(" @a", 100_000)+` { id } }`, "", nil),
			status:  400,
			code:    validation,
			message: "directive count",
			within:  time.Second,
		},
		// The structural limits' scan of the text refuses deep nesting
		// (over 100) before any parser sees it; gqlparser's own limit
		// (depth 1,000) stands behind it (TestGqlparserStopsAtDepth1000).
		{name: "10,000-deep nesting", req: opPost(nested(10_000), "", nil), status: 400, code: parse, message: "nesting", within: time.Second},
		{name: "10,000-deep nesting without the token limit", opts: []option{deep}, req: opPost(nested(10_000), "", nil), status: 400, code: parse, message: "nesting", within: time.Second},
		{name: "10,000-deep list value", opts: []option{deep}, req: opPost(`{ customers(ids: `+strings.Repeat("[", 10_000)+strings.Repeat("]", 10_000)+`) { id } }`, "", nil), status: 400, code: parse, message: "nesting", within: time.Second},
		{name: "2,000-deep nesting under the token limit", opts: []option{deep}, req: opPost(nested(2_000), "", nil), status: 400, code: parse, message: "nesting", within: time.Second},

		// Amounts, refused before any source call.
		{name: "first: 101", req: opPost(`{ orders(first: 101) { edges { cursor } } }`, "", nil), status: 400, code: input},
		{name: "first: -1", req: opPost(`{ orders(first: -1) { edges { cursor } } }`, "", nil), status: 400, code: input},
		{name: "first: 2^31", req: opPost(`{ orders(first: 2147483648) { edges { cursor } } }`, "", nil), status: 400, code: input},
		{name: "first over 64 bits", req: opPost(`{ orders(first: 99999999999999999999) { edges { cursor } } }`, "", nil), status: 400, code: validation},
		{name: "nested first: 101", req: opPost(`{ customer(id: "c1") { orders(first: 101) { id } } }`, "", nil), status: 400, code: input},
		{name: "first: 500 in a variable", req: opPost(`query($n: Int) { orders(first: $n) { edges { cursor } } }`, "", map[string]any{"n": 500}), status: 400, code: input},
		{name: "first: 500 as a variable's default", req: opPost(`query($n: Int = 500) { orders(first: $n) { edges { cursor } } }`, "", nil), status: 400, code: input},
		{
			name:   "first: 101 in a fragment spread",
			req:    opPost(`query { ...F } fragment F on Query { dashboard { recentOrders(first: 101) { id } } }`, "", nil),
			status: 400,
			code:   input,
		},
		{
			name:   "first: 101 in an inline fragment",
			req:    opPost(`{ ... on Query { orders(first: 101) { edges { cursor } } } }`, "", nil),
			status: 400,
			code:   input,
		},
		{
			name:   "first: 101 behind an innocent use of the same fragment",
			req:    opPost(`{ a: customer(id: "c1") { ...C } } fragment C on Customer { orders(first: 101) { id } }`, "", nil),
			status: 400,
			code:   input,
		},
		{name: "101 ids as a literal", req: opPost(`{ customers(ids: `+idList(101)+`) { id } }`, "", nil), status: 400, code: input},
		{name: "101 ids in a variable", req: opPost(`query($ids: [ID!]!) { customers(ids: $ids) { id } }`, "", map[string]any{"ids": idVars}), status: 400, code: input},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tc.opts...)
			start := time.Now()
			a := h.send(tc.req)
			elapsed := time.Since(start)

			if a.status != tc.status {
				t.Errorf("status: got %d, want %d: %.300s", a.status, tc.status, a.body)
			}
			if ct := a.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") && !strings.HasPrefix(ct, "application/graphql-response+json") {
				t.Errorf("Content-Type: got %q, want application/json or application/graphql-response+json", ct)
			}
			if got := a.header.Get("Allow"); got != tc.allow {
				t.Errorf("Allow: got %q, want %q", got, tc.allow)
			}
			var keys map[string]json.RawMessage
			if err := json.Unmarshal(a.body, &keys); err != nil {
				t.Fatalf("body: got %.300s, want a JSON object: %v", a.body, err)
			}
			if data, ok := keys["data"]; ok {
				t.Errorf("data: got %s, want no data entry", data)
			}
			r := a.response(t)
			if len(r.Errors) == 0 {
				t.Fatalf("errors: got none, want at least one: %.300s", a.body)
			}
			for _, e := range r.Errors {
				if e.Code() != tc.code {
					t.Errorf("code of %q: got %q, want %q", e.Message, e.Code(), tc.code)
				}
			}
			if !strings.Contains(r.Errors[0].Message, tc.message) {
				t.Errorf("message: got %q, want it to mention %q", r.Errors[0].Message, tc.message)
			}
			if limit := cmp.Or(tc.within, 3*time.Second); elapsed > limit {
				t.Errorf("answered after %s, want within %s", elapsed, limit)
			}
			if n := h.calls(); n != 0 {
				t.Errorf("source calls: got %d, want 0", n)
			}
			assertServes(t, h)
		})
	}
}

func TestGetQuery(t *testing.T) {
	h := newHarness(t)
	cases := []struct {
		name   string
		target string
		want   string
	}{
		{"literal", `/graphql?query={order(id:"o1"){id}}`, `{"order":{"id":"o1"}}`},
		{"encoded", "/graphql?" + url.Values{"query": {`{ order(id: "o2") { id } }`}}.Encode(), `{"order":{"id":"o2"}}`},
		{
			"with variables and an operation name",
			"/graphql?" + url.Values{
				"query":         {`query A($id: ID!) { order(id: $id) { id } } query B { dashboard { summary { orderCount } } }`},
				"operationName": {"A"},
				"variables":     {`{"id":"o3"}`},
			}.Encode(),
			`{"order":{"id":"o3"}}`,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			a := h.do(ctx, http.MethodGet, tc.target, "", nil, "GraphQL-Preflight", "1")
			r := a.response(t)
			if a.status != http.StatusOK || string(r.Data) != tc.want {
				t.Errorf("got %d %s, want 200 %s", a.status, a.body, tc.want)
			}
		})
	}
}

// TestBadRequestsInARow checks that a flood of bad requests of every
// kind, one after the other on the same server, leaves it serving.
func TestBadRequestsInARow(t *testing.T) {
	h := newHarness(t)
	for _, body := range []string{"", "[]", "{", `{"query":"{"}`, `{"query":"{ nope }"}`, `{"query":"{ orders(first: 1000) { edges { cursor } } }"}`} {
		a := h.send(rawPost(body))
		if a.status < 400 || a.status >= 500 {
			t.Errorf("%q: got %d, want a 4xx", body, a.status)
		}
		a.response(t)
	}
	a := h.send(rawRequest{method: http.MethodPost, target: "/graphql", contentType: "application/json", body: func() io.Reader {
		return bytes.NewReader([]byte(`{"query":"{ dashboard { summary { orderCount } } }"}`))
	}})
	r := a.response(t)
	if a.status != http.StatusOK || !strings.Contains(string(r.Data), `"orderCount":`) {
		t.Errorf("good query afterwards: got %d %s, want 200 with a summary", a.status, a.body)
	}
}
