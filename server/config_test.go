package server

import (
	"bytes"
	"errors"
	"flag"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/gqlbff/gqlbff/auth"
	"github.com/gqlbff/gqlbff/internal/config"
)

// marshalYAML writes v as the golden files are written: four-space
// indents, list items indented.
func marshalYAML(v any) ([]byte, error) {
	return yaml.MarshalWithOptions(v, yaml.Indent(4), yaml.IndentSequence(true))
}

var update = flag.Bool("update", false, "rewrite the golden files of the tests")

const defaultGolden = "testdata/config.default.golden"

// TestDefaultGolden pins the defaults: a change to one of them shows up as
// a diff of testdata/config.default.golden (go test -run TestDefaultGolden
// -update rewrites it).
func TestDefaultGolden(t *testing.T) {
	got, err := marshalYAML(Default())
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(defaultGolden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(defaultGolden)
	if err != nil {
		t.Fatalf("%v (run go test -run TestDefaultGolden -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("Default() changed; got:\n%s\nwant (%s):\n%s", got, defaultGolden, want)
	}
}

// TestDefaultGoldenLoads checks that the golden file is a configuration
// file that LoadConfig reads back as Default().
func TestDefaultGoldenLoads(t *testing.T) {
	got, err := LoadConfig(defaultGolden, env(nil))
	gotYAML, _ := marshalYAML(got)
	wantYAML, _ := marshalYAML(Default())
	if !bytes.Equal(gotYAML, wantYAML) {
		t.Errorf("loading %s: got %+v, want Default() %+v", defaultGolden, got, Default())
	}
	// The defaults have no source URLs: they are the operator's to set.
	for _, key := range []string{"sources.orders.url", "sources.customers.url", "sources.analytics.url"} {
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("error: got %v, want it to name %s", err, key)
		}
	}
}

// env is a getenv over m.
func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// urls are valid source URLs, as an environment.
var urls = map[string]string{
	"GQLBFF_ORDERS_URL":    "http://127.0.0.1:9001",
	"GQLBFF_CUSTOMERS_URL": "http://127.0.0.1:9002",
	"GQLBFF_ANALYTICS_URL": "https://customers.internal",
	"GQLBFF_JWT_SECRET":    testJWTSecret,
}

// testJWTSecret is a valid HS256 key: without a key no caller could run an
// operation, and the configuration is refused.
const testJWTSecret = "config-test-secret-0123456789abcdef"

// writeConfig writes a YAML file and returns its path.
func writeConfig(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "gqlbff.yaml")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadConfigYAML(t *testing.T) {
	p := writeConfig(t, `
listen: 0.0.0.0:9000
sources:
  orders:
    url: http://orders.internal
    forwardAuthorization: true
  customers: {url: "http://customers.internal:8080/"}
  analytics: {url: https://analytics.internal}
  timeout: 750ms
  maxBatch: 50
http:
  maxBodyBytes: 65536
  requestTimeout: 3s
  writeTimeout: 4s
graphql:
  maxPage: 50
jwt: {secret: config-test-secret-0123456789abcdef}
profiles:
  web: {introspection: yes}
log: {format: text, level: debug}
`)
	got, err := LoadConfig(p, env(map[string]string{"GQLBFF_SOURCE_TIMEOUT": "900ms"}))
	if err != nil {
		t.Fatal(err)
	}
	want := Default()
	want.Listen = "0.0.0.0:9000"
	want.Sources.Orders = SourceConfig{URL: "http://orders.internal", ForwardAuthorization: true}
	want.Sources.Customers.URL = "http://customers.internal:8080/"
	want.Sources.Analytics.URL = "https://analytics.internal"
	want.Sources.Timeout = 900 * time.Millisecond // the environment wins over the file
	want.Sources.MaxBatch = 50
	want.HTTP.MaxBodyBytes = 64 << 10
	want.HTTP.RequestTimeout = 3 * time.Second
	want.HTTP.WriteTimeout = 4 * time.Second
	want.GraphQL.MaxPage = 50
	want.JWT.Secret = testJWTSecret
	want.Profiles.Web.Introspection = true
	want.Log = LogConfig{Format: "text", Level: "debug"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v,\nwant %+v", got, want)
	}
}

func TestLoadConfigFileErrors(t *testing.T) {
	cases := []struct {
		name string
		path string
		keys []string // the keys of the errors; "" for the file as a whole
	}{
		{"unknown top-level key", writeConfig(t, "listn: 127.0.0.1:1\n"), []string{"listn"}},
		{"unknown nested key", writeConfig(t, "sources:\n  ordrs:\n    url: http://x\n"), []string{"sources.ordrs"}},
		{"unknown key in a source", writeConfig(t, "sources:\n  orders:\n    uri: http://x\n"), []string{"sources.orders.uri"}},
		{"unknown key after a known one", writeConfig(t, "http:\n  maxBodyBytes: 10\n  maxBodyByte: 10\n"), []string{"http.maxBodyByte"}},
		{"duration without a unit", writeConfig(t, "sources:\n  timeout: 2\n"), []string{"sources.timeout"}},
		// The unauthenticated debug listener is gone: pprof and the runtime
		// stats are on the admin listener, behind the admin key.
		{"the removed debug listener", writeConfig(t, "debug:\n  listen: 127.0.0.1:6060\n"), []string{"debug"}},
		{"list for a string", writeConfig(t, "log:\n  level: [debug]\n"), []string{"log.level"}},
		{"a list, not a mapping", writeConfig(t, "- listen\n"), []string{""}},
		{"syntax error", writeConfig(t, "listen: [\n"), []string{""}},
		{"a second document", writeConfig(t, "listen: 127.0.0.1:1\n---\nlistn: 127.0.0.1:2\n"), []string{""}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadConfig(tc.path, env(urls))
			if got := config.Keys(err); !slices.Equal(got, tc.keys) {
				t.Errorf("keys: got %q, want %q (%v)", got, tc.keys, err)
			}
			if err != nil && !strings.Contains(err.Error(), tc.path) {
				t.Errorf("error: got %q, want it to name the file", err)
			}
		})
	}
	if _, err := LoadConfig(filepath.Join(t.TempDir(), "nope.yaml"), env(urls)); err == nil || !strings.Contains(err.Error(), "nope.yaml") {
		t.Errorf("missing file: got %v, want an error naming it", err)
	}
}

