package server_test

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gqlbff/gqlbff/server"
)

// idsOp costs 2 per id (cost/price_test.go): 30 ids are 60 points, and,
// every id known, the actual cost is the requested one.
const idsOp = `query($ids: [ID!]!) { customers(ids: $ids) { id } }`

func customerIDs(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("c%d", i+1)
	}
	return out
}

// smallBudget: 100 points, 10 back a second.
func smallBudget(c *server.Config) {
	c.Profiles.Web.Budget = server.BudgetConfig{Capacity: 100, RestoreRate: 10}
}

// spend asks for 60 points as the client of auth.
func spend(h *harness, auth ...string) answer {
	h.t.Helper()
	return h.query(idsOp, map[string]any{"ids": customerIDs(30)}, auth...)
}

func retryAfter(t *testing.T, a answer) int {
	t.Helper()
	n, err := strconv.Atoi(a.header.Get("Retry-After"))
	if err != nil {
		t.Fatalf("Retry-After: got %q, want whole seconds", a.header.Get("Retry-After"))
	}
	return n
}

// checkRetryAfter checks a 429 against the budget it reports: retryAfterMs
// is the time until a bucket holding currentlyAvailable (floored, so the
// real figure is up to 1 more) has the requested cost at rate, and
// Retry-After is that time in whole seconds, rounded up. It returns
// Retry-After.
func checkRetryAfter(t *testing.T, a answer, rate float64) int {
	t.Helper()
	r := a.response(t)
	c := costOf(t, r)
	if a.status != http.StatusTooManyRequests || len(r.Errors) != 1 || r.Errors[0].Code() != "RATE_LIMITED" || c.ThrottleStatus == nil {
		t.Fatalf("got %d %s, want 429 RATE_LIMITED with the budget", a.status, a.body)
	}
	missing := float64(c.RequestedQueryCost) - c.ThrottleStatus.CurrentlyAvailable
	ms, _ := r.Errors[0].Extensions["retryAfterMs"].(float64)
	if lo, hi := (missing-1)/rate*1000, missing/rate*1000+1; ms <= lo || ms > hi {
		t.Errorf("retryAfterMs: got %v, want in (%v, %v]", ms, lo, hi)
	}
	got := retryAfter(t, a)
	if want := max(1, int(math.Ceil(ms/1000))); got != want {
		t.Errorf("Retry-After: got %d, want %d (%vms rounded up)", got, want, ms)
	}
	return got
}

func TestSpentBudgetIs429UntilItRefills(t *testing.T) {
	h := newHarness(t, withConfig(smallBudget))
	a := spend(h)
	if a.status != http.StatusOK {
		t.Fatalf("first: got %d %s, want 200", a.status, a.body)
	}
	if c := costOf(t, a.response(t)); c.ThrottleStatus == nil || c.ThrottleStatus.CurrentlyAvailable != 40 {
		t.Fatalf("after 60 of 100: got %+v, want 40 available", c.ThrottleStatus)
	}
	calls := h.calls()
	a = spend(h)
	// 60 asked, about 40 held, 10 a second: 20 missing, 2 s (less if the
	// machine was slow between the two requests).
	wait := checkRetryAfter(t, a, 10)
	if wait < 1 || wait > 2 {
		t.Errorf("Retry-After: got %d, want 2 (20 points missing at 10/s)", wait)
	}
	c := costOf(t, a.response(t))
	if c.RequestedQueryCost != 60 || c.ActualQueryCost != 0 || c.ThrottleStatus.CurrentlyAvailable < 40 || c.ThrottleStatus.CurrentlyAvailable >= 60 {
		t.Errorf("extensions.cost: got %+v, want 60 requested, nothing charged, about 40 available", c)
	}
	if n := h.calls(); n != calls {
		t.Errorf("source calls of the refused request: got %d, want 0", n-calls)
	}
	time.Sleep(time.Duration(wait) * time.Second)
	if a := spend(h); a.status != http.StatusOK {
		t.Errorf("after Retry-After: got %d %s, want 200", a.status, a.body)
	}
}

