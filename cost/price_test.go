package cost_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/gqlbff/gqlbff/cost"
)

// The weights these prices come from (schema/schema.graphqls): Order,
// Customer and CustomerStats 2; topCustomers 4 per item; summary 10; every
// other object 1 (Money, OrderItem, PageInfo, OrderEdge, OrderConnection,
// Dashboard); scalars and enums 0; __schema and __type 10, flat. A field
// costs size × (weight + its selection).
func TestPrice(t *testing.T) {
	a := analyzer(t)
	ids := func(n int) []any {
		out := make([]any, n)
		for i := range out {
			out[i] = fmt.Sprintf("c%d", i+1)
		}
		return out
	}
	cases := []struct {
		name string
		q    string
		vars map[string]any
		want int64
	}{
		// orders 1 × (connection 1 + pageInfo 1 + edges 50 × (edge 1 + node)),
		// node = order 2 + total 1 + customer (2 + stats (2 + lifetimeValue 1)
		// + orders(first: 3) 3 × 2) = 2 + 1 + 11 = 14
		// => 1 + 1 + 50 × 15 = 752
		{"orders_fanout", operationFile(t, "orders_fanout"), nil, 752},
		// dashboard 1 + recentOrders 10 × (2 + total 1 + customer 2) = 50
		// + topCustomers 5 × (4 + stats (2 + lifetimeValue 1)) = 35
		// + summary (10 + revenue 1 + averageOrderValue 1) = 12 => 98
		{"dashboard", operationFile(t, "dashboard"), nil, 98},
		// me 2 + orders(first: 5) 5 × (2 + total 1) + stats 2 => 19
		{"me", operationFile(t, "me"), nil, 19},
		// order 2 + total 1 + items (assumed 5) × (1 + unitPrice 1) + customer 2 => 15
		{"order_detail", operationFile(t, "order_detail"), map[string]any{"id": "o1"}, 15},
		// customers: 3 ids × 2 => 6
		{"customers_by_ids", operationFile(t, "customers_by_ids"), map[string]any{"ids": ids(3)}, 6},
		// 100 ids × 2 => 200
		{"customers_by_ids 100", operationFile(t, "customers_by_ids"), map[string]any{"ids": ids(100)}, 200},
		// a literal list: 2 ids × (2 + stats 2) => 8
		{"ids literal", `{ customers(ids: ["c1", "c2"]) { id stats { orderCount } } }`, nil, 8},
		// first from a variable: 1 + 7 × (edge 1 + node 2) => 22
		{"first variable", `query($n: Int) { orders(first: $n) { edges { node { id } } } }`, map[string]any{"n": 7}, 22},
		// variable not given: the argument's default 20 => 1 + 20 × 3 = 61
		{"first default", `query($n: Int) { orders(first: $n) { edges { node { id } } } }`, nil, 61},
		// explicit null is the default too (the resolver's reading) => 61
		{"first null", `{ orders(first: null) { edges { node { id } } } }`, nil, 61},
		// a variable's own default: 1 + 4 × 3 => 13
		{"variable default", `query($n: Int = 4) { orders(first: $n) { edges { node { id } } } }`, nil, 13},
		// nested lists: 2 ids × (2 + orders 10 × (2 + customer (2 + orders 10 × 2)))
		// = 2 × (2 + 10 × 24) => 484
		{"nested lists", `{ customers(ids: ["c1", "c2"]) { orders(first: 10) { customer { orders(first: 10) { id } } } } }`, nil, 484},
		// fragments: order 2 + total 1 + customer (2 + stats 2) => 7
		{"fragments", `{ order(id: "o1") { ...O } }
			fragment O on Order { id total { amount } customer { ...C } }
			fragment C on Customer { name stats { orderCount } }`, nil, 7},
		// inline fragment: order 2 + customer 2 => 4
		{"inline fragment", `{ order(id: "o1") { ... on Order { customer { id } } } }`, nil, 4},
		// aliases are separate fields: a 2 + b (2 + customer 2) => 6
		{"aliases", `{ a: order(id: "o1") { id } b: order(id: "o2") { customer { id } } }`, nil, 6},
		// the same response key is one field: order 2 + customer 2 => 4
		{"merged fields", `{ order(id: "o1") { customer { id } customer { name } } }`, nil, 4},
		// a fragment spread twice is collected once: 2 + 2 => 4
		{"repeated spread", `{ order(id: "o1") { ...F ...F } } fragment F on Order { customer { id } }`, nil, 4},
		// @skip(if: true) drops the customer: 2
		{"skip", `query($s: Boolean!) { order(id: "o1") { customer @skip(if: $s) { id } } }`, map[string]any{"s": true}, 2},
		// @include(if: true) keeps it: 2 + 2 => 4
		{"include", `query($s: Boolean!) { order(id: "o1") { customer @include(if: $s) { id } } }`, map[string]any{"s": true}, 4},
		// introspection: __schema 10, flat, whatever is under it
		{"introspection schema", `{ __schema { types { name fields { name type { name ofType { name } } } } } }`, nil, 10},
		// __type 10 + __typename 0 => 10
		{"introspection type", `{ __type(name: "Order") { name fields { name } } __typename }`, nil, 10},
		// a fragment named __schema is an ordinary fragment:
		// 1 + 100 × (edge 1 + node (2 + customer 2)) => 501
		{"fragment named __schema", `{ ...__schema } fragment __schema on Query { orders(first: 100) { edges { node { customer { id } } } } }`, nil, 501},
		// a connection without its edges: 1 + pageInfo 1 => 2
		{"pageInfo only", `{ orders(first: 100) { pageInfo { hasNextPage } } }`, nil, 2},
		// recentOrders' default first 10: dashboard 1 + 10 × 2 => 21
		{"list default", `{ dashboard { recentOrders { id } } }`, nil, 21},
		// dashboard 1 + topCustomers 3 × 4 => 13
		{"topCustomers", `query($n: Int) { dashboard { topCustomers(first: $n) { name } } }`, map[string]any{"n": 3}, 13},
		// dashboard 1 + summary 10 => 11
		{"summary", `{ dashboard { summary { orderCount } } }`, nil, 11},
		// first: 0 => the connection 1
		{"first zero", `{ orders(first: 0) { edges { node { id } } } }`, nil, 1},
		{"typename only", `{ __typename }`, nil, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			doc, op, vars := validated(t, tc.q, tc.vars)
			got, err := a.Price(doc, op, vars)
			if err != nil {
				t.Fatal(err)
			}
			if got.Cost != tc.want {
				t.Errorf("got %d, want %d", got.Cost, tc.want)
			}
		})
	}
}

