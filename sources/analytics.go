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
	return &Analytics{c: newClient(AnalyticsSource, cfg)}
}

// Summary answers the figures since a time (inclusive), or of all time.
func (a *Analytics) Summary(ctx context.Context, since *time.Time) (Summary, error) {
	var out Summary
	var q url.Values
	if since != nil {
		q = url.Values{"since": {since.UTC().Format(time.RFC3339Nano)}}
	}
	err := a.c.get(ctx, "analytics.summary", "/analytics/summary", q, &out)
	return out, err
}

// CustomerStats answers the stats of the customers among ids that exist.
func (a *Analytics) CustomerStats(ctx context.Context, ids []string) ([]CustomerStats, error) {
	var out Page[CustomerStats]
	err := a.c.get(ctx, "analytics.customers", "/analytics/customers", url.Values{"ids": {strings.Join(ids, ",")}}, &out)
	return out.Items, err
}

// TopCustomers answers the best customers by lifetime value, best first.
func (a *Analytics) TopCustomers(ctx context.Context, limit int) ([]TopCustomer, error) {
	var out Page[TopCustomer]
	err := a.c.get(ctx, "analytics.topCustomers", "/analytics/top-customers", url.Values{"limit": {strconv.Itoa(limit)}}, &out)
	return out.Items, err
}
