package demo

import (
	"net/http"
	"time"

	"github.com/gqlbff/gqlbff/sources"
)

// serveAnalytics answers GET /analytics/summary?since=T,
// /analytics/customers?ids=… and /analytics/top-customers?limit=N. What the
// numbers mean is documented on the Dataset methods Summary, Stats and
// TopCustomers.
func (d *Dataset) serveAnalytics(r *http.Request, k knobs) (int, any) {
	q := r.URL.Query()
	switch r.URL.Path {
	case "/analytics/summary":
		if !q.Has("since") {
			return http.StatusOK, d.Summary(nil)
		}
		since, err := time.Parse(time.RFC3339, q.Get("since"))
		if err != nil {
			return fail(http.StatusBadRequest, "since: got %q, want an RFC 3339 time", q.Get("since"))
		}
		return http.StatusOK, d.Summary(&since)
	case "/analytics/customers":
		if !q.Has("ids") {
			return fail(http.StatusBadRequest, "ids is required")
		}
		ids, err := parseIDs(q, "ids")
		if err != nil {
			return fail(http.StatusBadRequest, "%v", err)
		}
		var items []sources.CustomerStats
		for _, id := range ids {
			if _, ok := d.customerIdx[id]; ok {
				items = append(items, d.Stats(id))
			}
		}
		return http.StatusOK, page(batch(k, items, func(s sources.CustomerStats) string { return s.CustomerID }), nil)
	case "/analytics/top-customers":
		limit, err := parseLimit(q, "limit", 10)
		if err != nil {
			return fail(http.StatusBadRequest, "%v", err)
		}
		return http.StatusOK, page(d.TopCustomers(limit), nil)
	}
	return notFound()
}
