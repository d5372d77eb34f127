package server_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/gqlbff/gqlbff/sources"
	"github.com/gqlbff/gqlbff/sources/demo"
)

type money struct{ Amount, Currency string }

type customerJSON struct {
	ID, Name, Email, Tier string
	Stats                 *struct {
		LifetimeValue money
		OrderCount    int
		LastOrderAt   *time.Time
	}
	Orders []struct{ ID, Status string }
}

type orderJSON struct {
	ID, Status string
	CreatedAt  time.Time
	Total      money
	Items      []struct {
		Sku, Name string
		Quantity  int
		UnitPrice money
	}
	Customer *customerJSON
}

func TestOrderDetail(t *testing.T) {
	h := newHarness(t)
	want, _ := defaultData().Order("o42")
	a := h.query(operation(t, "order_detail"), map[string]any{"id": "o42"})
	if a.status != http.StatusOK {
		t.Fatalf("status %d, want 200: %s", a.status, a.body)
	}
	var got struct{ Order orderJSON }
	decodeData(t, a.response(t), &got)
	o := got.Order
	if o.ID != want.ID || o.Status != want.Status || !o.CreatedAt.Equal(want.CreatedAt) {
		t.Errorf("order: got %s %s %s, want %s %s %s", o.ID, o.Status, o.CreatedAt, want.ID, want.Status, want.CreatedAt)
	}
	if o.Total != (money{cents(want.TotalCents), want.Currency}) {
		t.Errorf("total: got %+v, want %s %s", o.Total, cents(want.TotalCents), want.Currency)
	}
	if len(o.Items) != len(want.Items) {
		t.Fatalf("items: got %d, want %d", len(o.Items), len(want.Items))
	}
	for i, it := range want.Items {
		g := o.Items[i]
		if g.Sku != it.SKU || g.Name != it.Name || g.Quantity != it.Quantity || g.UnitPrice.Amount != cents(it.UnitPriceCents) {
			t.Errorf("item %d: got %+v, want %+v", i, g, it)
		}
	}
	c, _ := defaultData().Customer(want.CustomerID)
	if o.Customer == nil || o.Customer.ID != c.ID || o.Customer.Name != c.Name || o.Customer.Email != c.Email || o.Customer.Tier != c.Tier {
		t.Errorf("customer: got %+v, want %+v", o.Customer, c)
	}
}

func TestNotFoundIsNullWithoutError(t *testing.T) {
	h := newHarness(t)
	// The default token's subject, "tester", has no customer record.
	a := h.query(`{ order(id: "o999999") { id } customer(id: "nobody") { id } me { id } }`, nil)
	r := a.response(t, "order", "customer", "me")
	if len(r.Errors) != 0 || string(r.Data) != `{"order":null,"customer":null,"me":null}` {
		t.Errorf("got %s %v, want three nulls and no error", r.Data, r.Errors)
	}
}

func TestCustomersByIDs(t *testing.T) {
	h := newHarness(t)
	ids := []string{"c3", "nobody", "c1", "c3"}
	a := h.query(operation(t, "customers_by_ids"), map[string]any{"ids": ids})
	var got struct{ Customers []*customerJSON }
	decodeData(t, a.response(t, "customers.1"), &got)
	if len(got.Customers) != len(ids) {
		t.Fatalf("got %d entries, want %d", len(got.Customers), len(ids))
	}
	for i, id := range ids {
		want, ok := defaultData().Customer(id)
		g := got.Customers[i]
		switch {
		case !ok && g != nil:
			t.Errorf("entry %d (%s): got %+v, want null", i, id, g)
		case ok && (g == nil || g.ID != want.ID || g.Name != want.Name || g.Tier != want.Tier):
			t.Errorf("entry %d: got %+v, want %+v", i, g, want)
		}
	}
	if n := h.svcs.Customers.Calls(); n != 1 {
		t.Errorf("customers calls: got %d, want 1 (one batch, duplicates fetched once)", n)
	}
}

