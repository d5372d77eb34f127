package demo

import (
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/gqlbff/gqlbff/sources"
)

// analytics is what the analytics service computes from the orders. The
// service owns the meaning of these numbers, and the BFF passes them through:
//   - a CANCELLED order counts for nothing; every other status counts;
//   - a customer's lifetimeValueCents is the sum of totalCents of its counted
//     orders, orderCount their number and lastOrderAt the createdAt of the
//     newest one (null when there is none);
//   - the top-customers ranking holds every customer, by lifetimeValueCents
//     descending, then id ascending (compared as strings);
//   - a summary covers the counted orders created at or after since:
//     orderCount, revenueCents (their totalCents summed), activeCustomers
//     (distinct customers among them) and averageOrderValueCents (revenue
//     divided by count, rounded half up, 0 when there is no order).
type analytics struct {
	stats   map[string]sources.CustomerStats
	top     []sources.TopCustomer
	counted []time.Time // createdAt of the counted orders, newest first
	revenue []int64     // revenue[i]: revenue of the i newest counted orders
	active  []int       // active[i]: distinct customers among the i newest counted orders
	allTime sources.Summary
}

func newAnalytics(d *Dataset) analytics {
	a := analytics{
		stats:   make(map[string]sources.CustomerStats, len(d.Customers)),
		top:     make([]sources.TopCustomer, 0, len(d.Customers)),
		revenue: []int64{0},
		active:  []int{0},
	}
	for _, c := range d.Customers {
		a.stats[c.ID] = sources.CustomerStats{CustomerID: c.ID, Currency: currency}
	}
	seen := make(map[string]bool)
	for _, i := range d.recent {
		o := &d.Orders[i]
		if o.Status == sources.StatusCancelled {
			continue
		}
		s := a.stats[o.CustomerID]
		s.LifetimeValueCents += o.TotalCents
		s.OrderCount++
		if s.LastOrderAt == nil {
			at := o.CreatedAt
			s.LastOrderAt = &at
		}
		a.stats[o.CustomerID] = s
		seen[o.CustomerID] = true
		a.counted = append(a.counted, o.CreatedAt)
		a.revenue = append(a.revenue, a.revenue[len(a.revenue)-1]+o.TotalCents)
		a.active = append(a.active, len(seen))
	}
	for _, c := range d.Customers {
		a.top = append(a.top, sources.TopCustomer{
			CustomerID:         c.ID,
			LifetimeValueCents: a.stats[c.ID].LifetimeValueCents,
			Currency:           currency,
		})
	}
	slices.SortFunc(a.top, func(x, y sources.TopCustomer) int {
		if x.LifetimeValueCents != y.LifetimeValueCents {
			if x.LifetimeValueCents > y.LifetimeValueCents {
				return -1
			}
			return 1
		}
		return strings.Compare(x.CustomerID, y.CustomerID)
	})
	a.allTime = a.summary(len(a.counted))
	return a
}

// summary is the summary of the n newest counted orders.
func (a *analytics) summary(n int) sources.Summary {
	s := sources.Summary{
		OrderCount:      n,
		RevenueCents:    a.revenue[n],
		ActiveCustomers: a.active[n],
		Currency:        currency,
	}
	if n > 0 {
		s.AverageOrderValueCents = (2*s.RevenueCents + int64(n)) / (2 * int64(n))
	}
	return s
}

// Stats returns the analytics of customerID (see the package's analytics
// rules: CANCELLED orders do not count). A customer without orders, or an
// unknown id, has zeros and a nil LastOrderAt.
func (d *Dataset) Stats(customerID string) sources.CustomerStats {
	s, ok := d.stats[customerID]
	if !ok {
		return sources.CustomerStats{CustomerID: customerID, Currency: currency}
	}
	if s.LastOrderAt != nil {
		at := *s.LastOrderAt
		s.LastOrderAt = &at
	}
	return s
}

// TopCustomers returns the first n of the ranking of every customer by
// lifetime value descending, then id ascending.
func (d *Dataset) TopCustomers(n int) []sources.TopCustomer {
	return slices.Clone(d.top[:min(max(n, 0), len(d.top))])
}

// Summary returns the summary of the non-CANCELLED orders created at or
// after since (all of them when since is nil); the average order value is
// rounded half up and is 0 when there is no order.
func (d *Dataset) Summary(since *time.Time) sources.Summary {
	if since == nil {
		return d.allTime
	}
	n := sort.Search(len(d.counted), func(i int) bool { return d.counted[i].Before(*since) })
	return d.summary(n)
}
