package limit

import (
	"context"
	"time"

	"github.com/gqlbff/gqlbff/sources"
)

// dashboard: 5 calls in two rounds: recent orders, top customers and the
// summary at once; then the customers of both lists in one batch, and the
// top customers' stats.
func dashboard(ctx context.Context, src *sources.Sources, _ []byte, _ string) (any, error) {
	type name struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	type recent struct {
		ID        string    `json:"id"`
		Status    string    `json:"status"`
		Total     money     `json:"total"`
		CreatedAt time.Time `json:"createdAt"`
		Customer  *name     `json:"customer"`
	}
	type stats struct {
		LifetimeValue money `json:"lifetimeValue"`
		OrderCount    int   `json:"orderCount"`
	}
	type top struct {
		ID    string `json:"id"`
		Name  string `json:"name"`
		Tier  string `json:"tier"`
		Stats *stats `json:"stats"`
	}
	type summary struct {
		OrderCount        int   `json:"orderCount"`
		Revenue           money `json:"revenue"`
		AverageOrderValue money `json:"averageOrderValue"`
		ActiveCustomers   int   `json:"activeCustomers"`
	}
	type board struct {
		RecentOrders []recent `json:"recentOrders"`
		TopCustomers []top    `json:"topCustomers"`
		Summary      summary  `json:"summary"`
	}
	var (
		page  sources.Page[sources.Order]
		best  []sources.TopCustomer
		sum   sources.Summary
		custs []sources.Customer
		st    []sources.CustomerStats
	)
	err := parallel(
		func() (err error) { page, err = src.Orders.List(ctx, "", 10, ""); return },
		func() (err error) { best, err = src.Analytics.TopCustomers(ctx, 5); return },
		func() (err error) { sum, err = src.Analytics.Summary(ctx, nil); return },
	)
	if err != nil {
		return nil, err
	}
	topIDs := make([]string, len(best))
	for i, t := range best {
		topIDs[i] = t.CustomerID
	}
	ids := make([]string, 0, len(page.Items)+len(topIDs))
	for _, o := range page.Items {
		ids = append(ids, o.CustomerID)
	}
	err = parallel(
		func() (err error) { custs, err = src.Customers.ByIDs(ctx, distinct(append(ids, topIDs...))); return },
		func() (err error) { st, err = src.Analytics.CustomerStats(ctx, topIDs); return },
	)
	if err != nil {
		return nil, err
	}
	byID := index(custs, func(c *sources.Customer) string { return c.ID })
	statsOf := index(st, func(s *sources.CustomerStats) string { return s.CustomerID })

	b := board{RecentOrders: make([]recent, len(page.Items)), TopCustomers: make([]top, 0, len(topIDs))}
	for i, o := range page.Items {
		b.RecentOrders[i] = recent{ID: o.ID, Status: o.Status, Total: price(o.TotalCents, o.Currency), CreatedAt: o.CreatedAt}
		if c, ok := byID[o.CustomerID]; ok {
			b.RecentOrders[i].Customer = &name{c.ID, c.Name}
		}
	}
	for _, id := range topIDs {
		c, ok := byID[id]
		if !ok {
			continue // the contract leaves out customers the service does not know
		}
		t := top{ID: c.ID, Name: c.Name, Tier: c.Tier}
		if s, ok := statsOf[id]; ok {
			t.Stats = &stats{price(s.LifetimeValueCents, s.Currency), s.OrderCount}
		}
		b.TopCustomers = append(b.TopCustomers, t)
	}
	b.Summary = summary{sum.OrderCount, price(sum.RevenueCents, sum.Currency), price(sum.AverageOrderValueCents, sum.Currency), sum.ActiveCustomers}
	return struct {
		Dashboard board `json:"dashboard"`
	}{b}, nil
}
