package sources_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/gqlbff/gqlbff/sources"
	"github.com/gqlbff/gqlbff/sources/demo"
)

// benchData is a small data set: the benchmarks need a few pages of it.
var benchData = demo.NewDataset(demo.DefaultSeed, 200, 2000)

// BenchmarkDecode is the decoding of source answers (JSON into the contract
// types, then the contract checks), per answer of 50 items: what every
// batch call pays.
func BenchmarkDecode(b *testing.B) {
	orders := benchData.RecentOrders("")[:50]
	customers := make([]sources.Customer, 50)
	stats := make([]sources.CustomerStats, 50)
	for i := range 50 {
		id := fmt.Sprintf("c%d", i+1)
		customers[i], _ = benchData.Customer(id)
		stats[i] = benchData.Stats(id)
	}
	b.Run("orders-50", func(b *testing.B) { benchDecode[sources.Order](b, orders) })
	b.Run("customers-50", func(b *testing.B) { benchDecode[sources.Customer](b, customers) })
	b.Run("stats-50", func(b *testing.B) { benchDecode[sources.CustomerStats](b, stats) })
}

func benchDecode[T any](b *testing.B, items []T) {
	body, err := json.Marshal(sources.Page[T]{Items: items})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		var p sources.Page[T]
		if err := sources.Decode(body, &p); err != nil || len(p.Items) != len(items) {
			b.Fatalf("got %d items, %v", len(p.Items), err)
		}
	}
}

// BenchmarkLoaders is dataloader batching end to end: one request's
// loaders, 50 customer keys queued at once (as a list resolver's look-ahead
// does) and read back one by one, over a real demo service on loopback.
// One source call per operation.
func BenchmarkLoaders(b *testing.B) {
	svc := demo.NewService(sources.CustomersSource, benchData)
	srv := httptest.NewServer(svc.Handler())
	defer srv.Close()
	src := sources.New(sources.Config{Customers: sources.ClientConfig{URL: srv.URL}})
	defer src.Close()
	ids := make([]string, 50)
	for i := range ids {
		ids[i] = fmt.Sprintf("c%d", i+1)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		l := src.NewLoaders()
		l.Prefetch().Customers(ctx, ids)
		for _, id := range ids {
			if _, err := l.Customer(ctx, id); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(svc.Calls())/float64(b.N), "calls/op")
}
