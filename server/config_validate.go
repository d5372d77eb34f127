package server

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"time"
)

// Validate reports every problem at once, each naming its key.
func (c Config) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, args...)))
	}
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		bad("listen", "want host:port, got %q", c.Listen)
	}
	for _, s := range []struct {
		name string
		url  string
	}{{"orders", c.Sources.Orders.URL}, {"customers", c.Sources.Customers.URL}, {"analytics", c.Sources.Analytics.URL}} {
		if s.url == "" && c.Demo {
			continue
		}
		if u, err := url.Parse(s.url); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("sources."+s.name+".url", "want an http(s) URL, got %q", s.url)
		}
	}
	for _, d := range []struct {
		key string
		d   time.Duration
	}{
		{"sources.timeout", c.Sources.Timeout},
		{"sources.batchWait", c.Sources.BatchWait},
		{"http.readHeaderTimeout", c.HTTP.ReadHeaderTimeout},
		{"http.readTimeout", c.HTTP.ReadTimeout},
		{"http.writeTimeout", c.HTTP.WriteTimeout},
		{"http.idleTimeout", c.HTTP.IdleTimeout},
		{"http.requestTimeout", c.HTTP.RequestTimeout},
		{"http.shutdownTimeout", c.HTTP.ShutdownTimeout},
	} {
		if d.d <= 0 {
			bad(d.key, "must be positive, got %s", d.d)
		}
	}
	if c.HTTP.WriteTimeout <= c.HTTP.RequestTimeout {
		bad("http.writeTimeout", "must exceed http.requestTimeout (%s), got %s", c.HTTP.RequestTimeout, c.HTTP.WriteTimeout)
	}
	ints := []struct {
		key       string
		v, lo, hi int64
	}{
		{"sources.maxResponseBytes", c.Sources.MaxResponseBytes, 1, 1 << 30},
		{"sources.maxBatch", int64(c.Sources.MaxBatch), 1, 100},
		{"http.maxBodyBytes", c.HTTP.MaxBodyBytes, 1, 64 << 20},
		{"http.maxHeaderBytes", int64(c.HTTP.MaxHeaderBytes), 1 << 10, 1 << 20},
		{"graphql.parserTokenLimit", int64(c.GraphQL.ParserTokenLimit), 1, 1 << 20},
		{"graphql.maxPage", int64(c.GraphQL.MaxPage), 1, 100},
		{"graphql.queryCacheSize", int64(c.GraphQL.QueryCacheSize), 0, 1 << 20},
	}
	for _, i := range ints {
		if i.v < i.lo || i.v > i.hi {
			bad(i.key, "must be between %d and %d, got %d", i.lo, i.hi, i.v)
		}
	}
	if c.Log.Format != "json" && c.Log.Format != "text" {
		bad("log.format", "want json or text, got %q", c.Log.Format)
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		bad("log.level", "want debug, info, warn or error, got %q", c.Log.Level)
	}
	if c.JWT.Secret != "" && len(c.JWT.Secret) < 32 {
		bad("jwt.secret", "an HS256 key needs at least 32 bytes, got %d", len(c.JWT.Secret))
	}
	if c.JWT.Leeway < 0 || c.JWT.Leeway > 5*time.Minute {
		bad("jwt.leeway", "must be between 0 and 5m, got %s", c.JWT.Leeway)
	}
	switch c.JWT.ScopeClaim {
	case "scope", "scp", "roles":
	default:
		bad("jwt.scopeClaim", "want scope, scp or roles, got %q", c.JWT.ScopeClaim)
	}
	if c.JWT.ClientClaim == "" {
		bad("jwt.clientClaim", "must not be empty")
	}
	if _, ok := c.Profiles.Profile(c.Profiles.Default); !ok {
		bad("profiles.default", "want web, mobile or partner, got %q", c.Profiles.Default)
	}
	for _, name := range []string{ProfileWeb, ProfileMobile, ProfilePartner} {
		p, _ := c.Profiles.Profile(name)
		key := "profiles." + name
		switch p.PersistedQueries {
		case "off", "log_unknown", "safelist", "require_id":
		default:
			bad(key+".persistedQueries", "want off, log_unknown, safelist or require_id, got %q", p.PersistedQueries)
		}
		if p.CostMode != "enforce" && p.CostMode != "measure" {
			bad(key+".costMode", "want enforce or measure, got %q", p.CostMode)
		}
		if p.MaxCost < 0 {
			bad(key+".maxCost", "must not be negative, got %d", p.MaxCost)
		}
		if p.Budget.Capacity < 0 || p.Budget.RestoreRate < 0 || (p.Budget.Capacity > 0 && p.Budget.RestoreRate == 0) {
			bad(key+".budget", "want capacity >= 0 and, with a capacity, a positive restoreRate; got %v/%v",
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
	if c.Redis.URL != "" {
		if u, err := url.Parse(c.Redis.URL); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
			bad("redis.url", "want redis://host:port/db or rediss://..., got a %q URL", schemeOf(c.Redis.URL))
		}
	}
	if c.Redis.Timeout <= 0 || c.Redis.Timeout > 10*time.Second {
		bad("redis.timeout", "must be between 0 and 10s, got %s", c.Redis.Timeout)
	}
	if c.Redis.FailMode != FailOpen && c.Redis.FailMode != FailClosed {
		bad("redis.failMode", "want open or closed, got %q", c.Redis.FailMode)
	}
	if _, err := parsePrefixes(c.HTTP.TrustedProxies); err != nil {
		bad("http.trustedProxies", "%v", err)
	}
	return errors.Join(errs...)
}

// schemeOf names a URL's scheme without echoing the rest (it may hold a
// password).
func schemeOf(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Scheme
	}
	return ""
}
