package resolvers

import (
	"strconv"

	"github.com/gqlbff/gqlbff/graph/model"
	"github.com/gqlbff/gqlbff/sources"
)

// money renders integer cents as a decimal string: 1250 → "12.50".
func money(cents int64, currency string) *model.Money {
	neg := cents < 0
	if neg {
		cents = -cents
	}
	b := make([]byte, 0, 24)
	if neg {
		b = append(b, '-')
	}
	b = strconv.AppendInt(b, cents/100, 10)
	b = append(b, '.')
	frac := cents % 100
	if frac < 10 {
		b = append(b, '0')
	}
	b = strconv.AppendInt(b, frac, 10)
	return &model.Money{Amount: string(b), Currency: currency}
}

func toOrder(o sources.Order) model.Order {
	items := make([]model.OrderItem, len(o.Items))
	for i, it := range o.Items {
		items[i] = model.OrderItem{
			Sku:       it.SKU,
			Name:      it.Name,
			Quantity:  it.Quantity,
			UnitPrice: money(it.UnitPriceCents, o.Currency),
		}
	}
	return model.Order{
		ID:         o.ID,
		Status:     model.OrderStatus(o.Status),
		Total:      money(o.TotalCents, o.Currency),
		CreatedAt:  o.CreatedAt,
		Items:      items,
		CustomerID: o.CustomerID,
	}
}

func toOrders(os []sources.Order) []model.Order {
	out := make([]model.Order, len(os))
	for i, o := range os {
		out[i] = toOrder(o)
	}
	return out
}

func toCustomer(c sources.Customer) *model.Customer {
	return &model.Customer{
		ID:    c.ID,
		Name:  c.Name,
		Email: c.Email,
		Tier:  model.CustomerTier(c.Tier),
	}
}

func toStats(s sources.CustomerStats) *model.CustomerStats {
	return &model.CustomerStats{
		LifetimeValue: money(s.LifetimeValueCents, s.Currency),
		OrderCount:    s.OrderCount,
		LastOrderAt:   s.LastOrderAt,
	}
}

func toSummary(s sources.Summary) *model.AnalyticsSummary {
	return &model.AnalyticsSummary{
		OrderCount:        s.OrderCount,
		Revenue:           money(s.RevenueCents, s.Currency),
		AverageOrderValue: money(s.AverageOrderValueCents, s.Currency),
		ActiveCustomers:   s.ActiveCustomers,
	}
}
