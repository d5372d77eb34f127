package demo

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/gqlbff/gqlbff/sources"
)

func TestOrdersGet(t *testing.T) {
	_, ts := serve(t, sources.OrdersSource, small)
	want, _ := small.Order("o5")
	if got := decode[sources.Order](t, get(t, ts, "/orders/o5")); !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	for _, path := range []string{"/orders/o999999", "/orders/c1", "/orders/o5/items", "/nope"} {
		t.Run(path, func(t *testing.T) { errorOf(t, get(t, ts, path), http.StatusNotFound) })
	}
}

func TestOrdersByIDs(t *testing.T) {
	_, ts := serve(t, sources.OrdersSource, small)
	many := strings.Split(idRange("o", 1, 100), ",")
	tests := []struct {
		name  string
		query string
		want  []string
	}{
		{"known ids", "ids=o1,o2", []string{"o1", "o2"}},
		{"unknown ids are omitted", "ids=o3,nope,o4", []string{"o3", "o4"}},
		{"repeated ids answer once", "ids=o3,o3,o3", []string{"o3"}},
		{"empty ids", "ids=", []string{}},
		{"a hundred ids", "ids=" + strings.Join(many, ","), many},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page := decode[sources.Page[sources.Order]](t, get(t, ts, "/orders?"+tt.query))
			if got := ids(page.Items, orderID); !reflect.DeepEqual(got, tt.want) || page.NextCursor != nil {
				t.Errorf("got %v (cursor %v), want %v (no cursor)", got, page.NextCursor, tt.want)
			}
		})
	}
	t.Run("items are never null", func(t *testing.T) {
		if got := string(get(t, ts, "/orders?ids=").body); got != `{"items":[],"nextCursor":null}`+"\n" {
			t.Errorf("got %s, want an empty list answer", got)
		}
	})
	t.Run("each order is complete", func(t *testing.T) {
		o7, _ := small.Order("o7")
		if got := decode[sources.Page[sources.Order]](t, get(t, ts, "/orders?ids=o7")).Items; !reflect.DeepEqual(got, []sources.Order{o7}) {
			t.Errorf("got %+v, want %+v", got, o7)
		}
	})
}