func TestPriceMarksVariableDependence(t *testing.T) {
	a := analyzer(t)
	for _, tc := range []struct {
		name string
		q    string
		want bool
	}{
		{"literals only", `{ orders(first: 5) { edges { node { id } } } }`, false},
		{"slicing variable", `query($n: Int) { orders(first: $n) { edges { node { id } } } }`, true},
		{"skip variable", `query($s: Boolean!) { order(id: "o1") { customer @skip(if: $s) { id } } }`, true},
		{"id variable only", operationFile(t, "order_detail"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, op, vars := validated(t, tc.q, map[string]any{"n": 1, "s": false, "id": "o1"})
			got, err := a.Price(doc, op, vars)
			if err != nil {
				t.Fatal(err)
			}
			if got.Variable != tc.want {
				t.Errorf("Variable: got %v, want %v", got.Variable, tc.want)
			}
		})
	}
}

func TestExplain(t *testing.T) {
	a := analyzer(t)
	doc, op, vars := validated(t, operationFile(t, "orders_fanout"), nil)
	est, err := a.Explain(doc, op, vars)
	if err != nil {
		t.Fatal(err)
	}
	if est.Cost != 752 {
		t.Errorf("cost: got %d, want 752", est.Cost)
	}
	want := []cost.FieldCost{
		{Path: "orders", Weight: 1, Size: 1, Cost: 752},
		{Path: "orders.pageInfo", Weight: 1, Size: 1, Cost: 1},
		{Path: "orders.edges", Weight: 1, Size: 50, Cost: 750},
		{Path: "orders.edges.node", Weight: 2, Size: 1, Cost: 14},
		{Path: "orders.edges.node.total", Weight: 1, Size: 1, Cost: 1},
		{Path: "orders.edges.node.customer", Weight: 2, Size: 1, Cost: 11},
		{Path: "orders.edges.node.customer.stats", Weight: 2, Size: 1, Cost: 3},
		{Path: "orders.edges.node.customer.stats.lifetimeValue", Weight: 1, Size: 1, Cost: 1},
		{Path: "orders.edges.node.customer.orders", Weight: 2, Size: 3, Cost: 6},
	}
	if len(est.Fields) != len(want) {
		t.Fatalf("got %d lines, want %d: %+v", len(est.Fields), len(want), est.Fields)
	}
	for i := range want {
		if est.Fields[i] != want[i] {
			t.Errorf("line %d: got %+v, want %+v", i, est.Fields[i], want[i])
		}
	}
	plain, _ := a.Price(doc, op, vars)
	if plain.Fields != nil || plain.Cost != est.Cost {
		t.Errorf("Price: got %d with %d lines, want %d and no lines", plain.Cost, len(plain.Fields), est.Cost)
	}
}

