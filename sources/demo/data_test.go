package demo

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gqlbff/gqlbff/sources"
)

func TestNewDatasetIsDeterministic(t *testing.T) {
	a, b := NewDataset(42, 100, 1000), NewDataset(42, 100, 1000)
	if !reflect.DeepEqual(a.Customers, b.Customers) || !reflect.DeepEqual(a.Orders, b.Orders) {
		t.Errorf("got different data for the same seed, want the same")
	}
	if c := NewDataset(43, 100, 1000); reflect.DeepEqual(a.Orders, c.Orders) {
		t.Errorf("got the same orders for seeds 42 and 43, want different")
	}
}

// TestDefaultDatasetSpotValues pins the default data set: tests and fixtures
// elsewhere may rely on it, so a change here is a visible decision.
func TestDefaultDatasetSpotValues(t *testing.T) {
	d := NewDataset(DefaultSeed, DefaultCustomers, DefaultOrders)
	c1, _ := d.Customer("c1")
	o1, _ := d.Order("o1")
	last, _ := d.Order("o20000")
	tests := []struct {
		name      string
		got, want any
	}{
		{"customer count", len(d.Customers), 1000},
		{"order count", len(d.Orders), 20000},
		{"c1 name", c1.Name, "John Dijkstra 1"},
		{"c1 email", c1.Email, "john.dijkstra.1@example.com"},
		{"c1 tier", c1.Tier, sources.TierGold},
		{"o1 customer", o1.CustomerID, "c879"},
		{"o1 total", o1.TotalCents, int64(45732)},
		{"o1 createdAt", o1.CreatedAt.Format(time.RFC3339), "2024-07-01T00:35:07Z"},
		{"o20000 createdAt", last.CreatedAt.Format(time.RFC3339), "2025-12-31T19:42:51Z"},
		{"newest order", d.RecentOrders("")[0].ID, "o20000"},
		{"top customer", d.TopCustomers(1)[0].CustomerID, "c15"},
		{"top value", d.TopCustomers(1)[0].LifetimeValueCents, int64(2543496)},
		{"all-time summary", d.Summary(nil), sources.Summary{OrderCount: 16956, RevenueCents: 1187730720,
			AverageOrderValueCents: 70048, ActiveCustomers: 980, Currency: "USD"}},
		{"customers without orders", strings.Join(d.CustomersWithoutOrders(), ","), idRange("c", 981, 1000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !reflect.DeepEqual(tt.got, tt.want) {
				t.Errorf("got %v, want %v", tt.got, tt.want)
			}
		})
	}
}

func idRange(prefix string, from, to int) string {
	var ids []string
	for i := from; i <= to; i++ {
		ids = append(ids, fmt.Sprintf("%s%d", prefix, i))
	}
	return strings.Join(ids, ",")
}

