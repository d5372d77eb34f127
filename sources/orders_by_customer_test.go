package sources

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"
)

// TestOrdersByCustomerMatchesTheRule checks ordersByCustomer against the
// rule written plainly, over random answers: each asked customer gets the
// n newest of its orders, a repeated order id counting once (its first
// occurrence, whatever customer that one names), a customer without any
// gets an empty list, and the answer it was given is left as it was (a
// coalesced call shares it).
func TestOrdersByCustomerMatchesTheRule(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for round := range 500 {
		customers := 1 + rng.IntN(6)
		var items []Order
		for range rng.IntN(30) {
			items = append(items, Order{
				ID:         fmt.Sprintf("o%d", rng.IntN(20)), // repeats
				CustomerID: fmt.Sprintf("c%d", rng.IntN(customers+1)),
				Status:     fmt.Sprintf("s%d", rng.IntN(3)),
				CreatedAt:  base.Add(time.Duration(rng.IntN(5)) * time.Hour), // ties
			})
		}
		var ids []string
		for range 1 + rng.IntN(customers+1) {
			ids = append(ids, fmt.Sprintf("c%d", rng.IntN(customers+2)))
		}
		n := rng.IntN(5)
		before := slices.Clone(items)
		got := ordersByCustomer(ids, items, nil, n)
		if !reflect.DeepEqual(items, before) {
			t.Fatalf("round %d: the answer was changed", round)
		}
		for i, id := range ids {
			want := newestOf(items, id, n)
			if got[i].Error != nil || got[i].Data == nil || !reflect.DeepEqual(got[i].Data, want) {
				t.Fatalf("round %d: customer %s of %v, n %d: got %v, %v, want %v", round, id, items, n, got[i].Data, got[i].Error, want)
			}
		}
	}
	failed := errors.New("failed")
	for _, r := range ordersByCustomer([]string{"c1", "c2"}, nil, failed, 3) {
		if r.Error != failed || r.Data != nil {
			t.Errorf("a failed call: got %v, %v, want the error for every key", r.Data, r.Error)
		}
	}
}

// newestOf is the rule: the first occurrence of each order id, those of
// customer id, newest first, at most n.
func newestOf(items []Order, id string, n int) []Order {
	out := []Order{}
	for i, o := range items {
		if o.CustomerID == id && !slices.ContainsFunc(items[:i], func(p Order) bool { return p.ID == o.ID }) {
			out = append(out, o)
		}
	}
	slices.SortFunc(out, NewestFirst)
	return out[:min(n, len(out))]
}
