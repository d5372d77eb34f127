package cache_test

import (
	"context"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/gqlbff/gqlbff/internal/redistest"
	"github.com/gqlbff/gqlbff/sources/cache"
)

type record struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
	Tier  string `json:"tier"`
}

func decodeRecord(b []byte) (any, error) {
	r := new(record)
	return r, json.Unmarshal(b, r)
}

// BenchmarkLookup is the cost of finding records, per tier: a batch of n
// fresh records, all in memory, or all in Redis (a real redis-server on
// loopback; the in-memory tier holds nothing past a nanosecond).
func BenchmarkLookup(b *testing.B) {
	rs := redistest.Start(b)
	for _, tier := range []string{"memory", "redis"} {
		cfg := cache.Config{Version: "bench", Secret: []byte("a-bench-key-secret-of-32-bytes!!")}
		if tier == "redis" {
			cfg.RedisURL, cfg.MemoryTTL, cfg.RedisTimeout = rs.URL(), time.Nanosecond, time.Second
		}
		store, err := cache.New(cfg)
		if err != nil {
			b.Fatal(err)
		}
		bucket := store.Bucket("customers", cache.Policy{TTL: time.Hour, Vary: cache.VaryUser})
		who := cache.Caller{UserID: "c1", Scopes: []string{"customers:read"}}
		for _, n := range []int{1, 10, 100} {
			keys := make([]cache.Key, n)
			items := make([]cache.Item, n)
			for i := range keys {
				id := "c" + strconv.Itoa(i)
				keys[i] = cache.Key{Endpoint: "customers.byIDs", Params: id, ID: id}
				items[i] = cache.Item{Index: i, Value: &record{ID: id, Name: "Name " + id, Email: id + "@example.com", Tier: "GOLD"}}
			}
			ctx := context.Background()
			bucket.Lookup(ctx, who, keys, decodeRecord).Store(ctx, items)
			b.Run(tier+"/ids="+strconv.Itoa(n), func(b *testing.B) {
				for b.Loop() {
					l := bucket.Lookup(ctx, who, keys, decodeRecord)
					if !l.Hits[n-1].Fresh {
						b.Fatal("not a hit")
					}
				}
			})
		}
		_ = store.Close()
	}
}