func TestClientsDoNotShareABudget(t *testing.T) {
	h := newHarness(t, withConfig(smallBudget))
	alice := []string{"Authorization", bearer(token("alice", "web", allScopes...))}
	bob := []string{"Authorization", bearer(token("bob", "web", allScopes...))}
	if a := spend(h, alice...); a.status != http.StatusOK {
		t.Fatalf("alice: got %d, want 200", a.status)
	}
	if a := spend(h, alice...); a.status != http.StatusTooManyRequests {
		t.Fatalf("alice again: got %d, want 429", a.status)
	}
	a := spend(h, bob...)
	if a.status != http.StatusOK {
		t.Fatalf("bob: got %d %s, want 200: his own bucket", a.status, a.body)
	}
	if c := costOf(t, a.response(t)); c.ThrottleStatus.CurrentlyAvailable != 40 {
		t.Errorf("bob's bucket: got %v available, want 40", c.ThrottleStatus.CurrentlyAvailable)
	}
	// The same subject under another profile has another bucket.
	if a := spend(h, "Authorization", bearer(token("alice", "mobile", allScopes...))); a.status != http.StatusOK {
		t.Errorf("alice on mobile: got %d, want 200", a.status)
	}
}

func TestAnonymousClientsAreToldApartByAddress(t *testing.T) {
	anonymous := func(trusted ...string) func(*server.Config) {
		return func(c *server.Config) {
			c.Profiles.Web.Budget = server.BudgetConfig{Capacity: 15, RestoreRate: 1}
			c.Profiles.Web.AllowAnonymous = true
			c.HTTP.TrustedProxies = trusted
		}
	}
	// An anonymous caller holds no scope: what it may read without one is
	// the dashboard object, 1 point each; ten of them cost 10.
	var dashboards strings.Builder
	dashboards.WriteString("{")
	for i := range 10 {
		fmt.Fprintf(&dashboards, " d%d: dashboard { __typename }", i)
	}
	dashboards.WriteString(" }")
	spend := func(h *harness, header ...string) answer {
		return h.query(dashboards.String(), nil, header...)
	}
	cases := []struct {
		name    string
		trusted []string
		// other is the status of a request from another forwarded address
		// once the first address has spent its budget.
		other int
	}{
		{"X-Forwarded-For ignored without trusted proxies", nil, http.StatusTooManyRequests},
		{"X-Forwarded-For read from a trusted proxy", []string{"127.0.0.0/8"}, http.StatusOK},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, withConfig(anonymous(tc.trusted...)))
			first := []string{"Authorization", "", "X-Forwarded-For", "198.51.100.7"}
			if a := spend(h, first...); a.status != http.StatusOK {
				t.Fatalf("first: got %d %s, want 200", a.status, a.body)
			}
			// 10 asked, 5 held, 1 a second: 5 s.
			if got := checkRetryAfter(t, spend(h, first...), 1); got < 4 || got > 5 {
				t.Errorf("Retry-After: got %d, want 5", got)
			}
			// What the client writes before the proxy's own hop is not
			// believed.
			spoofed := []string{"Authorization", "", "X-Forwarded-For", "203.0.113.9, 198.51.100.7"}
			if a := spend(h, spoofed...); a.status != http.StatusTooManyRequests {
				t.Errorf("spoofed address: got %d, want 429", a.status)
			}
			other := []string{"Authorization", "", "X-Forwarded-For", "203.0.113.9"}
			if a := spend(h, other...); a.status != tc.other {
				t.Errorf("another address: got %d, want %d", a.status, tc.other)
			}
		})
	}
}

// The actual cost is charged: what the requested cost overestimated comes
// back to the bucket.
func TestActualCostIsCharged(t *testing.T) {
	h := newHarness(t, withConfig(func(c *server.Config) {
		c.Profiles.Web.Budget = server.BudgetConfig{Capacity: 1000, RestoreRate: 0.001}
	}))
	a := h.query(`{ customer(id: "c7") { orders(first: 100) { id } } }`, nil)
	c := costOf(t, a.response(t))
	// Requested: customer 2 + 100 × 2 = 202. Charged: 2 + 2 per order c7
	// really has.
	n := len(defaultData().OrdersOf("c7"))
	if n >= 100 {
		t.Fatalf("c7 has %d orders: pick a customer with fewer than 100", n)
	}
	want := int64(2 + 2*n)
	if c.RequestedQueryCost != 202 || c.ActualQueryCost != want {
		t.Fatalf("got requested %d actual %d, want 202 and %d", c.RequestedQueryCost, c.ActualQueryCost, want)
	}
	if got := c.ThrottleStatus.CurrentlyAvailable; math.Abs(got-float64(1000-want)) > 1 {
		t.Errorf("available: got %v, want %d (1000 - actual)", got, 1000-want)
	}
}
