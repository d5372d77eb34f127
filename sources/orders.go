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
func NewOrders(cfg ClientConfig) *Orders { return &Orders{c: newClient(OrdersSource, cfg)} }

// ByID answers one order; ErrNotFound when the service does not know it.
func (o *Orders) ByID(ctx context.Context, id string) (Order, error) {
	var out Order
	err := o.c.get(ctx, "orders.byID", "/orders/"+url.PathEscape(id), nil, &out)
	return out, err
}

// ByIDs answers the orders that exist among ids, in no particular order.
func (o *Orders) ByIDs(ctx context.Context, ids []string) ([]Order, error) {
	var out Page[Order]
	err := o.c.get(ctx, "orders.byIDs", "/orders", url.Values{"ids": {strings.Join(ids, ",")}}, &out)
	return out.Items, err
}

// ByCustomers answers up to perCustomer newest orders of each customer.
func (o *Orders) ByCustomers(ctx context.Context, customerIDs []string, perCustomer int) ([]Order, error) {
	var out Page[Order]
	q := url.Values{
		"customerIds": {strings.Join(customerIDs, ",")},
		"perCustomer": {strconv.Itoa(perCustomer)},
	}
	err := o.c.get(ctx, "orders.byCustomers", "/orders", q, &out)
	return out.Items, err
}

// List answers one page of orders, newest first; status and cursor are
// optional (empty).
func (o *Orders) List(ctx context.Context, status string, limit int, cursor string) (Page[Order], error) {
	var out Page[Order]
	q := url.Values{"limit": {strconv.Itoa(limit)}}
	if status != "" {
		q.Set("status", status)
	}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	err := o.c.get(ctx, "orders.list", "/orders", q, &out)
	return out, err
}
