package server

import (
	"time"

	"github.com/gqlbff/gqlbff/internal/config"
)

// UsageConfig configures the field usage by client (README, Field usage
// by client).
type UsageConfig struct {
	// ClientNameClaim names the token claim that names the client when the
	// request has no apollographql-client-name header; empty: none.
	ClientNameClaim string `yaml:"clientNameClaim" env:"CLIENT_NAME_CLAIM"`
	// ClientVersionClaim names the token claim that gives the client's
	// version when the request has no apollographql-client-version header;
	// empty: none.
	ClientVersionClaim string `yaml:"clientVersionClaim" env:"CLIENT_VERSION_CLAIM"`
	// FlushInterval is how often a replica adds the uses it counted to
	// Redis (with redis.url), in the background.
	FlushInterval time.Duration `yaml:"flushInterval" env:"FLUSH_INTERVAL"`
	// Retention is how long Redis keeps an hour's counts: the longest
	// window a report reads.
	Retention time.Duration `yaml:"retention" env:"RETENTION"`
	// MaxClients bounds the clients (profile, name, version) counted apart
	// in memory; the uses of clients beyond it count as name "other".
	MaxClients int `yaml:"maxClients" env:"MAX_CLIENTS"`
}

func usageDefaults() UsageConfig {
	return UsageConfig{FlushInterval: 10 * time.Second, Retention: 30 * 24 * time.Hour, MaxClients: 1000}
}

func (c Config) validateUsage() []error {
	var errs []error
	u := c.Usage
	if u.FlushInterval < 10*time.Millisecond || u.FlushInterval > time.Hour {
		errs = append(errs, config.Errorf("usage.flushInterval", "must be between 10ms and 1h, got %s", u.FlushInterval))
	}
	if u.Retention < time.Hour || u.Retention > 366*24*time.Hour {
		errs = append(errs, config.Errorf("usage.retention", "must be between 1h and 366 days (8784h), got %s", u.Retention))
	}
	if u.MaxClients < 1 || u.MaxClients > 100000 {
		errs = append(errs, config.Errorf("usage.maxClients", "must be between 1 and 100000, got %d", u.MaxClients))
	}
	for _, c := range [...]struct{ key, claim string }{
		{"usage.clientNameClaim", u.ClientNameClaim}, {"usage.clientVersionClaim", u.ClientVersionClaim},
	} {
		if len(c.claim) > 256 {
			errs = append(errs, config.Errorf(c.key, "must be at most 256 characters, got %d", len(c.claim)))
		}
	}
	return errs
}
