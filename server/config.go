package server

import (
	"errors"
	"fmt"
	"iter"
	"math"
	"net"
	"net/url"
	"os"
	"time"

	"github.com/gqlbff/gqlbff/auth"
	"github.com/gqlbff/gqlbff/internal/config"
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
	// JWT configures how callers are authenticated.
	JWT auth.JWTConfig `yaml:"jwt" env:""`
	// Metrics configures GET /metrics.
	Metrics MetricsConfig `yaml:"metrics" env:"METRICS"`
	// Tracing configures the OpenTelemetry trace exporter. Its environment
	// overrides are the standard OTEL_* variables (see LoadConfig).
	Tracing TracingConfig `yaml:"tracing"`
	// Profiles holds each client profile's limits; the profile comes from
	// the token's client claim, never from a header a caller can forge.
	Profiles ProfilesConfig `yaml:"profiles" env:"PROFILE"`
	// Identity configures the identity tokens gqlbff signs for sources.
	Identity auth.IdentityConfig `yaml:"identity" env:"IDENTITY"`
	// CORS says which browser origins may call the graph.
	CORS CORSConfig `yaml:"cors" env:"CORS"`
	// CSRF configures the CSRF prevention of GET and simple requests.
	CSRF CSRFConfig `yaml:"csrf" env:"CSRF"`
	// Redis is the store the replicas share: APQ registrations and cost
	// budgets; without a URL each replica keeps its own in memory.
	Redis RedisConfig `yaml:"redis" env:"REDIS"`
	// Persisted configures persisted queries: APQ and trusted documents.
	Persisted PersistedConfig `yaml:"persisted" env:"PERSISTED"`
	// Admin configures the admin listener (probes, metrics, pprof and the
	// endpoints that change state, behind a key).
	Admin AdminConfig `yaml:"admin" env:"ADMIN"`
	// TLS makes the public listener serve HTTPS.
	TLS TLSConfig `yaml:"tls" env:"TLS"`
	// Usage configures the field usage by client: who names a client, and
	// how the counts are shared through Redis.
	Usage UsageConfig `yaml:"usage" env:"USAGE"`
}

// DemoJWTSecret signs the demo mode's dev tokens when no secret is set. It
// is public, so demo mode must never face a network.
const DemoJWTSecret = "gqlbff-demo-secret-do-not-use-in-production"

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

// all yields each client profile's name and settings, in the order of
// profileNames.
func (p ProfilesConfig) all() iter.Seq2[string, ProfileConfig] {
	return func(yield func(string, ProfileConfig) bool) {
		for _, name := range profileNames {
			pc, _ := p.Profile(name)
			if !yield(name, pc) {
				return
			}
		}
	}
}

// The client profiles.
const (
	ProfileWeb     = "web"
	ProfileMobile  = "mobile"
	ProfilePartner = "partner"
)

// profileNames are the client profiles, in the order of DESIGN.md: the one
// list that validation, the resolved policies and the statistics range over.
var profileNames = [...]string{ProfileWeb, ProfileMobile, ProfilePartner}

