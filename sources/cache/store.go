package cache

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/redis/go-redis/v9"
)

// Config configures a Store.
type Config struct {
	// Version is part of every key: a deploy whose schema or cache
	// configuration changed never reads the entries of another.
	Version string
	// Secret keys the HMAC of the vary part of keys. Replicas sharing a
	// Redis must share it; empty: a random one (memory-only caches).
	Secret []byte
	// MaxEntries bounds the in-memory tier of each bucket.
	MaxEntries int
	// MemoryTTL is the longest the in-memory tier holds an entry when a
	// Redis is shared, so that replicas never disagree for long.
	MemoryTTL time.Duration
	// RedisURL, when set, adds the shared tier (redis:// or rediss://).
	RedisURL string
	// RedisTimeout bounds each Redis command.
	RedisTimeout time.Duration
	// Now is the clock; nil: time.Now.
	Now func() time.Time
}

// Store is the cache of every source (a Bucket each) and the connection
// they share. Close it when done.
type Store struct {
	cfg    Config
	prefix string
	redis  *redisTier
	obs    atomic.Pointer[Observer]

	mu      sync.Mutex
	buckets map[string]*Bucket
	hooks   []func(source string, ids []string)

	sub  subscription
	done chan struct{}
}

// New returns a store; with a Redis URL it subscribes to the invalidations
// other replicas publish (a Redis that is down at start is a Redis that is
// down: the store works without it).
func New(cfg Config) (*Store, error) {
	if cfg.MaxEntries <= 0 {
		cfg.MaxEntries = DefaultMaxEntries
	}
	if cfg.MemoryTTL <= 0 {
		cfg.MemoryTTL = DefaultMemoryTTL
	}
	if cfg.RedisTimeout <= 0 {
		cfg.RedisTimeout = DefaultRedisTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if len(cfg.Secret) == 0 {
		if cfg.RedisURL != "" {
			return nil, errors.New("cache: a shared (Redis) cache needs a key secret that every replica shares")
		}
		cfg.Secret = make([]byte, 32)
		_, _ = rand.Read(cfg.Secret)
	}
	if len(cfg.Secret) < 16 {
		return nil, errNoSecret
	}
	s := &Store{
		cfg:     cfg,
		prefix:  KeyPrefix + cfg.Version + ":",
		buckets: make(map[string]*Bucket),
		done:    make(chan struct{}),
	}
	var o Observer = nopObserver{}
	s.obs.Store(&o)
	if cfg.RedisURL == "" {
		close(s.done)
		return s, nil
	}
	r, err := newRedisTier(cfg.RedisURL, cfg.RedisTimeout, s.observer)
	if err != nil {
		return nil, err
	}
	s.redis = r
	s.sub = r.subscribe(s.channel())
	go s.listen()
	return s, nil
}

// Close stops listening for invalidations and closes the Redis connection.
func (s *Store) Close() error {
	if s.redis == nil {
		return nil
	}
	err := s.sub.Close()
	<-s.done
	return errors.Join(err, s.redis.close())
}

// AddRedisHook installs h on the shared tier's Redis client, for the
// commands sent from now on (gqlbff times them with it); without a Redis
// it does nothing. Hooks are never removed.
func (s *Store) AddRedisHook(h redis.Hook) {
	if s.redis != nil {
		s.redis.c.AddHook(h)
	}
}

// SetObserver makes o the observer of every lookup and store from now on.
func (s *Store) SetObserver(o Observer) {
	if o == nil {
		o = nopObserver{}
	}
	s.obs.Store(&o)
}

func (s *Store) observer() Observer { return *s.obs.Load() }

// Shared reports whether the store has a Redis tier.
func (s *Store) Shared() bool { return s.redis != nil }

// OnInvalidate calls f after every invalidation this replica takes or
// hears of, with the source ("" for all) and the ids (none: every record).
func (s *Store) OnInvalidate(f func(source string, ids []string)) {
	s.mu.Lock()
	s.hooks = append(s.hooks, f)
	s.mu.Unlock()
}

// Bucket returns the cache of one source under a policy; a second call
// for the same source returns the first bucket.
func (s *Store) Bucket(source string, p Policy) *Bucket {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b, ok := s.buckets[source]; ok {
		return b
	}
	size := s.cfg.MaxEntries
	if p.MaxEntries > 0 && p.MaxEntries < size {
		size = p.MaxEntries
	}
	mem, _ := lru.New[string, *memEntry](size) // only fails for a size ≤ 0
	b := &Bucket{s: s, source: source, p: p, mem: mem, prefix: s.prefix + source + ":"}
	s.buckets[source] = b
	return b
}

func (s *Store) channel() string { return s.prefix + "invalidate" }

// invalidation is what a replica publishes so the others drop their
// in-memory entries.
type invalidation struct {
	Source string   `json:"source"`
	IDs    []string `json:"ids,omitempty"`
}

// Invalidate drops the entries of source (every source when empty), or
// only those of the records ids, on every replica sharing the Redis: it
// bumps the counters the entries were stored under, publishes the
// invalidation, and drops the matching in-memory entries here. It answers
// how many in-memory entries this replica dropped; an error when Redis
// could not be told (this replica's entries are dropped all the same).
func (s *Store) Invalidate(ctx context.Context, source string, ids []string) (int, error) {
	var buckets []*Bucket
	s.mu.Lock()
	for name, b := range s.buckets {
		if source == "" || name == source {
			buckets = append(buckets, b)
		}
	}
	s.mu.Unlock()
	if source != "" && len(buckets) == 0 {
		return 0, nil
	}
	var errs []error
	if s.redis != nil {
		for _, b := range buckets {
			if err := s.redis.bump(ctx, b, ids); err != nil {
				errs = append(errs, fmt.Errorf("cache: invalidating %s in redis: %w", b.source, err))
			}
		}
		msg, _ := json.Marshal(invalidation{Source: source, IDs: ids})
		if err := s.redis.publish(ctx, s.channel(), msg); err != nil {
			errs = append(errs, fmt.Errorf("cache: publishing the invalidation: %w", err))
		}
	}
	return s.drop(source, ids), errors.Join(errs...)
}

// drop empties this replica's in-memory entries of source ("" for all), or
// of the records ids, and tells the hooks.
func (s *Store) drop(source string, ids []string) int {
	n := 0
	s.mu.Lock()
	for name, b := range s.buckets {
		if source == "" || name == source {
			n += b.purge(ids)
		}
	}
	hooks := s.hooks
	s.mu.Unlock()
	for _, h := range hooks {
		h(source, ids)
	}
	return n
}

func (s *Store) listen() {
	defer close(s.done)
	for payload := range s.sub.Messages() {
		var m invalidation
		if json.Unmarshal([]byte(payload), &m) == nil {
			s.drop(m.Source, m.IDs)
		}
	}
}