func TestLoadConfigEmptyFileIsDefaults(t *testing.T) {
	for _, text := range []string{"", "\n", "# nothing\n", "---\n", "{}\n", "~\n"} {
		got, err := LoadConfig(writeConfig(t, text), env(urls))
		want := Default()
		want.Sources.Orders.URL = urls["GQLBFF_ORDERS_URL"]
		want.Sources.Customers.URL = urls["GQLBFF_CUSTOMERS_URL"]
		want.Sources.Analytics.URL = urls["GQLBFF_ANALYTICS_URL"]
		want.JWT.Secret = testJWTSecret
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%q: got %+v, %v, want the defaults", text, got, err)
		}
	}
}

func TestRequiredEnvVars(t *testing.T) {
	byName := map[string]string{}
	for _, v := range EnvVars() {
		byName[v.Name] = v.Key
	}
	cases := []struct{ name, key string }{
		{"GQLBFF_LISTEN", "listen"},
		{"GQLBFF_DEMO", "demo"},
		{"GQLBFF_ORDERS_URL", "sources.orders.url"},
		{"GQLBFF_CUSTOMERS_URL", "sources.customers.url"},
		{"GQLBFF_ANALYTICS_URL", "sources.analytics.url"},
		{"GQLBFF_SOURCE_TIMEOUT", "sources.timeout"},
		{"GQLBFF_HTTP_MAX_BODY_BYTES", "http.maxBodyBytes"},
		{"GQLBFF_GRAPHQL_PARSER_TOKEN_LIMIT", "graphql.parserTokenLimit"},
		{"GQLBFF_LOG_FORMAT", "log.format"},
	}
	for _, tc := range cases {
		if got, ok := byName[tc.name]; got != tc.key {
			t.Errorf("%s: got key %q (listed %v), want %q", tc.name, got, ok, tc.key)
		}
	}
}

// yamlKeys lists the YAML keys of every leaf of Config, walking the yaml
// tags alone, with each leaf's type.
func yamlKeys(t reflect.Type, prefix string) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		k := strings.Split(f.Tag.Get("yaml"), ",")[0]
		if prefix != "" {
			k = prefix + "." + k
		}
		if f.Type.Kind() == reflect.Struct {
			for kk, tt := range yamlKeys(f.Type, k) {
				out[kk] = tt
			}
			continue
		}
		out[k] = f.Type
	}
	return out
}

