package server

import (
	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// newRedis returns a client for cfg, nil when no URL is set. Every command
// is bounded by cfg.Timeout (dial, read, write, waiting for a pooled
// connection) and never retried: a caller that finds Redis down carries on
// without it rather than wait.
func newRedis(cfg RedisConfig) (*redis.Client, error) {
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
	return redis.NewClient(opts), nil
}
