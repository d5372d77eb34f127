package demo

import (
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gqlbff/gqlbff/sources"
)

func TestAnalyticsSummary(t *testing.T) {
	_, ts := serve(t, sources.AnalyticsSource, small)
	newest := small.RecentOrders("")[0].CreatedAt
	tests := []struct {
		name  string
		query string
		since *time.Time
	}{
		{"all time", "", nil},
		{"since, inclusive", "since=" + url.QueryEscape(newest.Format(time.RFC3339)), &newest},
		{"since with an offset", "since=" + url.QueryEscape(newest.In(time.FixedZone("x", 7200)).Format(time.RFC3339)), &newest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, want := decode[sources.Summary](t, get(t, ts, "/analytics/summary?"+tt.query)), small.Summary(tt.since); got != want {
				t.Errorf("got %+v, want %+v", got, want)
			}
		})
	}
	for _, since := range []string{"yesterday", "", "2025-01-01"} {
		t.Run("bad since "+since, func(t *testing.T) {
			errorOf(t, get(t, ts, "/analytics/summary?since="+since), http.StatusBadRequest)
		})
	}
}

func TestAnalyticsCustomers(t *testing.T) {
	_, ts := serve(t, sources.AnalyticsSource, small)
	idle := small.CustomersWithoutOrders()[0]
	page := decode[sources.Page[sources.CustomerStats]](t, get(t, ts, "/analytics/customers?ids=c1,nobody,"+idle))
	want := []sources.CustomerStats{small.Stats("c1"), {CustomerID: idle, Currency: "USD"}}
	if !reflect.DeepEqual(page.Items, want) {
		t.Errorf("got %+v, want %+v", page.Items, want)
	}
	t.Run("no orders means a null lastOrderAt", func(t *testing.T) {
		body := string(get(t, ts, "/analytics/customers?ids="+idle).body)
		if !strings.Contains(body, `"lastOrderAt":null`) || !strings.Contains(body, `"orderCount":0`) {
			t.Errorf("got %s, want zeros and a null lastOrderAt", body)
		}
	})
	t.Run("empty ids", func(t *testing.T) {
		if got := decode[sources.Page[sources.CustomerStats]](t, get(t, ts, "/analytics/customers?ids=")).Items; len(got) != 0 || got == nil {
			t.Errorf("got %v, want []", got)
		}
	})
	for _, query := range []string{"", "ids=" + idRange("c", 1, 101)} {
		t.Run("bad "+query[:min(len(query), 10)], func(t *testing.T) {
			errorOf(t, get(t, ts, "/analytics/customers?"+query), http.StatusBadRequest)
		})
	}
}

func TestAnalyticsTopCustomers(t *testing.T) {
	_, ts := serve(t, sources.AnalyticsSource, small)
	tests := []struct {
		name  string
		query string
		want  []sources.TopCustomer
	}{
		{"limit defaults to 10", "", small.TopCustomers(10)},
		{"limit", "limit=3", small.TopCustomers(3)},
		{"limit above the customer count", "limit=100", small.TopCustomers(100)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page := decode[sources.Page[sources.TopCustomer]](t, get(t, ts, "/analytics/top-customers?"+tt.query))
			if !reflect.DeepEqual(page.Items, tt.want) || page.NextCursor != nil {
				t.Errorf("got %+v (cursor %v), want %+v", page.Items, page.NextCursor, tt.want)
			}
		})
	}
	for _, limit := range []string{"0", "101", "-1", "x"} {
		t.Run("limit "+limit, func(t *testing.T) {
			errorOf(t, get(t, ts, "/analytics/top-customers?limit="+limit), http.StatusBadRequest)
		})
	}
	t.Run("unknown path", func(t *testing.T) { errorOf(t, get(t, ts, "/analytics/nope"), http.StatusNotFound) })
}
