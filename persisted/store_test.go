package persisted_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"github.com/gqlbff/gqlbff/internal/redistest"
	"github.com/gqlbff/gqlbff/persisted"
)

func TestMemoryStoreIsBounded(t *testing.T) {
	s, err := persisted.NewMemoryStore(2)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, k := range []string{"a", "b", "c"} {
		_ = s.Put(ctx, k, "{ "+k+" }")
	}
	if _, ok, _ := s.Get(ctx, "a"); ok || s.Len() != 2 {
		t.Errorf("got %d entries with the oldest kept (%v), want 2 without it", s.Len(), ok)
	}
	_ = s.Put(ctx, "big", strings.Repeat(" ", persisted.MaxAPQBytes+1))
	if _, ok, _ := s.Get(ctx, "big"); ok {
		t.Error("a text over MaxAPQBytes was kept")
	}
}

func newRedisStore(t *testing.T, url string) *persisted.RedisStore {
	t.Helper()
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	opts.MaxRetries = -1
	opts.DialTimeout, opts.ReadTimeout, opts.WriteTimeout = 100*time.Millisecond, 100*time.Millisecond, 100*time.Millisecond
	opts.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { _ = rdb.Close() })
	local, err := persisted.NewMemoryStore(10)
	if err != nil {
		t.Fatal(err)
	}
	return persisted.NewRedisStore(rdb, local, persisted.RedisStoreConfig{Prefix: "test:apq:", TTL: time.Minute, Timeout: 100 * time.Millisecond}, nil)
}

func TestRedisStoreIsShared(t *testing.T) {
	srv := redistest.Start(t)
	a, b := newRedisStore(t, srv.URL()), newRedisStore(t, srv.URL())
	ctx := context.Background()
	if _, ok, err := b.Get(ctx, hash64); ok || err != nil {
		t.Fatalf("before any registration: got %v, %v; want a miss", ok, err)
	}
	if err := a.Put(ctx, hash64, ordersDoc); err != nil {
		t.Fatal(err)
	}
	if got, ok, err := b.Get(ctx, hash64); !ok || err != nil || got != ordersDoc {
		t.Errorf("the other replica: got %q, %v, %v; want the text", got, ok, err)
	}
}

func TestRedisStoreFallsBackToMemoryWhenRedisIsDown(t *testing.T) {
	srv := redistest.Start(t)
	s := newRedisStore(t, srv.URL())
	ctx := context.Background()
	if err := s.Put(ctx, "known", ordersDoc); err != nil {
		t.Fatal(err)
	}
	srv.Kill()

	start := time.Now()
	if err := s.Put(ctx, "new", orderDoc); err == nil {
		t.Error("put with Redis down: got no error, want one to log")
	}
	if got, ok, _ := s.Get(ctx, "new"); !ok || got != orderDoc {
		t.Errorf("a registration made while Redis is down: got %q, %v; want it kept in memory", got, ok)
	}
	if got, ok, _ := s.Get(ctx, "known"); !ok || got != ordersDoc {
		t.Errorf("a registration made before: got %q, %v; want it from memory", got, ok)
	}
	// In the cooldown, a miss does not wait for Redis.
	for range 20 {
		if _, ok, err := s.Get(ctx, "unknown"); ok || err != nil {
			t.Fatalf("got %v, %v; want a plain miss", ok, err)
		}
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("22 calls with Redis down took %s, want about one Redis timeout (100ms)", d)
	}

	srv.Restart()
	time.Sleep(1100 * time.Millisecond) // past the cooldown
	if err := s.Put(ctx, "after", ordersDoc); err != nil {
		t.Errorf("put after Redis came back: %v", err)
	}
	other := newRedisStore(t, srv.URL())
	if _, ok, _ := other.Get(ctx, "after"); !ok {
		t.Error("a registration after Redis came back is not shared")
	}
}
