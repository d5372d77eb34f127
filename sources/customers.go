package sources

import (
	"context"
	"net/url"
	"strings"
)

// Customers is the customers service's client.
type Customers struct{ c *client }

// NewCustomers returns a client of the customers service.
func NewCustomers(cfg ClientConfig) *Customers {
	return &Customers{c: newClient(CustomersSource, cfg, nil)}
}

// ByID answers one customer; ErrNotFound when the service does not know it.
func (s *Customers) ByID(ctx context.Context, id string) (Customer, error) {
	return fetch[Customer](ctx, s.c, "customers.byID", "/customers/"+url.PathEscape(id), nil, 1)
}

// ByIDs answers the customers that exist among ids, in no particular order.
func (s *Customers) ByIDs(ctx context.Context, ids []string) ([]Customer, error) {
	items, _, err := s.byIDs(ctx, ids)
	return items, err
}

func (s *Customers) byIDs(ctx context.Context, ids []string) ([]Customer, directive, error) {
	out, d, err := fetchDirected[Page[Customer]](ctx, s.c, "customers.byIDs", s.c.url("/customers", url.Values{"ids": {strings.Join(ids, ",")}}), len(ids))
	return out.Items, d, err
}
