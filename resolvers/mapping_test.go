package resolvers

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/gqlbff/gqlbff/graph/model"
	"github.com/gqlbff/gqlbff/sources"
)

func TestAppendAmount(t *testing.T) {
	tests := []struct {
		cents int64
		want  string
	}{
		{0, "0.00"}, {5, "0.05"}, {10, "0.10"}, {99, "0.99"}, {100, "1.00"}, {1250, "12.50"},
		{-1, "-0.01"}, {-1250, "-12.50"}, {math.MaxInt64, "92233720368547758.07"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := string(appendAmount(nil, tt.cents)); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			st := toStats(sources.CustomerStats{LifetimeValueCents: tt.cents, Currency: "EUR", OrderCount: 3})
			if got := *st.LifetimeValue; got.Amount != tt.want || got.Currency != "EUR" || st.OrderCount != 3 {
				t.Errorf("toStats: got %+v and %+v, want %s EUR", *st, got, tt.want)
			}
			sum := toSummary(sources.Summary{RevenueCents: tt.cents, AverageOrderValueCents: 1250, Currency: "EUR", OrderCount: 4, ActiveCustomers: 2})
			if r, a := *sum.Revenue, *sum.AverageOrderValue; r.Amount != tt.want || a.Amount != "12.50" || r.Currency != "EUR" || a.Currency != "EUR" || sum.OrderCount != 4 || sum.ActiveCustomers != 2 {
				t.Errorf("toSummary: got %+v, %+v and %+v, want %s and 12.50 EUR", *sum, r, a, tt.want)
			}
		})
	}
}

func order(items int, price int64) sources.Order {
	o := sources.Order{ID: "o1", CustomerID: "c1", Status: "PAID", Currency: "EUR", TotalCents: 123456, CreatedAt: time.Unix(1e9, 0)}
	for i := range items {
		o.Items = append(o.Items, sources.OrderItem{SKU: fmt.Sprint("s", i), Name: "n", Quantity: i + 1, UnitPriceCents: price + int64(i)})
	}
	return o
}

func TestToOrderMapsTheSelectedParts(t *testing.T) {
	tests := []struct {
		name      string
		o         sources.Order
		parts     orderParts
		wantTotal bool
		wantItems int
	}{
		{"everything", order(3, 250), allParts, true, 3},
		{"total only", order(3, 250), orderParts{total: true}, true, 0},
		{"items only", order(3, 250), orderParts{items: true}, true, 3},
		{"neither", order(3, 250), orderParts{}, false, 0},
		{"no items", order(0, 250), allParts, true, 0},
		{"past the stack buffers", order(40, math.MaxInt64/2), allParts, true, 40},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := toOrder(tt.o, tt.parts)
			if m.ID != tt.o.ID || m.CustomerID != tt.o.CustomerID || string(m.Status) != tt.o.Status || !m.CreatedAt.Equal(tt.o.CreatedAt) {
				t.Errorf("got %+v, want the scalars of %+v", m, tt.o)
			}
			if got := m.Total != nil; got != tt.wantTotal {
				t.Fatalf("total: got %v, want %v", m.Total, tt.wantTotal)
			}
			if tt.wantTotal && *m.Total != (model.Money{Amount: "1234.56", Currency: "EUR"}) {
				t.Errorf("total: got %+v, want 1234.56 EUR", *m.Total)
			}
			if len(m.Items) != tt.wantItems {
				t.Fatalf("items: got %d, want %d", len(m.Items), tt.wantItems)
			}
			for i, it := range m.Items {
				src := tt.o.Items[i]
				want := model.Money{Amount: string(appendAmount(nil, src.UnitPriceCents)), Currency: "EUR"}
				if it.Sku != src.SKU || it.Quantity != src.Quantity || it.UnitPrice == nil || *it.UnitPrice != want {
					t.Errorf("item %d: got %+v %+v, want %+v at %+v", i, it, it.UnitPrice, src, want)
				}
			}
		})
	}
}

func TestPartsOf(t *testing.T) {
	field := func(name string) ast.Selection { return &ast.Field{Name: name, Alias: name} }
	tests := []struct {
		name string
		set  ast.SelectionSet
		want orderParts
	}{
		{"ids", ast.SelectionSet{field("id")}, orderParts{}},
		{"total", ast.SelectionSet{field("id"), field("total")}, orderParts{total: true}},
		{"items", ast.SelectionSet{field("items")}, orderParts{items: true}},
		{"inline fragment", ast.SelectionSet{field("id"), &ast.InlineFragment{}}, allParts},
		{"fragment spread", ast.SelectionSet{&ast.FragmentSpread{Name: "F"}}, allParts},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := partsOf(tt.set); got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func BenchmarkToOrder(b *testing.B) {
	o := order(3, 1999)
	for _, tc := range []struct {
		name  string
		parts orderParts
	}{{"everything", allParts}, {"total", orderParts{total: true}}, {"id only", orderParts{}}} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = toOrder(o, tc.parts)
			}
		})
	}
}