// ProfileConfig is one client profile's policy.
type ProfileConfig struct {
	// AllowAnonymous lets callers without a token run operations.
	AllowAnonymous bool `yaml:"allowAnonymous" env:"ALLOW_ANONYMOUS"`
	// Introspection allows __schema and __type.
	Introspection bool `yaml:"introspection" env:"INTROSPECTION"`
	// PersistedQueries is off, log_unknown, safelist or require_id.
	PersistedQueries PersistedMode `yaml:"persistedQueries" env:"PERSISTED_QUERIES"`
	// MaxCost is the most one operation may cost (0: no limit).
	MaxCost int `yaml:"maxCost" env:"MAX_COST"`
	// CostMode is enforce (refuse) or measure (log and count only).
	CostMode CostMode `yaml:"costMode" env:"COST_MODE"`
	// CostExplain allows the GQLBFF-Cost-Explain header.
	CostExplain bool `yaml:"costExplain" env:"COST_EXPLAIN"`
	// Budget is the per-client token bucket of cost points.
	Budget BudgetConfig `yaml:"budget" env:"BUDGET"`
	// MaxDepth caps the nesting of fields, fragments inlined (0: no limit).
	MaxDepth int `yaml:"maxDepth" env:"MAX_DEPTH"`
	// MaxAliases caps the aliased fields, fragments inlined (0: no limit).
	MaxAliases int `yaml:"maxAliases" env:"MAX_ALIASES"`
	// MaxRootFields caps the fields of the root selection set (0: no limit).
	MaxRootFields int `yaml:"maxRootFields" env:"MAX_ROOT_FIELDS"`
	// MaxFields caps the fields of a document, fragments inlined (0: no
	// limit).
	MaxFields int `yaml:"maxFields" env:"MAX_FIELDS"`
	// MaxDirectives caps the directives written in a document (0: no limit).
	MaxDirectives int `yaml:"maxDirectives" env:"MAX_DIRECTIVES"`
	// MaxOperationName caps the length of an operation's name (0: no limit).
	MaxOperationName int `yaml:"maxOperationName" env:"MAX_OPERATION_NAME"`
	// MaxPage caps `first` and the length of `ids` below graphql.maxPage
	// (0: graphql.maxPage).
	MaxPage int `yaml:"maxPage" env:"MAX_PAGE"`
	// ExcludeTags hides from the profile every schema part tagged
	// @tag(name:) with one of them: its contract.
	ExcludeTags []string `yaml:"excludeTags" env:"EXCLUDE_TAGS"`
	// IncludeTags, when set, hides every tagged part that carries none of
	// them (untagged parts stay).
	IncludeTags []string `yaml:"includeTags" env:"INCLUDE_TAGS"`
}

// BudgetConfig is a token bucket of cost points per client.
type BudgetConfig struct {
	// Capacity is the bucket's size in cost points (0: no budget).
	Capacity float64 `yaml:"capacity" env:"CAPACITY"`
	// RestoreRate is how many points come back per second.
	RestoreRate float64 `yaml:"restoreRate" env:"RESTORE_RATE"`
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
	// DrainDelay is how long, on SIGTERM, /readyz answers 503 while the
	// server still serves, before the graceful shutdown: the time a load
	// balancer takes to notice and stop sending requests.
	DrainDelay time.Duration `yaml:"drainDelay" env:"DRAIN_DELAY"`
	// MaxInFlight fixes how many GraphQL requests run at once; 0 (the
	// default) adapts the limit to measured latency.
	MaxInFlight int `yaml:"maxInFlight" env:"MAX_IN_FLIGHT"`
	// QueueTimeout is how long a request may wait for a slot before it is
	// refused with 503 OVERLOADED.
	QueueTimeout time.Duration `yaml:"queueTimeout" env:"QUEUE_TIMEOUT"`
	// Compression encodes answers of 1 KiB or more with zstd or gzip, as
	// the request's Accept-Encoding allows.
	Compression bool `yaml:"compression" env:"COMPRESSION"`
	// TrustedProxies are the addresses (IPs or CIDRs) whose
	// X-Forwarded-For is believed when telling an anonymous client by its
	// address; empty believes none and uses the connection's peer.
	TrustedProxies []string `yaml:"trustedProxies" env:"TRUSTED_PROXIES"`
}

// GraphQLConfig holds the GraphQL layer's settings.
type GraphQLConfig struct {
	// ParserTokenLimit caps the tokens of one document (gqlgen's default,
	// 0, is unlimited).
	ParserTokenLimit int `yaml:"parserTokenLimit" env:"PARSER_TOKEN_LIMIT"`
	// MaxPage caps `first` and the length of `ids`.
	MaxPage int `yaml:"maxPage" env:"MAX_PAGE"`
	// Playground serves GraphiQL at /.
	Playground bool `yaml:"playground" env:"PLAYGROUND"`
	// QueryCacheSize is how many parsed, validated documents are kept.
	QueryCacheSize int `yaml:"queryCacheSize" env:"QUERY_CACHE_SIZE"`
	// Federation serves gqlbff as an Apollo Federation v2 subgraph: the
	// _service and _entities fields exist only when it is on.
	Federation bool `yaml:"federation" env:"FEDERATION"`
	// Executor runs operations: plans (compiled plans, package engine;
	// gqlgen's executor for introspection and federation) or gqlgen (its
	// generated executor for everything, the reference).
	Executor string `yaml:"executor" env:"EXECUTOR"`
}

