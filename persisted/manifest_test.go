package persisted_test

import (
	"encoding/json"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/gqlbff/gqlbff/persisted"
)

const (
	orderDoc  = "query Order($id: ID!) {\n  order(id: $id) { id status }\n}"
	ordersDoc = "query Orders { orders(first: 3) { id } }"
)

// apollo renders an Apollo manifest of (id, name, type, body) quadruples.
func apollo(t testing.TB, ops ...[4]string) []byte {
	t.Helper()
	m := persisted.ApolloManifest{Format: persisted.ApolloFormat, Version: 1}
	for _, o := range ops {
		m.Operations = append(m.Operations, persisted.ApolloOperation{ID: o[0], Name: o[1], Type: o[2], Body: o[3]})
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseBothFormats(t *testing.T) {
	cases := []struct {
		name string
		data []byte
	}{
		{"apollo", apollo(t, [4]string{"a1", "Order", "query", orderDoc}, [4]string{"a2", "Orders", "query", ordersDoc})},
		{"plain map", []byte(`{"a1": ` + quote(orderDoc) + `, "a2": ` + quote(ordersDoc) + `}`)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := persisted.Parse(tc.data, testSchema, nil)
			if err != nil {
				t.Fatal(err)
			}
			if m.Len() != 2 {
				t.Fatalf("got %d documents, want 2", m.Len())
			}
			d, ok := m.Lookup("a1")
			if !ok || d.Name != "Order" || d.Body != orderDoc || d.Doc == nil || d.Doc.Operations[0].Name != "Order" {
				t.Errorf("a1: got %+v, want the Order document parsed", d)
			}
			norm, _ := persisted.Normalize("query Order($id:ID!){order(id:$id){id,status}}", 0)
			if got, ok := m.Match(norm); !ok || got != d {
				t.Errorf("match by normalized form: got %v, want a1", got)
			}
			if _, ok := m.Lookup("a3"); ok {
				t.Error("a3: found, want unknown")
			}
		})
	}
}

func TestLookupWithOrWithoutSHA256Prefix(t *testing.T) {
	m, err := persisted.Parse([]byte(`{"`+hash64+`": `+quote(ordersDoc)+`, "sha256:`+strings.Repeat("b", 64)+`": `+quote(orderDoc)+`}`), testSchema, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{hash64, "sha256:" + hash64, strings.Repeat("b", 64), "sha256:" + strings.Repeat("b", 64)} {
		if _, ok := m.Lookup(id); !ok {
			t.Errorf("%s: not found, want found", id)
		}
	}
}

func TestBadManifestNamesEachBrokenOperation(t *testing.T) {
	data := apollo(t,
		[4]string{"ok", "Orders", "query", ordersDoc},
		[4]string{"unknown-field", "Broken", "query", "query Broken { order(id: 1) { total } }"},
		[4]string{"no-parse", "Bad", "query", "query Bad { order(id: 1) { id }"},
		[4]string{"ok", "Orders2", "query", "query Orders2 { orders { id } }"},
		[4]string{"wrong-name", "Other", "query", ordersDoc},
		[4]string{"wrong-type", "Orders", "mutation", ordersDoc},
		[4]string{"", "Empty", "query", ordersDoc},
	)
	_, err := persisted.Parse(data, testSchema, nil)
	var me *persisted.ManifestError
	if !errors.As(err, &me) {
		t.Fatalf("got %v, want a *ManifestError", err)
	}
	want := map[string]string{
		"unknown-field": `line 1, column 31: Cannot query field "total" on type "Order"`,
		"no-parse":      "line 1, column 32: Expected Name, found <EOF>",
		"ok":            "duplicate id",
		"wrong-name":    `no operation named "Other"`,
		"wrong-type":    `type is "mutation" but the operation is a query`,
		"":              "empty id",
	}
	if len(me.Problems) != len(want) {
		t.Errorf("got %d problems, want %d: %v", len(me.Problems), len(want), err)
	}
	for _, p := range me.Problems {
		if w, ok := want[p.ID]; !ok || !strings.Contains(p.Err.Error(), w) {
			t.Errorf("%s: got %q, want it to say %q", p.ID, p.Err, w)
		}
	}
	if !strings.Contains(err.Error(), "operation unknown-field (Broken):") {
		t.Errorf("message %q does not name the operation", err)
	}
}

func TestBadManifestFiles(t *testing.T) {
	cases := []struct{ name, data, want string }{
		{"not JSON", `query { a }`, "not a JSON object"},
		{"an array", `[]`, "not a JSON object"},
		{"trailing data", `{} {}`, "data after"},
		{"apollo version 2", `{"format": "apollo-persisted-query-manifest", "version": 2, "operations": []}`, "version 2 is not supported"},
		{"other format", `{"format": "relay", "operations": []}`, "unknown format"},
		{"map of non-strings", `{"a": {"body": "{ a }"}}`, `value of "a" is not a string`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := persisted.Parse([]byte(tc.data), testSchema, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error saying %q", err, tc.want)
			}
		})
	}
}

// countingPricer prices an operation at 10 per root field and counts its
// calls.
type countingPricer struct{ calls atomic.Int64 }

func (p *countingPricer) Price(_ *ast.QueryDocument, op *ast.OperationDefinition) (int, error) {
	p.calls.Add(1)
	if op.Name == "Refused" {
		return 0, errors.New("too expensive to price")
	}
	return 10 * len(op.SelectionSet), nil
}

func TestCostIsComputedOnceAtLoad(t *testing.T) {
	p := &countingPricer{}
	m, err := persisted.Parse([]byte(`{"a": `+quote(orderDoc)+`, "b": `+quote("query X { orders { id } } query Y { a: orders { id } b: orders { id } }")+`}`), testSchema, p)
	if err != nil {
		t.Fatal(err)
	}
	if n := p.calls.Load(); n != 3 {
		t.Errorf("pricer calls at load: got %d, want 3 (one per operation)", n)
	}
	a, _ := m.Lookup("a")
	b, _ := m.Lookup("b")
	for _, c := range []struct {
		doc  *persisted.Document
		op   string
		want int
	}{{a, "", 10}, {a, "Order", 10}, {b, "X", 10}, {b, "Y", 20}} {
		if got, ok := c.doc.Cost(c.op); !ok || got != c.want {
			t.Errorf("%s/%q: got %d, %v; want %d", c.doc.ID, c.op, got, ok, c.want)
		}
	}
	if _, ok := b.Cost(""); ok {
		t.Error("b has two operations: the cost of \"\" is unknown, got one")
	}
	if n := p.calls.Load(); n != 3 {
		t.Errorf("pricer calls after lookups: got %d, want 3", n)
	}
	_, err = persisted.Parse([]byte(`{"r": "query Refused { orders { id } }"}`), testSchema, p)
	if err == nil || !strings.Contains(err.Error(), "operation r (Refused): pricing Refused: too expensive") {
		t.Errorf("pricer error: got %v, want the manifest refused naming r", err)
	}
}

func TestBuildWritesApolloManifest(t *testing.T) {
	m, err := persisted.Build([]persisted.SourceFile{
		{Name: "orders.graphql", Text: ordersDoc},
		{Name: "order.graphql", Text: "# comment\n" + orderDoc + "\n"},
	}, testSchema)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Operations) != 2 || m.Operations[0].Name != "Order" || m.Operations[1].Name != "Orders" {
		t.Fatalf("got %+v, want Order then Orders", m.Operations)
	}
	o := m.Operations[0]
	if o.Body != `query Order($id:ID!){order(id:$id){id status}}` || o.ID != persisted.Hash(o.Body) || o.Type != "query" {
		t.Errorf("got %+v, want the normalized body with its SHA-256 as id", o)
	}
	var b strings.Builder
	if err := m.Encode(&b); err != nil {
		t.Fatal(err)
	}
	again, err := persisted.Parse([]byte(b.String()), testSchema, nil)
	if err != nil || again.Len() != 2 {
		t.Errorf("the written manifest does not load: %v", err)
	}
}

