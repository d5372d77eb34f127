package sources

import (
	"context"
	"net/url"
	"strconv"
	"strings"
)

// Orders is the orders service's client.
type Orders struct{ c *client }

// NewOrders returns a client of the orders service.
func NewOrders(cfg ClientConfig) *Orders { return &Orders{c: newClient(OrdersSource, cfg, nil)} }

// ByID answers one order; ErrNotFound when the service does not know it.
func (o *Orders) ByID(ctx context.Context, id string) (Order, error) {
	return fetch[Order](ctx, o.c, "orders.byID", "/orders/"+url.PathEscape(id), nil, 1)
}

// ByIDs answers the orders that exist among ids, in no particular order.
func (o *Orders) ByIDs(ctx context.Context, ids []string) ([]Order, error) {
	items, _, err := o.byIDs(ctx, ids)
	return items, err
}

func (o *Orders) byIDs(ctx context.Context, ids []string) ([]Order, directive, error) {
	out, d, err := fetchDirected[Page[Order]](ctx, o.c, "orders.byIDs", o.c.url("/orders", url.Values{"ids": {strings.Join(ids, ",")}}), len(ids))
	return out.Items, d, err
}

// ByCustomers answers up to perCustomer newest orders of each customer.
func (o *Orders) ByCustomers(ctx context.Context, customerIDs []string, perCustomer int) ([]Order, error) {
	items, _, err := o.byCustomers(ctx, customerIDs, perCustomer)
	return items, err
}

func (o *Orders) byCustomers(ctx context.Context, customerIDs []string, perCustomer int) ([]Order, directive, error) {
	q := url.Values{
		"customerIds": {strings.Join(customerIDs, ",")},
		"perCustomer": {strconv.Itoa(perCustomer)},
	}
	out, d, err := fetchExpecting[Page[Order]](ctx, o.c, "orders.byCustomers", o.c.url("/orders", q), len(customerIDs), len(customerIDs)*max(perCustomer, 0))
	return out.Items, d, err
}

// List answers one page of orders, newest first; status and cursor are
// optional (empty). The page is cached as one entry per parameter set.
func (o *Orders) List(ctx context.Context, status string, limit int, cursor string) (Page[Order], error) {
	q := url.Values{"limit": {strconv.Itoa(limit)}}
	if status != "" {
		q.Set("status", status)
	}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	u := o.c.url("/orders", q)
	return cachedOne(ctx, o.c, "orders.list", q.Encode(), func(ctx context.Context) (Page[Order], directive, error) {
		return fetchExpecting[Page[Order]](ctx, o.c, "orders.list", u, 0, max(limit, 0))
	})
}
