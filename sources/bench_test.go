package sources_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gqlbff/gqlbff/caller"
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

// BenchmarkSourceCall is one source call as a request makes it: under the
// request's deadline (made per operation, as the server does), coalescing
// on, each call for one of 500 users (so that nothing is shared), over a
// real demo service on loopback in this process. "parallel" keeps 32
// calls in flight on the machine's GOMAXPROCS. cpu-µs/op is this
// process's CPU time per call (the service's included, the same for all).
func BenchmarkSourceCall(b *testing.B) {
	svc := demo.NewService(sources.OrdersSource, benchData)
	srv := httptest.NewServer(svc.Handler())
	defer srv.Close()
	cfg := sources.ClientConfig{URL: srv.URL, Coalesce: true, Retries: sources.DefaultRetries}
	src := sources.New(sources.Config{Orders: cfg})
	defer src.Close()
	users := make([]caller.Caller, 500)
	for i := range users {
		users[i] = caller.Caller{Subject: fmt.Sprintf("c%d", i+1), Scopes: []string{"orders:read"}, RequestID: "r"}
	}
	call := func(i int) error {
		ctx, cancel := context.WithTimeout(caller.With(context.Background(), users[i%len(users)]), 10*time.Second)
		defer cancel()
		_, err := src.Orders.ByID(ctx, "o1")
		return err
	}
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		start := cpuTime()
		i := 0
		for b.Loop() {
			if err := call(i); err != nil {
				b.Fatal(err)
			}
			i++
		}
		b.ReportMetric(float64((cpuTime()-start).Microseconds())/float64(b.N), "cpu-µs/op")
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.SetParallelism(max(1, 32/runtime.GOMAXPROCS(0)))
		var n atomic.Int64
		start := cpuTime()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := call(int(n.Add(1))); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64((cpuTime()-start).Microseconds())/float64(b.N), "cpu-µs/op")
	})
}

// cpuTime is the process's CPU time so far, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
