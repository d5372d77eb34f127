package engine_test

import (
	"testing"
)

// BenchmarkFanout is orders_fanout's answer (50 orders with customers,
// stats and last orders, ~15 KB) from resolvers answering from memory, on
// gqlgen's executor and on the engine: the executors' own cost
// (BENCHMARKS.md).
func BenchmarkFanout(b *testing.B) {
	scopes := ptr("orders:read customers:read analytics:read")
	for _, tc := range []struct {
		name   string
		engine bool
	}{{"gqlgen", false}, {"plans", true}} {
		b.Run(tc.name, func(b *testing.B) {
			x := executors(newMemory(50), tc.engine)
			if out := run(x, fanout, nil, scopes); len(out) < 10000 {
				b.Fatalf("short answer: %s", out)
			}
			b.ReportAllocs()
			for b.Loop() {
				run(x, fanout, nil, scopes)
			}
		})
	}
}
