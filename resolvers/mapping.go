package resolvers

import (
	"strconv"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/gqlbff/gqlbff/graph/model"
	"github.com/gqlbff/gqlbff/sources"
)

// appendAmount appends cents as a decimal string: 1250 → "12.50".
// The magnitude is unsigned: math.MinInt64's has no int64.
func appendAmount(b []byte, cents int64) []byte {
	u := uint64(cents)
	if cents < 0 {
		b = append(b, '-')
		u = -u
	}
	b = strconv.AppendUint(b, u/100, 10)
	frac := u % 100
	return append(b, '.', byte('0'+frac/10), byte('0'+frac%10))
}

// orderParts says which costly parts of an order a selection reads: the
// mapping skips the others (the fan-out reads no item, and of the
// customers' orders only the ids).
type orderParts struct{ total, items bool }

var allParts = orderParts{total: true, items: true}

// partsOf reads a selection on Order. A fragment counts as reading
// everything: its type condition and directives are not resolved here.
func partsOf(set ast.SelectionSet) orderParts {
	var p orderParts
	for _, sel := range set {
		f, ok := sel.(*ast.Field)
		if !ok {
			return allParts
		}
		switch f.Name {
		case "total":
			p.total = true
		case "items":
			p.items = true
		}
	}
	return p
}

// toOrder maps an order, with the parts the selection reads: its amounts
// share one string, its Money values one slice and its items another
// (mapOrders).
func toOrder(o sources.Order, parts orderParts) model.Order {
	var m [1]model.Order
	mapOrders(m[:], []sources.Order{o}, parts)
	return m[0]
}

// toOrders maps a list of orders as toOrder maps one, the list's amounts,
// Money values and items each in one allocation for all of them.
func toOrders(os []sources.Order, parts orderParts) []model.Order {
	out := make([]model.Order, len(os))
	mapOrders(out, os, parts)
	return out
}

// mapOrders maps os into out (as long), with the parts the selection
// reads: all their amounts are one string, their Money values one slice
// and their items one slice, so that a page of orders costs three
// allocations however long, where each order made two or three of its
// own (BENCHMARKS.md, the dashboard and the fan-out, seventh session).
// Each order's items are a window of the shared slice with no room past
// its end, never nil when items are read.
func mapOrders(out []model.Order, os []sources.Order, parts orderParts) {
	for i := range os {
		o := &os[i]
		out[i] = model.Order{
			ID:         o.ID,
			Status:     model.OrderStatus(o.Status),
			CreatedAt:  o.CreatedAt,
			CustomerID: o.CustomerID,
		}
	}
	if !parts.total && !parts.items {
		return
	}
	// Every order has its total; with items, each item its unit price.
	n := len(os)
	if parts.items {
		for i := range os {
			n += len(os[i].Items)
		}
	}
	var (
		// A page of 50 totals fits; more goes to the heap. (Larger arrays
		// made the frame large enough to grow a request's stack.)
		space [512]byte
		ends  [64]int32 // where each amount ends
	)
	b, end := space[:0], ends[:0]
	for i := range os {
		o := &os[i]
		b = appendAmount(b, o.TotalCents)
		end = append(end, int32(len(b)))
		if parts.items {
			for _, it := range o.Items {
				b = appendAmount(b, it.UnitPriceCents)
				end = append(end, int32(len(b)))
			}
		}
	}
	amounts := string(b)
	moneys := make([]model.Money, n)
	var items []model.OrderItem
	if parts.items {
		items = make([]model.OrderItem, n-len(os))
	}
	k, start := 0, int32(0)
	money := func(currency string) *model.Money {
		moneys[k] = model.Money{Amount: amounts[start:end[k]], Currency: currency}
		start = end[k]
		k++
		return &moneys[k-1]
	}
	for i := range os {
		o := &os[i]
		out[i].Total = money(o.Currency)
		if parts.items {
			its := items[:len(o.Items):len(o.Items)]
			items = items[len(o.Items):]
			for j, it := range o.Items {
				its[j] = model.OrderItem{Sku: it.SKU, Name: it.Name, Quantity: it.Quantity, UnitPrice: money(o.Currency)}
			}
			out[i].Items = its
		}
	}
}

func toCustomer(c sources.Customer) *model.Customer {
	m := customerOf(c)
	return &m
}

// customerOf is toCustomer as a value, for a list of customers.
func customerOf(c sources.Customer) model.Customer {
	return model.Customer{
		ID:    c.ID,
		Name:  c.Name,
		Email: c.Email,
		Tier:  model.CustomerTier(c.Tier),
	}
}

// toStats maps a customer's stats; the stats and their Money are one
// allocation, and the amount's string another.
func toStats(s sources.CustomerStats) *model.CustomerStats {
	m := &struct {
		stats model.CustomerStats
		ltv   model.Money
	}{}
	m.ltv = model.Money{Amount: string(appendAmount(make([]byte, 0, 24), s.LifetimeValueCents)), Currency: s.Currency}
	m.stats = model.CustomerStats{LifetimeValue: &m.ltv, OrderCount: s.OrderCount, LastOrderAt: s.LastOrderAt}
	return &m.stats
}

// toSummary maps the summary; it and its two Money values are one
// allocation, and their amounts one string.
func toSummary(s sources.Summary) *model.AnalyticsSummary {
	m := &struct {
		summary      model.AnalyticsSummary
		revenue, avg model.Money
	}{}
	b := appendAmount(make([]byte, 0, 48), s.RevenueCents)
	end := len(b)
	amounts := string(appendAmount(b, s.AverageOrderValueCents))
	m.revenue = model.Money{Amount: amounts[:end], Currency: s.Currency}
	m.avg = model.Money{Amount: amounts[end:], Currency: s.Currency}
	m.summary = model.AnalyticsSummary{OrderCount: s.OrderCount, Revenue: &m.revenue, AverageOrderValue: &m.avg, ActiveCustomers: s.ActiveCustomers}
	return &m.summary
}
