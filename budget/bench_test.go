package budget_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/gqlbff/gqlbff/budget"
	"github.com/gqlbff/gqlbff/internal/redistest"
)

// BenchmarkTake is one budget check, as the cost extension makes before
// each operation (BENCHMARKS.md): in memory (target under 1 µs), and in
// Redis, one round trip to a redis-server on loopback.
func BenchmarkTake(b *testing.B) {
	ctx := context.Background()
	l := budget.Limit{Capacity: 1e12, Rate: 1e9}
	b.Run("memory", func(b *testing.B) {
		m := budget.NewMemory()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := m.Take(ctx, "web:sub:c1", 752, l); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("memory/1000-clients-parallel", func(b *testing.B) {
		m := budget.NewMemory()
		keys := make([]string, 1000)
		for i := range keys {
			keys[i] = "web:sub:c" + strconv.Itoa(i)
		}
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				i++
				if _, err := m.Take(ctx, keys[i%len(keys)], 752, l); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("redis", func(b *testing.B) {
		srv := redistest.Start(b)
		r, err := budget.NewRedis(srv.URL(), time.Second)
		if err != nil {
			b.Fatal(err)
		}
		defer r.Close()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := r.Take(ctx, "web:sub:c1", 752, l); err != nil {
				b.Fatal(err)
			}
		}
	})
}
