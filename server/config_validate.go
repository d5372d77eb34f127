package server

import (
	"time"

	"github.com/gqlbff/gqlbff/internal/config"
)

// validateCost checks the structural limits of each profile, the Redis
// budget settings and the trusted proxies.
func (c Config) validateCost() []error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, config.Errorf(key, format, args...))
	}
	for _, name := range []string{ProfileWeb, ProfileMobile, ProfilePartner} {
		p, _ := c.Profiles.Profile(name)
		key := "profiles." + name
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
