package cache_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gqlbff/gqlbff/sources/cache"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func newStore(t *testing.T, cfg cache.Config) *cache.Store {
	t.Helper()
	s, err := cache.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestTheInMemoryTierIsBounded(t *testing.T) {
	s := newStore(t, cache.Config{MaxEntries: 100})
	b := s.Bucket("answers", cache.Policy{TTL: time.Hour, Vary: cache.VaryNone, MaxEntries: 2})
	ctx := context.Background()
	who := cache.Caller{}
	for _, id := range []string{"a", "b", "c"} {
		k := []cache.Key{{Endpoint: "e", Params: id, ID: id}}
		b.Lookup(ctx, who, k, decodeRecord).Store(ctx, []cache.Item{{Index: 0, Value: &record{ID: id}}})
	}
	hits := b.Lookup(ctx, who, []cache.Key{{Endpoint: "e", Params: "a"}, {Endpoint: "e", Params: "b"}, {Endpoint: "e", Params: "c"}}, decodeRecord).Hits
	if hits[0].Fresh || !hits[1].Fresh || !hits[2].Fresh {
		t.Errorf("hits %+v: want the oldest evicted, the two newest kept", hits)
	}
}

func TestEntriesExpireAndStaleWindow(t *testing.T) {
	now := time.Now()
	s := newStore(t, cache.Config{Now: func() time.Time { return now }})
	b := s.Bucket("customers", cache.Policy{TTL: time.Minute, StaleIfError: time.Minute, Vary: cache.VaryNone})
	ctx := context.Background()
	k := []cache.Key{{Endpoint: "e", Params: "a", ID: "a"}}
	// The source's shorter max-age (10s) wins over the TTL; the stale
	// window follows it.
	base := time.Now()
	now = base
	b.Lookup(ctx, cache.Caller{}, k, decodeRecord).Store(ctx, []cache.Item{{Index: 0, Value: &record{ID: "a"}, TTL: 10 * time.Second}})
	for _, tc := range []struct {
		after        time.Duration
		fresh, stale bool
	}{
		{5 * time.Second, true, false},
		{20 * time.Second, false, true},
		{71 * time.Second, false, false},
	} {
		now = base.Add(tc.after)
		h := b.Lookup(ctx, cache.Caller{}, k, decodeRecord).Hits[0]
		if h.Fresh != tc.fresh || h.Stale != tc.stale || (h.Stale && h.Age != tc.after) {
			t.Errorf("after %s: %+v, want fresh %v stale %v", tc.after, h, tc.fresh, tc.stale)
		}
	}
}

func TestVaryClassesSeparateCallers(t *testing.T) {
	s := newStore(t, cache.Config{})
	ctx := context.Background()
	k := []cache.Key{{Endpoint: "e", Params: "a"}}
	alice := cache.Caller{UserID: "alice", Scopes: []string{"x", "y"}}
	bob := cache.Caller{UserID: "bob", Scopes: []string{"y", "x"}}
	carol := cache.Caller{UserID: "carol", Scopes: []string{"x"}}
	for _, tc := range []struct {
		vary             cache.Vary
		bobHits, carHits bool
	}{
		{cache.VaryNone, true, true},
		{cache.VaryScopes, true, false},
		{cache.VaryUser, false, false},
	} {
		b := s.Bucket(string(tc.vary), cache.Policy{TTL: time.Hour, Vary: tc.vary})
		b.Lookup(ctx, alice, k, decodeRecord).Store(ctx, []cache.Item{{Index: 0, Value: &record{ID: "a"}}})
		if got := b.Lookup(ctx, bob, k, decodeRecord).Hits[0].Fresh; got != tc.bobHits {
			t.Errorf("%s: bob (same scopes) hits %v, want %v", tc.vary, got, tc.bobHits)
		}
		if got := b.Lookup(ctx, carol, k, decodeRecord).Hits[0].Fresh; got != tc.carHits {
			t.Errorf("%s: carol (other scopes) hits %v, want %v", tc.vary, got, tc.carHits)
		}
		if key := b.Lookup(ctx, alice, k, decodeRecord).Key(0); strings.Contains(key, "alice") {
			t.Errorf("%s: key %q holds the user id", tc.vary, key)
		}
	}
	if _, err := cache.ParseVary(""); err == nil {
		t.Error(`ParseVary("") is no error`)
	}
}
