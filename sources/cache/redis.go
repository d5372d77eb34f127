package cache

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
	"github.com/sony/gobreaker/v2"
)

// redisTier is the shared tier. Every command is bounded by the timeout,
// never retried, and passes a breaker: a Redis that is down or slow costs
// at most a few timeouts, then nothing until the breaker probes again.
// Every failure is a miss for the caller.
type redisTier struct {
	c       *redis.Client
	timeout time.Duration
	cb      *gobreaker.CircuitBreaker[any]
	obs     func() Observer
}

// Breaker settings of the Redis tier: it opens after this many failures
// in a row, and probes again after breakerOpen.
const (
	breakerFailures = 3
	breakerOpen     = 2 * time.Second
)

func newRedisTier(url string, timeout time.Duration, obs func() Observer) (*redisTier, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("cache: redis url: %w", err)
	}
	opts.DialTimeout = timeout
	opts.ReadTimeout = timeout
	opts.WriteTimeout = timeout
	opts.PoolTimeout = timeout
	opts.ContextTimeoutEnabled = true
	opts.MaxRetries = -1
	opts.DisableIdentity = true
	opts.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	cb := gobreaker.NewCircuitBreaker[any](gobreaker.Settings{
		Name:        "redis-cache",
		MaxRequests: 1,
		Timeout:     breakerOpen,
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= breakerFailures },
	})
	return &redisTier{c: redis.NewClient(opts), timeout: timeout, cb: cb, obs: obs}, nil
}

func (r *redisTier) close() error { return r.c.Close() }

// do runs one command (or pipeline) through the breaker, bounded by the
// timeout; a failure is counted under op.
func (r *redisTier) do(ctx context.Context, op string, f func(context.Context) error) error {
	_, err := r.cb.Execute(func() (any, error) {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.timeout)
		defer cancel()
		return nil, f(ctx)
	})
	if err != nil {
		r.obs().RedisError(op)
	}
	return err
}

func genKey(b *Bucket) string             { return b.prefix + "gen" }
func tombKey(b *Bucket, id string) string { return b.prefix + "inv:" + id }

// envelope is an entry in Redis: the counters it was stored under, its
// times (Unix milliseconds) and the record's JSON.
type envelope struct {
	Gen    int64           `json:"g"`
	Tomb   int64           `json:"i"`
	Stored int64           `json:"t"`
	Fresh  int64           `json:"f"`
	Stale  int64           `json:"s"`
	Value  json.RawMessage `json:"v"`
}

// lookup reads the keys at rest, the generation and the ids' counters in
// one MGET, and fills in l's hits that Redis has better than memory.
func (r *redisTier) lookup(ctx context.Context, l *Lookup, rest []int, decode func([]byte) (any, error), now time.Time) {
	b := l.b
	keys := make([]string, 0, 1+2*len(rest))
	keys = append(keys, genKey(b))
	for _, i := range rest {
		keys = append(keys, l.keys[i])
	}
	tombAt := make(map[int]int, len(rest))
	for _, i := range rest {
		if l.ids[i] != "" {
			tombAt[i] = len(keys)
			keys = append(keys, tombKey(b, l.ids[i]))
		}
	}
	var vals []any
	err := r.do(ctx, "mget", func(ctx context.Context) error {
		var err error
		vals, err = r.c.MGet(ctx, keys...).Result()
		return err
	})
	obs := r.obs()
	if err != nil || len(vals) != len(keys) {
		for range rest {
			obs.Lookup(b.source, TierRedis, ResultMiss)
		}
		return
	}
	l.redis = true
	l.gen = counter(vals[0])
	l.tombs = make([]int64, len(l.keys))
	for j, i := range rest {
		if at, ok := tombAt[i]; ok {
			l.tombs[i] = counter(vals[at])
		}
		s, ok := vals[1+j].(string)
		var env envelope
		if !ok || json.Unmarshal([]byte(s), &env) != nil || env.Gen != l.gen || env.Tomb != l.tombs[i] {
			obs.Lookup(b.source, TierRedis, ResultMiss)
			continue
		}
		fresh, stale := time.UnixMilli(env.Fresh), time.UnixMilli(env.Stale)
		if !now.Before(stale) {
			obs.Lookup(b.source, TierRedis, ResultMiss)
			continue
		}
		v, err := decode(env.Value)
		if err != nil {
			obs.Lookup(b.source, TierRedis, ResultMiss)
			continue
		}
		stored := time.UnixMilli(env.Stored)
		if now.Before(fresh) {
			obs.Lookup(b.source, TierRedis, ResultHit)
			l.Hits[i] = Hit{Value: v, Fresh: true, Age: max(now.Sub(stored), 0)}
			// Promote it, for at most the in-memory tier's time.
			e := &memEntry{id: l.ids[i], value: v, stored: stored, fresh: fresh, stale: stale}
			e.until = minTime(stale, now.Add(b.s.cfg.MemoryTTL))
			e.fresh = minTime(e.fresh, e.until)
			b.mu.Lock()
			if b.epoch == l.epoch {
				b.mem.Add(l.keys[i], e)
			}
			b.mu.Unlock()
			continue
		}
		obs.Lookup(b.source, TierRedis, ResultStale)
		if !l.Hits[i].Stale || l.Hits[i].Age > now.Sub(stored) {
			l.Hits[i] = Hit{Value: v, Stale: true, Age: max(now.Sub(stored), 0)}
		}
	}
}

