package cost_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"

	"github.com/gqlbff/gqlbff/cost"
)

// FuzzAnalyzer feeds the analyzer hostile documents and variables, as a
// client can: Measure on anything that parses, Price on anything, valid or
// not. Properties: nothing panics; a valid operation's price is in
// [0, MaxCost]; Explain agrees with Price.
func FuzzAnalyzer(f *testing.F) {
	for _, name := range []string{"orders_fanout", "dashboard", "me", "order_detail", "customers_by_ids"} {
		f.Add(operationFile(f, name), `{"id": "o1", "ids": ["c1", "c2"], "after": null}`)
	}
	f.Add(`query($n: Int, $s: Boolean!) { orders(first: $n) { edges { node { customer @skip(if: $s) { id } } } } }`, `{"n": 99999999999, "s": false}`)
	f.Add(`{ ...A } fragment A on Query { order(id: "1") { ...B } } fragment B on Order { customer { orders { ...B } } }`, `{}`)
	f.Add(`{ __schema { types { fields { type { ofType { name } } } } } __type(name: "Order") { name } }`, `null`)
	f.Add(`query($ids: [ID!]!) { customers(ids: $ids) { orders(first: -5) { items { sku } } } }`, `{"ids": "c1"}`)
	a := analyzer(f)
	s := gqlbffSchema(f)
	f.Fuzz(func(t *testing.T, q, rawVars string) {
		doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: q}, 15000)
		if err != nil {
			return
		}
		_, _ = cost.Measure(context.Background(), doc, 0)
		var vars map[string]any
		dec := json.NewDecoder(bytes.NewReader([]byte(rawVars)))
		dec.UseNumber()
		_ = dec.Decode(&vars)
		for _, op := range doc.Operations {
			_, _ = a.Price(doc, op, vars) // unvalidated: any answer but a panic
		}
		if errs := validator.Validate(s, doc); len(errs) > 0 || len(doc.Operations) == 0 {
			return
		}
		op := doc.Operations[0]
		coerced, err := validator.VariableValues(s, op, vars)
		if err != nil {
			return
		}
		est, err := a.Price(doc, op, coerced)
		if err != nil {
			return
		}
		if est.Cost < 0 || est.Cost > cost.MaxCost {
			t.Fatalf("cost %d out of [0, MaxCost]", est.Cost)
		}
		ex, err := a.Explain(doc, op, coerced)
		if err != nil || ex.Cost != est.Cost {
			t.Fatalf("Explain: got %d, %v; Price said %d", ex.Cost, err, est.Cost)
		}
	})
}

// FuzzMeasure is issue 12's property: measuring a document is linear in
// its text. Every selection takes at least one byte and Measure visits it
// at most three times (counted as written, as a root selection, below the
// root), so a budget of three steps a byte is never spent, whatever the
// fragments do; and nothing panics.
func FuzzMeasure(f *testing.F) {
	for _, name := range []string{"orders_fanout", "dashboard", "me"} {
		f.Add(operationFile(f, name))
	}
	f.Add(`{ ...F0 } fragment F0 on Query { ...F1 ...F1 } fragment F1 on Query { ...F2 ...F2 } fragment F2 on Query { a { ...F2 } }`)
	f.Add(`{ a { ...A ...A } } fragment A on T { b { ...B ...B } ... on T { ...B } } fragment B on T { c }`)
	f.Add(`{ ...A } fragment A on Query { ...B } fragment B on Query { x ...A }`)
	f.Fuzz(func(t *testing.T, q string) {
		doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: q}, 15000)
		if err != nil {
			return
		}
		_, err = cost.Measure(context.Background(), doc, 3*len(q)+1)
		if le, ok := errors.AsType[*cost.LimitError](err); ok {
			t.Fatalf("%d bytes spent a budget of %d steps: %v", len(q), 3*len(q)+1, le)
		}
		if err != nil && !errors.Is(err, cost.ErrFragmentCycle) {
			t.Fatalf("Measure: %v", err)
		}
	})
}
