package cost_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/gqlbff/gqlbff/cost"
	"github.com/gqlbff/gqlbff/internal/testkit"
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

// BenchmarkInstance is the actual-cost meter's work per resolved field:
// in a validated document (gqlgen's) and by name.
func BenchmarkInstance(b *testing.B) {
	a := analyzer(b)
	doc, _, _ := validated(b, `{ customer(id: "c1") { orders(first: 3) { id } } }`, nil)
	validatedField := doc.Operations[0].SelectionSet[0].(*ast.Field).SelectionSet[0].(*ast.Field)
	list := make([]struct{ ID string }, 3)
	for name, f := range map[string]*ast.Field{"validated": validatedField, "by name": {Name: "orders"}} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if a.Instance("Customer", f, list) != 6 {
					b.Fatal("wrong cost")
				}
			}
		})
	}
}

// BenchmarkMeasure is the structure measurer's work against the document's
// size, on the hostile shapes of testkit.Hostile (fragment bombs
// included), 1, 10 and 100 KB, parsed beforehand: linear when ns/byte
// stays flat from one size to the next (BENCHMARKS.md).
func BenchmarkMeasure(b *testing.B) {
	for _, shape := range testkit.HostileShapes {
		for _, size := range []int{1 << 10, 10 << 10, 100 << 10} {
			q := testkit.Hostile(shape, size)
			doc, err := parser.ParseQuery(&ast.Source{Input: q})
			if err != nil {
				b.Fatal(err)
			}
			b.Run(fmt.Sprintf("%s/%dKB", shape, size>>10), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := cost.Measure(context.Background(), doc, 1<<30); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(q)), "ns/byte")
			})
		}
	}
}
