package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gqlbff/gqlbff/server"
)

// BenchmarkBatchWait measures what the dataloader's batch window costs and
// buys on the fan-out: latency per operation against source calls per
// operation. It chose sources.DefaultBatchWait (BENCHMARKS.md).
func BenchmarkBatchWait(b *testing.B) {
	for _, wait := range []time.Duration{100 * time.Microsecond, 500 * time.Microsecond, time.Millisecond, 2 * time.Millisecond, 5 * time.Millisecond, 16 * time.Millisecond} {
		for _, op := range []string{"orders_fanout", "aliases"} {
			for _, par := range []int{1, 16} {
				b.Run(fmt.Sprintf("%s/wait=%s/clients=%d", op, wait, par), func(b *testing.B) {
					benchOperation(b, par, op, func(c *server.Config) { c.Sources.BatchWait = wait })
				})
			}
		}
	}
}

// BenchmarkOperations runs each client operation end to end over loopback.
func BenchmarkOperations(b *testing.B) {
	for _, op := range []string{"order_detail", "customers_by_ids", "dashboard", "orders_fanout", "me"} {
		b.Run(op, func(b *testing.B) { benchOperation(b, 1, op, nil) })
	}
}

func benchOperation(b *testing.B, par int, op string, config func(*server.Config)) {
	h := newHarness(b, withConfig(func(c *server.Config) {
		// The budget is checked and charged, and never runs out.
		c.Profiles.Web.Budget = server.BudgetConfig{Capacity: 1e15, RestoreRate: 1e12}
		if config != nil {
			config(c)
		}
	}))
	q := aliasesOp
	if op != "aliases" {
		q = operation(b, op)
	}
	body, _ := json.Marshal(map[string]any{"query": q, "variables": map[string]any{"id": "o42", "ids": []string{"c1", "c2", "c3"}}})
	h.reset()
	b.SetParallelism(par)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, h.srv.URL+"/graphql", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+defaultToken)
			resp, err := h.http.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			var out struct{ Errors []any }
			_ = json.NewDecoder(resp.Body).Decode(&out)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || len(out.Errors) > 0 {
				b.Errorf("status %d, errors %v", resp.StatusCode, out.Errors)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(h.calls())/float64(b.N), "calls/op")
}

// aliasesOp has no list to look ahead from: 20 root fields whose customers
// only the batch window can gather.
var aliasesOp = func() string {
	var b strings.Builder
	b.WriteString("{")
	for i := 1; i <= 20; i++ {
		fmt.Fprintf(&b, " o%d: order(id: \"o%d\") { id customer { name } }", i, i*37)
	}
	b.WriteString(" }")
	return b.String()
}()
