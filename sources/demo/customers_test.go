package demo

import (
	"net/http"
	"reflect"
	"testing"

	"github.com/gqlbff/gqlbff/sources"
)

func customerID(c sources.Customer) string { return c.ID }

func TestCustomersGet(t *testing.T) {
	_, ts := serve(t, sources.CustomersSource, small)
	want, _ := small.Customer("c3")
	if got := decode[sources.Customer](t, get(t, ts, "/customers/c3")); got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	for _, path := range []string{"/customers/c99999", "/customers/o1", "/customers/c3/orders", "/orders/o1"} {
		t.Run(path, func(t *testing.T) { errorOf(t, get(t, ts, path), http.StatusNotFound) })
	}
}

func TestCustomersByIDs(t *testing.T) {
	_, ts := serve(t, sources.CustomersSource, small)
	tests := []struct {
		name  string
		query string
		want  []string
	}{
		{"known ids", "ids=c2,c1", []string{"c2", "c1"}},
		{"unknown ids are omitted", "ids=c1,nobody", []string{"c1"}},
		{"repeated ids answer once", "ids=c1,c1", []string{"c1"}},
		{"empty ids", "ids=", []string{}},
		{"blank entries are ignored", "ids=,c4,,", []string{"c4"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page := decode[sources.Page[sources.Customer]](t, get(t, ts, "/customers?"+tt.query))
			if got := ids(page.Items, customerID); !reflect.DeepEqual(got, tt.want) || page.NextCursor != nil {
				t.Errorf("got %v (cursor %v), want %v (no cursor)", got, page.NextCursor, tt.want)
			}
		})
	}
	bad := []struct{ name, query string }{
		{"no ids", ""},
		{"101 ids", "ids=" + idRange("c", 1, 101)},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) { errorOf(t, get(t, ts, "/customers?"+tt.query), http.StatusBadRequest) })
	}
}
