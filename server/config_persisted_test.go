package server_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gqlbff/gqlbff/server"
)

func TestPersistedConfigValidation(t *testing.T) {
	cases := []struct {
		name, key string
		set       func(*server.Config)
	}{
		{"redis url", "redis.url", func(c *server.Config) { c.Redis.URL = "http://cache:6379" }},
		{"redis timeout", "redis.timeout", func(c *server.Config) { c.Redis.Timeout = 0 }},
		{"reload interval", "persisted.reloadInterval", func(c *server.Config) { c.Persisted.ReloadInterval = -time.Second }},
		{"cache max-age", "persisted.cacheMaxAge", func(c *server.Config) { c.Persisted.CacheMaxAge = -time.Second }},
		{"apq cache size", "persisted.apq.cacheSize", func(c *server.Config) { c.Persisted.APQ.CacheSize = 0 }},
		{"apq ttl", "persisted.apq.ttl", func(c *server.Config) { c.Persisted.APQ.TTL = 0 }},
		{"short bypass secret", "persisted.bypass.secret", func(c *server.Config) { c.Persisted.Bypass.Secret = "short" }},
		{"bypass header with a space", "persisted.bypass.header", func(c *server.Config) {
			c.Persisted.Bypass.Secret, c.Persisted.Bypass.Header = strings.Repeat("s", 16), "X Bypass"
		}},
		{"bypass header Authorization", "persisted.bypass.header", func(c *server.Config) {
			c.Persisted.Bypass.Secret, c.Persisted.Bypass.Header = strings.Repeat("s", 16), "authorization"
		}},
		{"mode", "profiles.partner.persistedQueries", func(c *server.Config) { c.Profiles.Partner.PersistedQueries = "strict" }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := server.Default()
			cfg.Demo = true
			tc.set(&cfg)
			err := cfg.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.key+":") {
				t.Errorf("got %v, want an error naming %s", err, tc.key)
			}
		})
	}
	cfg := server.Default()
	cfg.Demo = true
	cfg.JWT.Secret = server.DemoJWTSecret
	cfg.Redis.URL = "redis://:hunter2-secret@cache:6379/0"
	if err := cfg.Validate(); err != nil {
		t.Errorf("a good redis URL: %v", err)
	}
	cfg.Redis.URL = "redis://:hunter2-secret@cache:notaport/x"
	if err := cfg.Validate(); err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("a bad redis URL: got %v, want an error that does not echo the password", err)
	}
}

func TestPersistedEnvironmentNames(t *testing.T) {
	var names []string
	for _, v := range server.EnvVars() {
		names = append(names, v.Name+"="+v.Key)
	}
	for _, want := range []string{
		"GQLBFF_REDIS_URL=redis.url", "GQLBFF_REDIS_TIMEOUT=redis.timeout",
		"GQLBFF_PERSISTED_MANIFEST=persisted.manifest", "GQLBFF_PERSISTED_RELOAD_INTERVAL=persisted.reloadInterval",
		"GQLBFF_PERSISTED_APQ_ENABLED=persisted.apq.enabled", "GQLBFF_PERSISTED_APQ_CACHE_SIZE=persisted.apq.cacheSize",
		"GQLBFF_PERSISTED_APQ_TTL=persisted.apq.ttl", "GQLBFF_PERSISTED_BYPASS_HEADER=persisted.bypass.header",
		"GQLBFF_PERSISTED_BYPASS_SECRET=persisted.bypass.secret", "GQLBFF_PERSISTED_CACHE_MAX_AGE=persisted.cacheMaxAge",
		"GQLBFF_PROFILE_PARTNER_PERSISTED_QUERIES=profiles.partner.persistedQueries",
	} {
		if !slices.Contains(names, want) {
			t.Errorf("missing %s", want)
		}
	}
	cfg, err := server.LoadConfig("", func(k string) string {
		return map[string]string{"GQLBFF_DEMO": "true", "GQLBFF_REDIS_URL": "redis://127.0.0.1:6379/0", "GQLBFF_PERSISTED_MANIFEST": "/etc/gqlbff/manifest.json"}[k]
	})
	if err != nil || cfg.Redis.URL != "redis://127.0.0.1:6379/0" || cfg.Persisted.Manifest != "/etc/gqlbff/manifest.json" {
		t.Errorf("got %+v, %+v, %v; want both set from the environment", cfg.Redis, cfg.Persisted, err)
	}
}
