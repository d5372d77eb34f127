package server

import (
	"time"

	"github.com/gqlbff/gqlbff/internal/config"
)

// validateCost checks the Redis budget settings and the trusted proxies.
func (c Config) validateCost() []error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, config.Errorf(key, format, args...))
	}
	if c.Redis.Timeout > 10*time.Second {
		bad("redis.timeout", "must be at most 10s, got %s", c.Redis.Timeout)
	}
	if c.Redis.FailMode != FailOpen && c.Redis.FailMode != FailClosed {
		bad("redis.failMode", "want open or closed, got %q", c.Redis.FailMode)
	}
	if _, err := parsePrefixes(c.HTTP.TrustedProxies); err != nil {
		bad("http.trustedProxies", "%v", err)
	}
	return errs
}

// validateProfiles checks the default profile and each profile's modes and
// limits.
func (c Config) validateProfiles() []error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, config.Errorf(key, format, args...))
	}
	if !known(profileNames[:], c.Profiles.Default) {
		bad("profiles.default", "want %s, got %q", oneOf(profileNames[:]), c.Profiles.Default)
	}
	for name, p := range c.Profiles.all() {
		key := "profiles." + name
		if !known(persistedModes, p.PersistedQueries) {
			bad(key+".persistedQueries", "want %s, got %q", oneOf(persistedModes), p.PersistedQueries)
		}
		if !known(costModes, p.CostMode) {
			bad(key+".costMode", "want %s, got %q", oneOf(costModes), p.CostMode)
		}
		if p.MaxCost < 0 {
			bad(key+".maxCost", "must not be negative, got %d", p.MaxCost)
		}
		if !finite(p.Budget.Capacity) || !finite(p.Budget.RestoreRate) ||
			p.Budget.Capacity < 0 || p.Budget.RestoreRate < 0 || (p.Budget.Capacity > 0 && p.Budget.RestoreRate == 0) {
			bad(key+".budget", "want a finite capacity >= 0 and, with a capacity, a finite positive restoreRate; got %v/%v",
				p.Budget.Capacity, p.Budget.RestoreRate)
		}
		for _, l := range []struct {
			key string
			v   int
		}{
			{"maxDepth", p.MaxDepth}, {"maxAliases", p.MaxAliases}, {"maxRootFields", p.MaxRootFields},
			{"maxFields", p.MaxFields}, {"maxDirectives", p.MaxDirectives}, {"maxOperationName", p.MaxOperationName},
		} {
			if l.v < 0 {
				bad(key+"."+l.key, "must not be negative (0: no limit), got %d", l.v)
			}
		}
		if p.MaxPage < 0 || p.MaxPage > c.GraphQL.MaxPage {
			bad(key+".maxPage", "must be between 0 and graphql.maxPage (%d), got %d", c.GraphQL.MaxPage, p.MaxPage)
		}
	}
	return errs
}
