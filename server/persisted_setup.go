package server

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/redis/go-redis/v9"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/gqlbff/gqlbff/persisted"
)

// demoManifest holds the project's own client operations
// (testdata/operations), built by `make manifest`; demo mode trusts them
// when no manifest is configured. It is embedded so demo mode does not
// depend on the working directory.
//
//go:embed demomanifest.json
var demoManifest []byte

// redisAPQPrefix starts the Redis keys of APQ registrations.
const redisAPQPrefix = "gqlbff:apq:"

// newPersistedQueries builds the persisted-query policy of cfg: the trusted
// documents (watched when they come from a file) and the APQ store (shared
// through Redis when configured). stop ends the watching and closes Redis.
func newPersistedQueries(cfg Config, ps profiles, schema *ast.Schema, pricer persisted.Pricer, log *slog.Logger, redisHook redis.Hook) (p *persistedPolicy, stop func(), err error) {
	pc := cfg.Persisted
	var trusted *persisted.Trusted
	switch {
	case pc.Manifest != "":
		trusted, err = persisted.NewTrusted(pc.Manifest, schema, pricer, log)
	case cfg.Demo:
		trusted, err = persisted.NewTrustedBytes(demoManifest, schema, pricer, log)
	default:
		trusted, err = persisted.NewTrustedBytes([]byte("{}"), schema, pricer, log)
	}
	if err != nil {
		return nil, nil, err
	}
	for prof := range ps.all() {
		if prof.persisted != ModeOff && trusted.Current().Len() == 0 {
			log.Warn("no trusted documents: this profile can run nothing but free-form text its mode refuses",
				"profile", prof.name, "persistedQueries", string(prof.persisted))
		}
	}
	trusted.OnLoad(func(m *persisted.Manifest) { checkContracts(ps, m, log) })
	p = &persistedPolicy{
		profiles:  ps,
		trusted:   trusted,
		bypass:    newBypass(pc.Bypass),
		maxTokens: cfg.GraphQL.ParserTokenLimit,
		log:       log,
	}
	var closers []func() error
	if pc.APQ.Enabled {
		local, err := persisted.NewMemoryStore(pc.APQ.CacheSize)
		if err != nil {
			return nil, nil, err
		}
		p.store = local
		rdb, err := newRedis(cfg.Redis, redisHook)
		if err != nil {
			return nil, nil, fmt.Errorf("redis: %w", err)
		}
		if rdb != nil {
			p.store = persisted.NewRedisStore(rdb, local, persisted.RedisStoreConfig{
				Prefix: redisAPQPrefix, TTL: pc.APQ.TTL, Timeout: cfg.Redis.Timeout,
			}, log)
			closers = append(closers, rdb.Close)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { trusted.Watch(ctx, pc.ReloadInterval) })
	stop = func() {
		cancel()
		wg.Wait()
		var errs []error
		for _, c := range closers {
			errs = append(errs, c())
		}
		if err := errors.Join(errs...); err != nil {
			log.Warn("closing the persisted-query stores", "error", err)
		}
	}
	return p, stop, nil
}
