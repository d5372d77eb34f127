package server_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gqlbff/gqlbff/bench/limit"
	"github.com/gqlbff/gqlbff/bench/serve"
	"github.com/gqlbff/gqlbff/server"
)

// BenchmarkAgainstTheLimit runs the wide operations on gqlbff (each
// executor) and on the hand-written limit (bench/limit) over the same demo
// services, which run in a process of their own: allocs/op counts the
// system measured and the benchmark's client (the same for all), not the
// sources (BENCHMARKS.md, issue 14's allocation target).
func BenchmarkAgainstTheLimit(b *testing.B) {
	urls := demoProcess(b)
	cfg := server.Default()
	cfg.JWT.Secret = testSecret
	cfg.Sources.Orders.URL, cfg.Sources.Customers.URL, cfg.Sources.Analytics.URL = urls[0], urls[1], urls[2]
	cfg.Profiles.Web.Budget = server.BudgetConfig{Capacity: 1e15, RestoreRate: 1e12}
	auth := bearer(token("c7", "web", allScopes...))
	for _, op := range []string{"orders_fanout", "dashboard"} {
		body, _ := json.Marshal(map[string]any{"query": operation(b, op)})
		b.Run(op+"/limit", func(b *testing.B) {
			src := server.NewSources(cfg)
			defer src.Close()
			srv := httptest.NewServer(limit.New(serve.Options{Sources: src}))
			defer srv.Close()
			benchPost(b, srv, "/"+op, body, auth)
		})
		for _, x := range []string{server.ExecutorGqlgen, server.ExecutorPlans} {
			b.Run(op+"/"+x, func(b *testing.B) {
				c := cfg
				c.GraphQL.Executor = x
				src := server.NewSources(c)
				defer src.Close()
				h, err := server.New(c, server.Deps{Sources: src})
				if err != nil {
					b.Fatal(err)
				}
				defer h.Close()
				srv := httptest.NewServer(h)
				defer srv.Close()
				benchPost(b, srv, "/graphql", body, auth)
			})
		}
	}
}

func benchPost(b *testing.B, srv *httptest.Server, path string, body []byte, auth string) {
	c := srv.Client()
	defer c.CloseIdleConnections()
	post := func() {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, srv.URL+path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", auth)
		resp, err := c.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || bytes.Contains(out, []byte(`"errors"`)) {
			b.Fatalf("status %d: %.300s", resp.StatusCode, out)
		}
	}
	post() // warm: connections, the query cache, the plan
	b.ReportAllocs()
	for b.Loop() {
		post()
	}
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
