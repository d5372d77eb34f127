package resolvers

import (
	"fmt"
	"math"
	"reflect"
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
		// The one negative whose magnitude is no int64: a source may send it.
		{math.MinInt64, "-92233720368547758.08"}, {math.MinInt64 + 1, "-92233720368547758.07"},
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

// TestToOrdersMapsEachOrderAsToOrder: a list's orders are mapped as each
// alone (the old toOrder's values), whatever the parts and items, and a
// page of them costs three allocations however long: the amounts, the
// Money values and the items, each shared.
func TestToOrdersMapsEachOrderAsToOrder(t *testing.T) {
	os := []sources.Order{order(3, 250), order(0, 1), order(40, math.MaxInt64/2), order(1, -7)}
	for i := range os {
		os[i].ID, os[i].TotalCents, os[i].Currency = fmt.Sprint("o", i), int64(i*1000+7), fmt.Sprint("C", i)
	}
	for _, parts := range []orderParts{allParts, {total: true}, {items: true}, {}} {
		got := toOrders(os, parts)
		for i, o := range os {
			want := model.Order{ID: o.ID, Status: model.OrderStatus(o.Status), CreatedAt: o.CreatedAt, CustomerID: o.CustomerID}
			if parts.total || parts.items {
				want.Total = &model.Money{Amount: string(appendAmount(nil, o.TotalCents)), Currency: o.Currency}
			}
			if parts.items {
				want.Items = []model.OrderItem{}
				for _, it := range o.Items {
					want.Items = append(want.Items, model.OrderItem{Sku: it.SKU, Name: it.Name, Quantity: it.Quantity,
						UnitPrice: &model.Money{Amount: string(appendAmount(nil, it.UnitPriceCents)), Currency: o.Currency}})
				}
			}
			if !reflect.DeepEqual(got[i], want) {
				t.Errorf("%+v, order %d: got %+v, want %+v", parts, i, got[i], want)
			}
			if parts.items && (got[i].Items == nil || cap(got[i].Items) != len(got[i].Items)) {
				t.Errorf("%+v, order %d: items %v (cap %d): want a non-nil window with no room past its end", parts, i, got[i].Items, cap(got[i].Items))
			}
		}
	}
	page := make([]sources.Order, 50)
	for i := range page {
		page[i] = order(2, int64(i))
	}
	// Past the stack buffers (a page with its items) the amounts and
	// their ends grow on the heap a few times: still not per order.
	for parts, most := range map[orderParts]float64{{}: 1, {total: true}: 3, allParts: 8} {
		if n := testing.AllocsPerRun(20, func() { _ = toOrders(page, parts) }); n > most {
			t.Errorf("%+v: %v allocations for 50 orders, want at most %v", parts, n, most)
		}
	}
}
