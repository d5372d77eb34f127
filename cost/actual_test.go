package cost_test

import (
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
)

func TestInstance(t *testing.T) {
	a := analyzer(t)
	type order struct{ ID string }
	cases := []struct {
		name, typ, field string
		result           any
		want             int64
	}{
		{"list at its real length", "Dashboard", "recentOrders", []order{{"o1"}, {"o2"}, {"o3"}}, 6},
		{"empty list", "Customer", "orders", []order{}, 0},
		{"nil list", "Customer", "orders", nil, 0},
		{"pointer to a list", "Dashboard", "topCustomers", &[]order{{"c1"}}, 4},
		{"object", "Customer", "stats", struct{}{}, 2},
		{"not found still looked up", "Query", "order", nil, 2},
		{"object read from the parent", "Order", "total", struct{}{}, 1},
		{"sized edges", "OrderConnection", "edges", make([]struct{}, 7), 7},
		{"scalar", "Order", "id", "o1", 0},
		{"introspection root", "Query", "__schema", struct{}{}, 10},
		{"under introspection", "__Schema", "types", make([]struct{}, 40), 0},
		{"typename", "Order", "__typename", "Order", 0},
		{"unknown type", "Nope", "x", nil, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := a.Instance(tc.typ, &ast.Field{Name: tc.field}, tc.result); got != tc.want {
				t.Errorf("got %d, want %d", got, tc.want)
			}
		})
	}
	if got := a.Instance("Order", nil, nil); got != 0 {
		t.Errorf("nil field: got %d, want 0", got)
	}
}
