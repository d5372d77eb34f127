package demo

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
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

func TestPrivateEmails(t *testing.T) {
	svc, ts := serve(t, sources.CustomersSource, small)
	c3, _ := small.Customer("c3")
	call := func(user, scopes string) sources.Customer {
		t.Helper()
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, ts.URL+"/customers?ids=c3", nil)
		if user != "" {
			req.Header.Set("X-User-Id", user)
			req.Header.Set("X-User-Scopes", scopes)
		}
		resp, err := newClient(t).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var page sources.Page[sources.Customer]
		if err := json.NewDecoder(resp.Body).Decode(&page); err != nil || len(page.Items) != 1 {
			t.Fatalf("decode: %v, %d items", err, len(page.Items))
		}
		return page.Items[0]
	}
	if got := call("c9", "customers:read"); got.Email != c3.Email {
		t.Fatalf("knob off: got %q, want the email %q", got.Email, c3.Email)
	}
	svc.SetPrivateEmails(true)
	if !svc.Faults().PrivateEmails {
		t.Error("Faults does not show the knob")
	}
	masked := call("c9", "customers:read").Email
	if masked == c3.Email || !strings.Contains(masked, "***@") {
		t.Errorf("another user got email %q, want it masked", masked)
	}
	if got := call("", "").Email; got != masked {
		t.Errorf("an anonymous caller got %q, want %q", got, masked)
	}
	if got := call("c3", "customers:read").Email; got != c3.Email {
		t.Errorf("the owner got %q, want %q", got, c3.Email)
	}
	if got := call("c9", "customers:read "+PIIScope).Email; got != c3.Email {
		t.Errorf("a caller with %s got %q, want %q", PIIScope, got, c3.Email)
	}
}

func TestCacheControlKnob(t *testing.T) {
	svc, ts := serve(t, sources.CustomersSource, small)
	svc.SetCacheControl("max-age=3")
	a := get(t, ts, "/customers?ids=c1")
	if got := a.header.Get("Cache-Control"); got != "max-age=3" {
		t.Errorf("Cache-Control %q, want max-age=3", got)
	}
	if a := get(t, ts, "/customers"); a.header.Get("Cache-Control") != "" {
		t.Errorf("a %d answer carries Cache-Control %q", a.status, a.header.Get("Cache-Control"))
	}
}
