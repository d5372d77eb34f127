package limit

import (
	"context"

	"github.com/gqlbff/gqlbff/sources"
)

// me: no call for an anonymous caller; else 3: the customer, then its last
// 5 orders and its stats at once.
func me(ctx context.Context, src *sources.Sources, _ []byte, subject string) (any, error) {
	type order struct {
		ID     string `json:"id"`
		Status string `json:"status"`
		Total  money  `json:"total"`
	}
	type stats struct {
		OrderCount int `json:"orderCount"`
	}
	type customer struct {
		ID     string  `json:"id"`
		Name   string  `json:"name"`
		Email  string  `json:"email"`
		Tier   string  `json:"tier"`
		Orders []order `json:"orders"`
		Stats  *stats  `json:"stats"`
	}
	var out struct {
		Me *customer `json:"me"`
	}
	if subject == "" {
		return out, nil
	}
	found, err := src.Customers.ByIDs(ctx, []string{subject})
	if err != nil {
		return nil, err
	}
	c, ok := find(found, subject, func(c *sources.Customer) string { return c.ID })
	if !ok {
		return out, nil
	}
	var (
		last []sources.Order
		st   []sources.CustomerStats
	)
	err = parallel(
		func() (err error) { last, err = src.Orders.ByCustomers(ctx, []string{subject}, 5); return },
		func() (err error) { st, err = src.Analytics.CustomerStats(ctx, []string{subject}); return },
	)
	if err != nil {
		return nil, err
	}
	out.Me = &customer{ID: c.ID, Name: c.Name, Email: c.Email, Tier: c.Tier, Orders: []order{}}
	for _, o := range newest(last, 5)[subject] {
		out.Me.Orders = append(out.Me.Orders, order{o.ID, o.Status, price(o.TotalCents, o.Currency)})
	}
	if s, ok := find(st, subject, func(s *sources.CustomerStats) string { return s.CustomerID }); ok {
		out.Me.Stats = &stats{s.OrderCount}
	}
	return out, nil
}
