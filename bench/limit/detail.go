package limit

import (
	"context"
	"strconv"
	"time"

	"github.com/gqlbff/gqlbff/sources"
)

type money struct {
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
}

// amount renders cents as the contract's decimal string: 1250 → "12.50".
func amount(cents int64) string {
	neg := cents < 0
	if neg {
		cents = -cents
	}
	b := make([]byte, 0, 24)
	if neg {
		b = append(b, '-')
	}
	b = strconv.AppendInt(b, cents/100, 10)
	b = append(b, '.', byte('0'+cents%100/10), byte('0'+cents%10))
	return string(b)
}

func price(cents int64, currency string) money { return money{amount(cents), currency} }

// order_detail: 2 calls, the order, then its customer.
func orderDetail(ctx context.Context, src *sources.Sources, vars []byte, _ string) (any, error) {
	type item struct {
		SKU       string `json:"sku"`
		Name      string `json:"name"`
		Quantity  int    `json:"quantity"`
		UnitPrice money  `json:"unitPrice"`
	}
	type customer struct {
		ID    string `json:"id"`
		Name  string `json:"name"`
		Email string `json:"email"`
		Tier  string `json:"tier"`
	}
	type order struct {
		ID        string    `json:"id"`
		Status    string    `json:"status"`
		CreatedAt time.Time `json:"createdAt"`
		Total     money     `json:"total"`
		Items     []item    `json:"items"`
		Customer  *customer `json:"customer"`
	}
	var v struct {
		ID string `json:"id"`
	}
	if err := decodeVars(vars, &v); err != nil {
		return nil, err
	}
	var out struct {
		Order *order `json:"order"`
	}
	orders, err := src.Orders.ByIDs(ctx, []string{v.ID})
	if err != nil {
		return nil, err
	}
	o, ok := find(orders, v.ID, func(o *sources.Order) string { return o.ID })
	if !ok {
		return out, nil
	}
	customers, err := src.Customers.ByIDs(ctx, []string{o.CustomerID})
	if err != nil {
		return nil, err
	}
	out.Order = &order{ID: o.ID, Status: o.Status, CreatedAt: o.CreatedAt, Total: price(o.TotalCents, o.Currency), Items: make([]item, len(o.Items))}
	for i, it := range o.Items {
		out.Order.Items[i] = item{it.SKU, it.Name, it.Quantity, price(it.UnitPriceCents, o.Currency)}
	}
	if c, ok := find(customers, o.CustomerID, func(c *sources.Customer) string { return c.ID }); ok {
		out.Order.Customer = &customer{c.ID, c.Name, c.Email, c.Tier}
	}
	return out, nil
}

// customers_by_ids: 1 call for the distinct ids; one entry per requested
// id, in order, null for an unknown one.
func customersByIDs(ctx context.Context, src *sources.Sources, vars []byte, _ string) (any, error) {
	type customer struct {
		ID   string `json:"id"`
		Name string `json:"name"`
		Tier string `json:"tier"`
	}
	var v struct {
		IDs []string `json:"ids"`
	}
	if err := decodeVars(vars, &v); err != nil {
		return nil, err
	}
	if len(v.IDs) > maxIDs {
		return nil, badInputf("ids holds at most %d ids, got %d", maxIDs, len(v.IDs))
	}
	out := struct {
		Customers []*customer `json:"customers"`
	}{make([]*customer, len(v.IDs))}
	if len(v.IDs) == 0 {
		return out, nil
	}
	found, err := src.Customers.ByIDs(ctx, distinct(v.IDs))
	if err != nil {
		return nil, err
	}
	byID := index(found, func(c *sources.Customer) string { return c.ID })
	for i, id := range v.IDs {
		if c, ok := byID[id]; ok {
			out.Customers[i] = &customer{c.ID, c.Name, c.Tier}
		}
	}
	return out, nil
}

// find is the item of items whose id is id.
func find[T any](items []T, id string, key func(*T) string) (T, bool) {
	for i := range items {
		if key(&items[i]) == id {
			return items[i], true
		}
	}
	var zero T
	return zero, false
}

// index maps items by id, keeping the first of repeated ids.
func index[T any](items []T, key func(*T) string) map[string]T {
	m := make(map[string]T, len(items))
	for i := range items {
		k := key(&items[i])
		if _, dup := m[k]; !dup {
			m[k] = items[i]
		}
	}
	return m
}

// distinct is ids without repeats, in first-seen order.
func distinct(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
