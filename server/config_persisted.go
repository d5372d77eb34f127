package server

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/redis/go-redis/v9"
)

// minBypassSecret is the shortest bypass secret accepted.
const minBypassSecret = 16

// validatePersisted checks the redis and persisted keys.
func (c Config) validatePersisted() []error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, args...)))
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

// isToken reports whether s is an HTTP token (RFC 9110 §5.6.2), as a
// header name must be.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}
