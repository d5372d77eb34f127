package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/goleak"

	"github.com/gqlbff/gqlbff/internal/testkit"
	"github.com/gqlbff/gqlbff/server"
	"github.com/gqlbff/gqlbff/sources/demo"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var (
	dataOnce sync.Once
	data     *demo.Dataset
)

// defaultData is the default seeded data set, built once for the package.
func defaultData() *demo.Dataset {
	dataOnce.Do(func() {
		data = demo.NewDataset(demo.DefaultSeed, demo.DefaultCustomers, demo.DefaultOrders)
	})
	return data
}

// harness is gqlbff over real sockets in front of the real demo services.
type harness struct {
	t       testing.TB
	svcs    *demo.Services
	srv     *httptest.Server
	cfg     server.Config
	http    *http.Client
	handler *server.Handler
}

type option func(*harnessOptions)

type harnessOptions struct {
	data   *demo.Dataset
	config []func(*server.Config)
	deps   server.Deps
}

func withData(d *demo.Dataset) option { return func(o *harnessOptions) { o.data = d } }

// withConfig changes the configuration; several apply in order.
func withConfig(f func(*server.Config)) option {
	return func(o *harnessOptions) { o.config = append(o.config, f) }
}

// withDeps sets the handler's logger and pricer (its sources are the
// harness's own).
func withDeps(d server.Deps) option { return func(o *harnessOptions) { o.deps = d } }

// withLogger sets the handler's logger.
// withTracer gives gqlbff a tracer provider (tracing on).
func withTracer(tp trace.TracerProvider) option {
	return func(o *harnessOptions) { o.deps.TracerProvider = tp }
}

func withLogger(l *slog.Logger) option { return func(o *harnessOptions) { o.deps.Logger = l } }

func newHarness(t testing.TB, opts ...option) *harness {
	t.Helper()
	o := harnessOptions{data: defaultData()}
	for _, opt := range opts {
		opt(&o)
	}
	svcs, err := demo.Start(demo.Options{Data: o.data})
	if err != nil {
		t.Fatal(err)
	}
	cfg := server.Default()
	cfg.JWT.Secret = testSecret
	cfg.Sources.Orders.URL = svcs.Orders.URL()
	cfg.Sources.Customers.URL = svcs.Customers.URL()
	cfg.Sources.Analytics.URL = svcs.Analytics.URL()
	for _, f := range o.config {
		if f != nil {
			f(&cfg)
		}
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	budgets, err := server.OpenBudgets(cfg)
	if err != nil {
		t.Fatal(err)
	}
	deps := o.deps
	deps.Budgets = budgets
	h, err := server.New(cfg, deps)
	if err != nil {
		_ = svcs.Close()
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	hc := srv.Client()
	t.Cleanup(func() {
		hc.CloseIdleConnections()
		srv.Close()
		_ = h.Close()
		_ = budgets.Close()
		_ = svcs.Close()
	})
	return &harness{t: t, svcs: svcs, srv: srv, cfg: cfg, http: hc, handler: h}
}

// calls is the number of calls the three sources received so far.
func (h *harness) calls() int {
	return h.svcs.Orders.Calls() + h.svcs.Customers.Calls() + h.svcs.Analytics.Calls()
}

// reset clears every fault knob and counter of the sources.
func (h *harness) reset() { h.svcs.Reset() }

// answer is one HTTP answer of gqlbff.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// response checks the nothing-lost invariant and decodes the body.
func (a answer) response(t *testing.T, allowedNulls ...string) testkit.Response {
	t.Helper()
	return testkit.AssertNothingLost(t, a.body, allowedNulls...)
}

// do sends one request to gqlbff.
func (h *harness) do(ctx context.Context, method, path, contentType string, body io.Reader, header ...string) answer {
	h.t.Helper()
	req, err := http.NewRequestWithContext(ctx, method, h.srv.URL+path, body)
	if err != nil {
		h.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	// Every request carries a full-scope web token unless the test sends
	// its own Authorization header ("" sends none: an anonymous caller).
	req.Header.Set("Authorization", "Bearer "+defaultToken)
	// As graphql-http's and Apollo's clients send it: parse and validation
	// failures are then 400 (GraphQL over HTTP).
	req.Header.Set("Accept", "application/graphql-response+json, application/json")
	for i := 0; i+1 < len(header); i += 2 {
		if header[i+1] == "" {
			req.Header.Del(header[i])
			continue
		}
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := h.http.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: b}
}

// query posts a GraphQL operation with variables.
func (h *harness) query(q string, vars map[string]any, header ...string) answer {
	h.t.Helper()
	b, err := json.Marshal(map[string]any{"query": q, "variables": vars})
	if err != nil {
		h.t.Fatal(err)
	}
	return h.do(context.Background(), http.MethodPost, "/graphql", "application/json", bytes.NewReader(b), header...)
}

// operation reads one of the project's client operations.
func operation(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile("../testdata/operations/" + name + ".graphql")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// decodeData unmarshals a response's data into v.
func decodeData(t *testing.T, r testkit.Response, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Data, v); err != nil {
		t.Fatalf("data: %v: %s", err, r.Data)
	}
}

// eventually polls cond for up to two seconds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// cents renders cents as the contract's decimal string.
func cents(c int64) string {
	s := strings.Builder{}
	if c < 0 {
		s.WriteByte('-')
		c = -c
	}
	s.WriteString(strconv.FormatInt(c/100, 10))
	s.WriteByte('.')
	if c%100 < 10 {
		s.WriteByte('0')
	}
	s.WriteString(strconv.FormatInt(c%100, 10))
	return s.String()
}

// testSecret is the harness's HS256 key.
const testSecret = "harness-secret-0123456789abcdef-0123456789"

// allScopes are the scopes the default token holds.
var allScopes = []string{"orders:read", "customers:read", "analytics:read"}

// defaultToken is a web token of subject "tester" (no customer record) with
// every read scope.
var defaultToken = mint(jwt.MapClaims{"sub": "tester", "client": "web", "scope": strings.Join(allScopes, " ")})

// token mints an HS256 token for sub with the harness's key, valid for an hour.
func token(sub, client string, scopes ...string) string {
	return mint(jwt.MapClaims{"sub": sub, "client": client, "scope": strings.Join(scopes, " ")})
}

// mint signs claims with the harness's key; exp and iat default to now+1h and now.
func mint(claims jwt.MapClaims) string {
	if _, ok := claims["exp"]; !ok {
		claims["exp"] = time.Now().Add(time.Hour).Unix()
	}
	if _, ok := claims["iat"]; !ok {
		claims["iat"] = time.Now().Unix()
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(testSecret))
	if err != nil {
		panic(err)
	}
	return s
}

// bearer is the Authorization header value of a token.
func bearer(tok string) string { return "Bearer " + tok }
