package server_test

import (
	"context"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/gqlbff/gqlbff/budget"
	"github.com/gqlbff/gqlbff/caller"
	"github.com/gqlbff/gqlbff/server"
)

// deadRedis is a Redis URL nothing listens on.
func deadRedis(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "redis://" + addr + "/0"
}

// TestCostStatsCount runs operations through gqlgen's executor with the
// cost extension alone and reads its counters.
func TestCostStatsCount(t *testing.T) {
	dead := deadRedis(t)
	cases := []struct {
		name   string
		config func(*server.Config)
		redis  bool
		ops    int
		want   server.CostStats
		code   string
	}{
		{"served", nil, false, 2, server.CostStats{Priced: 2}, ""},
		{"over the limit", func(c *server.Config) { c.Profiles.Web.MaxCost = 100 }, false, 2, server.CostStats{Priced: 2, Refused: 2}, "COST_LIMIT_EXCEEDED"},
		{"over the limit, measured", func(c *server.Config) { c.Profiles.Web.MaxCost = 100; c.Profiles.Web.CostMode = "measure" }, false, 2,
			server.CostStats{Priced: 2, WouldRefuse: 2}, ""},
		// 1000 points: the second fan-out (752) finds 248.
		{"budget spent", func(c *server.Config) { c.Profiles.Web.Budget.Capacity = 1000 }, false, 2, server.CostStats{Priced: 2, RateLimited: 1}, "RATE_LIMITED"},
		{"budget spent, measured", func(c *server.Config) { c.Profiles.Web.Budget.Capacity = 1000; c.Profiles.Web.CostMode = "measure" }, false, 2,
			server.CostStats{Priced: 2, WouldRateLimit: 1}, ""},
		{"store down, fail open", nil, true, 2, server.CostStats{Priced: 2, StoreErrors: 2}, ""},
		{"store down, fail closed", func(c *server.Config) { c.Redis.FailMode = server.FailClosed }, true, 2, server.CostStats{Priced: 2, StoreErrors: 2}, "RATE_LIMITED"},
	}
	q := operation(t, "orders_fanout")
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := server.Default()
			if tc.config != nil {
				tc.config(&cfg)
			}
			var store budget.Store = budget.NewMemory()
			if tc.redis {
				r, err := budget.NewRedis(dead, 100*time.Millisecond)
				if err != nil {
					t.Fatal(err)
				}
				store = r
			}
			defer store.Close()
			cl := server.NewCostLimit(cfg, store, slog.New(slog.DiscardHandler))
			e := newExecutor(cl, 0)
			var lastCode string
			for range tc.ops {
				ctx := graphql.StartOperationTrace(caller.With(context.Background(), caller.Caller{Subject: "c1", Client: server.ProfileWeb}))
				_, errs := e.CreateOperationContext(ctx, &graphql.RawParams{Query: q})
				lastCode = ""
				if len(errs) > 0 {
					lastCode, _ = errs[0].Extensions["code"].(string)
				}
			}
			if got := cl.Stats(); got != tc.want {
				t.Errorf("stats: got %+v, want %+v", got, tc.want)
			}
			if lastCode != tc.code {
				t.Errorf("last refusal: got %q, want %q", lastCode, tc.code)
			}
		})
	}
}
