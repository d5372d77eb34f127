package server

import (
	"net/http"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gqlbff/gqlbff/internal/config"
)

// RedisConfig configures the Redis the replicas share: APQ registrations
// and cost budgets.
type RedisConfig struct {
	// URL is a redis:// or rediss:// URL; empty: no Redis, each replica
	// keeps its own state in memory.
	URL string `yaml:"url" env:"URL"`
	// Timeout bounds one Redis command, dialing included: what a slow or
	// unreachable Redis adds to a request at most.
	Timeout time.Duration `yaml:"timeout" env:"TIMEOUT"`
	// FailMode is what a budget check does when Redis cannot be asked:
	// open serves the request (logged and counted), closed refuses it with
	// 429. APQ always carries on without Redis.
	FailMode string `yaml:"failMode" env:"FAIL_MODE"`
}

// The fail modes of the budget store.
const (
	FailOpen   = "open"
	FailClosed = "closed"
)

// PersistedConfig configures persisted queries (README, Persisted queries).
// Which client may send what is each profile's persistedQueries.
type PersistedConfig struct {
	// Manifest is the trusted documents' file: Apollo's persisted query
	// manifest or a {"<id>": "<document>"} map. Empty: none, or the demo
	// operations in demo mode.
	Manifest string `yaml:"manifest" env:"MANIFEST"`
	// ReloadInterval is how often the manifest file is checked for
	// changes; 0 turns polling off (SIGHUP still reloads).
	ReloadInterval time.Duration `yaml:"reloadInterval" env:"RELOAD_INTERVAL"`
	// APQ configures automatic persisted queries.
	APQ APQConfig `yaml:"apq" env:"APQ"`
	// Bypass lets support staff run free-form text under safelist and
	// require_id.
	Bypass BypassConfig `yaml:"bypass" env:"BYPASS"`
	// CacheMaxAge, when positive, caps the max-age answers get from the
	// schema's @cacheControl hints (server/cachecontrol.go); 0: no cap.
	CacheMaxAge time.Duration `yaml:"cacheMaxAge" env:"CACHE_MAX_AGE"`
}

// APQConfig configures automatic persisted queries (Apollo's protocol).
type APQConfig struct {
	// Enabled accepts APQ registrations and hashes from the profiles that
	// allow free-form text.
	Enabled bool `yaml:"enabled" env:"ENABLED"`
	// CacheSize is how many registrations each replica keeps in memory (in
	// front of Redis when there is one).
	CacheSize int `yaml:"cacheSize" env:"CACHE_SIZE"`
	// TTL is how long Redis keeps a registration.
	TTL time.Duration `yaml:"ttl" env:"TTL"`
}

// BypassConfig is the operator bypass of persisted-query enforcement: a
// request whose Header equals Secret may run free-form text whatever its
// profile. Every use is logged.
type BypassConfig struct {
	// Header is the header's name.
	Header string `yaml:"header" env:"HEADER"`
	// Secret is its value, at least 16 bytes; empty: no bypass.
	Secret string `yaml:"secret" env:"SECRET"`
}

// minBypassSecret is the shortest bypass secret accepted.
const minBypassSecret = 16

// validatePersisted checks the redis and persisted keys.
func (c Config) validatePersisted() []error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, config.Errorf(key, format, args...))
	}
	if c.Redis.URL != "" {
		// The URL may hold a password: never echo it.
		if _, err := redis.ParseURL(c.Redis.URL); err != nil {
			bad("redis.url", "want redis://[user:password@]host:port[/db] or rediss://…")
		}
	}
	p := c.Persisted
	if p.ReloadInterval < 0 {
		bad("persisted.reloadInterval", "must not be negative, got %s", p.ReloadInterval)
	}
	if p.CacheMaxAge < 0 {
		bad("persisted.cacheMaxAge", "must not be negative, got %s", p.CacheMaxAge)
	}
	if p.Bypass.Secret != "" {
		if len(p.Bypass.Secret) < minBypassSecret {
			bad("persisted.bypass.secret", "needs at least %d bytes, got %d", minBypassSecret, len(p.Bypass.Secret))
		}
		if !isToken(p.Bypass.Header) || http.CanonicalHeaderKey(p.Bypass.Header) == "Authorization" {
			bad("persisted.bypass.header", "want a header name of its own, got %q", p.Bypass.Header)
		}
	}
	return errs
}