func TestBuildRefusesBadFiles(t *testing.T) {
	_, err := persisted.Build([]persisted.SourceFile{
		{Name: "two.graphql", Text: "query A { orders { id } } query B { orders { id } }"},
		{Name: "anonymous.graphql", Text: "{ orders { id } }"},
		{Name: "invalid.graphql", Text: "query C { orders { nope } }"},
		{Name: "first.graphql", Text: "query D { orders { id } }"},
		{Name: "again.graphql", Text: "query D { orders { status } }"},
	}, testSchema)
	for _, want := range []string{
		"two.graphql: holds 2 operations", "anonymous.graphql: the operation needs a name",
		`invalid.graphql: line 1, column 20: Cannot query field "nope"`, "again.graphql: operation D is also in first.graphql",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("got %v, want it to say %q", err, want)
		}
	}
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// FuzzParse: no manifest, however malformed, panics the loader.
func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"a": "{ orders { id } }"}`))
	f.Add(apollo(f, [4]string{"a1", "Order", "query", orderDoc}))
	f.Add([]byte(`{"format": "apollo-persisted-query-manifest", "version": 1, "operations": [{"id": 1}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := persisted.Parse(data, testSchema, nil)
		if err == nil && m == nil {
			t.Error("no error and no manifest")
		}
	})
}
