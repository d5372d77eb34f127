package resolvers

import (
	"strconv"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/gqlbff/gqlbff/graph/model"
	"github.com/gqlbff/gqlbff/sources"
)

// appendAmount appends cents as a decimal string: 1250 → "12.50".
func appendAmount(b []byte, cents int64) []byte {
	if cents < 0 {
		b = append(b, '-')
		cents = -cents
	}
	b = strconv.AppendInt(b, cents/100, 10)
	frac := cents % 100
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

// toOrder maps an order, with the parts the selection reads. Its amounts
// share one string and its Money values one slice: three allocations an
// order instead of two per amount.
func toOrder(o sources.Order, parts orderParts) model.Order {
	m := model.Order{
		ID:         o.ID,
		Status:     model.OrderStatus(o.Status),
		CreatedAt:  o.CreatedAt,
		CustomerID: o.CustomerID,
	}
	if !parts.total && !parts.items {
		return m
	}
	n := 1
	if parts.items {
		n += len(o.Items)
	}
	var (
		space [128]byte
		ends  [8]int
	)
	b, end := space[:0], ends[:0]
	b = appendAmount(b, o.TotalCents)
	end = append(end, len(b))
	for _, it := range o.Items[:n-1] {
		b = appendAmount(b, it.UnitPriceCents)
		end = append(end, len(b))
	}
	amounts := string(b)
	moneys := make([]model.Money, n)
	start := 0
	for i := range moneys {
		moneys[i] = model.Money{Amount: amounts[start:end[i]], Currency: o.Currency}
		start = end[i]
	}
	m.Total = &moneys[0]
	if parts.items {
		m.Items = make([]model.OrderItem, len(o.Items))
		for i, it := range o.Items {
			m.Items[i] = model.OrderItem{Sku: it.SKU, Name: it.Name, Quantity: it.Quantity, UnitPrice: &moneys[i+1]}
		}
	}
	return m
}

func toOrders(os []sources.Order, parts orderParts) []model.Order {
	out := make([]model.Order, len(os))
	for i, o := range os {
		out[i] = toOrder(o, parts)
	}
	return out
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