// LogConfig configures the logs.
type LogConfig struct {
	// Format is json or text.
	Format string `yaml:"format" env:"FORMAT"`
	// Level is debug, info, warn or error.
	Level string `yaml:"level" env:"LEVEL"`
}

// MetricsConfig configures GET /metrics.
type MetricsConfig struct {
	// Enabled serves GET /metrics and counts; off, nothing is counted.
	Enabled bool `yaml:"enabled" env:"ENABLED"`
	// MaxOperationNames bounds the operation label: the first this many
	// distinct operation names are kept, later new ones count as "other".
	MaxOperationNames int `yaml:"maxOperationNames" env:"MAX_OPERATION_NAMES"`
}

// TracingConfig configures the OpenTelemetry traces, exported over OTLP.
// LoadConfig fills it from the standard variables:
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, else OTEL_EXPORTER_OTLP_ENDPOINT (to
// which /v1/traces is added over HTTP);
// OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, else OTEL_EXPORTER_OTLP_PROTOCOL;
// OTEL_PROPAGATORS; and OTEL_SDK_DISABLED or OTEL_TRACES_EXPORTER=none
// turn it off. The exporter reads the other OTEL_EXPORTER_OTLP_* variables
// (headers, timeout, compression, certificates) and the SDK
// OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES and OTEL_TRACES_SAMPLER*
// itself.
type TracingConfig struct {
	// Endpoint is the OTLP traces URL, such as
	// http://collector:4318/v1/traces (HTTP) or http://collector:4317
	// (gRPC); empty turns tracing off, and then it costs nothing
	// measurable.
	Endpoint string `yaml:"endpoint"`
	// Protocol is the OTLP transport: http/protobuf or grpc.
	Protocol string `yaml:"protocol"`
	// Propagators are the trace context formats read from callers:
	// tracecontext, baggage, b3, b3multi, jaeger, xray, ottrace or none.
	// Sources always get a W3C traceparent.
	Propagators []string `yaml:"propagators"`
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
			Retries:          sources.DefaultRetries,
			RetryBackoff:     sources.DefaultRetryBackoff,
			MaxInFlight:      sources.DefaultMaxInFlight,
			InFlightWait:     sources.DefaultInFlightWait,
			Coalesce:         true,
			Breaker:          breakerConfig(sources.DefaultBreaker()),
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
			DrainDelay:        5 * time.Second,
			QueueTimeout:      200 * time.Millisecond,
			Compression:       true,
		},
		GraphQL: GraphQLConfig{
			ParserTokenLimit: 15000,
			MaxPage:          100,
			QueryCacheSize:   1000,
			Executor:         ExecutorPlans,
		},
		Tracing: TracingConfig{Protocol: "http/protobuf", Propagators: []string{"tracecontext", "baggage"}},
		Log:     LogConfig{Format: "json", Level: "info"},
		Metrics: MetricsConfig{Enabled: true, MaxOperationNames: 100},
		JWT: auth.JWTConfig{
			Leeway: 30 * time.Second, ScopeClaim: "scope", ClientClaim: "client",
			JWKSAlgorithms: []string{"RS256", "ES256", "EdDSA"},
			JWKSRefresh:    5 * time.Minute, JWKSMinRefetch: time.Minute,
			JWKSTimeout: 2 * time.Second, JWKSMaxBytes: 64 << 10,
		},
		Identity: auth.IdentityConfig{Issuer: "gqlbff", TTL: time.Minute},
		CORS: CORSConfig{
			AllowedHeaders: []string{"Authorization", "Content-Type", "Accept", "X-Requested-With", "GraphQL-Preflight",
				"Apollo-Require-Preflight", "X-Apollo-Operation-Name", "X-Request-Id", "Traceparent"},
			ExposedHeaders: []string{"X-Request-Id", "WWW-Authenticate", "Retry-After"},
			MaxAge:         10 * time.Minute,
		},
		CSRF: CSRFConfig{
			Prevention: true,
			Headers:    []string{"X-Requested-With", "GraphQL-Preflight", "Apollo-Require-Preflight", "X-Apollo-Operation-Name"},
		},
		Redis: RedisConfig{Timeout: 50 * time.Millisecond, FailMode: FailOpen},
		Usage: usageDefaults(),
		Persisted: PersistedConfig{
			ReloadInterval: time.Second,
			APQ:            APQConfig{Enabled: true, CacheSize: 1000, TTL: 24 * time.Hour},
			Bypass:         BypassConfig{Header: "GQLBFF-Persisted-Bypass"},
		},
		Profiles: ProfilesConfig{
			Default: ProfileWeb,
			Web: structureDefaults(ProfileConfig{
				PersistedQueries: ModeOff, MaxCost: 5000, CostMode: CostEnforce, CostExplain: true,
				Budget: BudgetConfig{Capacity: 20000, RestoreRate: 1000},
			}),
			Mobile: structureDefaults(ProfileConfig{
				PersistedQueries: ModeOff, MaxCost: 5000, CostMode: CostEnforce,
				Budget: BudgetConfig{Capacity: 20000, RestoreRate: 1000},
			}),
			Partner: structureDefaults(ProfileConfig{
				PersistedQueries: ModeRequireID, MaxCost: 2000, CostMode: CostEnforce,
				Budget:      BudgetConfig{Capacity: 10000, RestoreRate: 200},
				ExcludeTags: []string{"pii"},
			}),
		},
	}
}