func TestPriceSaturates(t *testing.T) {
	a := analyzer(t)
	// 100^9 × ... is far past 2^53: the price saturates instead of wrapping.
	q := "{ customers(ids: $ids) " + strings.Repeat("{ orders(first: 100) { customer ", 9) + "{ id }" + strings.Repeat(" } }", 9) + " }"
	q = "query($ids: [ID!]!) " + q
	doc, op, vars := validated(t, q, map[string]any{"ids": []any{"c1", "c2"}})
	got, err := a.Price(doc, op, vars)
	if err != nil {
		t.Fatal(err)
	}
	if got.Cost != cost.MaxCost {
		t.Errorf("got %d, want MaxCost %d", got.Cost, int64(cost.MaxCost))
	}
}

func TestPriceRefusesWhatItCannotTrust(t *testing.T) {
	a := analyzer(t)
	// 2^20 fields once expanded: each fragment spreads the previous one
	// under two aliases.
	var bomb strings.Builder
	bomb.WriteString(`{ order(id: "o1") { ...F0 } } fragment F0 on Order { id }`)
	for i := 1; i <= 20; i++ {
		fmt.Fprintf(&bomb, ` fragment F%d on Order { customer { orders { ...F%d } } a: customer { orders { ...F%d } } }`, i, i-1, i-1)
	}
	bomb.WriteString(` query B { order(id: "o1") { ...F20 } }`)
	cases := []struct {
		name string
		q    string
		want error
	}{
		{"unknown field", `{ order(id: "o1") { nope } }`, cost.ErrInvalid},
		{"fragment cycle", `{ order(id: "o1") { ...A } } fragment A on Order { customer { orders { ...A } } }`, cost.ErrTooComplex},
		{"fragment bomb", bomb.String(), cost.ErrTooComplex},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := parser.ParseQuery(&ast.Source{Input: tc.q})
			if err != nil {
				t.Fatal(err)
			}
			op := doc.Operations[len(doc.Operations)-1]
			if _, err := a.Price(doc, op, nil); !errors.Is(err, tc.want) {
				t.Errorf("got %v, want %v", err, tc.want)
			}
		})
	}
	if _, err := a.Price(nil, nil, nil); !errors.Is(err, cost.ErrInvalid) {
		t.Errorf("no operation: got %v, want ErrInvalid", err)
	}
}

// TestPriceStopsOnCancel: pricing on the request path stops once the
// request is done, Explain too.
func TestPriceStopsOnCancel(t *testing.T) {
	a := analyzer(t)
	doc, op, vars := validated(t, operationFile(t, "dashboard"), nil)
	ctx, cancel := context.WithCancel(context.Background())
	if _, err := a.PriceContext(ctx, doc, op, vars); err != nil {
		t.Fatalf("live context: %v", err)
	}
	cancel()
	if _, err := a.PriceContext(ctx, doc, op, vars); !errors.Is(err, context.Canceled) {
		t.Errorf("Price: got %v, want context.Canceled", err)
	}
	if _, err := a.ExplainContext(ctx, doc, op, vars); !errors.Is(err, context.Canceled) {
		t.Errorf("Explain: got %v, want context.Canceled", err)
	}
}
