package sources

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Analytics is the analytics service's client. What its numbers mean is the
// service's business: gqlbff passes them through.
type Analytics struct{ c *client }

// NewAnalytics returns a client of the analytics service.
func NewAnalytics(cfg ClientConfig) *Analytics {
	return &Analytics{c: newClient(AnalyticsSource, cfg, nil)}
}

// Summary answers the figures since a time (inclusive), or of all time.
// It is cached as one entry per parameter set.
func (a *Analytics) Summary(ctx context.Context, since *time.Time) (Summary, error) {
	var q url.Values
	if since != nil {
		q = url.Values{"since": {since.UTC().Format(time.RFC3339Nano)}}
	}
	u := a.c.url("/analytics/summary", q)
	return cachedOne(ctx, a.c, "analytics.summary", q.Encode(), func(ctx context.Context) (Summary, directive, error) {
		return fetchDirected[Summary](ctx, a.c, "analytics.summary", u, 0)
	})
}

// CustomerStats answers the stats of the customers among ids that exist.
func (a *Analytics) CustomerStats(ctx context.Context, ids []string) ([]CustomerStats, error) {
	items, _, err := a.customerStats(ctx, ids)
	return items, err
}

func (a *Analytics) customerStats(ctx context.Context, ids []string) ([]CustomerStats, directive, error) {
	out, d, err := fetchDirected[Page[CustomerStats]](ctx, a.c, "analytics.customers", a.c.url("/analytics/customers", url.Values{"ids": {strings.Join(ids, ",")}}), len(ids))
	return out.Items, d, err
}

// TopCustomers answers the best customers by lifetime value, best first.
// It is cached as one entry per limit.
func (a *Analytics) TopCustomers(ctx context.Context, limit int) ([]TopCustomer, error) {
	q := url.Values{"limit": {strconv.Itoa(limit)}}
	u := a.c.url("/analytics/top-customers", q)
	return cachedOne(ctx, a.c, "analytics.topCustomers", q.Encode(), func(ctx context.Context) ([]TopCustomer, directive, error) {
		out, d, err := fetchExpecting[Page[TopCustomer]](ctx, a.c, "analytics.topCustomers", u, 0, max(limit, 0))
		return out.Items, d, err
	})
}
