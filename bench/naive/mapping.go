package naive

import (
	"fmt"

	"github.com/gqlbff/gqlbff/graph/model"
	"github.com/gqlbff/gqlbff/sources"
)

func money(cents int64, currency string) *model.Money {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	return &model.Money{Amount: fmt.Sprintf("%s%d.%02d", sign, cents/100, cents%100), Currency: currency}
}

func toOrder(o sources.Order) model.Order {
	items := make([]model.OrderItem, len(o.Items))
	for i, it := range o.Items {
		items[i] = model.OrderItem{Sku: it.SKU, Name: it.Name, Quantity: it.Quantity, UnitPrice: money(it.UnitPriceCents, o.Currency)}
	}
	return model.Order{
		ID: o.ID, Status: model.OrderStatus(o.Status), Total: money(o.TotalCents, o.Currency),
		CreatedAt: o.CreatedAt, Items: items, CustomerID: o.CustomerID,
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
	return &model.Customer{ID: c.ID, Name: c.Name, Email: c.Email, Tier: model.CustomerTier(c.Tier)}
}

func toStats(s sources.CustomerStats) *model.CustomerStats {
	return &model.CustomerStats{LifetimeValue: money(s.LifetimeValueCents, s.Currency), OrderCount: s.OrderCount, LastOrderAt: s.LastOrderAt}
}