func TestOrdersByCustomers(t *testing.T) {
	_, ts := serve(t, sources.OrdersSource, small)
	busy, idle := "", small.CustomersWithoutOrders()[0]
	for _, c := range small.Customers {
		if len(small.OrdersOf(c.ID)) > 10 {
			busy = c.ID
			break
		}
	}
	if busy == "" {
		t.Fatal("got no customer with more than 10 orders, want one for this test")
	}
	newest := func(id string, n int) []string { return ids(small.OrdersOf(id)[:n], orderID) }
	tests := []struct {
		name  string
		query string
		want  []string
	}{
		{"perCustomer defaults to 10", "customerIds=" + busy, newest(busy, 10)},
		{"perCustomer", "customerIds=c1,c2&perCustomer=2", append(newest("c1", 2), newest("c2", 2)...)},
		{"fewer orders than perCustomer", "customerIds=c2&perCustomer=100", ids(small.OrdersOf("c2"), orderID)},
		{"customer without orders", "customerIds=" + idle, []string{}},
		{"unknown customer", "customerIds=nobody", []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page := decode[sources.Page[sources.Order]](t, get(t, ts, "/orders?"+tt.query))
			if got := ids(page.Items, orderID); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestOrdersPaging(t *testing.T) {
	_, ts := serve(t, sources.OrdersSource, small)
	for _, status := range append([]string{""}, statuses...) {
		for _, limit := range []int{7, 100} {
			t.Run(fmt.Sprintf("status %q limit %d", status, limit), func(t *testing.T) {
				var got []string
				query := url.Values{"limit": {fmt.Sprint(limit)}}
				if status != "" {
					query.Set("status", status)
				}
				for pages := 0; ; pages++ {
					if pages > len(small.Orders) {
						t.Fatalf("got more than %d pages, want the last one to end", pages)
					}
					page := decode[sources.Page[sources.Order]](t, get(t, ts, "/orders?"+query.Encode()))
					if len(page.Items) > limit {
						t.Fatalf("got %d items, want at most %d", len(page.Items), limit)
					}
					got = append(got, ids(page.Items, orderID)...)
					if page.NextCursor == nil {
						break
					}
					query.Set("cursor", *page.NextCursor)
				}
				if want := ids(small.RecentOrders(status), orderID); !reflect.DeepEqual(got, want) {
					t.Errorf("got %d ids %v, want %d ids %v", len(got), got, len(want), want)
				}
			})
		}
	}
	t.Run("limit defaults to 20", func(t *testing.T) {
		page := decode[sources.Page[sources.Order]](t, get(t, ts, "/orders"))
		if got, want := ids(page.Items, orderID), ids(small.RecentOrders("")[:20], orderID); !reflect.DeepEqual(got, want) || page.NextCursor == nil {
			t.Errorf("got %v (cursor %v), want %v and a cursor", got, page.NextCursor, want)
		}
	})
}

func TestOrdersBadRequests(t *testing.T) {
	_, ts := serve(t, sources.OrdersSource, small)
	paid := decode[sources.Page[sources.Order]](t, get(t, ts, "/orders?status=PAID&limit=1")).NextCursor
	beyond := base64.RawURLEncoding.EncodeToString([]byte(`{"status":"","offset":100000}`))
	tests := []struct {
		name  string
		query string
	}{
		{"unknown status", "status=LOST"},
		{"lower-case status", "status=paid"},
		{"limit 0", "limit=0"},
		{"limit 101", "limit=101"},
		{"limit not a number", "limit=ten"},
		{"cursor not base64", "cursor=%25%25%25"},
		{"cursor not json", "cursor=" + base64.RawURLEncoding.EncodeToString([]byte("nope"))},
		{"empty cursor", "cursor="},
		{"cursor of another status", "status=SHIPPED&cursor=" + *paid},
		{"cursor without status", "cursor=" + *paid},
		{"cursor beyond the end", "cursor=" + beyond},
		{"101 ids", "ids=" + idRange("o", 1, 101)},
		{"101 customer ids", "customerIds=" + idRange("c", 1, 101)},
		{"perCustomer 0", "customerIds=c1&perCustomer=0"},
		{"perCustomer 101", "customerIds=c1&perCustomer=101"},
		{"perCustomer without customerIds", "perCustomer=5"},
		{"ids and customerIds", "ids=o1&customerIds=c1"},
		{"ids and status", "ids=o1&status=PAID"},
		{"customerIds and limit", "customerIds=c1&limit=5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { errorOf(t, get(t, ts, "/orders?"+tt.query), http.StatusBadRequest) })
	}
}

func TestCommonAnswers(t *testing.T) {
	tests := []struct {
		name, service, path string
	}{
		{"orders", sources.OrdersSource, "/orders/o1"},
		{"orders list", sources.OrdersSource, "/orders"},
		{"customers", sources.CustomersSource, "/customers?ids=c1"},
		{"analytics", sources.AnalyticsSource, "/analytics/summary"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, ts := serve(t, tt.service, small)
			if got := get(t, ts, tt.path).header.Get("Content-Type"); got != "application/json" {
				t.Errorf("GET: got Content-Type %q, want application/json", got)
			}
			for _, method := range []string{http.MethodPost, http.MethodDelete, http.MethodPut} {
				a := do(t, ts.Client(), method, ts.URL+tt.path, nil)
				errorOf(t, a, http.StatusMethodNotAllowed)
				if got := a.header.Get("Allow"); !slices.Contains(strings.Split(got, ", "), "GET") {
					t.Errorf("%s: got Allow %q, want GET in it", method, got)
				}
			}
		})
	}
}
