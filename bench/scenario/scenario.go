// Package scenario is the benchmarks' list of scenarios: which client
// operation, with which variables, sent how. A scenario is one entry of
// All; the three systems under test get the same request, gqlbff and the
// naive way at /graphql, the limit at /{operation}.
package scenario

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/gqlbff/gqlbff/bench/load"
	"github.com/gqlbff/gqlbff/bench/serve"
)

// Scenario is one row of the benchmark table.
type Scenario struct {
	// Name names the row.
	Name string
	// Operation is the file testdata/operations/{Operation}.graphql, and
	// the limit's route.
	Operation string
	// Variables are sent with it.
	Variables map[string]any
	// GET sends it as GET /graphql?…; else as a POST with a JSON body.
	GET bool
	// Trusted sends the trusted document's id (?documentId=) instead of the
	// text; the id is in the manifest the driver hands the servers.
	Trusted bool
	// Optional marks a scenario that needs a feature a system may not have
	// yet: a system that refuses it gets a "not available" cell, not a
	// failed run.
	Optional bool
	// Note is printed under the table.
	Note string
}

// All are the scenarios of `make bench`: each client operation of
// testdata/operations, and the dashboard as a trusted document over GET.
var All = []Scenario{
	{Name: "order_detail", Operation: "order_detail", Variables: map[string]any{"id": "o42"}},
	{Name: "customers_by_ids", Operation: "customers_by_ids", Variables: map[string]any{"ids": customerIDs()},
		Note: "customers_by_ids asks for 22 ids: c1…c20, an unknown id and a repeat."},
	{Name: "dashboard", Operation: "dashboard"},
	{Name: "orders_fanout", Operation: "orders_fanout", Variables: map[string]any{"after": nil}},
	{Name: "me", Operation: "me",
		Note: "Every request carries a valid HS256 token with every read scope, of one of the users the clients rotate over (the answers are compared with customer c7's; GQLBFF_BENCH_TOKEN replaces them all with one), which gqlbff and the Node.js peers verify and the limit and the naive way read without verifying. gqlbff coalesces identical source calls in flight only within one user's, so with the users rotating its calls/op are the batches an operation needs (4 for the fan-out)."},
	{Name: "dashboard_trusted_get", Operation: "dashboard", GET: true, Trusted: true, Optional: true,
		Note: "dashboard_trusted_get sends GET /graphql?documentId=… with the id of the dashboard in the manifest the driver writes (GQLBFF_PERSISTED_MANIFEST); a system without trusted documents gets \"n/a\"."},
}

func customerIDs() []string {
	ids := make([]string, 0, 22)
	for i := 1; i <= 20; i++ {
		ids = append(ids, fmt.Sprintf("c%d", i))
	}
	return append(ids, "nobody", "c3")
}

// Operations reads testdata/operations/*.graphql under root, by name.
func Operations(root string) (map[string]string, error) {
	files, err := filepath.Glob(filepath.Join(root, "testdata", "operations", "*.graphql"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no operations under %s/testdata/operations (%v)", root, err)
	}
	ops := make(map[string]string, len(files))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		ops[strings.TrimSuffix(filepath.Base(f), ".graphql")] = string(b)
	}
	return ops, nil
}

// DocumentID is a trusted document's id: the sha256 of its text, in hex.
func DocumentID(text string) string {
	sum := sha256.Sum256([]byte(text))
	return hex.EncodeToString(sum[:])
}

// Manifest is the trusted documents manifest of ops, in Apollo's format.
func Manifest(ops map[string]string) serve.Manifest {
	m := serve.Manifest{Format: serve.ManifestFormat, Version: 1}
	for _, name := range sortedKeys(ops) {
		m.Operations = append(m.Operations, serve.ManifestOperation{ID: DocumentID(ops[name]), Name: operationName(ops[name], name), Type: "query", Body: ops[name]})
	}
	return m
}

// operationName is the name of the document's query, as Apollo's manifest
// holds it (def when the document names none).
func operationName(doc, def string) string {
	m := regexp.MustCompile(`(?m)^\s*query\s+([_A-Za-z][_0-9A-Za-z]*)`).FindStringSubmatch(doc)
	if m == nil {
		return def
	}
	return m[1]
}

// Kind is how a system takes requests.
type Kind int

// The kinds of system under test.
const (
	// GraphQL servers (gqlbff, the naive way) take /graphql.
	GraphQL Kind = iota
	// Limit takes /{operation}.
	Limit
)

// Request is the scenario's request to a system at base (http://host:port),
// with a bearer token when token is not empty.
func (s Scenario) Request(base string, kind Kind, ops map[string]string, token string) (load.Request, error) {
	text, ok := ops[s.Operation]
	if !ok {
		return load.Request{}, fmt.Errorf("scenario %s: no operation %q", s.Name, s.Operation)
	}
	vars, err := json.Marshal(s.Variables)
	if err != nil {
		return load.Request{}, err
	}
	if s.Variables == nil {
		vars = nil
	}
	path := "/graphql"
	if kind == Limit {
		path = "/" + s.Operation
	}
	rq := load.Request{Method: http.MethodPost, URL: base + path, Header: http.Header{}}
	if token != "" {
		rq.Header.Set("Authorization", "Bearer "+token)
	}
	if s.GET {
		// A browser app's GET carries a CSRF-preflight header; gqlbff
		// refuses one without (HARDENING.md, CSRF).
		rq.Header.Set("GraphQL-Preflight", "1")
		q := url.Values{}
		if s.Trusted {
			q.Set("documentId", DocumentID(text))
		} else {
			q.Set("query", text)
		}
		if vars != nil {
			q.Set("variables", string(vars))
		}
		rq.Method, rq.URL = http.MethodGet, rq.URL+"?"+q.Encode()
		return rq, nil
	}
	body := map[string]any{"query": text}
	if s.Trusted {
		body = map[string]any{"documentId": DocumentID(text)}
	}
	if vars != nil {
		body["variables"] = json.RawMessage(vars)
	}
	rq.Body, err = json.Marshal(body)
	rq.Header.Set("Content-Type", "application/json")
	return rq, err
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