func TestDashboard(t *testing.T) {
	h := newHarness(t)
	a := h.query(operation(t, "dashboard"), nil)
	var got struct {
		Dashboard struct {
			RecentOrders []orderJSON
			TopCustomers []customerJSON
			Summary      struct {
				OrderCount        int
				Revenue           money
				AverageOrderValue money
				ActiveCustomers   int
			}
		}
	}
	decodeData(t, a.response(t), &got)
	d := got.Dashboard
	recent := defaultData().RecentOrders("")[:10]
	if len(d.RecentOrders) != len(recent) {
		t.Fatalf("recentOrders: got %d, want %d", len(d.RecentOrders), len(recent))
	}
	for i, o := range recent {
		g := d.RecentOrders[i]
		if g.ID != o.ID || g.Total.Amount != cents(o.TotalCents) || g.Customer == nil || g.Customer.ID != o.CustomerID {
			t.Errorf("recentOrders[%d]: got %+v, want %s of %s", i, g, o.ID, o.CustomerID)
		}
	}
	top := defaultData().TopCustomers(5)
	for i, tc := range top {
		g := d.TopCustomers[i]
		if g.ID != tc.CustomerID || g.Stats == nil || g.Stats.LifetimeValue.Amount != cents(tc.LifetimeValueCents) {
			t.Errorf("topCustomers[%d]: got %+v, want %s with %d", i, g, tc.CustomerID, tc.LifetimeValueCents)
		}
		if want := defaultData().Stats(tc.CustomerID); g.Stats != nil && g.Stats.OrderCount != want.OrderCount {
			t.Errorf("topCustomers[%d].stats.orderCount: got %d, want %d", i, g.Stats.OrderCount, want.OrderCount)
		}
	}
	s := defaultData().Summary(nil)
	if d.Summary.OrderCount != s.OrderCount || d.Summary.Revenue.Amount != cents(s.RevenueCents) ||
		d.Summary.AverageOrderValue.Amount != cents(s.AverageOrderValueCents) || d.Summary.ActiveCustomers != s.ActiveCustomers {
		t.Errorf("summary: got %+v, want %+v", d.Summary, s)
	}
}

func TestSummarySince(t *testing.T) {
	h := newHarness(t)
	since := defaultData().RecentOrders("")[100].CreatedAt
	a := h.query(`query($s: Time) { dashboard { summary(since: $s) { orderCount activeCustomers } } }`,
		map[string]any{"s": since.Format(time.RFC3339)})
	var got struct {
		Dashboard struct {
			Summary struct{ OrderCount, ActiveCustomers int }
		}
	}
	decodeData(t, a.response(t), &got)
	want := defaultData().Summary(&since)
	if got.Dashboard.Summary.OrderCount != want.OrderCount || got.Dashboard.Summary.ActiveCustomers != want.ActiveCustomers {
		t.Errorf("got %+v, want %+v", got.Dashboard.Summary, want)
	}
}

func TestCustomerOrdersAndStats(t *testing.T) {
	h := newHarness(t)
	noOrders := defaultData().CustomersWithoutOrders()[0]
	a := h.query(`query($a: ID!, $b: ID!) {
		a: customer(id: $a) { id orders(first: 3) { id } stats { orderCount lastOrderAt lifetimeValue { amount } } }
		b: customer(id: $b) { id orders { id } stats { orderCount lastOrderAt lifetimeValue { amount } } }
	}`, map[string]any{"a": "c7", "b": noOrders})
	var got struct{ A, B customerJSON }
	decodeData(t, a.response(t, "b.stats.lastOrderAt"), &got)
	want := defaultData().OrdersOf("c7")[:3]
	gotIDs := make([]string, len(got.A.Orders))
	for i, o := range got.A.Orders {
		gotIDs[i] = o.ID
	}
	if !slices.Equal(gotIDs, ids(want)) {
		t.Errorf("c7 orders: got %v, want %v", gotIDs, ids(want))
	}
	if len(got.B.Orders) != 0 || got.B.Stats == nil || got.B.Stats.OrderCount != 0 || got.B.Stats.LastOrderAt != nil || got.B.Stats.LifetimeValue.Amount != "0.00" {
		t.Errorf("customer without orders: got %+v %+v, want no orders and zero stats", got.B.Orders, got.B.Stats)
	}
}

func ids(os []sources.Order) []string {
	out := make([]string, len(os))
	for i, o := range os {
		out[i] = o.ID
	}
	return out
}