func TestDatasetInvariants(t *testing.T) {
	d := NewDataset(DefaultSeed, DefaultCustomers, DefaultOrders)
	for i, c := range d.Customers {
		if want := fmt.Sprintf("c%d", i+1); c.ID != want {
			t.Fatalf("customer %d: got id %s, want %s", i, c.ID, want)
		}
		if c.CreatedAt.Year() != 2024 || c.CreatedAt.Location() != time.UTC || c.CreatedAt.Nanosecond() != 0 {
			t.Errorf("%s: got createdAt %v, want UTC seconds in 2024", c.ID, c.CreatedAt)
		}
		if !slices.Contains([]string{sources.TierStandard, sources.TierGold, sources.TierPlatinum}, c.Tier) {
			t.Errorf("%s: got tier %q", c.ID, c.Tier)
		}
	}
	seen := make(map[time.Time]string)
	for i, o := range d.Orders {
		if want := fmt.Sprintf("o%d", i+1); o.ID != want {
			t.Fatalf("order %d: got id %s, want %s", i, o.ID, want)
		}
		if prev, dup := seen[o.CreatedAt]; dup {
			t.Errorf("%s and %s share createdAt %v, want distinct", prev, o.ID, o.CreatedAt)
		}
		seen[o.CreatedAt] = o.ID
		if y := o.CreatedAt.Year(); y < 2024 || y > 2025 || o.CreatedAt.Nanosecond() != 0 || o.CreatedAt.Location() != time.UTC {
			t.Errorf("%s: got createdAt %v, want UTC seconds in 2024-2025", o.ID, o.CreatedAt)
		}
		if _, ok := d.Customer(o.CustomerID); !ok || o.Currency != "USD" || !slices.Contains(statuses, o.Status) {
			t.Errorf("%s: got customer %s, currency %s, status %s", o.ID, o.CustomerID, o.Currency, o.Status)
		}
		if n := len(o.Items); n < 1 || n > 4 {
			t.Errorf("%s: got %d items, want 1 to 4", o.ID, n)
		}
		var total int64
		for _, it := range o.Items {
			if it.Quantity < 1 || it.Quantity > 5 || it.UnitPriceCents < 100 || it.UnitPriceCents > 20000 || !strings.HasPrefix(it.SKU, "SKU-") {
				t.Errorf("%s: got item %+v", o.ID, it)
			}
			total += int64(it.Quantity) * it.UnitPriceCents
		}
		if o.TotalCents != total {
			t.Errorf("%s: got totalCents %d, want %d", o.ID, o.TotalCents, total)
		}
	}
	for _, id := range d.CustomersWithoutOrders() {
		if n := len(d.OrdersOf(id)); n != 0 {
			t.Errorf("%s: got %d orders, want none", id, n)
		}
	}
}

func TestDatasetOrderings(t *testing.T) {
	newestFirst := func(os []sources.Order) bool {
		return slices.IsSortedFunc(os, func(a, b sources.Order) int { return b.CreatedAt.Compare(a.CreatedAt) })
	}
	all := small.RecentOrders("")
	if len(all) != len(small.Orders) || !newestFirst(all) {
		t.Errorf("got %d recent orders (newest first: %v), want %d newest first", len(all), newestFirst(all), len(small.Orders))
	}
	total := 0
	for _, s := range statuses {
		got := small.RecentOrders(s)
		total += len(got)
		if !newestFirst(got) || slices.ContainsFunc(got, func(o sources.Order) bool { return o.Status != s }) {
			t.Errorf("RecentOrders(%s): got %v, want only %s newest first", s, ids(got, orderID), s)
		}
	}
	if total != len(small.Orders) {
		t.Errorf("got %d orders over all statuses, want %d", total, len(small.Orders))
	}
	for _, c := range small.Customers {
		got := small.OrdersOf(c.ID)
		if !newestFirst(got) || slices.ContainsFunc(got, func(o sources.Order) bool { return o.CustomerID != c.ID }) {
			t.Errorf("OrdersOf(%s): got %v, want its orders newest first", c.ID, ids(got, orderID))
		}
	}
}

func orderID(o sources.Order) string { return o.ID }

func TestNewDatasetSizes(t *testing.T) {
	tests := []struct {
		name                   string
		customers, orders      int
		wantOrders, wantNoneOf int
	}{
		{"empty", 0, 0, 0, 0},
		{"no customers means no orders", 0, 10, 0, 0},
		{"one customer gets every order", 1, 5, 5, 0},
		{"no orders", 10, 0, 0, 10},
		{"negative sizes", -1, -1, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := NewDataset(1, tt.customers, tt.orders)
			if got := len(d.Orders); got != tt.wantOrders {
				t.Errorf("got %d orders, want %d", got, tt.wantOrders)
			}
			if got := len(d.CustomersWithoutOrders()); got != tt.wantNoneOf {
				t.Errorf("got %d customers without orders, want %d", got, tt.wantNoneOf)
			}
		})
	}
}
