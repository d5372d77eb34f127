package server

import (
	"log/slog"
	"net/url"
	"time"

	"github.com/gqlbff/gqlbff/internal/config"
	"github.com/gqlbff/gqlbff/sources"
)

// SourcesConfig configures the REST services behind the graph. The
// resilience settings here are every source's defaults; each source may
// override them.
type SourcesConfig struct {
	// Orders is the orders service.
	Orders SourceConfig `yaml:"orders" env:"ORDERS"`
	// Customers is the customers service.
	Customers SourceConfig `yaml:"customers" env:"CUSTOMERS"`
	// Analytics is the analytics service.
	Analytics SourceConfig `yaml:"analytics" env:"ANALYTICS"`
	// Timeout bounds one attempt of one source call.
	Timeout time.Duration `yaml:"timeout" env:"SOURCE_TIMEOUT"`
	// MaxResponseBytes caps one answer's body.
	MaxResponseBytes int64 `yaml:"maxResponseBytes" env:"SOURCE_MAX_RESPONSE_BYTES"`
	// MaxBatch caps the ids of one batch call; larger batches are split.
	MaxBatch int `yaml:"maxBatch" env:"SOURCE_MAX_BATCH"`
	// BatchWait is how long a dataloader collects keys before it calls.
	BatchWait time.Duration `yaml:"batchWait" env:"SOURCE_BATCH_WAIT"`
	// Retries is how many more attempts a call gets after a 502, 503, 504,
	// a refused or a reset connection, if the request's deadline allows.
	Retries int `yaml:"retries" env:"SOURCE_RETRIES"`
	// RetryBackoff is the base of the jittered exponential wait.
	RetryBackoff time.Duration `yaml:"retryBackoff" env:"SOURCE_RETRY_BACKOFF"`
	// MaxInFlight caps the calls in flight to one source (the bulkhead).
	MaxInFlight int `yaml:"maxInFlight" env:"SOURCE_MAX_IN_FLIGHT"`
	// InFlightWait is how long a call waits for a bulkhead slot.
	InFlightWait time.Duration `yaml:"inFlightWait" env:"SOURCE_IN_FLIGHT_WAIT"`
	// Coalesce lets identical concurrent calls for the same caller share
	// one upstream call.
	Coalesce bool `yaml:"coalesce" env:"SOURCE_COALESCE"`
	// CAFile adds the PEM CAs in it to the system's, for https source URLs.
	CAFile string `yaml:"caFile" env:"SOURCE_CA_FILE"`
	// Breaker is the circuit breaker of each source.
	Breaker BreakerConfig `yaml:"breaker" env:"SOURCE_BREAKER"`
	// Cache caches the sources' records (cacheconfig.go).
	Cache SourcesCacheConfig `yaml:"cache" env:"SOURCE_CACHE"`
}

// SourceConfig configures one REST service. Zero resilience settings take
// the shared ones of SourcesConfig.
type SourceConfig struct {
	// URL is the service's base URL.
	URL string `yaml:"url" env:"URL"`
	// ForwardAuthorization sends the caller's Authorization header to it.
	ForwardAuthorization bool `yaml:"forwardAuthorization" env:"FORWARD_AUTHORIZATION"`
	// SendIdentity sends it a short-lived identity token signed by gqlbff
	// (X-Gqlbff-Identity) naming the caller, with the source as audience.
	SendIdentity bool `yaml:"sendIdentity" env:"SEND_IDENTITY"`
	// Timeout overrides sources.timeout.
	Timeout time.Duration `yaml:"timeout" env:"TIMEOUT"`
	// Retries overrides sources.retries (0 included) when set.
	Retries *int `yaml:"retries" env:"RETRIES"`
	// MaxInFlight overrides sources.maxInFlight.
	MaxInFlight int `yaml:"maxInFlight" env:"MAX_IN_FLIGHT"`
	// Breaker overrides sources.breaker, field by field.
	Breaker BreakerConfig `yaml:"breaker" env:"BREAKER"`
	// Cache overrides sources.cache (cacheconfig.go).
	Cache SourceCacheConfig `yaml:"cache" env:"CACHE"`
}

// BreakerConfig configures a circuit breaker (HARDENING.md defaults).
type BreakerConfig struct {
	// MinRequests is how many calls the window must hold before it trips.
	MinRequests int `yaml:"minRequests" env:"MIN_REQUESTS"`
	// FailureRatio is the share of failed calls that trips it.
	FailureRatio float64 `yaml:"failureRatio" env:"FAILURE_RATIO"`
	// Window is the rolling window calls are counted in.
	Window time.Duration `yaml:"window" env:"WINDOW"`
	// OpenTimeout is how long it stays open before a half-open probe.
	OpenTimeout time.Duration `yaml:"openTimeout" env:"OPEN_TIMEOUT"`
	// HalfOpenProbes is how many probes a half-open breaker lets through.
	HalfOpenProbes int `yaml:"halfOpenProbes" env:"HALF_OPEN_PROBES"`
}

func breakerConfig(b sources.BreakerConfig) BreakerConfig {
	return BreakerConfig(b)
}

// source returns the named source's settings; ok is false for an unknown name.
func (c SourcesConfig) source(name string) (SourceConfig, bool) {
	switch name {
	case sources.OrdersSource:
		return c.Orders, true
	case sources.CustomersSource:
		return c.Customers, true
	case sources.AnalyticsSource:
		return c.Analytics, true
	default:
		return SourceConfig{}, false
	}
}