// structureDefaults sets the structural limits of HARDENING.md.
func structureDefaults(p ProfileConfig) ProfileConfig {
	p.MaxDepth, p.MaxAliases, p.MaxRootFields, p.MaxFields = 10, 15, 10, 500
	p.MaxDirectives, p.MaxOperationName = 50, 128
	return p
}

// LoadConfig reads the defaults, then the YAML file at path (if not empty),
// then the environment through getenv, and validates the result. Demo mode
// (demo: true, from the file or the environment) changes only defaults:
// the file and the environment still win over them.
//
// It reports every problem at once, those of the file and of the
// environment (unknown keys, values of the wrong type) and those of the
// values (Validate), each a *config.Error at its key; a key whose value
// could not be read keeps its default and is not validated again. The
// Config read so far comes back with the error.
func LoadConfig(path string, getenv func(string) string, opts ...LoadOption) (Config, error) {
	var o loadOptions
	for _, opt := range opts {
		opt(&o)
	}
	var file []byte
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return Default(), fmt.Errorf("config: %w", err)
		}
		file = b
	}
	load := func(cfg Config) (Config, error) {
		var errs []error
		if file != nil {
			for _, err := range joined(config.Decode(file, &cfg)) {
				errs = append(errs, fmt.Errorf("%s: %w", path, err))
			}
		}
		errs = append(errs, config.ApplyEnv(&cfg, envPrefix, getenv))
		applyOTelEnv(&cfg.Tracing, getenv)
		return cfg, errors.Join(errs...)
	}
	cfg, readErr := load(Default())
	if cfg.Demo || o.demo {
		cfg, readErr = load(demoDefaults())
		cfg.Demo = true
		if cfg.JWT.Secret == "" && cfg.JWT.JWKSURL == "" && len(cfg.JWT.Keys) == 0 {
			cfg.JWT.Secret = DemoJWTSecret
		}
	}
	unread := map[string]bool{}
	for _, k := range config.Keys(readErr) {
		unread[k] = true
	}
	if unread[""] {
		// The file could not be read at all: what Validate would say
		// about the defaults left in its place is noise.
		return cfg, readErr
	}
	errs := []error{readErr}
	for _, err := range joined(cfg.Validate()) {
		if keys := config.Keys(err); len(keys) == 1 && unread[keys[0]] {
			continue
		}
		errs = append(errs, err)
	}
	return cfg, errors.Join(errs...)
}

// LoadOption changes how LoadConfig loads.
type LoadOption func(*loadOptions)

type loadOptions struct{ demo bool }

// WithDemo turns demo mode on, whatever the file and the environment say
// of demo: the --demo flag.
func WithDemo() LoadOption { return func(o *loadOptions) { o.demo = true } }

