package server

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/gqlbff/gqlbff/sources"
)

// Config is gqlbff's whole configuration: one YAML file (--config) whose
// every key also has an environment override, named in the key's env tag
// (nested tags are joined with "_" after the GQLBFF_ prefix).
type Config struct {
	// Listen is the host:port the server listens on.
	Listen string `yaml:"listen" env:"LISTEN"`
	// Demo starts the demo sources in-process and points the sources at them
	// when their URLs are not set.
	Demo bool `yaml:"demo" env:"DEMO"`
	// Sources configures the three REST services.
	Sources SourcesConfig `yaml:"sources" env:""`
	// HTTP holds the HTTP server's limits.
	HTTP HTTPConfig `yaml:"http" env:"HTTP"`
	// GraphQL holds the GraphQL layer's settings.
	GraphQL GraphQLConfig `yaml:"graphql" env:"GRAPHQL"`
	// Log configures the logs.
	Log LogConfig `yaml:"log" env:"LOG"`
	// Profiles holds each client profile's limits; the profile comes from
	// the token's client claim, never from a header a caller can forge.
	Profiles ProfilesConfig `yaml:"profiles" env:"PROFILE"`
	// Debug configures the debug listener (pprof, runtime stats).
	Debug DebugConfig `yaml:"debug" env:"DEBUG"`
}

// DebugConfig configures the debug listener: pprof profiles and runtime
// stats (heap, goroutines, allocations) on an address of their own, never
// on the public one. It is off unless Listen is set.
type DebugConfig struct {
	// Listen is the debug listener's host:port; empty turns it off. Bind it
	// to loopback or an operators' network only.
	Listen string `yaml:"listen" env:"LISTEN"`
}

// ProfilesConfig holds the three client profiles of DESIGN.md.
type ProfilesConfig struct {
	// Default is the profile of a caller whose token names none, and of an
	// anonymous caller.
	Default string `yaml:"default" env:"DEFAULT"`
	// Web is the first-party web app.
	Web ProfileConfig `yaml:"web" env:"WEB"`
	// Mobile is the first-party mobile app.
	Mobile ProfileConfig `yaml:"mobile" env:"MOBILE"`
	// Partner is a partner: persisted operations only.
	Partner ProfileConfig `yaml:"partner" env:"PARTNER"`
}

// Profile returns the settings of the named profile, and whether it exists.
func (p ProfilesConfig) Profile(name string) (ProfileConfig, bool) {
	switch name {
	case ProfileWeb:
		return p.Web, true
	case ProfileMobile:
		return p.Mobile, true
	case ProfilePartner:
		return p.Partner, true
	default:
		return ProfileConfig{}, false
	}
}

// The client profiles.
const (
	ProfileWeb     = "web"
	ProfileMobile  = "mobile"
	ProfilePartner = "partner"
)

// ProfileConfig is one client profile's policy.
type ProfileConfig struct {
	// AllowAnonymous lets callers without a token run operations.
	AllowAnonymous bool `yaml:"allowAnonymous" env:"ALLOW_ANONYMOUS"`
	// Introspection allows __schema and __type.
	Introspection bool `yaml:"introspection" env:"INTROSPECTION"`
	// PersistedQueries is off, log_unknown, safelist or require_id.
	PersistedQueries string `yaml:"persistedQueries" env:"PERSISTED_QUERIES"`
	// MaxCost is the most one operation may cost (0: no limit).
	MaxCost int `yaml:"maxCost" env:"MAX_COST"`
	// CostMode is enforce (refuse) or measure (log and count only).
	CostMode string `yaml:"costMode" env:"COST_MODE"`
	// CostExplain allows the GQLBFF-Cost-Explain header.
	CostExplain bool `yaml:"costExplain" env:"COST_EXPLAIN"`
	// Budget is the per-client token bucket of cost points.
	Budget BudgetConfig `yaml:"budget" env:"BUDGET"`
}

// BudgetConfig is a token bucket of cost points per client.
type BudgetConfig struct {
	// Capacity is the bucket's size in cost points (0: no budget).
	Capacity float64 `yaml:"capacity" env:"CAPACITY"`
	// RestoreRate is how many points come back per second.
	RestoreRate float64 `yaml:"restoreRate" env:"RESTORE_RATE"`
}

// SourcesConfig configures the REST services behind the graph.
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
}

// SourceConfig configures one REST service.
type SourceConfig struct {
	// URL is the service's base URL.
	URL string `yaml:"url" env:"URL"`
	// ForwardAuthorization sends the caller's Authorization header to it.
	ForwardAuthorization bool `yaml:"forwardAuthorization" env:"FORWARD_AUTHORIZATION"`
}

// HTTPConfig holds the HTTP server's limits (HARDENING.md).
type HTTPConfig struct {
	// MaxBodyBytes caps a request body; over it is 413.
	MaxBodyBytes int64 `yaml:"maxBodyBytes" env:"MAX_BODY_BYTES"`
	// MaxHeaderBytes caps the request headers.
	MaxHeaderBytes int `yaml:"maxHeaderBytes" env:"MAX_HEADER_BYTES"`
	// ReadHeaderTimeout bounds reading the headers (slow clients).
	ReadHeaderTimeout time.Duration `yaml:"readHeaderTimeout" env:"READ_HEADER_TIMEOUT"`
	// ReadTimeout bounds reading the whole request.
	ReadTimeout time.Duration `yaml:"readTimeout" env:"READ_TIMEOUT"`
	// WriteTimeout bounds writing the answer; it must exceed RequestTimeout.
	WriteTimeout time.Duration `yaml:"writeTimeout" env:"WRITE_TIMEOUT"`
	// IdleTimeout closes idle keep-alive connections.
	IdleTimeout time.Duration `yaml:"idleTimeout" env:"IDLE_TIMEOUT"`
	// RequestTimeout is the deadline of one request, retries included.
	RequestTimeout time.Duration `yaml:"requestTimeout" env:"REQUEST_TIMEOUT"`
	// ShutdownTimeout is how long in-flight requests may finish on shutdown.
	ShutdownTimeout time.Duration `yaml:"shutdownTimeout" env:"SHUTDOWN_TIMEOUT"`
}

