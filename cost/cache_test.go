package cost_test

import (
	"testing"

	"github.com/gqlbff/gqlbff/cost"
)

func TestPricesOfTrustedDocuments(t *testing.T) {
	a := analyzer(t)
	p := cost.NewPrices(a)
	doc, _, _ := validated(t, `
		query Fixed { orders(first: 5) { edges { node { id } } } }
		query Paged($n: Int) { orders(first: $n) { edges { node { id } } } }`, nil)
	got, err := p.Load("sha256:abc", doc)
	if err != nil {
		t.Fatal(err)
	}
	// Fixed: 1 + 5 × 3 = 16. Paged at the default first 20: 1 + 20 × 3 = 61.
	if got["Fixed"].Cost != 16 || got["Fixed"].Variable || got["Paged"].Cost != 61 || !got["Paged"].Variable {
		t.Fatalf("Load: got %+v, want Fixed 16 fixed, Paged 61 variable", got)
	}
	fixed, paged := doc.Operations.ForName("Fixed"), doc.Operations.ForName("Paged")
	cases := []struct {
		name string
		hash string
		op   string
		vars map[string]any
		want int64
	}{
		{"fixed, from the cache", "sha256:abc", "Fixed", nil, 16},
		// Paged with n = 2: 1 + 2 × 3 = 7, priced again.
		{"variable, priced again", "sha256:abc", "Paged", map[string]any{"n": int64(2)}, 7},
		{"unknown hash, priced", "sha256:other", "Fixed", nil, 16},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			op := fixed
			if tc.op == "Paged" {
				op = paged
			}
			est, err := p.Price(tc.hash, doc, op, tc.vars)
			if err != nil {
				t.Fatal(err)
			}
			if est.Cost != tc.want {
				t.Errorf("got %d, want %d", est.Cost, tc.want)
			}
		})
	}
}
