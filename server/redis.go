package server

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// newRedis returns a client for cfg, nil when no URL is set, with hook
// (when not nil) installed. Every command is bounded by cfg.Timeout (dial,
// read, write, waiting for a pooled connection) and never retried: a
// caller that finds Redis down carries on without it rather than wait.
func newRedis(cfg RedisConfig, hook redis.Hook) (*redis.Client, error) {
	if cfg.URL == "" {
		return nil, nil
	}
	opts, err := redis.ParseURL(cfg.URL)
	if err != nil {
		return nil, err
	}
	opts.DialTimeout = cfg.Timeout
	opts.ReadTimeout = cfg.Timeout
	opts.WriteTimeout = cfg.Timeout
	opts.PoolTimeout = cfg.Timeout
	opts.ContextTimeoutEnabled = true
	opts.MaxRetries = -1
	opts.DisableIdentity = true
	// Maintenance notifications are a Redis Cloud feature with background
	// work of its own; a plain Redis needs none of it.
	opts.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	c := redis.NewClient(opts)
	if hook != nil {
		c.AddHook(hook)
	}
	return c, nil
}

// Stores of gqlbff_redis_command_duration_seconds, the store label.
const (
	redisStoreBudgets = "budgets" // the cost budgets (as gqlbff_store_up)
	redisStoreAPQ     = "apq"     // the APQ registrations
	redisStoreCache   = "cache"   // the record cache's shared tier
	redisStoreUsage   = "usage"   // the field usage's shared counts
)

// redisTimer is a go-redis hook that times every round trip to Redis, a
// command or a pipeline (one observation: it is one round trip), failed
// ones included, into one store's series. It sees no keys nor arguments.
type redisTimer struct{ obs prometheus.Observer }

var _ redis.Hook = redisTimer{}

// DialHook implements redis.Hook: dials are not commands.
func (redisTimer) DialHook(next redis.DialHook) redis.DialHook { return next }

// ProcessHook implements redis.Hook.
func (r redisTimer) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		start := time.Now()
		err := next(ctx, cmd)
		r.obs.Observe(time.Since(start).Seconds())
		return err
	}
}

// ProcessPipelineHook implements redis.Hook.
func (r redisTimer) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		start := time.Now()
		err := next(ctx, cmds)
		r.obs.Observe(time.Since(start).Seconds())
		return err
	}
}

// redisHook is the hook that times store's Redis commands, nil when m is
// (metrics off).
func (m *metrics) redisHook(store string) redis.Hook {
	if m == nil {
		return nil
	}
	return redisTimer{obs: m.redisDuration.WithLabelValues(store)}
}
