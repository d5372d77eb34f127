package demo

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"

	"github.com/gqlbff/gqlbff/sources"
)

// cursor is what an orders page cursor holds, as base64url JSON: the status
// filter it was issued for and the offset of the next page.
type cursor struct {
	Status string `json:"status"`
	Offset *int   `json:"offset"`
}

var errBadCursor = errors.New("invalid cursor")

func encodeCursor(status string, offset int) *string {
	b, _ := json.Marshal(cursor{Status: status, Offset: &offset})
	c := base64.RawURLEncoding.EncodeToString(b)
	return &c
}

func decodeCursor(s string) (cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return cursor{}, errBadCursor
	}
	var c cursor
	if err := json.Unmarshal(b, &c); err != nil || c.Offset == nil || *c.Offset < 0 {
		return cursor{}, errBadCursor
	}
	return c, nil
}

var statuses = []string{sources.StatusPending, sources.StatusPaid, sources.StatusShipped,
	sources.StatusDelivered, sources.StatusCancelled}

// serveOrders answers GET /orders/{id} and GET /orders in exactly one of its
// three modes: ids=…, customerIds=…&perCustomer=N, or the newest-first list
// (status=S&limit=N&cursor=C, each optional).
func (d *Dataset) serveOrders(r *http.Request, k knobs) (int, any) {
	if id, ok := itemID(r.URL.Path, "/orders/"); ok {
		o, ok := d.Order(id)
		if !ok {
			return fail(http.StatusNotFound, "order not found")
		}
		return http.StatusOK, o
	}
	if r.URL.Path != "/orders" {
		return notFound()
	}
	q := r.URL.Query()
	byIDs, byCustomers := q.Has("ids"), q.Has("customerIds")
	list := q.Has("status") || q.Has("limit") || q.Has("cursor")
	switch {
	case byIDs && (byCustomers || list) || byCustomers && list:
		return fail(http.StatusBadRequest, "use one of ids, customerIds or status/limit/cursor")
	case q.Has("perCustomer") && !byCustomers:
		return fail(http.StatusBadRequest, "perCustomer needs customerIds")
	case byIDs:
		return d.ordersByIDs(q, k)
	case byCustomers:
		return d.ordersByCustomers(q, k)
	}
	return d.ordersPage(q)
}

func (d *Dataset) ordersByIDs(q url.Values, k knobs) (int, any) {
	ids, err := parseIDs(q, "ids")
	if err != nil {
		return fail(http.StatusBadRequest, "%v", err)
	}
	var items []sources.Order
	for _, id := range ids {
		if o, ok := d.Order(id); ok {
			items = append(items, o)
		}
	}
	return http.StatusOK, page(batch(k, items, func(o sources.Order) string { return o.ID }), nil)
}

func (d *Dataset) ordersByCustomers(q url.Values, k knobs) (int, any) {
	ids, err := parseIDs(q, "customerIds")
	if err != nil {
		return fail(http.StatusBadRequest, "%v", err)
	}
	per, err := parseLimit(q, "perCustomer", 10)
	if err != nil {
		return fail(http.StatusBadRequest, "%v", err)
	}
	var items []sources.Order
	for _, id := range ids {
		idx := d.byCustomer[id]
		items = append(items, d.pick(idx[:min(per, len(idx))])...)
	}
	return http.StatusOK, page(batch(k, items, func(o sources.Order) string { return o.CustomerID }), nil)
}

func (d *Dataset) ordersPage(q url.Values) (int, any) {
	status := q.Get("status")
	if status != "" && !slices.Contains(statuses, status) {
		return fail(http.StatusBadRequest, "status: got %q, want one of %v", status, statuses)
	}
	limit, err := parseLimit(q, "limit", 20)
	if err != nil {
		return fail(http.StatusBadRequest, "%v", err)
	}
	idx := d.recentIdx(status)
	offset := 0
	if q.Has("cursor") {
		c, err := decodeCursor(q.Get("cursor"))
		if err != nil {
			return fail(http.StatusBadRequest, "%v", err)
		}
		if c.Status != status {
			return fail(http.StatusBadRequest, "cursor was issued for another status filter")
		}
		if offset = *c.Offset; offset > len(idx) {
			return fail(http.StatusBadRequest, "%v", errBadCursor)
		}
	}
	end := min(offset+limit, len(idx))
	var next *string
	if end < len(idx) {
		next = encodeCursor(status, end)
	}
	return http.StatusOK, page(d.pick(idx[offset:end]), next)
}