func TestEnvVarsCoverEveryKey(t *testing.T) {
	keys := yamlKeys(reflect.TypeFor[Config](), "")
	names := map[string]bool{}
	seen := map[string]bool{}
	for _, v := range EnvVars() {
		if names[v.Name] {
			t.Errorf("%s is listed twice", v.Name)
		}
		names[v.Name] = true
		if _, ok := keys[v.Key]; !ok {
			t.Errorf("%s sets %q, which is not a YAML key", v.Name, v.Key)
		}
		seen[v.Key] = true
		if !strings.HasPrefix(v.Name, "GQLBFF_") || strings.ToUpper(v.Name) != v.Name {
			t.Errorf("%s: want an upper-case name starting GQLBFF_", v.Name)
		}
	}
	for k := range keys {
		// The tracing keys are overridden by OpenTelemetry's own OTEL_*
		// variables (TestTracingConfigFromOTELEnv), not GQLBFF_ ones.
		if !seen[k] && !strings.HasPrefix(k, "tracing.") {
			t.Errorf("YAML key %s has no environment override", k)
		}
	}
}

// otherValue returns a value of key different from its default v, and its
// spelling in the environment. The value need not be valid: it only has to
// reach its field.
func otherValue(t *testing.T, key string, v reflect.Value) (any, string) {
	t.Helper()
	switch {
	case v.Type() == reflect.TypeFor[time.Duration]():
		d := time.Duration(v.Int()) + 1500*time.Millisecond
		return d, d.String()
	case v.Kind() == reflect.Bool:
		return !v.Bool(), strconv.FormatBool(!v.Bool())
	case v.CanInt():
		n := v.Int() + 7
		return reflect.ValueOf(n).Convert(v.Type()).Interface(), strconv.FormatInt(n, 10)
	case v.CanFloat():
		f := v.Float() + 1.5
		return reflect.ValueOf(f).Convert(v.Type()).Interface(), strconv.FormatFloat(f, 'g', -1, 64)
	case v.Kind() == reflect.String:
		s := "test-" + key
		return reflect.ValueOf(s).Convert(v.Type()).Interface(), s
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.String:
		return []string{"a", "b"}, "a, b"
	case v.Kind() == reflect.Pointer && v.Type().Elem().Kind() == reflect.Int:
		n := 3
		if !v.IsNil() {
			n = int(v.Elem().Int()) + 7
		}
		return &n, strconv.Itoa(n)
	case v.Type() == reflect.TypeFor[*time.Duration]():
		d := 3 * time.Second
		if !v.IsNil() {
			d = v.Elem().Interface().(time.Duration) + 7*time.Second
		}
		return &d, d.String()
	case v.Type() == reflect.TypeFor[[]auth.KeyConfig]():
		return []auth.KeyConfig{{File: "k.pem", Alg: "RS256", KID: "k1"}}, `[{"file": "k.pem", "alg": "RS256", "kid": "k1"}]`
	}
	t.Fatalf("no test value for %s of type %s", key, v.Type())
	return nil, ""
}

// field returns the field of cfg at a YAML key such as sources.orders.url.
func field(cfg reflect.Value, key string) reflect.Value {
	for _, part := range strings.Split(key, ".") {
		t := cfg.Type()
		for i := range t.NumField() {
			if strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0] == part {
				cfg = cfg.Field(i)
				break
			}
		}
	}
	return cfg
}

// nestedYAML returns {a: {b: {c: v}}} for the key a.b.c.
func nestedYAML(key string, v any) map[string]any {
	parts := strings.Split(key, ".")
	m := map[string]any{parts[len(parts)-1]: v}
	for i := len(parts) - 2; i >= 0; i-- {
		m = map[string]any{parts[i]: m}
	}
	return m
}

