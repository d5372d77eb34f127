package server_test

import "testing"

// TestDashboardIsFiveSourceCalls: the dashboard is the orders page, the
// top customers, the summary, one customers batch for the customers of
// recentOrders and of topCustomers together, and the stats of the top
// customers.
func TestDashboardIsFiveSourceCalls(t *testing.T) {
	h := newHarness(t)
	a := h.query(operation(t, "dashboard"), nil)
	var got struct {
		Dashboard struct {
			RecentOrders []struct{ Customer *struct{ Name string } }
			TopCustomers []struct{ Name string }
		}
	}
	decodeData(t, a.response(t), &got)
	if len(got.Dashboard.RecentOrders) != 10 || len(got.Dashboard.TopCustomers) != 5 {
		t.Fatalf("dashboard: %s", a.body)
	}
	if n := h.calls(); n != 5 {
		for _, s := range h.svcs.All() {
			for _, r := range s.Requests() {
				t.Logf("%s %s?%s", s.Name(), r.Path, r.RawQuery)
			}
		}
		t.Errorf("source calls: got %d, want 5", n)
	}
	if n := len(h.svcs.Customers.Requests()); n != 1 {
		t.Errorf("customers calls: got %d, want 1", n)
	}
}
