package server_test

import (
	"testing"
	"time"

	"github.com/gqlbff/gqlbff/internal/redistest"
	"github.com/gqlbff/gqlbff/server"
)

// TestRedisCommandDurationByStore checks that every Redis client gqlbff
// makes (the budgets', the APQ registrations', the record cache's) times
// its commands into gqlbff_redis_command_duration_seconds under its own
// store label, and that the series carry no other label (no keys, no
// users).
func TestRedisCommandDurationByStore(t *testing.T) {
	t.Parallel()
	rs := redistest.Start(t)
	h := newHarness(t, withRedis(rs.URL(), server.FailOpen), withConfig(func(c *server.Config) {
		c.Sources.Cache.TTL = time.Minute
		c.Sources.Cache.Vary = "none"
		c.Sources.Cache.KeySecret = "a-secret-the-replicas-would-share"
	}))
	const name = "gqlbff_redis_command_duration_seconds"
	counts := func() map[string]float64 {
		t.Helper()
		m := h.scrape()
		out := map[string]float64{}
		for _, store := range []string{"budgets", "apq", "cache"} {
			out[store], _ = m.value(name, "store="+store)
		}
		if fam := m[name]; fam != nil {
			for _, s := range fam.GetMetric() {
				if l := s.GetLabel(); len(l) != 1 || l[0].GetName() != "store" {
					t.Errorf("%s series with labels %v, want store only", name, l)
				}
			}
		}
		return out
	}
	before := counts()

	// A plain query: its budget is checked and charged in Redis, its
	// records looked up and stored there; no APQ lookup.
	h.query(operation(t, "me"), nil).response(t, "me")
	afterQuery := counts()
	if afterQuery["budgets"] <= before["budgets"] {
		t.Errorf("budgets: %v commands before a query, %v after, want more", before["budgets"], afterQuery["budgets"])
	}
	if afterQuery["cache"] <= before["cache"] {
		t.Errorf("cache: %v commands before a query, %v after, want more", before["cache"], afterQuery["cache"])
	}
	if afterQuery["apq"] != before["apq"] {
		t.Errorf("apq: %v commands before a query without a hash, %v after, want no change", before["apq"], afterQuery["apq"])
	}

	// A hash the store has never seen: looked up in Redis; then the text
	// is registered there.
	text := operation(t, "order_detail")
	vars := map[string]any{"id": "o42"}
	h.postJSON(map[string]any{"variables": vars, "extensions": apq(text)}).response(t)
	afterMiss := counts()
	if afterMiss["apq"] <= afterQuery["apq"] {
		t.Errorf("apq: %v commands before an APQ lookup, %v after, want more", afterQuery["apq"], afterMiss["apq"])
	}
	h.postJSON(map[string]any{"query": text, "variables": vars, "extensions": apq(text)}).response(t)
	if got := counts()["apq"]; got <= afterMiss["apq"] {
		t.Errorf("apq: %v commands before an APQ registration, %v after, want more", afterMiss["apq"], got)
	}
}
