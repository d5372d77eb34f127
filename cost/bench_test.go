package cost_test

import (
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
)

// BenchmarkPrice prices the client operations, as the cost extension does
// for every request (BENCHMARKS.md; the target for orders_fanout is 20 µs).
func BenchmarkPrice(b *testing.B) {
	a := analyzer(b)
	for _, name := range []string{"orders_fanout", "dashboard", "order_detail"} {
		doc, op, vars := validated(b, operationFile(b, name), map[string]any{"id": "o1"})
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := a.Price(doc, op, vars); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/explain", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := a.Explain(doc, op, vars); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkInstance is the actual-cost meter's work per resolved field.
func BenchmarkInstance(b *testing.B) {
	a := analyzer(b)
	f := &ast.Field{Name: "orders"}
	list := make([]struct{ ID string }, 3)
	b.ReportAllocs()
	for b.Loop() {
		_ = a.Instance("Customer", f, list)
	}
}