// TestEveryEnvVarSetsItsKey sets each environment override alone and checks
// that it sets exactly what the same value under its YAML key sets.
func TestEveryEnvVarSetsItsKey(t *testing.T) {
	for _, v := range EnvVars() {
		t.Run(v.Name, func(t *testing.T) {
			def := Default()
			val, raw := otherValue(t, v.Key, field(reflect.ValueOf(&def).Elem(), v.Key))

			fromEnv := Default()
			if err := config.ApplyEnv(&fromEnv, envPrefix, env(map[string]string{v.Name: raw})); err != nil {
				t.Fatalf("%s=%s: %v", v.Name, raw, err)
			}
			if got := field(reflect.ValueOf(&fromEnv).Elem(), v.Key).Interface(); !reflect.DeepEqual(got, val) {
				t.Errorf("%s=%s: got %s = %v, want %v", v.Name, raw, v.Key, got, val)
			}

			b, err := marshalYAML(nestedYAML(v.Key, val))
			if err != nil {
				t.Fatal(err)
			}
			fromYAML := Default()
			if err := config.Decode(b, &fromYAML); err != nil {
				t.Fatalf("%s: %v", b, err)
			}
			if !reflect.DeepEqual(fromEnv, fromYAML) {
				t.Errorf("%s=%s and YAML %q differ: got %+v, want %+v", v.Name, raw, b, fromEnv, fromYAML)
			}

			// LoadConfig, what run calls, applies it too. The value may be
			// invalid: LoadConfig returns what it read along with the error.
			loaded, _ := LoadConfig("", env(map[string]string{v.Name: raw}))
			if got := field(reflect.ValueOf(&loaded).Elem(), v.Key).Interface(); !reflect.DeepEqual(got, val) {
				t.Errorf("LoadConfig with %s=%s: got %s = %v, want %v", v.Name, raw, v.Key, got, val)
			}
		})
	}
}

func TestBadEnvValueNamesTheVariable(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"duration", map[string]string{"GQLBFF_SOURCE_TIMEOUT": "banana"}, []string{"GQLBFF_SOURCE_TIMEOUT", "banana"}},
		{"duration without a unit", map[string]string{"GQLBFF_HTTP_REQUEST_TIMEOUT": "10"}, []string{"GQLBFF_HTTP_REQUEST_TIMEOUT"}},
		{"integer", map[string]string{"GQLBFF_HTTP_MAX_BODY_BYTES": "1MiB"}, []string{"GQLBFF_HTTP_MAX_BODY_BYTES"}},
		{"boolean", map[string]string{"GQLBFF_DEMO": "maybe"}, []string{"GQLBFF_DEMO"}},
		{
			"several at once",
			map[string]string{"GQLBFF_SOURCE_TIMEOUT": "soon", "GQLBFF_GRAPHQL_MAX_PAGE": "many", "GQLBFF_PROFILE_WEB_INTROSPECTION": "si"},
			[]string{"GQLBFF_SOURCE_TIMEOUT", "GQLBFF_GRAPHQL_MAX_PAGE", "GQLBFF_PROFILE_WEB_INTROSPECTION"},
		},
		{"valid syntax, invalid value", map[string]string{"GQLBFF_SOURCE_TIMEOUT": "-1s"}, []string{"sources.timeout"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := map[string]string{}
			for k, v := range urls {
				e[k] = v
			}
			for k, v := range tc.env {
				e[k] = v
			}
			_, err := LoadConfig("", env(e))
			if err == nil {
				t.Fatalf("got no error, want one naming %v", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error: got %q, want it to name %s", err, w)
				}
			}
		})
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	cfg := Default()
	cfg.Listen = "8080"
	cfg.Sources.Orders.URL = "orders.internal"
	cfg.Sources.Customers.URL = "ftp://customers.internal"
	cfg.Sources.Analytics.URL = "http://analytics.internal"
	cfg.Sources.Timeout = 0
	cfg.Sources.MaxBatch = 101
	cfg.HTTP.MaxBodyBytes = -1
	cfg.HTTP.RequestTimeout = 20 * time.Second
	cfg.GraphQL.MaxPage = 0
	cfg.Log.Format = "xml"
	cfg.Log.Level = "loud"
	cfg.JWT.Secret = testJWTSecret
	err := cfg.Validate()
	want := []string{
		"listen", "sources.orders.url", "sources.customers.url", "sources.timeout", "sources.maxBatch",
		"http.maxBodyBytes", "http.writeTimeout", "graphql.maxPage", "log.format", "log.level",
	}
	if err == nil {
		t.Fatalf("got no error, want %d problems", len(want))
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != len(want) {
		t.Errorf("problems: got %d, want %d:\n%v", len(lines), len(want), err)
	}
	named := map[string]bool{}
	for _, l := range lines {
		named[errorKey(errors.New(l))] = true
	}
	for _, key := range want {
		if !named[key] {
			t.Errorf("no problem names %s:\n%v", key, err)
		}
	}
	if strings.Contains(err.Error(), "sources.analytics.url") {
		t.Errorf("error names the valid sources.analytics.url: %v", err)
	}
}