// joined lists the errors err joins; err alone when it joins none.
func joined(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// demoDefaults are the defaults of demo mode, for people trying gqlbff:
// readable logs, the playground, and introspection for the web profile to
// explore the schema with.
func demoDefaults() Config {
	cfg := Default()
	cfg.Demo = true
	cfg.Log.Format = "text"
	cfg.GraphQL.Playground = true
	cfg.Profiles.Web.Introspection = true
	return cfg
}

// Validate reports every problem at once, each naming its key.
func (c Config) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, config.Errorf(key, format, args...))
	}
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		bad("listen", "want host:port, got %q", c.Listen)
	}
	errs = append(errs, c.Sources.validate(c.Demo)...)
	errs = append(errs, c.validateCache()...)
	for _, d := range []struct {
		key string
		d   time.Duration
	}{
		{"sources.batchWait", c.Sources.BatchWait},
		{"http.readHeaderTimeout", c.HTTP.ReadHeaderTimeout},
		{"http.readTimeout", c.HTTP.ReadTimeout},
		{"http.writeTimeout", c.HTTP.WriteTimeout},
		{"http.idleTimeout", c.HTTP.IdleTimeout},
		{"http.requestTimeout", c.HTTP.RequestTimeout},
		{"http.shutdownTimeout", c.HTTP.ShutdownTimeout},
		{"redis.timeout", c.Redis.Timeout},
		{"persisted.apq.ttl", c.Persisted.APQ.TTL},
	} {
		if d.d <= 0 {
			bad(d.key, "must be positive, got %s", d.d)
		}
	}
	if c.HTTP.DrainDelay < 0 {
		bad("http.drainDelay", "must not be negative, got %s", c.HTTP.DrainDelay)
	}
	if c.HTTP.QueueTimeout < 0 {
		bad("http.queueTimeout", "must not be negative, got %s", c.HTTP.QueueTimeout)
	}
	if c.HTTP.MaxInFlight < 0 || c.HTTP.MaxInFlight > 1<<20 {
		bad("http.maxInFlight", "must be between 0 (adaptive) and %d, got %d", 1<<20, c.HTTP.MaxInFlight)
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
		{"metrics.maxOperationNames", int64(c.Metrics.MaxOperationNames), 1, 10000},
		{"http.maxBodyBytes", c.HTTP.MaxBodyBytes, 1, 64 << 20},
		{"http.maxHeaderBytes", int64(c.HTTP.MaxHeaderBytes), 1 << 10, 1 << 20},
		{"graphql.parserTokenLimit", int64(c.GraphQL.ParserTokenLimit), 1, 1 << 20},
		{"graphql.maxPage", int64(c.GraphQL.MaxPage), 1, 100},
		{"graphql.queryCacheSize", int64(c.GraphQL.QueryCacheSize), 0, 1 << 20},
		{"persisted.apq.cacheSize", int64(c.Persisted.APQ.CacheSize), 1, 1 << 20},
	}
	for _, i := range ints {
		if i.v < i.lo || i.v > i.hi {
			bad(i.key, "must be between %d and %d, got %d", i.lo, i.hi, i.v)
		}
	}
	if c.Tracing.Endpoint != "" {
		if u, err := url.Parse(c.Tracing.Endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("tracing.endpoint", "want an http(s) URL (from OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT), got %q", c.Tracing.Endpoint)
		}
	}
	if p := c.Tracing.Protocol; p != "http/protobuf" && p != "grpc" {
		bad("tracing.protocol", "want http/protobuf or grpc (OTEL_EXPORTER_OTLP_PROTOCOL), got %q", p)
	}
	if _, err := propagator(c.Tracing); err != nil {
		bad("tracing.propagators", "%v (OTEL_PROPAGATORS)", err)
	}
	if c.GraphQL.Executor != ExecutorPlans && c.GraphQL.Executor != ExecutorGqlgen {
		bad("graphql.executor", "want %s or %s, got %q", ExecutorPlans, ExecutorGqlgen, c.GraphQL.Executor)
	}
	if c.Log.Format != "json" && c.Log.Format != "text" {
		bad("log.format", "want json or text, got %q", c.Log.Format)
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		bad("log.level", "want debug, info, warn or error, got %q", c.Log.Level)
	}
	errs = append(errs, c.validateAdmin()...)
	errs = append(errs, c.validateUsage()...)
	errs = append(errs, c.validateTLS()...)
	errs = append(errs, c.validatePolicy()...)
	errs = append(errs, c.validatePersisted()...)
	errs = append(errs, c.validateCost()...)
	errs = append(errs, c.validateProfiles()...)
	return errors.Join(errs...)
}

// finite reports whether f is a number other than NaN and ±Inf, which YAML
// (.nan, .inf) and the environment (NaN, Inf) both accept.
func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }
