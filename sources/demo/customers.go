package demo

import (
	"net/http"
	"slices"
	"strings"

	"github.com/gqlbff/gqlbff/sources"
)

// serveCustomers answers GET /customers/{id} and GET /customers?ids=….
func (d *Dataset) serveCustomers(r *http.Request, k knobs) (int, any) {
	if id, ok := itemID(r.URL.Path, "/customers/"); ok {
		c, ok := d.Customer(id)
		if !ok {
			return fail(http.StatusNotFound, "customer not found")
		}
		return http.StatusOK, privacy(r, k, c)
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
			items = append(items, privacy(r, k, c))
		}
	}
	return http.StatusOK, page(batch(k, items, func(c sources.Customer) string { return c.ID }), nil)
}

// PIIScope lets a caller see every customer's email when the
// private-emails knob is on.
const PIIScope = "customers:pii"

// privacy masks c's email, with the private-emails knob on, for a caller
// who is neither c nor holds PIIScope.
func privacy(r *http.Request, k knobs, c sources.Customer) sources.Customer {
	if !k.private || r.Header.Get("X-User-Id") == c.ID || slices.Contains(strings.Fields(r.Header.Get("X-User-Scopes")), PIIScope) {
		return c
	}
	if at := strings.IndexByte(c.Email, '@'); at > 0 {
		c.Email = c.Email[:1] + "***" + c.Email[at:]
	}
	return c
}
