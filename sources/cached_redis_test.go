package sources_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gqlbff/gqlbff/caller"
	"github.com/gqlbff/gqlbff/internal/redistest"
	"github.com/gqlbff/gqlbff/sources"
	"github.com/gqlbff/gqlbff/sources/cache"
	"github.com/gqlbff/gqlbff/sources/demo"
)

var testSecret = []byte("a-cache-key-secret-of-32-bytes!!")

// replica is one gqlbff's sources, sharing the customers service and a
// Redis with the other replicas of a test.
type replica struct {
	src   *sources.Sources
	store *cache.Store
}

// heard returns a channel that gets a value each time r's store drops
// entries, whether this replica invalidated or another one told it to.
func (r replica) heard() <-chan struct{} {
	ch := make(chan struct{}, 16)
	r.store.OnInvalidate(func(string, []string) { ch <- struct{}{} })
	return ch
}

// wait waits for n values on ch.
func wait(t *testing.T, ch <-chan struct{}, n int) {
	t.Helper()
	for range n {
		select {
		case <-ch:
		case <-time.After(3 * time.Second):
			t.Fatal("the invalidation did not arrive")
		}
	}
}

func newReplica(t *testing.T, svc *demo.Service, redisURL string, policy cache.Policy) replica {
	t.Helper()
	// A second per command: a loaded machine running the race detector
	// has taken more than 200 ms for one, failing a test that was about
	// something else. A killed Redis refuses at once whatever the bound.
	store, err := cache.New(cache.Config{Version: "test", Secret: testSecret, RedisURL: redisURL, RedisTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	src := sources.New(sources.Config{Customers: sources.ClientConfig{URL: svc.URL(), Cache: policy}, Cache: store})
	t.Cleanup(src.Close)
	return replica{src: src, store: store}
}

func (r replica) load(ctx context.Context, ids ...string) ([]sources.Customer, []error) {
	return r.src.NewLoaders().Customers(ctx, ids)
}

func mustLoad(t *testing.T, r replica, ctx context.Context, ids ...string) []sources.Customer {
	t.Helper()
	got, errs := r.load(ctx, ids...)
	for i, err := range errs {
		if err != nil {
			t.Fatalf("%s: %v", ids[i], err)
		}
	}
	return got
}

// commandCalls is how many times Redis ran a command, from INFO.
func commandCalls(t *testing.T, rdb *redis.Client, cmd string) int {
	t.Helper()
	info, err := rdb.Info(t.Context(), "commandstats").Result()
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.SplitSeq(info, "\n") {
		if rest, ok := strings.CutPrefix(line, "cmdstat_"+cmd+":calls="); ok {
			n, _ := strconv.Atoi(rest[:strings.IndexByte(rest, ',')])
			return n
		}
	}
	return 0
}

func TestRedisTierIsSharedByReplicas(t *testing.T) {
	rs := redistest.Start(t)
	rdb := redis.NewClient(&redis.Options{Addr: rs.Addr()})
	defer rdb.Close()
	svc := startService(t, sources.CustomersSource)
	policy := cache.Policy{TTL: time.Minute, Vary: cache.VaryUser}
	a := newReplica(t, svc, rs.URL(), policy)
	b := newReplica(t, svc, rs.URL(), policy)
	const user = "user-4711"
	ctx := caller.With(withTimeout(t, 10*time.Second), caller.Caller{Subject: user, Scopes: []string{"customers:read"}})

	mustLoad(t, a, ctx, "c1", "c2", "c3")
	mgets := commandCalls(t, rdb, "mget")
	got := mustLoad(t, b, ctx, "c1", "c2", "c3")
	if got[2].ID != "c3" {
		t.Fatalf("got %v", got)
	}
	if n := svc.Calls(); n != 1 {
		t.Errorf("%d calls, want 1: replica B reads what A stored", n)
	}
	if n := commandCalls(t, rdb, "mget") - mgets; n != 1 {
		t.Errorf("one batch of three ids made %d MGETs, want 1", n)
	}

	// Another user does not read the first one's entries.
	other := caller.With(ctx, caller.Caller{Subject: "user-9", Scopes: []string{"customers:read"}})
	mustLoad(t, b, other, "c1")
	if n := svc.Calls(); n != 2 {
		t.Errorf("%d calls, want 2: the entries vary by user", n)
	}

	// No raw user id anywhere in Redis.
	keys, err := rdb.Keys(t.Context(), "*").Result()
	if err != nil || len(keys) == 0 {
		t.Fatalf("keys: %v, %v", keys, err)
	}
	for _, k := range keys {
		v, _ := rdb.Get(t.Context(), k).Result()
		if strings.Contains(k, user) || strings.Contains(v, user) {
			t.Errorf("key %q (value %.60q) holds the user id", k, v)
		}
		if !strings.HasPrefix(k, cache.KeyPrefix+"test:customers:") {
			t.Errorf("key %q lacks the prefix, version and source", k)
		}
	}
}

// twoReplicas are two replicas sharing a fresh Redis and the customers
// service, caching for a minute, shared by everyone.
func twoReplicas(t *testing.T) (*demo.Service, replica, replica) {
	t.Helper()
	rs := redistest.Start(t)
	svc := startService(t, sources.CustomersSource)
	policy := cache.Policy{TTL: time.Minute, Vary: cache.VaryNone}
	return svc, newReplica(t, svc, rs.URL(), policy), newReplica(t, svc, rs.URL(), policy)
}

func TestInvalidationReachesEveryReplica(t *testing.T) {
	svc, a, b := twoReplicas(t)
	ctx := withTimeout(t, 10*time.Second)
	mustLoad(t, a, ctx, "c1", "c2")
	mustLoad(t, b, ctx, "c1", "c2") // now in B's memory too
	if n := svc.Calls(); n != 1 {
		t.Fatalf("%d calls, want 1", n)
	}

	heardA, heardB := a.heard(), b.heard()

	// One record, invalidated on A: B calls for it, and only for it.
	if _, err := a.store.Invalidate(ctx, sources.CustomersSource, []string{"c1"}); err != nil {
		t.Fatal(err)
	}
	wait(t, heardB, 1)
	mustLoad(t, b, ctx, "c1", "c2")
	if n := svc.Calls(); n != 2 {
		t.Fatalf("%d calls, want 2", n)
	}
	if ids := lastIDs(t, svc); ids != "c1" {
		t.Errorf("B asked for %q, want c1", ids)
	}

	// The whole source, on B: A calls for both.
	wait(t, heardA, 2) // its own invalidation, then its echo
	if _, err := b.store.Invalidate(ctx, sources.CustomersSource, nil); err != nil {
		t.Fatal(err)
	}
	wait(t, heardA, 1)
	mustLoad(t, a, ctx, "c1", "c2")
	if n := svc.Calls(); n != 3 {
		t.Fatalf("%d calls, want 3", n)
	}
	if ids := lastIDs(t, svc); ids != "c1,c2" {
		t.Errorf("A asked for %q, want c1,c2", ids)
	}
}

func TestInvalidationRacingARefreshWins(t *testing.T) {
	t.Parallel()
	svc, a, b := twoReplicas(t)
	ctx := withTimeout(t, 10*time.Second)
	for i, ids := range [][]string{{"c4"}, nil} {
		id := "c" + strconv.Itoa(4+i)
		svc.Reset()
		svc.SetLatency(300 * time.Millisecond)
		done := make(chan struct{})
		go func() {
			defer close(done)
			a.load(ctx, id) // looks up, then waits for the slow source
		}()
		time.Sleep(100 * time.Millisecond)
		if _, err := b.store.Invalidate(ctx, sources.CustomersSource, ids); err != nil {
			t.Fatal(err)
		}
		<-done
		svc.SetLatency(0)
		time.Sleep(100 * time.Millisecond) // the pub/sub message
		mustLoad(t, b, ctx, id)
		mustLoad(t, a, ctx, id)
		if n := svc.Calls(); n != 2 {
			t.Errorf("ids %v: %d calls, want 2: what the refresh fetched before the invalidation was kept", ids, n)
		}
	}
}

func TestRedisDownIsAMiss(t *testing.T) {
	t.Parallel()
	rs := redistest.Start(t)
	svc := startService(t, sources.CustomersSource)
	policy := cache.Policy{TTL: time.Minute, Vary: cache.VaryNone}
	a := newReplica(t, svc, rs.URL(), policy)
	ctx := withTimeout(t, 10*time.Second)
	mustLoad(t, a, ctx, "c1")
	rs.Kill()
	start := time.Now()
	for range 10 {
		mustLoad(t, a, ctx, "c1") // from memory
	}
	if n := svc.Calls(); n != 1 {
		t.Errorf("%d calls, want 1: memory still answers", n)
	}
	for i := range 10 {
		mustLoad(t, a, ctx, "c"+strconv.Itoa(10+i)) // misses
	}
	if n := svc.Calls(); n != 11 {
		t.Errorf("%d calls, want 11", n)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("20 lookups with Redis down took %s: the breaker should cut its cost", d)
	}
	if _, err := a.store.Invalidate(ctx, sources.CustomersSource, nil); err == nil {
		t.Error("invalidating with Redis down reports no error")
	}
	// go-redis probes a dead server once a second until it answers, even
	// after Close: let the probes find it, so that none outlives the test.
	rs.Restart()
	time.Sleep(1100 * time.Millisecond)
}
