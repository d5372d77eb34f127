package demo

import (
	"net/http"

	"github.com/gqlbff/gqlbff/sources"
)

// serveCustomers answers GET /customers/{id} and GET /customers?ids=….
func (d *Dataset) serveCustomers(r *http.Request, k knobs) (int, any) {
	if id, ok := itemID(r.URL.Path, "/customers/"); ok {
		c, ok := d.Customer(id)
		if !ok {
			return fail(http.StatusNotFound, "customer not found")
		}
		return http.StatusOK, c
	}
	if r.URL.Path != "/customers" {
		return notFound()
	}
	q := r.URL.Query()
	if !q.Has("ids") {
		return fail(http.StatusBadRequest, "ids is required")
	}
	ids, err := parseIDs(q, "ids")
	if err != nil {
		return fail(http.StatusBadRequest, "%v", err)
	}
	var items []sources.Customer
	for _, id := range ids {
		if c, ok := d.Customer(id); ok {
			items = append(items, c)
		}
	}
	return http.StatusOK, page(batch(k, items, func(c sources.Customer) string { return c.ID }), nil)
}
