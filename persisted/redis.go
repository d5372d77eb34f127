package persisted

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// redisCooldown is how long a RedisStore leaves Redis alone after a
// failure, so that while Redis is down each replica pays the Redis timeout
// about once a second, not on every request.
const redisCooldown = time.Second

// RedisStore is a Store shared by every replica through Redis, with this
// replica's MemoryStore in front (entries never change, so a local copy is
// always good). When Redis fails, the store answers from memory only for a
// second before it tries Redis again; the failure is logged once, and so is
// the recovery.
type RedisStore struct {
	rdb     redis.Cmdable
	local   *MemoryStore
	prefix  string
	ttl     time.Duration
	timeout time.Duration
	log     *slog.Logger

	now       func() time.Time
	downUntil atomic.Int64 // unix nanoseconds; 0: up
}

var _ Store = (*RedisStore)(nil)

// RedisStoreConfig configures a RedisStore.
type RedisStoreConfig struct {
	// Prefix starts every key; texts live at Prefix + hash.
	Prefix string
	// TTL is how long Redis keeps an entry.
	TTL time.Duration
	// Timeout bounds one Redis command.
	Timeout time.Duration
}

// NewRedisStore returns a store over rdb with local in front.
func NewRedisStore(rdb redis.Cmdable, local *MemoryStore, cfg RedisStoreConfig, log *slog.Logger) *RedisStore {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &RedisStore{rdb: rdb, local: local, prefix: cfg.Prefix, ttl: cfg.TTL, timeout: cfg.Timeout, log: log, now: time.Now}
}

// Get implements Store: memory first, then Redis (copying a hit into
// memory). While Redis is cooling down after a failure it is a miss.
func (s *RedisStore) Get(ctx context.Context, hash string) (string, bool, error) {
	if t, ok, _ := s.local.Get(ctx, hash); ok {
		return t, true, nil
	}
	if s.cooling() {
		return "", false, nil
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	t, err := s.rdb.Get(ctx, s.prefix+hash).Result()
	switch {
	case errors.Is(err, redis.Nil):
		s.up()
		return "", false, nil
	case err != nil:
		return "", false, s.down(ctx, err)
	}
	s.up()
	_ = s.local.Put(ctx, hash, t)
	return t, true, nil
}

// Put implements Store: memory always, Redis unless it is cooling down.
func (s *RedisStore) Put(ctx context.Context, hash, text string) error {
	_ = s.local.Put(ctx, hash, text)
	if len(text) > MaxAPQBytes || s.cooling() {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if err := s.rdb.Set(ctx, s.prefix+hash, text, s.ttl).Err(); err != nil {
		return s.down(ctx, err)
	}
	s.up()
	return nil
}

// Up reports whether Redis answered the last time the store asked it.
func (s *RedisStore) Up() bool { return s.downUntil.Load() == 0 }

func (s *RedisStore) cooling() bool {
	until := s.downUntil.Load()
	return until != 0 && s.now().UnixNano() < until
}

// down starts a cooldown, unless the failure was the caller's own cancel.
func (s *RedisStore) down(ctx context.Context, err error) error {
	if errors.Is(context.Cause(ctx), context.Canceled) {
		return err
	}
	if s.downUntil.Swap(s.now().Add(redisCooldown).UnixNano()) == 0 {
		s.log.Warn("redis unavailable: APQ registrations are kept in this replica's memory until it is back", "error", err)
	}
	return fmt.Errorf("apq store: redis: %w", err)
}

func (s *RedisStore) up() {
	if s.downUntil.Swap(0) != 0 {
		s.log.Info("redis is back: APQ registrations are shared again")
	}
}
