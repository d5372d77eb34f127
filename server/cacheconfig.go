package server

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/vektah/gqlparser/v2/formatter"

	"github.com/gqlbff/gqlbff/internal/config"
	"github.com/gqlbff/gqlbff/sources"
	"github.com/gqlbff/gqlbff/sources/cache"
)

// SourcesCacheConfig is sources.cache: how the records sources answer are
// cached beneath the loaders (DESIGN.md, Caching). Off unless a TTL is set.
type SourcesCacheConfig struct {
	// TTL is how long a record is fresh; 0 turns the cache off.
	TTL time.Duration `yaml:"ttl" env:"TTL"`
	// StaleIfError is how long after its TTL a record may stand in for a
	// call that failed as unavailable or timed out.
	StaleIfError time.Duration `yaml:"staleIfError" env:"STALE_IF_ERROR"`
	// Vary says who shares a cached record: none, scopes or user.
	// Required when a TTL is set.
	Vary string `yaml:"vary" env:"VARY"`
	// MaxEntries bounds the in-memory tier, per source.
	MaxEntries int `yaml:"maxEntries" env:"MAX_ENTRIES"`
	// MemoryTTL is the longest the in-memory tier holds a record when
	// redis.url is set, so that replicas never disagree for long.
	MemoryTTL time.Duration `yaml:"memoryTTL" env:"MEMORY_TTL"`
	// KeySecret keys the HMAC that stands for users and scopes in cache
	// keys; replicas sharing a Redis share it (at least 16 characters).
	// Without Redis a random one is used.
	KeySecret string `yaml:"keySecret" env:"KEY_SECRET"`
}

// SourceCacheConfig is sources.<name>.cache: one source's overrides of
// sources.cache; unset members take the shared value.
type SourceCacheConfig struct {
	// TTL overrides sources.cache.ttl (0 included: off for this source).
	TTL *time.Duration `yaml:"ttl" env:"TTL"`
	// StaleIfError overrides sources.cache.staleIfError.
	StaleIfError *time.Duration `yaml:"staleIfError" env:"STALE_IF_ERROR"`
	// Vary overrides sources.cache.vary.
	Vary string `yaml:"vary" env:"VARY"`
}

// cachePolicy is the named source's policy: its own settings over the
// shared ones.
func (c SourcesConfig) cachePolicy(name string) cache.Policy {
	s, _ := c.source(name)
	p := cache.Policy{TTL: c.Cache.TTL, StaleIfError: c.Cache.StaleIfError, Vary: cache.Vary(c.Cache.Vary)}
	if s.Cache.TTL != nil {
		p.TTL = *s.Cache.TTL
	}
	if s.Cache.StaleIfError != nil {
		p.StaleIfError = *s.Cache.StaleIfError
	}
	if s.Cache.Vary != "" {
		p.Vary = cache.Vary(s.Cache.Vary)
	}
	return p
}

var sourceNames = []string{sources.OrdersSource, sources.CustomersSource, sources.AnalyticsSource}

// cacheOn reports whether any source caches its records.
func (c SourcesConfig) cacheOn() bool {
	for _, name := range sourceNames {
		if c.cachePolicy(name).TTL > 0 {
			return true
		}
	}
	return false
}

// validateCache reports every problem of the caching settings, each naming
// its key. A TTL without a vary class is refused: who may share a record
// is a decision, never a default.
func (c Config) validateCache() []error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, config.Errorf(key, format, args...))
	}
	sc := c.Sources.Cache
	if sc.TTL < 0 {
		bad("sources.cache.ttl", "must not be negative, got %s", sc.TTL)
	}
	if sc.StaleIfError < 0 {
		bad("sources.cache.staleIfError", "must not be negative, got %s", sc.StaleIfError)
	}
	if sc.Vary != "" {
		if _, err := cache.ParseVary(sc.Vary); err != nil {
			bad("sources.cache.vary", "%v", err)
		}
	}
	if sc.MaxEntries < 0 {
		bad("sources.cache.maxEntries", "must not be negative (0: the default), got %d", sc.MaxEntries)
	}
	if sc.MemoryTTL < 0 {
		bad("sources.cache.memoryTTL", "must not be negative (0: the default), got %s", sc.MemoryTTL)
	}
	for _, name := range sourceNames {
		s, _ := c.Sources.source(name)
		key := "sources." + name + ".cache"
		if s.Cache.TTL != nil && *s.Cache.TTL < 0 {
			bad(key+".ttl", "must not be negative, got %s", *s.Cache.TTL)
		}
		if s.Cache.StaleIfError != nil && *s.Cache.StaleIfError < 0 {
			bad(key+".staleIfError", "must not be negative, got %s", *s.Cache.StaleIfError)
		}
		if s.Cache.Vary != "" {
			if _, err := cache.ParseVary(s.Cache.Vary); err != nil {
				bad(key+".vary", "%v", err)
			}
		}
		if p := c.Sources.cachePolicy(name); p.TTL > 0 && p.Vary == "" {
			bad(key+".vary", "required when a TTL is set: say who shares a cached record (none, scopes or user) in sources.cache.vary or %s.vary", key)
		}
	}
	if c.Sources.cacheOn() && c.Redis.URL != "" {
		if len(sc.KeySecret) < 16 {
			bad("sources.cache.keySecret", "the replicas sharing redis.url must share a key secret of at least 16 characters")
		}
		if _, err := redis.ParseURL(c.Redis.URL); err != nil {
			bad("redis.url", "%v", err)
		}
	}
	return errs
}

// openCache returns the record cache cfg asks for, nil when no source
// caches. cfg must be valid.
func openCache(cfg Config) (*cache.Store, error) {
	if !cfg.Sources.cacheOn() {
		return nil, nil
	}
	sc := cfg.Sources.Cache
	return cache.New(cache.Config{
		Version:    cacheVersion(cfg),
		Secret:     []byte(sc.KeySecret),
		MaxEntries: sc.MaxEntries,
		MemoryTTL:  sc.MemoryTTL,
		RedisURL:   cfg.Redis.URL,
		// The cache's Redis timeout is the store's: a miss should cost
		// no more than a budget check does.
		RedisTimeout: cfg.Redis.Timeout,
	})
}

// cacheVersion names the schema and the cache policies in every key, so
// that a deploy that changed either never reads another's entries.
func cacheVersion(cfg Config) string {
	h := sha256.New()
	formatter.NewFormatter(h).FormatSchema(Schema())
	policies := map[string]cache.Policy{}
	for _, name := range sourceNames {
		policies[name] = cfg.Sources.cachePolicy(name)
	}
	_ = json.NewEncoder(h).Encode(policies)
	return hex.EncodeToString(h.Sum(nil)[:6])
}