// GraphQLConfig holds the GraphQL layer's settings.
type GraphQLConfig struct {
	// ParserTokenLimit caps the tokens of one document (gqlgen's default,
	// 0, is unlimited).
	ParserTokenLimit int `yaml:"parserTokenLimit" env:"PARSER_TOKEN_LIMIT"`
	// MaxPage caps `first` and the length of `ids`.
	MaxPage int `yaml:"maxPage" env:"MAX_PAGE"`
	// Introspection allows __schema and __type queries.
	Introspection bool `yaml:"introspection" env:"INTROSPECTION"`
	// Playground serves GraphiQL at /.
	Playground bool `yaml:"playground" env:"PLAYGROUND"`
	// QueryCacheSize is how many parsed, validated documents are kept.
	QueryCacheSize int `yaml:"queryCacheSize" env:"QUERY_CACHE_SIZE"`
}

// LogConfig configures the logs.
type LogConfig struct {
	// Format is json or text.
	Format string `yaml:"format" env:"FORMAT"`
	// Level is debug, info, warn or error.
	Level string `yaml:"level" env:"LEVEL"`
}

// Default returns the configuration gqlbff runs with when nothing is set.
func Default() Config {
	return Config{
		Listen: "127.0.0.1:8080",
		Sources: SourcesConfig{
			Timeout:          sources.DefaultTimeout,
			MaxResponseBytes: sources.DefaultMaxResponseBytes,
			MaxBatch:         sources.DefaultMaxBatch,
			BatchWait:        sources.DefaultBatchWait,
		},
		HTTP: HTTPConfig{
			MaxBodyBytes:      1 << 20,
			MaxHeaderBytes:    32 << 10,
			ReadHeaderTimeout: 5 * time.Second,
			ReadTimeout:       10 * time.Second,
			WriteTimeout:      15 * time.Second,
			IdleTimeout:       60 * time.Second,
			RequestTimeout:    10 * time.Second,
			ShutdownTimeout:   15 * time.Second,
		},
		GraphQL: GraphQLConfig{
			ParserTokenLimit: 15000,
			MaxPage:          100,
			QueryCacheSize:   1000,
		},
		Log: LogConfig{Format: "json", Level: "info"},
		Profiles: ProfilesConfig{
			Default: ProfileWeb,
			Web: ProfileConfig{
				PersistedQueries: "off", MaxCost: 5000, CostMode: "enforce", CostExplain: true,
				Budget: BudgetConfig{Capacity: 20000, RestoreRate: 1000},
			},
			Mobile: ProfileConfig{
				PersistedQueries: "off", MaxCost: 5000, CostMode: "enforce",
				Budget: BudgetConfig{Capacity: 20000, RestoreRate: 1000},
			},
			Partner: ProfileConfig{
				PersistedQueries: "require_id", MaxCost: 2000, CostMode: "enforce",
				Budget: BudgetConfig{Capacity: 10000, RestoreRate: 200},
			},
		},
	}
}

// LoadConfig reads the defaults, then the YAML file at path (if not empty),
// then the environment through getenv, and validates the result.
func LoadConfig(path string, getenv func(string) string) (Config, error) {
	cfg := Default()
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return cfg, fmt.Errorf("config: %w", err)
		}
		if err := decodeYAML(b, &cfg); err != nil {
			return cfg, fmt.Errorf("config %s: %w", path, err)
		}
	}
	if err := applyEnv(&cfg, getenv); err != nil {
		return cfg, err
	}
	if cfg.Demo {
		// The demo is for people trying gqlbff: readable logs, and the
		// playground with the schema to explore.
		if path == "" && getenv("GQLBFF_LOG_FORMAT") == "" {
			cfg.Log.Format = "text"
		}
		if getenv("GQLBFF_GRAPHQL_PLAYGROUND") == "" && !cfg.GraphQL.Playground {
			cfg.GraphQL.Playground = true
		}
		if getenv("GQLBFF_GRAPHQL_INTROSPECTION") == "" && !cfg.GraphQL.Introspection {
			cfg.GraphQL.Introspection = true
		}
	}
	return cfg, cfg.Validate()
}

func decodeYAML(b []byte, cfg *Config) error {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	// Refuse a second document that is not empty rather than ignore its
	// keys silently.
	for {
		var next yaml.Node
		err := dec.Decode(&next)
		switch {
		case errors.Is(err, io.EOF):
			return nil
		case err != nil:
			return err
		case len(next.Content) > 0 && next.Content[0].Tag != "!!null":
			return errors.New("more than one YAML document")
		}
	}
}

// Validate reports every problem at once, each naming its key.
func (c Config) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, args...)))
	}
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		bad("listen", "want host:port, got %q", c.Listen)
	}
	if d := c.Debug.Listen; d != "" {
		if _, _, err := net.SplitHostPort(d); err != nil {
			bad("debug.listen", "want host:port or empty (off), got %q", d)
		} else if d == c.Listen {
			bad("debug.listen", "must differ from listen (%q): the debug endpoints are never public", c.Listen)
		}
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
	}
	return errors.Join(errs...)
}
