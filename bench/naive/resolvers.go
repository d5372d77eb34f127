package naive

import (
	"context"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/gqlbff/gqlbff/caller"
	"github.com/gqlbff/gqlbff/graph"
	"github.com/gqlbff/gqlbff/graph/model"
	"github.com/gqlbff/gqlbff/sources"
)

// Resolver calls a source for every item it resolves.
type Resolver struct{ src *sources.Sources }

var _ graph.ResolverRoot = (*Resolver)(nil)

// Customer returns the Customer resolvers.
func (r *Resolver) Customer() graph.CustomerResolver { return customerResolver{r} }

// Dashboard returns the Dashboard resolvers.
func (r *Resolver) Dashboard() graph.DashboardResolver { return dashboardResolver{r} }

// Order returns the Order resolvers.
func (r *Resolver) Order() graph.OrderResolver { return orderResolver{r} }

// Query returns the Query resolvers.
func (r *Resolver) Query() graph.QueryResolver { return queryResolver{r} }

type (
	customerResolver  struct{ *Resolver }
	dashboardResolver struct{ *Resolver }
	orderResolver     struct{ *Resolver }
	queryResolver     struct{ *Resolver }
)

func orDefault(first *int, def int) int {
	if first != nil {
		return *first
	}
	return def
}

// customer is GET /customers/{id}; null when it does not exist.
func (r *Resolver) customer(ctx context.Context, id string) (*model.Customer, error) {
	c, err := r.src.Customers.ByID(ctx, id)
	if errors.Is(err, sources.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return toCustomer(c), nil
}

// Orders resolves Customer.orders.
func (r customerResolver) Orders(ctx context.Context, obj *model.Customer, first *int) ([]model.Order, error) {
	orders, err := r.src.Orders.ByCustomers(ctx, []string{obj.ID}, orDefault(first, 10))
	if err != nil {
		return nil, err
	}
	return toOrders(orders), nil
}

// Stats resolves Customer.stats.
func (r customerResolver) Stats(ctx context.Context, obj *model.Customer) (*model.CustomerStats, error) {
	st, err := r.src.Analytics.CustomerStats(ctx, []string{obj.ID})
	if err != nil || len(st) == 0 {
		return nil, err
	}
	return toStats(st[0]), nil
}

// RecentOrders resolves Dashboard.recentOrders.
func (r dashboardResolver) RecentOrders(ctx context.Context, _ *model.Dashboard, first *int) ([]model.Order, error) {
	page, err := r.src.Orders.List(ctx, "", orDefault(first, 10), "")
	if err != nil {
		return nil, err
	}
	return toOrders(page.Items), nil
}

// TopCustomers resolves Dashboard.topCustomers.
func (r dashboardResolver) TopCustomers(ctx context.Context, _ *model.Dashboard, first *int) ([]model.Customer, error) {
	top, err := r.src.Analytics.TopCustomers(ctx, orDefault(first, 5))
	if err != nil {
		return nil, err
	}
	out := make([]model.Customer, 0, len(top))
	for _, t := range top {
		c, err := r.customer(ctx, t.CustomerID)
		if err != nil {
			return nil, err
		}
		if c != nil {
			out = append(out, *c)
		}
	}
	return out, nil
}

// Summary resolves Dashboard.summary.
func (r dashboardResolver) Summary(ctx context.Context, _ *model.Dashboard, since *time.Time) (*model.AnalyticsSummary, error) {
	s, err := r.src.Analytics.Summary(ctx, since)
	if err != nil {
		return nil, err
	}
	return &model.AnalyticsSummary{
		OrderCount: s.OrderCount, Revenue: money(s.RevenueCents, s.Currency),
		AverageOrderValue: money(s.AverageOrderValueCents, s.Currency), ActiveCustomers: s.ActiveCustomers,
	}, nil
}

// Customer resolves Order.customer.
func (r orderResolver) Customer(ctx context.Context, obj *model.Order) (*model.Customer, error) {
	return r.customer(ctx, obj.CustomerID)
}

// Me resolves Query.me.
func (r queryResolver) Me(ctx context.Context) (*model.Customer, error) {
	sub := caller.From(ctx).Subject
	if sub == "" {
		return nil, nil
	}
	return r.customer(ctx, sub)
}

// Order resolves Query.order.
func (r queryResolver) Order(ctx context.Context, id string) (*model.Order, error) {
	o, err := r.src.Orders.ByID(ctx, id)
	if errors.Is(err, sources.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	m := toOrder(o)
	return &m, nil
}

// Orders resolves Query.orders from one REST page; a cursor is gqlbff's
// (the REST page's cursor and the items of it already seen).
func (r queryResolver) Orders(ctx context.Context, status *model.OrderStatus, first *int, after *string) (*model.OrderConnection, error) {
	n := orDefault(first, 20)
	var st string
	if status != nil {
		st = string(*status)
	}
	rest, skip := "", 0
	if after != nil {
		raw, _ := base64.RawURLEncoding.DecodeString(*after)
		parts := strings.SplitN(strings.TrimPrefix(string(raw), "v1|"), "|", 3)
		if len(parts) != 3 {
			return nil, errors.New("bad cursor")
		}
		skip, _ = strconv.Atoi(parts[1])
		rest = parts[2]
	}
	page, err := r.src.Orders.List(ctx, st, min(100, skip+n), rest)
	if err != nil {
		return nil, err
	}
	items := page.Items[min(skip, len(page.Items)):]
	take := min(n, len(items))
	conn := &model.OrderConnection{PageInfo: &model.PageInfo{HasNextPage: take < len(items) || page.NextCursor != nil}}
	for j, o := range items[:take] {
		c := "v1|" + st + "|" + strconv.Itoa(skip+j+1) + "|" + rest
		if skip+j == len(page.Items)-1 && page.NextCursor != nil {
			c = "v1|" + st + "|0|" + *page.NextCursor
		}
		node := toOrder(o)
		conn.Edges = append(conn.Edges, model.OrderEdge{Cursor: base64.RawURLEncoding.EncodeToString([]byte(c)), Node: &node})
	}
	if len(conn.Edges) > 0 {
		conn.PageInfo.EndCursor = &conn.Edges[len(conn.Edges)-1].Cursor
	}
	return conn, nil
}

// Customer resolves Query.customer.
func (r queryResolver) Customer(ctx context.Context, id string) (*model.Customer, error) {
	return r.customer(ctx, id)
}

// Customers resolves Query.customers, fetching them one by one.
func (r queryResolver) Customers(ctx context.Context, ids []string) ([]*model.Customer, error) {
	out := make([]*model.Customer, len(ids))
	for i, id := range ids {
		c, err := r.customer(ctx, id)
		if err != nil {
			return nil, err
		}
		out[i] = c
	}
	return out, nil
}

// Dashboard resolves Query.dashboard.
func (r queryResolver) Dashboard(context.Context) (*model.Dashboard, error) {
	return &model.Dashboard{}, nil
}
