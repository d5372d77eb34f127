package server_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/gqlbff/gqlbff/server"
)

// TestAmountLimit: a page (`first`) or an id list (`ids`) over
// graphql.maxPage, or over the profile's lower maxPage, is refused with
// BAD_USER_INPUT before any source is called, whether it is written in
// the document, in a variable or in a fragment.
func TestAmountLimit(t *testing.T) {
	h := newHarness(t, withConfig(func(c *server.Config) {
		c.GraphQL.MaxPage = 30
		c.Profiles.Mobile.MaxPage = 5
	}))
	ids := func(n int) string {
		s := make([]string, n)
		for i := range s {
			s[i] = fmt.Sprintf("%q", fmt.Sprintf("c%d", i+1))
		}
		return "[" + strings.Join(s, ",") + "]"
	}
	mobile := []string{"Authorization", bearer(token("c1", "mobile", allScopes...))}
	cases := []struct {
		name   string
		query  string
		vars   map[string]any
		header []string
		ok     bool
	}{
		{"first at the limit", `{ dashboard { recentOrders(first: 30) { id } } }`, nil, nil, true},
		{"first over it", `{ dashboard { recentOrders(first: 31) { id } } }`, nil, nil, false},
		{"first over it in a variable", `query($n: Int) { dashboard { recentOrders(first: $n) { id } } }`, map[string]any{"n": 31}, nil, false},
		{"first over it in a fragment", `{ dashboard { ...R } } fragment R on Dashboard { recentOrders(first: 31) { id } }`, nil, nil, false},
		{"ids at the limit", `{ customers(ids: ` + ids(30) + `) { id } }`, nil, nil, true},
		{"ids over it", `{ customers(ids: ` + ids(31) + `) { id } }`, nil, nil, false},
		{"mobile, first at its own limit", `{ dashboard { recentOrders(first: 5) { id } } }`, nil, mobile, true},
		{"mobile, first over its own limit", `{ dashboard { recentOrders(first: 6) { id } } }`, nil, mobile, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h.reset()
			a := h.query(tc.query, tc.vars, tc.header...)
			if tc.ok {
				if a.status != http.StatusOK {
					t.Errorf("got %d %s, want 200", a.status, a.body)
				}
				return
			}
			if r := a.response(t); a.status != http.StatusBadRequest || len(r.Errors) == 0 || r.Errors[0].Code() != "BAD_USER_INPUT" {
				t.Errorf("got %d %s, want 400 BAD_USER_INPUT", a.status, a.body)
			}
			if n := h.calls(); n != 0 {
				t.Errorf("%d source calls, want none", n)
			}
		})
	}
}