func counter(v any) int64 {
	s, ok := v.(string)
	if !ok {
		return 0
	}
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

// store writes the items in one pipeline, each expiring at the end of its
// stale window.
func (r *redisTier) store(ctx context.Context, l *Lookup, items []Item, now time.Time) {
	b := l.b
	type kv struct {
		key string
		val []byte
		ttl time.Duration
	}
	writes := make([]kv, 0, len(items))
	for _, it := range items {
		raw, err := json.Marshal(it.Value)
		if err != nil {
			continue
		}
		ttl := b.p.TTL
		if it.TTL > 0 && it.TTL < ttl {
			ttl = it.TTL
		}
		life := ttl + b.p.StaleIfError
		env, _ := json.Marshal(envelope{
			Gen: l.gen, Tomb: l.tombs[it.Index], Stored: now.UnixMilli(),
			Fresh: now.Add(ttl).UnixMilli(), Stale: now.Add(life).UnixMilli(), Value: raw,
		})
		writes = append(writes, kv{l.keys[it.Index], env, life})
	}
	_ = r.do(ctx, "set", func(ctx context.Context) error {
		_, err := r.c.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, w := range writes {
				p.Set(ctx, w.key, w.val, w.ttl)
			}
			return nil
		})
		return err
	})
}

// bump invalidates: a new generation for the whole bucket, or new counters
// for ids, which outlive every entry that could carry the old ones.
func (r *redisTier) bump(ctx context.Context, b *Bucket, ids []string) error {
	return r.do(ctx, "invalidate", func(ctx context.Context) error {
		_, err := r.c.Pipelined(ctx, func(p redis.Pipeliner) error {
			if len(ids) == 0 {
				p.Incr(ctx, genKey(b))
				return nil
			}
			for _, id := range ids {
				p.Incr(ctx, tombKey(b, id))
				p.PExpire(ctx, tombKey(b, id), b.maxLife()+time.Minute)
			}
			return nil
		})
		return err
	})
}

func (r *redisTier) publish(ctx context.Context, channel string, msg []byte) error {
	return r.do(ctx, "publish", func(ctx context.Context) error {
		return r.c.Publish(ctx, channel, msg).Err()
	})
}

// subscription is the invalidations channel: Messages ends when it is
// closed.
type subscription interface {
	Messages() <-chan string
	Close() error
}

type pubsub struct {
	ps  *redis.PubSub
	out chan string
}

func (r *redisTier) subscribe(channel string) subscription {
	ps := r.c.Subscribe(context.Background(), channel)
	p := &pubsub{ps: ps, out: make(chan string)}
	go func() {
		defer close(p.out)
		for m := range ps.Channel() {
			p.out <- m.Payload
		}
	}()
	return p
}

func (p *pubsub) Messages() <-chan string { return p.out }

func (p *pubsub) Close() error {
	err := p.ps.Close()
	if errors.Is(err, redis.ErrClosed) {
		return nil
	}
	return err
}
