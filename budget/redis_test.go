package budget_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gqlbff/gqlbff/budget"
	"github.com/gqlbff/gqlbff/internal/redistest"
)

func newRedis(t *testing.T, url string) *budget.Redis {
	t.Helper()
	r, err := budget.NewRedis(url, 200*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return r
}

func near(got, want, tolerance float64) bool { return got >= want-tolerance && got <= want+tolerance }

func TestRedisBucket(t *testing.T) {
	srv := redistest.Start(t)
	r := newRedis(t, srv.URL())
	ctx := context.Background()
	// A slow rate keeps the refill during the test under 0.01 point.
	l := budget.Limit{Capacity: 100, Rate: 0.01}

	st, err := r.Take(ctx, "web:sub:a", 70, l)
	if err != nil || !st.Allowed || !near(st.Available, 30, 0.01) {
		t.Fatalf("take 70 of a new bucket: got %+v, %v, want allowed with 30 left", st, err)
	}
	st, err = r.Take(ctx, "web:sub:a", 50, l)
	// 20 missing at 0.01/s: 2000s.
	if err != nil || st.Allowed || !near(st.RetryAfter.Seconds(), 2000, 2) {
		t.Fatalf("take 50 of 30: got %+v, %v, want refused, retry after about 2000s", st, err)
	}
	st, err = r.Adjust(ctx, "web:sub:a", -50, l)
	if err != nil || !near(st.Available, 80, 0.01) {
		t.Fatalf("give back 50: got %+v, %v, want 80", st, err)
	}
	st, err = r.Adjust(ctx, "web:sub:a", -500, l)
	if err != nil || !near(st.Available, 100, 0.01) {
		t.Fatalf("give back 500: got %+v, %v, want the capacity, 100", st, err)
	}
	st, err = r.Take(ctx, "web:sub:b", 100, l)
	if err != nil || !st.Allowed {
		t.Fatalf("another key: got %+v, %v, want its own full bucket", st, err)
	}

	// The key expires when the bucket would be full again.
	raw := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer raw.Close()
	ttl, err := raw.PTTL(ctx, budget.KeyPrefix+"web:sub:b").Result()
	if want := 100/0.01*time.Second + time.Second; err != nil || ttl <= 0 || ttl > want {
		t.Errorf("TTL: got %s, %v, want in (0, %s]", ttl, err, want)
	}
}

func TestRedisRefillsOnTheServersClock(t *testing.T) {
	srv := redistest.Start(t)
	r := newRedis(t, srv.URL())
	ctx := context.Background()
	l := budget.Limit{Capacity: 10, Rate: 100}
	if st, err := r.Take(ctx, "k", 10, l); err != nil || !st.Allowed {
		t.Fatalf("got %+v, %v", st, err)
	}
	st, err := r.Take(ctx, "k", 5, l)
	if err != nil || st.Allowed || st.RetryAfter <= 0 || st.RetryAfter > 50*time.Millisecond {
		t.Fatalf("got %+v, %v, want refused with a retry under 50ms", st, err)
	}
	time.Sleep(st.RetryAfter + 5*time.Millisecond)
	if st, err := r.Take(ctx, "k", 5, l); err != nil || !st.Allowed {
		t.Errorf("after the retry delay: got %+v, %v, want allowed", st, err)
	}
}

func TestRedisSharedByTwoClients(t *testing.T) {
	srv := redistest.Start(t)
	a, b := newRedis(t, srv.URL()), newRedis(t, srv.URL())
	ctx := context.Background()
	l := budget.Limit{Capacity: 10, Rate: 0.01}
	if st, err := a.Take(ctx, "k", 10, l); err != nil || !st.Allowed {
		t.Fatalf("spend on a: got %+v, %v", st, err)
	}
	if st, err := b.Take(ctx, "k", 1, l); err != nil || st.Allowed {
		t.Errorf("take on b: got %+v, %v, want refused: one bucket", st, err)
	}
}

func TestRedisDownIsUnavailableWithinTheTimeout(t *testing.T) {
	srv := redistest.Start(t)
	r := newRedis(t, srv.URL())
	ctx := context.Background()
	l := budget.Limit{Capacity: 10, Rate: 1}
	if _, err := r.Take(ctx, "k", 1, l); err != nil {
		t.Fatal(err)
	}
	srv.Kill()
	for i := range 30 {
		start := time.Now()
		_, err := r.Take(ctx, "k", 1, l)
		if d := time.Since(start); !errors.Is(err, budget.ErrUnavailable) || d > 300*time.Millisecond {
			t.Fatalf("call %d with redis down: got %v after %s, want ErrUnavailable within the 200ms timeout", i, err, d)
		}
	}
	srv.Restart()
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err := r.Take(ctx, "k", 1, l)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis back: still %v after 5s", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestNewRedisRefusesBadSettings(t *testing.T) {
	for _, tc := range []struct {
		name, url string
		timeout   time.Duration
	}{
		{"not a redis url", "http://example.com", time.Second},
		{"no timeout", "redis://127.0.0.1:1/0", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if r, err := budget.NewRedis(tc.url, tc.timeout); err == nil {
				_ = r.Close()
				t.Error("got no error")
			}
		})
	}
}
