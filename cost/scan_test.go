package cost_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/gqlbff/gqlbff/cost"
)

func TestScan(t *testing.T) {
	cases := []struct {
		name string
		q    string
		want cost.Tally
	}{
		// { orders ( first : 50 ) { edges { node { id } } } }: 17 tokens.
		{"simple", `{ orders(first: 50) { edges { node { id } } } }`, cost.Tally{Tokens: 17, Nesting: 4, Fields: 4}},
		{"aliases count once", `{ a: order(id: "1") { id } x: x b: c }`, cost.Tally{Tokens: 19, Nesting: 2, Fields: 4}},
		{"fragments and type conditions", `query Q { ...F ... on Query { a } ... @include(if: true) { b } } fragment F on Query { c }`,
			cost.Tally{Tokens: 30, Nesting: 2, Fields: 3, Directives: 1}},
		{"a field named on", `{ on ... on T { on } }`, cost.Tally{Tokens: 9, Nesting: 2, Fields: 2}},
		{"directives", `query Q($v: Int @d) @d { a @skip(if: true) @d ...F @d }`, cost.Tally{Tokens: 28, Nesting: 1, Fields: 1, Directives: 5}},
		{"arguments are not fields", `{ a(x: {y: [1, 2], z: {w: null}}, s: "b { c }", t: """d { e }""") }`, cost.Tally{Tokens: 28, Nesting: 3, Fields: 1}},
		{"list types nest", `query($a: [[Int]]) { a }`, cost.Tally{Tokens: 14, Nesting: 2, Fields: 1}},
		{"comments, commas and escapes", "# { x }\n{ a, b # c\n s(v: \"q\\\"{\") }", cost.Tally{Tokens: 10, Nesting: 1, Fields: 3}},
		// gqlparser ends a block string at a run of 3 quotes or more.
		{"block string quote runs", `{ a(s: """x""""", t: """y\""" z""") }`, cost.Tally{Tokens: 11, Nesting: 1, Fields: 1}},
		{"numbers", `{ a(x: -1.5e+3, y: 0) }`, cost.Tally{Tokens: 11, Nesting: 1, Fields: 1}},
		{"unreadable byte stops", `{ a b ~ c d }`, cost.Tally{Tokens: 3, Nesting: 1, Fields: 2}},
		{"unterminated string stops", `{ a(s: "x`, cost.Tally{Tokens: 5, Nesting: 1, Fields: 1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := cost.Scan(tc.q, cost.ScanLimits{})
			if err != nil || got != tc.want {
				t.Errorf("got %+v, %v, want %+v", got, err, tc.want)
			}
		})
	}
}

func TestScanStopsAtTheFirstLimit(t *testing.T) {
	huge := "{ " + strings.Repeat("a ", 499_990) + "}"
	cases := []struct {
		name   string
		q      string
		limits cost.ScanLimits
		want   string
	}{
		{"tokens", huge, cost.ScanLimits{Tokens: 15000}, "tokens"},
		{"fields", huge, cost.ScanLimits{Tokens: 1 << 20, Fields: 500}, "fields"},
		{"nesting", strings.Repeat("{ a ", 1000) + strings.Repeat("}", 1000), cost.ScanLimits{Nesting: 100}, "nesting"},
		{"directives", `{ a ` + strings.Repeat("@d ", 51) + `}`, cost.ScanLimits{Directives: 50}, "directives"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := cost.Scan(tc.q, tc.limits)
			var le *cost.LimitError
			if !errors.As(err, &le) || le.Limit != tc.want || le.Got != -1 {
				t.Errorf("got %v, want a %s LimitError", err, tc.want)
			}
		})
	}
	if _, err := cost.Scan(`{ a }`, cost.ScanLimits{Tokens: 3, Nesting: 1, Fields: 1}); err != nil {
		t.Errorf("at the limits: got %v, want none", err)
	}
}

// FuzzScan checks that Scan's counts are lower bounds of what the parser
// and Measure find, so that Scan never refuses a document they accept.
func FuzzScan(f *testing.F) {
	for _, name := range []string{"orders_fanout", "dashboard", "me", "order_detail", "customers_by_ids"} {
		f.Add(operationFile(f, name))
	}
	f.Add(`query Q($v: [Int] = [1] @d) @d { x: x a: b(s: "{ a }", o: {k: [{}]}) { ...F ... on T @i { on } } } fragment F on T { c # d
	}`)
	f.Add("{ a(s: \"\"\"x \\\"\"\" y\"\"\") }")
	f.Fuzz(func(t *testing.T, q string) {
		tally, _ := cost.Scan(q, cost.ScanLimits{})
		doc, err := parser.ParseQuery(&ast.Source{Input: q})
		if err != nil {
			return
		}
		s, err := cost.Measure(context.Background(), doc, 1<<30)
		if err != nil {
			return // a fragment cycle
		}
		if tally.Fields > s.Fields || tally.Directives > s.Directives {
			t.Fatalf("scan %+v over measure %+v", tally, s)
		}
		if tally.Tokens > 1 {
			if _, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: q}, tally.Tokens-1); err == nil {
				t.Fatalf("scan counted %d tokens, the parser fewer", tally.Tokens)
			}
		}
	})
}

// BenchmarkScan is the lexical first line on the hostile documents.
func BenchmarkScan(b *testing.B) {
	huge := "{ " + strings.Repeat("a ", 499_990) + "}"
	b.Run("1 MiB of tokens", func(b *testing.B) {
		for b.Loop() {
			_, _ = cost.Scan(huge, cost.ScanLimits{Tokens: 15000, Fields: 500})
		}
	})
	q := operationFile(b, "orders_fanout")
	b.Run("orders_fanout", func(b *testing.B) {
		for b.Loop() {
			_, _ = cost.Scan(q, cost.ScanLimits{Tokens: 15000, Fields: 500})
		}
	})
}
