package cost_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/gqlbff/gqlbff/cost"
	"github.com/gqlbff/gqlbff/internal/testkit"
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
		// A fragment defined twice (validation refuses it): the first counts.
		{"fragment defined twice", `{ ...F } fragment F on Query { a } fragment F on Query { b { c } }`, cost.Shape{Depth: 1, RootFields: 1, Fields: 3}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := measure(t, tc.q); got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
	if got, err := cost.Measure(context.Background(), nil, 0); got != (cost.Shape{}) || err != nil {
		t.Errorf("nil document: got %+v, %v; want zero", got, err)
	}
}

func measure(t testing.TB, q string) cost.Shape {
	t.Helper()
	s, err := cost.Measure(context.Background(), parse(t, q), 0)
	if err != nil {
		t.Fatalf("Measure: %v", err)
	}
	return s
}

// TestMeasureRefusesCycles: validation refuses a fragment cycle; Measure
// refuses it first, at the root or below, directly or through others.
func TestMeasureRefusesCycles(t *testing.T) {
	for _, q := range []string{
		`{ ...A } fragment A on Query { a { ...B } } fragment B on T { b { ...A } }`,
		`{ ...A } fragment A on Query { ...A }`,
		`{ ...A } fragment A on Query { ... on Query { ...B } } fragment B on Query { x ...A }`,
		`{ a { ...A } } fragment A on T { b ...B } fragment B on T { c { d } ...A }`,
	} {
		_, err := cost.Measure(context.Background(), parse(t, q), 0)
		if !errors.Is(err, cost.ErrFragmentCycle) {
			t.Errorf("%s: got %v, want ErrFragmentCycle", q, err)
		}
	}
	// A fragment spread twice is no cycle.
	if got := measure(t, `{ ...A ...A a { ...A } } fragment A on Query { x }`); got.Fields != 4 {
		t.Errorf("fragment spread three times: got %+v, want 4 fields", got)
	}
}

func TestMeasureFragmentBombIsLinear(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{ ...F0 } fragment F0 on Query { x }`)
	for i := 1; i <= 60; i++ {
		fmt.Fprintf(&b, ` fragment F%d on Query { a { ...F%d } b { ...F%d } }`, i, i-1, i-1)
	}
	doc := parse(t, strings.Replace(b.String(), "...F0", "...F60", 1))
	s, steps := countSteps(t, doc)
	if s.Fields != math.MaxInt32 || s.Depth != 61 {
		t.Errorf("got %+v, want fields saturated at MaxInt32 and depth 61", s)
	}
	if max := 3 * selections(doc); steps > max {
		t.Errorf("%d steps for %d selections: fragments are not memoised", steps, max/3)
	}
}

// TestMeasureRootFragmentBombIsLinear: spreads that double at the root
// (issue 12: 30 levels took six minutes) are measured once each.
func TestMeasureRootFragmentBombIsLinear(t *testing.T) {
	for _, k := range []int{22, 30, 40} {
		doc := parse(t, testkit.FragmentBomb(k))
		s, steps := countSteps(t, doc)
		if want := min(1<<k, math.MaxInt32); s.RootFields != want || s.Fields != want || s.Depth != 1 {
			t.Errorf("k=%d: got %+v, want %d root fields and fields, depth 1", k, s, want)
		}
		if max := 3 * selections(doc); steps > max {
			t.Errorf("k=%d: %d steps for %d selections: fragments are not memoised", k, steps, max/3)
		}
	}
}

// TestMeasureIsLinearOnHostileShapes: whatever the shape, 1 KB to 100 KB,
// Measure takes at most three steps a byte of the document (FuzzMeasure's
// property; BenchmarkMeasure times it).
func TestMeasureIsLinearOnHostileShapes(t *testing.T) {
	for _, shape := range testkit.HostileShapes {
		for _, size := range []int{1 << 10, 10 << 10, 100 << 10} {
			q := testkit.Hostile(shape, size)
			if len(q) < size*9/10 || len(q) > size*11/10 {
				t.Fatalf("%s: %d bytes, want about %d", shape, len(q), size)
			}
			doc, err := parser.ParseQuery(&ast.Source{Input: q})
			if err != nil {
				t.Fatalf("%s %d: %v", shape, size, err)
			}
			if _, err := cost.Measure(context.Background(), doc, 3*len(q)); err != nil {
				t.Errorf("%s, %d bytes: %v", shape, len(q), err)
			}
		}
	}
}

// countSteps measures doc and finds the fewest steps Measure needs: the
// smallest budget it is not over.
func countSteps(t *testing.T, doc *ast.QueryDocument) (cost.Shape, int) {
	t.Helper()
	s, err := cost.Measure(context.Background(), doc, 1<<30)
	if err != nil {
		t.Fatalf("Measure: %v", err)
	}
	lo, hi := 1, 1<<30 // Measure is over budget lo-1 and within hi
	for lo < hi {
		mid := lo + (hi-lo)/2
		_, err := cost.Measure(context.Background(), doc, mid)
		var le *cost.LimitError
		switch {
		case err == nil:
			hi = mid
		case errors.As(err, &le) && le.Limit == "work":
			lo = mid + 1
		default:
			t.Fatalf("Measure with budget %d: %v", mid, err)
		}
	}
	return s, lo
}

// selections counts the selections written in doc.
func selections(doc *ast.QueryDocument) int {
	var count func(ast.SelectionSet) int
	count = func(set ast.SelectionSet) int {
		n := len(set)
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				n += count(s.SelectionSet)
			case *ast.InlineFragment:
				n += count(s.SelectionSet)
			}
		}
		return n
	}
	n := 0
	for _, op := range doc.Operations {
		n += count(op.SelectionSet)
	}
	for _, f := range doc.Fragments {
		n += count(f.SelectionSet)
	}
	return n
}

// TestMeasureWorkBudget: past its budget Measure stops with a "work"
// LimitError, whatever the document.
func TestMeasureWorkBudget(t *testing.T) {
	doc := parse(t, `{ `+strings.Repeat("a ", 200)+` }`)
	_, err := cost.Measure(context.Background(), doc, 100)
	var le *cost.LimitError
	if !errors.As(err, &le) || le.Limit != "work" || le.Max != 100 {
		t.Fatalf("got %v, want a work LimitError with Max 100", err)
	}
	if _, err := cost.Measure(context.Background(), doc, 400); err != nil {
		t.Errorf("within the budget: %v", err)
	}
}

// TestMeasureStopsOnCancel: a cancelled request's document is not walked
// to its end.
func TestMeasureStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	doc := parse(t, `{ `+strings.Repeat("a ", 5000)+` }`)
	if _, err := cost.Measure(ctx, doc, 0); !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
	if _, err := cost.Measure(ctx, parse(t, `{ a }`), 0); !errors.Is(err, context.Canceled) {
		t.Errorf("one field: got %v, want context.Canceled", err)
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