func TestValidate(t *testing.T) {
	valid := func(f func(*Config)) Config {
		c := Default()
		c.Sources.Orders.URL = "http://o"
		c.Sources.Customers.URL = "http://c"
		c.Sources.Analytics.URL = "http://a"
		c.JWT.Secret = "config-test-secret-0123456789abcdef"
		f(&c)
		return c
	}
	cases := []struct {
		name string
		cfg  Config
		want string // the key named in the error; "" for no error
	}{
		{"valid", valid(func(*Config) {}), ""},
		{"demo without URLs", valid(func(c *Config) { c.Demo = true; c.Sources.Orders.URL = "" }), ""},
		{"no URL", valid(func(c *Config) { c.Sources.Customers.URL = "" }), "sources.customers.url"},
		{"URL without host", valid(func(c *Config) { c.Sources.Orders.URL = "http://" }), "sources.orders.url"},
		{"listen without a port", valid(func(c *Config) { c.Listen = "localhost" }), "listen"},
		{"write timeout equal to the request timeout", valid(func(c *Config) { c.HTTP.WriteTimeout = c.HTTP.RequestTimeout }), "http.writeTimeout"},
		{"negative batch wait", valid(func(c *Config) { c.Sources.BatchWait = -time.Millisecond }), "sources.batchWait"},
		{"token limit off", valid(func(c *Config) { c.GraphQL.ParserTokenLimit = 0 }), "graphql.parserTokenLimit"},
		{"tiny header limit", valid(func(c *Config) { c.HTTP.MaxHeaderBytes = 100 }), "http.maxHeaderBytes"},
		{"no shutdown time", valid(func(c *Config) { c.HTTP.ShutdownTimeout = 0 }), "http.shutdownTimeout"},
		{"budget capacity NaN", valid(func(c *Config) { c.Profiles.Web.Budget.Capacity = math.NaN() }), "profiles.web.budget"},
		{"budget restore rate +Inf", valid(func(c *Config) { c.Profiles.Partner.Budget.RestoreRate = math.Inf(1) }), "profiles.partner.budget"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if got := errorKey(err); got != tc.want {
				t.Errorf("got %v, want an error naming %q", err, tc.want)
			}
		})
	}
}

// errorKey is the key a single-problem Validate error names ("" for nil).
func errorKey(err error) string {
	if err == nil {
		return ""
	}
	key, _, _ := strings.Cut(err.Error(), ": ")
	return key
}

// FuzzLoadConfig feeds LoadConfig hostile YAML: it never panics, and a
// configuration it accepts is valid and reads back as itself.
func FuzzLoadConfig(f *testing.F) {
	if golden, err := os.ReadFile(defaultGolden); err == nil {
		f.Add(golden)
	}
	for _, s := range []string{
		"",
		"listen: 127.0.0.1:1\nsources: {orders: {url: http://o}, customers: {url: http://c}, analytics: {url: http://a}}\n",
		"demo: true\n",
		"demo: true\nlog: {format: xml}\n",
		"listn: x\n",
		"sources:\n  timeout: 2\n",
		"sources:\n  timeout: -1s\n  maxBatch: 1e9\n",
		"http: {maxBodyBytes: .inf}\n",
		"http: {maxBodyBytes: .nan}\n",
		"graphql: {maxPage: 1.5}\n",
		"demo: true\nprofiles: {web: {budget: {capacity: .nan, restoreRate: 1}}}\n",
		"demo: true\nprofiles: {mobile: {budget: {capacity: .inf, restoreRate: .inf}}}\n",
		"a: &a [*a]\n",
		"x: &x {y: *x}\n",
		"- 1\n- 2\n",
		"!!binary aGVsbG8=\n",
		"listen: !!int 1\n",
		"---\n---\n",
		"listen: 127.0.0.1:1\n---\nlisten: x\n",
		"{\"listen\": \"127.0.0.1:1\", \"demo\": true}",
		"\t\x00\xff",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p := filepath.Join(t.TempDir(), "fuzz.yaml")
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, err := LoadConfig(p, env(nil))
		if err != nil {
			return
		}
		if verr := cfg.Validate(); verr != nil {
			t.Fatalf("LoadConfig accepted %q, but Validate says: %v", b, verr)
		}
		out, merr := marshalYAML(cfg)
		if merr != nil {
			t.Fatalf("marshal %+v: %v", cfg, merr)
		}
		again, err := LoadConfig(writeConfig(t, string(out)), env(nil))
		// Compared as YAML: an empty list and no list read back alike.
		out2, _ := marshalYAML(again)
		if err != nil || string(out2) != string(out) {
			t.Fatalf("%q loads as %+v, which reads back as %+v, %v", b, cfg, again, err)
		}
	})
}