// smallData keeps paging tests to a few dozen pages.
func smallData() *demo.Dataset { return demo.NewDataset(7, 60, 1234) }

func TestPaginationToTheLastPage(t *testing.T) {
	d := smallData()
	h := newHarness(t, withData(d))
	var seen []string
	var after any
	pages := 0
	for {
		a := h.query(operation(t, "orders_fanout"), map[string]any{"after": after})
		var got struct {
			Orders struct {
				PageInfo struct {
					HasNextPage bool
					EndCursor   *string
				}
				Edges []struct {
					Cursor string
					Node   orderJSON
				}
			}
		}
		decodeData(t, a.response(t, "**.lastOrderAt"), &got)
		pages++
		for _, e := range got.Orders.Edges {
			seen = append(seen, e.Node.ID)
		}
		pi := got.Orders.PageInfo
		if n := len(got.Orders.Edges); n > 0 && (pi.EndCursor == nil || *pi.EndCursor != got.Orders.Edges[n-1].Cursor) {
			t.Fatalf("page %d: endCursor %v is not the last edge's cursor", pages, pi.EndCursor)
		}
		if !pi.HasNextPage {
			break
		}
		if pages > 100 {
			t.Fatal("paging does not end")
		}
		after = *pi.EndCursor
	}
	if want := ids(d.RecentOrders("")); !slices.Equal(seen, want) {
		t.Errorf("paged %d orders over %d pages, want all %d in order", len(seen), pages, len(want))
	}
	if want := (1234 + 49) / 50; pages != want {
		t.Errorf("pages: got %d, want %d", pages, want)
	}
}

func TestEveryEdgeCursorWorksAsAfter(t *testing.T) {
	d := smallData()
	h := newHarness(t, withData(d))
	for _, status := range []string{"", "PAID"} {
		all := ids(d.RecentOrders(status))
		q := `query($s: OrderStatus, $n: Int, $a: String) { orders(status: $s, first: $n, after: $a) {
			edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }`
		vars := func(n int, after any) map[string]any {
			v := map[string]any{"n": n, "a": after}
			if status != "" {
				v["s"] = status
			}
			return v
		}
		var first struct {
			Orders struct {
				Edges []struct {
					Cursor string
					Node   struct{ ID string }
				}
			}
		}
		decodeData(t, h.query(q, vars(30, nil)).response(t), &first)
		for i, e := range first.Orders.Edges {
			var next struct {
				Orders struct {
					Edges    []struct{ Node struct{ ID string } }
					PageInfo struct{ HasNextPage bool }
				}
			}
			decodeData(t, h.query(q, vars(7, e.Cursor)).response(t), &next)
			var gotIDs []string
			for _, n := range next.Orders.Edges {
				gotIDs = append(gotIDs, n.Node.ID)
			}
			if want := all[i+1 : i+8]; !slices.Equal(gotIDs, want) {
				t.Errorf("status %q after edge %d: got %v, want %v", status, i, gotIDs, want)
			}
		}
	}
}

func TestCursorIsTiedToItsFilter(t *testing.T) {
	h := newHarness(t)
	var got struct {
		Orders struct{ PageInfo struct{ EndCursor string } }
	}
	decodeData(t, h.query(`{ orders(status: PAID, first: 2) { pageInfo { endCursor } } }`, nil).response(t), &got)
	for name, q := range map[string]string{
		"other filter": `query($a: String) { orders(status: SHIPPED, after: $a) { edges { cursor } } }`,
		"no filter":    `query($a: String) { orders(after: $a) { edges { cursor } } }`,
	} {
		a := h.query(q, map[string]any{"a": got.Orders.PageInfo.EndCursor})
		r := a.response(t)
		if e, ok := r.ErrorAt("orders"); !ok || e.Code() != "BAD_USER_INPUT" {
			t.Errorf("%s: got %s, want BAD_USER_INPUT at orders", name, a.body)
		}
	}
	a := h.query(`{ orders(after: "not-a-cursor") { edges { cursor } } }`, nil)
	if e, ok := a.response(t).ErrorAt("orders"); !ok || e.Code() != "BAD_USER_INPUT" {
		t.Errorf("forged cursor: got %s, want BAD_USER_INPUT", a.body)
	}
}
