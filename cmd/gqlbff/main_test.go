package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gqlbff/gqlbff/internal/testkit"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// syncBuffer is an io.Writer that run may write to while the test reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// waitFor polls out until re matches, and returns the submatches.
func waitFor(t *testing.T, out *syncBuffer, re *regexp.Regexp, done <-chan error) []string {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			return m
		}
		select {
		case err := <-done:
			t.Fatalf("run returned %v before printing %s; stdout:\n%s", err, re, out)
		case <-deadline:
			t.Fatalf("run did not print %s; stdout:\n%s", re, out)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// getenv is an environment of m; the drain delay is 0 unless m sets it,
// so that stopping a server takes no longer than its requests.
func getenv(m map[string]string) func(string) string {
	return func(k string) string {
		if v, ok := m[k]; ok || k != "GQLBFF_HTTP_DRAIN_DELAY" {
			return v
		}
		return "0s"
	}
}

// started is run(...) going on in the background.
type started struct {
	stdout, stderr syncBuffer
	cancel         context.CancelFunc
	done           chan error
}

func start(t *testing.T, args []string, env map[string]string) *started {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &started{cancel: cancel, done: make(chan error, 1)}
	go func() { s.done <- run(ctx, args, getenv(env), &s.stdout, &s.stderr) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-s.done:
		case <-time.After(10 * time.Second):
			t.Error("run did not return after its context was cancelled")
		}
	})
	return s
}

// stop cancels run's context and returns run's result.
func (s *started) stop(t *testing.T) error {
	t.Helper()
	s.cancel()
	select {
	case err := <-s.done:
		s.done <- err // for the cleanup
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after its context was cancelled")
		return nil
	}
}

func client(t *testing.T) *http.Client {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

func get(t *testing.T, c *http.Client, url string) (int, []byte) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp.StatusCode, b
}

var (
	servingRE = regexp.MustCompile(`serving GraphQL at (http://[^\s]+)/graphql\n`)
	tokenRE   = regexp.MustCompile(`\nAuthorization: (Bearer [^\s]+)\n`)
)

func TestRunDemo(t *testing.T) {
	s := start(t, []string{"--demo"}, map[string]string{"GQLBFF_LISTEN": "127.0.0.1:0"})
	base := waitFor(t, &s.stdout, servingRE, s.done)[1]
	auth := waitFor(t, &s.stdout, tokenRE, s.done)[1]
	c := client(t)

	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, err := c.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
		}
		if err == nil && resp.StatusCode == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/healthz: got %v, want 200", err)
		}
		time.Sleep(10 * time.Millisecond)
	}

	op, err := os.ReadFile("../../testdata/operations/dashboard.graphql")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]string{"query": string(op)})
	req, _ := http.NewRequest(http.MethodPost, base+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", auth)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("dashboard: got %d %s, want 200", resp.StatusCode, b)
	}
	r := testkit.AssertNothingLost(t, b)
	var got struct {
		Dashboard struct {
			RecentOrders []struct{ ID string }
			TopCustomers []struct{ ID, Name string }
			Summary      struct{ OrderCount int }
		}
	}
	if err := json.Unmarshal(r.Data, &got); err != nil {
		t.Fatal(err)
	}
	d := got.Dashboard
	if len(r.Errors) != 0 || len(d.RecentOrders) != 10 || len(d.TopCustomers) != 5 || d.Summary.OrderCount <= 0 {
		t.Errorf("dashboard: got %s, want 10 recent orders, 5 top customers and a summary, no errors", b)
	}

	// The playground is on in demo mode, with the dev token.
	if st, page := get(t, c, base+"/"); st != http.StatusOK || !strings.Contains(string(page), "<html") {
		t.Errorf("playground: got %d %.100s, want 200 and a page", st, page)
	}

	if err := s.stop(t); err != nil {
		t.Errorf("run after cancel: got %v, want nil; stderr:\n%s", err, &s.stderr)
	}
	if _, err := c.Get(base + "/healthz"); err == nil {
		t.Error("/healthz after run returned: got an answer, want the connection refused")
	}
}

