package cache

import (
	"context"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
)

// Bucket is one source's records.
type Bucket struct {
	s      *Store
	source string
	p      Policy
	prefix string
	mem    *lru.Cache[string, *memEntry]

	mu    sync.Mutex // orders purges against stores into mem
	epoch uint64     // bumped by every purge
}

// memEntry is a record in the in-memory tier.
type memEntry struct {
	id     string
	value  any
	stored time.Time
	fresh  time.Time // fresh until
	stale  time.Time // may stand in for a failure until
	until  time.Time // the in-memory tier drops it then
}

// Key names a record: the endpoint that answers it, its canonical
// parameters, and its id when it is one record of an id endpoint (so that
// invalidating the id reaches it).
type Key struct {
	Endpoint string
	Params   string
	ID       string
}

// Hit is what a lookup found for one key.
type Hit struct {
	// Value is the record; nil when nothing usable was found.
	Value any
	// Fresh: within its TTL, to be served as is.
	Fresh bool
	// Stale: past its TTL but within its stale window.
	Stale bool
	// Age is how long ago the record was fetched.
	Age time.Duration
}

// Lookup is the answer of Bucket.Lookup for a set of keys, and what a
// refresh needs to store what it fetched.
type Lookup struct {
	Hits  []Hit
	b     *Bucket
	keys  []string
	ids   []string
	epoch uint64
	// redis is whether Redis answered; gen and tombs are the counters it
	// answered, which the entries stored by this refresh carry.
	redis bool
	gen   int64
	tombs []int64
}

// Policy returns the bucket's policy.
func (b *Bucket) Policy() Policy { return b.p }

// Source returns the bucket's source.
func (b *Bucket) Source() string { return b.source }

// Skipped counts a record a refresh did not store, by reason (a closed
// set: failure, no_store, private).
func (b *Bucket) Skipped(reason string) { b.s.observer().StoreSkipped(b.source, reason) }

// Saved counts a source call not made: every record it would have
// fetched was fresh in the cache.
func (b *Bucket) Saved() { b.s.observer().Saved(b.source) }

// Joined counts a record that joined a refresh already in flight.
func (b *Bucket) Joined() { b.s.observer().Joined(b.source) }

func (b *Bucket) key(vary string, k Key) string {
	return b.prefix + k.Endpoint + ":" + vary + ":" + k.Params
}

// Lookup finds keys for caller c: in memory first, then, for what memory
// has no fresh entry of, in Redis with one MGET. decode turns an entry's
// JSON back into a record.
func (b *Bucket) Lookup(ctx context.Context, c Caller, keys []Key, decode func([]byte) (any, error)) *Lookup {
	vary := varyKey(b.s.cfg.Secret, b.p.Vary, c)
	now := b.s.cfg.Now()
	b.mu.Lock()
	epoch := b.epoch
	b.mu.Unlock()
	l := &Lookup{Hits: make([]Hit, len(keys)), b: b, keys: make([]string, len(keys)), ids: make([]string, len(keys)), epoch: epoch}
	obs := b.s.observer()
	var rest []int
	for i, k := range keys {
		l.keys[i] = b.key(vary, k)
		l.ids[i] = k.ID
		e, ok := b.mem.Get(l.keys[i])
		if ok && !now.Before(e.until) {
			b.mem.Remove(l.keys[i])
			ok = false
		}
		switch {
		case !ok:
			obs.Lookup(b.source, TierMemory, ResultMiss)
			rest = append(rest, i)
		case now.Before(e.fresh):
			obs.Lookup(b.source, TierMemory, ResultHit)
			l.Hits[i] = Hit{Value: e.value, Fresh: true, Age: now.Sub(e.stored)}
		default:
			obs.Lookup(b.source, TierMemory, ResultStale)
			l.Hits[i] = Hit{Value: e.value, Stale: true, Age: now.Sub(e.stored)}
			rest = append(rest, i)
		}
	}
	if b.s.redis != nil && len(rest) > 0 {
		b.s.redis.lookup(ctx, l, rest, decode, now)
	}
	return l
}

// Item is one record a refresh fetched.
type Item struct {
	// Index is the key's position in the lookup.
	Index int
	// Value is the record (read-only from now on: readers share it).
	Value any
	// TTL, when positive and shorter than the policy's, is the source's
	// own max-age.
	TTL time.Duration
}

// Key is the cache key of the lookup's key i: refreshes of one record
// share it.
func (l *Lookup) Key(i int) string { return l.keys[i] }

// Store keeps what a refresh fetched (StoreMemory, then StoreShared).
func (l *Lookup) Store(ctx context.Context, items []Item) {
	l.StoreMemory(items)
	l.StoreShared(ctx, items)
}

// StoreMemory keeps what a refresh fetched in memory, unless an
// invalidation came since its lookup.
func (l *Lookup) StoreMemory(items []Item) {
	if len(items) == 0 {
		return
	}
	b := l.b
	now := b.s.cfg.Now()
	entries := make([]*memEntry, len(items))
	for j, it := range items {
		ttl := b.p.TTL
		if it.TTL > 0 && it.TTL < ttl {
			ttl = it.TTL
		}
		e := &memEntry{id: l.ids[it.Index], value: it.Value, stored: now, fresh: now.Add(ttl), stale: now.Add(ttl + b.p.StaleIfError)}
		e.until = e.stale
		if b.s.redis != nil {
			e.until = minTime(e.stale, now.Add(b.s.cfg.MemoryTTL))
			e.fresh = minTime(e.fresh, e.until)
		}
		entries[j] = e
	}
	b.mu.Lock()
	if b.epoch == l.epoch {
		for j, it := range items {
			b.mem.Add(l.keys[it.Index], entries[j])
		}
	}
	b.mu.Unlock()
}

// StoreShared keeps what a refresh fetched in Redis, under the counters
// its lookup saw there; nothing when the lookup did not reach Redis.
func (l *Lookup) StoreShared(ctx context.Context, items []Item) {
	if len(items) > 0 && l.b.s.redis != nil && l.redis {
		l.b.s.redis.store(ctx, l, items, l.b.s.cfg.Now())
	}
}

// purge drops the in-memory entries of ids (every entry when none) and
// makes the refreshes that looked up before it keep what they fetch out of
// memory. It answers how many entries it dropped.
func (b *Bucket) purge(ids []string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.epoch++
	if len(ids) == 0 {
		n := b.mem.Len()
		b.mem.Purge()
		return n
	}
	drop := make(map[string]bool, len(ids))
	for _, id := range ids {
		drop[id] = true
	}
	n := 0
	for _, k := range b.mem.Keys() {
		if e, ok := b.mem.Peek(k); ok && e.id != "" && drop[e.id] {
			b.mem.Remove(k)
			n++
		}
	}
	return n
}

// maxLife is the longest an entry of the bucket lives.
func (b *Bucket) maxLife() time.Duration { return b.p.TTL + b.p.StaleIfError }

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
