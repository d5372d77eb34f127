package cost_test

import (
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/gqlbff/gqlbff/cost"
)

func parse(t testing.TB, q string) *ast.QueryDocument {
	t.Helper()
	doc, err := parser.ParseQuery(&ast.Source{Input: q})
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return doc
}

func nested(name string, depth int) string {
	return strings.Repeat(name+" { ", depth-1) + name + strings.Repeat(" }", depth-1)
}

func TestMeasure(t *testing.T) {
	introspection, err := os.ReadFile("../testdata/introspection.graphql")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		q    string
		want cost.Shape
	}{
		// orders pageInfo hasNextPage endCursor edges cursor node id status
		// total amount currency customer id name stats lifetimeValue amount
		// orderCount lastOrderAt orders id: 22 fields; orders > edges > node >
		// customer > stats > lifetimeValue > amount: 7 deep.
		{"orders_fanout", operationFile(t, "orders_fanout"), cost.Shape{Depth: 7, RootFields: 1, Fields: 22, OperationName: 12}},
		// Depth 13 under the real __schema field counts as 1. Fields: TypeRef
		// 2 + 7 × 3 = 23; InputValue 4 + 23 = 27; FullType 3 + fields
		// (1 + 2 + args 28 + type 24 + 2) + inputFields 28 + interfaces 24
		// + enumValues 5 + possibleTypes 24 = 141; __schema 1 + 3 × 2 +
		// types 142 + directives (1 + 3 + args 28) = 181.
		{"GraphiQL introspection", string(introspection), cost.Shape{Depth: 1, RootFields: 1, Fields: 181, OperationName: 18}},
		{"__type", `{ __type(name: "Order") { ` + nested("ofType", 12) + ` } }`, cost.Shape{Depth: 1, RootFields: 1, Fields: 13}},
		// No exemption by name: a fragment called __schema, an alias called
		// __schema, an operation called IntrospectionQuery.
		{"fragment named __schema", `{ ...__schema } fragment __schema on Query { ` + nested("a", 12) + ` }`, cost.Shape{Depth: 12, RootFields: 1, Fields: 12}},
		{"alias named __schema", `{ __schema: a { ` + nested("b", 11) + ` } }`, cost.Shape{Depth: 12, RootFields: 1, Fields: 12, Aliases: 1}},
		{"operation named IntrospectionQuery", `query IntrospectionQuery { ` + nested("a", 12) + ` }`, cost.Shape{Depth: 12, RootFields: 1, Fields: 12, OperationName: 18}},
		{"__schema below the root", `{ a { __schema { ` + nested("b", 10) + ` } } }`, cost.Shape{Depth: 12, RootFields: 1, Fields: 12}},
		{"aliases and roots", `{ a: x b: x c: y { d: z } e }`, cost.Shape{Depth: 2, RootFields: 4, Fields: 5, Aliases: 4}},
		{"alias equal to its name", `{ x: x }`, cost.Shape{Depth: 1, RootFields: 1, Fields: 1}},
		{"root fields through fragments", `{ a ...F ... on Query { c } } fragment F on Query { b d }`, cost.Shape{Depth: 1, RootFields: 4, Fields: 4}},
		// A fragment spread twice counts twice.
		{"spread twice", `{ a { ...F } b { ...F } } fragment F on T { x y }`, cost.Shape{Depth: 2, RootFields: 2, Fields: 6}},
		{"directives", `query Q($v: Int @d) @d { a @skip(if: true) @d ...F @d ... @d { b } } fragment F on Query @d { c @d }`, cost.Shape{Depth: 1, RootFields: 3, Fields: 3, Directives: 8, OperationName: 1}},
		// Two operations: validation checks both, so their fields add up.
		{"two operations", `query A { a b } query B { c { d } }`, cost.Shape{Depth: 2, RootFields: 2, Fields: 4, OperationName: 1}},
		// An unused fragment still counts as written.
		{"unused fragment", `{ a } fragment F on Query { b c d }`, cost.Shape{Depth: 1, RootFields: 1, Fields: 4}},
		{"undefined fragment", `{ a ...Nope }`, cost.Shape{Depth: 1, RootFields: 1, Fields: 1}},
		// A cycle (validation refuses it) is walked round once, then stops: a > b > a.
		{"fragment cycle", `{ ...A } fragment A on Query { a { ...B } } fragment B on T { b { ...A } }`, cost.Shape{Depth: 3, RootFields: 1, Fields: 3}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := cost.Measure(parse(t, tc.q)); got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
	if got := cost.Measure(nil); got != (cost.Shape{}) {
		t.Errorf("nil document: got %+v, want zero", got)
	}
}

func TestMeasureFragmentBombIsLinear(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{ ...F0 } fragment F0 on Query { x }`)
	for i := 1; i <= 60; i++ {
		fmt.Fprintf(&b, ` fragment F%d on Query { a { ...F%d } b { ...F%d } }`, i, i-1, i-1)
	}
	doc := parse(t, strings.Replace(b.String(), "...F0", "...F60", 1))
	start := time.Now()
	s := cost.Measure(doc)
	if d := time.Since(start); d > 50*time.Millisecond {
		t.Errorf("took %s: fragments are not memoised", d)
	}
	if s.Fields != math.MaxInt32 || s.Depth != 61 {
		t.Errorf("got %+v, want fields saturated at MaxInt32 and depth 61", s)
	}
}

func TestLimitsCheck(t *testing.T) {
	l := cost.Limits{Depth: 10, Aliases: 15, RootFields: 10, Fields: 500, Directives: 50, OperationName: 128}
	cases := []struct {
		name  string
		shape cost.Shape
		want  string
	}{
		{"within", cost.Shape{Depth: 10, Aliases: 15, RootFields: 10, Fields: 500, Directives: 50, OperationName: 128}, ""},
		{"depth", cost.Shape{Depth: 11}, "depth"},
		{"aliases", cost.Shape{Aliases: 16}, "aliases"},
		{"root fields", cost.Shape{RootFields: 11}, "rootFields"},
		{"fields", cost.Shape{Fields: 501}, "fields"},
		{"directives", cost.Shape{Directives: 51}, "directives"},
		{"operation name", cost.Shape{OperationName: 129}, "operationName"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := l.Check(tc.shape)
			var le *cost.LimitError
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("got %v, want nil", err)
			case tc.want != "" && (!errors.As(err, &le) || le.Limit != tc.want):
				t.Errorf("got %v, want a %s LimitError", err, tc.want)
			}
		})
	}
	if err := (cost.Limits{}).Check(cost.Shape{Depth: 1 << 20}); err != nil {
		t.Errorf("zero limits: got %v, want none", err)
	}
	want := "the operation's depth is 11, over the limit of 10"
	if err := l.Check(cost.Shape{Depth: 11}); err == nil || err.Error() != want {
		t.Errorf("message: got %v, want %q", err, want)
	}
}
