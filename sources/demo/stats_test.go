package demo

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gqlbff/gqlbff/sources"
)

// bruteStats recomputes a customer's analytics from the orders.
func bruteStats(d *Dataset, id string) sources.CustomerStats {
	s := sources.CustomerStats{CustomerID: id, Currency: "USD"}
	for _, o := range d.Orders {
		if o.CustomerID != id || o.Status == sources.StatusCancelled {
			continue
		}
		s.LifetimeValueCents += o.TotalCents
		s.OrderCount++
		if s.LastOrderAt == nil || o.CreatedAt.After(*s.LastOrderAt) {
			at := o.CreatedAt
			s.LastOrderAt = &at
		}
	}
	return s
}

// bruteSummary recomputes a summary from the orders.
func bruteSummary(d *Dataset, since *time.Time) sources.Summary {
	s := sources.Summary{Currency: "USD"}
	active := make(map[string]bool)
	for _, o := range d.Orders {
		if o.Status == sources.StatusCancelled || since != nil && o.CreatedAt.Before(*since) {
			continue
		}
		s.OrderCount++
		s.RevenueCents += o.TotalCents
		active[o.CustomerID] = true
	}
	s.ActiveCustomers = len(active)
	if s.OrderCount > 0 {
		q, r := s.RevenueCents/int64(s.OrderCount), s.RevenueCents%int64(s.OrderCount)
		if 2*r >= int64(s.OrderCount) {
			q++ // half up
		}
		s.AverageOrderValueCents = q
	}
	return s
}

func TestStats(t *testing.T) {
	for _, c := range small.Customers {
		if got, want := small.Stats(c.ID), bruteStats(small, c.ID); !reflect.DeepEqual(got, want) {
			t.Errorf("Stats(%s): got %+v, want %+v", c.ID, got, want)
		}
	}
	if got, want := small.Stats("nobody"), (sources.CustomerStats{CustomerID: "nobody", Currency: "USD"}); !reflect.DeepEqual(got, want) {
		t.Errorf("Stats(nobody): got %+v, want %+v", got, want)
	}
}

func TestSummary(t *testing.T) {
	recent := small.RecentOrders("")
	at := func(t time.Time) *time.Time { return &t }
	tests := []struct {
		name  string
		since *time.Time
	}{
		{"all time", nil},
		{"since the newest order (inclusive)", at(recent[0].CreatedAt)},
		{"just after the newest order", at(recent[0].CreatedAt.Add(time.Second))},
		{"since a middle order (inclusive)", at(recent[len(recent)/2].CreatedAt)},
		{"before every order", at(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))},
		{"in another zone", at(time.Date(2025, 3, 1, 12, 0, 0, 0, time.FixedZone("x", 3600)))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, want := small.Summary(tt.since), bruteSummary(small, tt.since); got != want {
				t.Errorf("got %+v, want %+v", got, want)
			}
		})
	}
}

func TestTopCustomers(t *testing.T) {
	var want []sources.TopCustomer
	for _, c := range small.Customers {
		want = append(want, sources.TopCustomer{CustomerID: c.ID, LifetimeValueCents: bruteStats(small, c.ID).LifetimeValueCents, Currency: "USD"})
	}
	slices.SortFunc(want, func(a, b sources.TopCustomer) int {
		if a.LifetimeValueCents != b.LifetimeValueCents {
			return int(b.LifetimeValueCents - a.LifetimeValueCents)
		}
		return strings.Compare(a.CustomerID, b.CustomerID)
	})
	tests := []struct {
		name string
		n    int
		want []sources.TopCustomer
	}{
		{"first three", 3, want[:3]},
		{"more than there are", len(want) + 5, want},
		{"none", 0, []sources.TopCustomer{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := small.TopCustomers(tt.n); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}
