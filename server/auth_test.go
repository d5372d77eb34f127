package server_test

import (
	"net/http"
	"strings"
	"testing"
)

func TestMeIsTheTokenSubject(t *testing.T) {
	h := newHarness(t)
	a := h.query(operation(t, "me"), nil, "Authorization", bearer(token("c7", "web", allScopes...)))
	var got struct{ Me customerJSON }
	decodeData(t, a.response(t), &got)
	want, _ := defaultData().Customer("c7")
	if got.Me.ID != "c7" || got.Me.Email != want.Email || got.Me.Stats == nil || got.Me.Stats.OrderCount != defaultData().Stats("c7").OrderCount {
		t.Errorf("me: got %+v, want c7's record %+v", got.Me, want)
	}
	if n, want := len(got.Me.Orders), min(5, len(defaultData().OrdersOf("c7"))); n != want {
		t.Errorf("me.orders: got %d, want %d", n, want)
	}
}

func TestMissingOrBadTokenIs401WithoutSourceCalls(t *testing.T) {
	h := newHarness(t)
	cases := []struct {
		name, auth, challenge string
	}{
		{"no token", "", "Bearer"},
		{"not bearer", "Basic dXNlcjpwYXNz", `Bearer error="invalid_token"`},
		{"garbage", "Bearer not.a.jwt", `Bearer error="invalid_token"`},
		{"other key", "Bearer " + strings.Replace(defaultToken, defaultToken[len(defaultToken)-5:], "AAAAA", 1), `Bearer error="invalid_token"`},
		{"over 8 KiB", "Bearer " + strings.Repeat("a", 8<<10+1), `Bearer error="invalid_token"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := h.query(`{ order(id: "o1") { id } }`, nil, "Authorization", tc.auth)
			r := a.response(t)
			if a.status != http.StatusUnauthorized || len(r.Errors) != 1 || r.Errors[0].Code() != "UNAUTHENTICATED" {
				t.Errorf("got %d %s, want 401 UNAUTHENTICATED", a.status, a.body)
			}
			if got := a.header.Get("WWW-Authenticate"); got != tc.challenge {
				t.Errorf("WWW-Authenticate: got %q, want %q", got, tc.challenge)
			}
		})
	}
	if n := h.calls(); n != 0 {
		t.Errorf("source calls: got %d, want 0", n)
	}
}

func TestMissingScopeIsForbiddenWithoutSourceCall(t *testing.T) {
	h := newHarness(t)
	a := h.query(`{ order(id: "o1") { id customer { id stats { orderCount } } } dashboard { summary { orderCount } } }`, nil,
		"Authorization", bearer(token("c1", "web", "orders:read", "customers:read")))
	r := a.response(t)
	for _, p := range []string{"order.customer.stats", "dashboard.summary"} {
		if e, ok := r.ErrorAt(p); !ok || e.Code() != "FORBIDDEN" {
			t.Errorf("at %s: got %+v, want FORBIDDEN", p, e)
		}
	}
	if !strings.Contains(string(r.Data), `"customer":{"id":"c`) {
		t.Errorf("allowed fields lost: %s", r.Data)
	}
	if n := h.svcs.Analytics.Calls(); n != 0 {
		t.Errorf("analytics calls for denied fields: got %d, want 0", n)
	}
}