// client merges the shared settings and a source's own overrides.
func (c SourcesConfig) client(name string, s SourceConfig) sources.ClientConfig {
	cc := sources.ClientConfig{
		URL:                  s.URL,
		ForwardAuthorization: s.ForwardAuthorization,
		Timeout:              c.Timeout,
		MaxResponseBytes:     c.MaxResponseBytes,
		Retries:              c.Retries,
		RetryBackoff:         c.RetryBackoff,
		MaxInFlight:          c.MaxInFlight,
		InFlightWait:         c.InFlightWait,
		Coalesce:             c.Coalesce,
		Breaker:              sources.BreakerConfig(c.Breaker),
		Cache:                c.cachePolicy(name),
		RootCAs:              c.rootCAs(),
	}
	if s.Timeout > 0 {
		cc.Timeout = s.Timeout
	}
	if s.Retries != nil {
		cc.Retries = *s.Retries
	}
	if s.MaxInFlight > 0 {
		cc.MaxInFlight = s.MaxInFlight
	}
	o := s.Breaker
	if o.MinRequests > 0 {
		cc.Breaker.MinRequests = o.MinRequests
	}
	if o.FailureRatio > 0 {
		cc.Breaker.FailureRatio = o.FailureRatio
	}
	if o.Window > 0 {
		cc.Breaker.Window = o.Window
	}
	if o.OpenTimeout > 0 {
		cc.Breaker.OpenTimeout = o.OpenTimeout
	}
	if o.HalfOpenProbes > 0 {
		cc.Breaker.HalfOpenProbes = o.HalfOpenProbes
	}
	return cc
}

// validate reports every problem of the sources section, each naming its
// key. Without demo, every source needs a URL.
func (c SourcesConfig) validate(demo bool) []error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, config.Errorf(key, format, args...))
	}
	positive := func(key string, d time.Duration) {
		if d <= 0 {
			bad(key, "must be positive, got %s", d)
		}
	}
	between := func(key string, v, lo, hi int) {
		if v < lo || v > hi {
			bad(key, "must be between %d and %d, got %d", lo, hi, v)
		}
	}
	breaker := func(key string, b BreakerConfig, override bool) {
		lo := 1
		if override {
			lo = 0 // zero: take the shared value
		}
		between(key+".minRequests", b.MinRequests, lo, 1_000_000)
		between(key+".halfOpenProbes", b.HalfOpenProbes, lo, 1000)
		if b.FailureRatio > 1 || b.FailureRatio < 0 || (!override && b.FailureRatio == 0) {
			bad(key+".failureRatio", "want a share above 0 and at most 1, got %v", b.FailureRatio)
		}
		if b.Window < 0 || (!override && b.Window == 0) {
			bad(key+".window", "must be positive, got %s", b.Window)
		}
		if b.OpenTimeout < 0 || (!override && b.OpenTimeout == 0) {
			bad(key+".openTimeout", "must be positive, got %s", b.OpenTimeout)
		}
	}
	positive("sources.timeout", c.Timeout)
	positive("sources.retryBackoff", c.RetryBackoff)
	positive("sources.inFlightWait", c.InFlightWait)
	between("sources.retries", c.Retries, 0, 5)
	between("sources.maxInFlight", c.MaxInFlight, 1, 10_000)
	breaker("sources.breaker", c.Breaker, false)
	for _, name := range []string{sources.OrdersSource, sources.CustomersSource, sources.AnalyticsSource} {
		s, _ := c.source(name)
		key := "sources." + name
		switch {
		case s.URL == "" && !demo:
			bad(key+".url", "not set: set it, or %s, to the %s service's base URL (or run with --demo for the demo services)",
				envFor(key+".url"), name)
		case s.URL != "":
			if u, err := url.Parse(s.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				bad(key+".url", "want an http(s) URL, got %q", s.URL)
			}
		}
		if s.Timeout < 0 {
			bad(key+".timeout", "must not be negative, got %s", s.Timeout)
		}
		if s.Retries != nil {
			between(key+".retries", *s.Retries, 0, 5)
		}
		between(key+".maxInFlight", s.MaxInFlight, 0, 10_000)
		breaker(key+".breaker", s.Breaker, true)
	}
	return errs
}

// newSources builds the source clients cfg describes, with their record
// cache when one is configured, observed by obs from the start (nil: by
// nothing), with the identity-token hook of the sources whose sendIdentity
// is on.
func newSources(cfg Config, obs sources.Observer, log *slog.Logger) (*sources.Sources, error) {
	store, err := openCache(cfg)
	if err != nil {
		return nil, err
	}
	client := func(name string, s SourceConfig) sources.ClientConfig {
		cc := cfg.Sources.client(name, s)
		if s.SendIdentity {
			cc.Headers = identityHeader(name, log)
		}
		return cc
	}
	return sources.New(sources.Config{
		Cache:     store,
		Orders:    client(sources.OrdersSource, cfg.Sources.Orders),
		Customers: client(sources.CustomersSource, cfg.Sources.Customers),
		Analytics: client(sources.AnalyticsSource, cfg.Sources.Analytics),
		MaxBatch:  cfg.Sources.MaxBatch,
		BatchWait: cfg.Sources.BatchWait,
		Observer:  obs,
	}), nil
}