func TestRunErrors(t *testing.T) {
	cases := []struct {
		name string
		args []string
		env  map[string]string
		want string // a part of the error
	}{
		{"unknown flag", []string{"--nope"}, nil, "nope"},
		{"bad flag value", []string{"--demo=maybe"}, nil, "demo"},
		{"unexpected argument", []string{"--demo", "extra"}, nil, "extra"},
		{"unknown command", []string{"frobnicate"}, nil, "frobnicate"},
		{"bad duration in the environment", []string{"--demo"}, map[string]string{"GQLBFF_SOURCE_TIMEOUT": "banana"}, "GQLBFF_SOURCE_TIMEOUT"},
		{"bad number in the environment", []string{"--demo"}, map[string]string{"GQLBFF_HTTP_MAX_BODY_BYTES": "lots"}, "GQLBFF_HTTP_MAX_BODY_BYTES"},
		{"no sources without --demo", nil, map[string]string{"GQLBFF_LISTEN": "127.0.0.1:0"}, "sources.orders.url"},
		{"missing config file", []string{"--config", "testdata/does-not-exist.yaml"}, nil, "does-not-exist.yaml"},
		{"missing config file from the environment", nil, map[string]string{"GQLBFF_CONFIG": "nope.yaml"}, "nope.yaml"},
		{"bad listen address", []string{"--demo"}, map[string]string{"GQLBFF_LISTEN": "127.0.0.1"}, "listen"},
		{"demo-sources: unknown flag", []string{"demo-sources", "--nope"}, nil, "nope"},
		{"demo-sources: negative size", []string{"demo-sources", "--orders", "-1", "--orders-addr", "127.0.0.1:0", "--customers-addr", "127.0.0.1:0", "--analytics-addr", "127.0.0.1:0"}, nil, "negative"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			var stdout, stderr syncBuffer
			err := run(ctx, tc.args, getenv(tc.env), &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), tc.want) && !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("got %v (stderr %q), want an error naming %q", err, stderr.String(), tc.want)
			}
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				t.Error("run served instead of failing")
			}
			if stdout.String() != "" {
				t.Errorf("stdout: got %q, want nothing", stdout.String())
			}
		})
	}
}

func TestRunHelp(t *testing.T) {
	var stdout, stderr syncBuffer
	err := run(context.Background(), []string{"serve", "--help"}, getenv(nil), &stdout, &stderr)
	if !errors.Is(err, flag.ErrHelp) || !strings.Contains(stdout.String(), "-demo") || stderr.String() != "" {
		t.Errorf("got %v and usage %q (stderr %q), want flag.ErrHelp and the usage on stdout", err, stdout.String(), stderr.String())
	}
}

func TestRunDemoSources(t *testing.T) {
	s := start(t, []string{
		"demo-sources", "--customers", "20", "--orders", "100",
		"--orders-addr", "127.0.0.1:0", "--customers-addr", "127.0.0.1:0", "--analytics-addr", "127.0.0.1:0",
	}, nil)
	c := client(t)
	cases := []struct {
		name, env, path, want string
	}{
		{"orders", "GQLBFF_ORDERS_URL", "/orders/o1", `"id":"o1"`},
		{"customers", "GQLBFF_CUSTOMERS_URL", "/customers/c1", `"id":"c1"`},
		{"analytics", "GQLBFF_ANALYTICS_URL", "/analytics/customers?ids=c1", `"customerId":"c1"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := waitFor(t, &s.stdout, regexp.MustCompile(`(?m)^`+tc.env+`=(http://127\.0\.0\.1:[1-9][0-9]*)$`), s.done)
			st, body := get(t, c, m[1]+tc.path)
			if st != http.StatusOK || !strings.Contains(string(body), tc.want) {
				t.Errorf("GET %s%s: got %d %s, want 200 with %s", m[1], tc.path, st, body, tc.want)
			}
		})
	}
	if err := s.stop(t); err != nil {
		t.Errorf("run after cancel: got %v, want nil", err)
	}
}
func TestSubgraphSDLCommand(t *testing.T) {
	cases := []struct {
		name    string
		args    []string
		wantErr bool
		want    []string
	}{
		{name: "prints the SDL", args: []string{"subgraph-sdl"},
			want: []string{`extend schema @link(`, `type Order @key(fields: "id")`, `type Customer @key(fields: "id")`}},
		{name: "refuses arguments", args: []string{"subgraph-sdl", "extra"}, wantErr: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := run(context.Background(), c.args, func(string) string { return "" }, &out, &errOut)
			if (err != nil) != c.wantErr {
				t.Fatalf("error: got %v, want error %v", err, c.wantErr)
			}
			for _, w := range c.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output holds no %q:\n%s", w, out.String())
				}
			}
		})
	}
}

// TestDemoStartsWithoutWarnings: a first-hour user's gqlbff --demo logs no
// WARN line at start (the demo's trusted documents Me and OrderDetail name
// the profiles they serve, so partner's contract, which hides email, has
// nothing to refuse). The one warning a build without the playground
// assets gives (make run builds them) is left aside when they are absent.
func TestDemoStartsWithoutWarnings(t *testing.T) {
	s := start(t, []string{"--demo"}, map[string]string{"GQLBFF_LISTEN": "127.0.0.1:0"})
	waitFor(t, &s.stdout, servingRE, s.done)
	waitFor(t, &s.stdout, tokenRE, s.done)
	if err := s.stop(t); err != nil {
		t.Fatalf("run: %v", err)
	}
	_, assetsErr := os.Stat("../../server/playground/assets/playground.js")
	for line := range strings.Lines(s.stderr.String() + s.stdout.String()) {
		if !strings.Contains(line, "WARN") {
			continue
		}
		if assetsErr != nil && strings.Contains(line, "playground assets not built") {
			continue
		}
		t.Errorf("gqlbff --demo warned at start: %s", line)
	}
}
