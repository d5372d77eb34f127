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
func (a *Analytics) Summary(ctx context.Context, since *time.Time) (Summary, error) {
	var q url.Values
	if since != nil {
		q = url.Values{"since": {since.UTC().Format(time.RFC3339Nano)}}
	}
	return fetch[Summary](ctx, a.c, "analytics.summary", "/analytics/summary", q, 0)
}

// CustomerStats answers the stats of the customers among ids that exist.
func (a *Analytics) CustomerStats(ctx context.Context, ids []string) ([]CustomerStats, error) {
	out, err := fetch[Page[CustomerStats]](ctx, a.c, "analytics.customers", "/analytics/customers", url.Values{"ids": {strings.Join(ids, ",")}}, len(ids))
	return out.Items, err
}

// TopCustomers answers the best customers by lifetime value, best first.
func (a *Analytics) TopCustomers(ctx context.Context, limit int) ([]TopCustomer, error) {
	out, err := fetch[Page[TopCustomer]](ctx, a.c, "analytics.topCustomers", "/analytics/top-customers", url.Values{"limit": {strconv.Itoa(limit)}}, 0)
	return out.Items, err
}
