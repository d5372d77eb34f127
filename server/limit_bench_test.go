package server_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gqlbff/gqlbff/bench/limit"
	"github.com/gqlbff/gqlbff/bench/scenario"
	"github.com/gqlbff/gqlbff/bench/serve"
	"github.com/gqlbff/gqlbff/internal/logbuf"
	"github.com/gqlbff/gqlbff/server"
)

// BenchmarkAgainstTheLimit runs every scenario of make bench
// (bench/scenario) on gqlbff (each executor) and on the hand-written limit
// (bench/limit) over the same demo services, which run in a process of
// their own: allocs/op counts the system measured and the benchmark's
// client (the same for all), not the sources (BENCHMARKS.md, issue 14's
// targets). As in make bench, the requests rotate over users (16 here, a
// token each), and gqlbff logs each request as JSON to a file. cpu-µs/op
// is this process's CPU time per operation (the system and the client).
func BenchmarkAgainstTheLimit(b *testing.B) {
	urls := demoProcess(b)
	cfg := server.Default()
	cfg.JWT.Secret = testSecret
	cfg.Sources.Orders.URL, cfg.Sources.Customers.URL, cfg.Sources.Analytics.URL = urls[0], urls[1], urls[2]
	cfg.Profiles.Web.Budget = server.BudgetConfig{Capacity: 1e15, RestoreRate: 1e12}
	ops, err := scenario.Operations("..")
	if err != nil {
		b.Fatal(err)
	}
	manifest := filepath.Join(b.TempDir(), "manifest.json")
	m, _ := json.Marshal(scenario.Manifest(ops))
	if err := os.WriteFile(manifest, m, 0o600); err != nil {
		b.Fatal(err)
	}
	cfg.Persisted.Manifest = manifest
	tokens := make([]string, 16)
	for i := range tokens {
		tokens[i] = token(fmt.Sprintf("c%d", i+1), "web", allScopes...)
	}
	logFile, err := os.Create(filepath.Join(b.TempDir(), "gqlbff.log"))
	if err != nil {
		b.Fatal(err)
	}
	defer logFile.Close()
	// As cmd/gqlbff logs: the lines written together, a warning at once.
	logw := logbuf.New(logFile, logbuf.DefaultDelay, logbuf.DefaultSize)
	defer logw.Close()
	logger := slog.New(logbuf.Handler(slog.NewJSONHandler(logw, nil), logw, slog.LevelWarn))
	for _, sc := range scenario.All {
		if !sc.Trusted {
			b.Run(sc.Name+"/limit", func(b *testing.B) {
				src := server.NewSources(cfg)
				defer src.Close()
				srv := httptest.NewServer(limit.New(serve.Options{Sources: src}))
				defer srv.Close()
				benchScenario(b, srv, sc, scenario.Limit, ops, tokens)
			})
		}
		for _, x := range []string{server.ExecutorGqlgen, server.ExecutorPlans} {
			b.Run(sc.Name+"/"+x, func(b *testing.B) {
				c := cfg
				c.GraphQL.Executor = x
				src := server.NewSources(c)
				defer src.Close()
				h, err := server.New(c, server.Deps{Sources: src, Logger: logger})
				if err != nil {
					b.Fatal(err)
				}
				defer h.Close()
				srv := httptest.NewServer(h)
				defer srv.Close()
				benchScenario(b, srv, sc, scenario.GraphQL, ops, tokens)
			})
		}
	}
}

// benchScenario sends sc's request to srv, one user's token after the
// other.
func benchScenario(b *testing.B, srv *httptest.Server, sc scenario.Scenario, kind scenario.Kind, ops map[string]string, tokens []string) {
	reqs := make([]*http.Request, len(tokens))
	bodies := make([][]byte, len(tokens))
	for i, tok := range tokens {
		rq, err := sc.Request(srv.URL, kind, ops, tok)
		if err != nil {
			b.Fatal(err)
		}
		r, err := http.NewRequestWithContext(context.Background(), rq.Method, rq.URL, nil)
		if err != nil {
			b.Fatal(err)
		}
		r.Header = rq.Header
		reqs[i], bodies[i] = r, rq.Body
	}
	c := srv.Client()
	defer c.CloseIdleConnections()
	// As make bench's load generator: no Accept-Encoding (the limit and
	// the peers do not compress; compression has its own benchmark).
	c.Transport.(*http.Transport).DisableCompression = true
	n := 0
	send := func() {
		i := n % len(reqs)
		n++
		r := reqs[i]
		if bodies[i] != nil {
			// With its length, as clients send it: a chunked request
			// closes its connection (HARDENING.md).
			r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(bodies[i])), int64(len(bodies[i]))
		}
		resp, err := c.Do(r)
		if err != nil {
			b.Fatal(err)
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || bytes.Contains(out, []byte(`"errors"`)) {
			b.Fatalf("status %d: %.300s", resp.StatusCode, out)
		}
	}
	for range tokens {
		send() // warm: connections, the query cache, the plan
	}
	b.ReportAllocs()
	cpu0 := cpuTime()
	for b.Loop() {
		send()
	}
	// The process's CPU: the system measured and the benchmark's client
	// (the same for all), not the sources; steadier than ns/op, which
	// waits for the sources, on a busy machine.
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
}

// demoProcess builds gqlbff and runs its demo services in a process of
// their own, on free ports; it answers their URLs (orders, customers,
// analytics).
func demoProcess(b *testing.B) [3]string {
	bin := filepath.Join(b.TempDir(), "gqlbff")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/gqlbff").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v: %s", err, out)
	}
	cmd := exec.Command(bin, "demo-sources", "--orders-addr", "127.0.0.1:0", "--customers-addr", "127.0.0.1:0", "--analytics-addr", "127.0.0.1:0")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	var urls [3]string
	sc := bufio.NewScanner(stdout)
	for i := 0; i < 3 && sc.Scan(); i++ {
		_, v, _ := strings.Cut(sc.Text(), "=")
		urls[i] = v
	}
	if urls[2] == "" {
		b.Fatal("the demo services printed no URLs")
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	return urls
}
