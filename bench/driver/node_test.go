package driver

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/gqlbff/gqlbff/bench/limit"
	"github.com/gqlbff/gqlbff/bench/scenario"
	"github.com/gqlbff/gqlbff/bench/serve"
	"github.com/gqlbff/gqlbff/sources"
	"github.com/gqlbff/gqlbff/sources/demo"
)

// TestNodePeersAnswerAsTheLimit runs the Node.js peers (bench/node, their
// locked packages installed as make bench installs them) over demo
// services and checks every scenario's answer byte for byte against the
// limit's, and that a bad token is refused with 401.
func TestNodePeersAnswerAsTheLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("installs npm packages and starts Node.js: not in -short")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	node, err := installNode(ctx, root, nil)
	if err != nil {
		if _, look := exec.LookPath("node"); look != nil {
			t.Skip("no Node.js here:", err)
		}
		t.Fatal(err)
	}

	data := demo.NewDataset(demo.DefaultSeed, 200, 4000)
	var urls []string
	for _, name := range []string{sources.OrdersSource, sources.CustomersSource, sources.AnalyticsSource} {
		srv := httptest.NewServer(demo.NewService(name, data).Handler())
		defer srv.Close()
		urls = append(urls, srv.URL)
	}
	src := sources.New(sources.Config{
		Orders: sources.ClientConfig{URL: urls[0]}, Customers: sources.ClientConfig{URL: urls[1]}, Analytics: sources.ClientConfig{URL: urls[2]},
	})
	defer src.Close()
	ops, err := scenario.Operations(root)
	if err != nil {
		t.Fatal(err)
	}
	manifest := filepath.Join(t.TempDir(), "manifest.json")
	e := &env{l: launcher{dir: filepath.Dir(manifest)}, ops: ops}
	if err := e.writeManifest(); err != nil {
		t.Fatal(err)
	}
	lim := httptest.NewServer(limit.New(serve.Options{Sources: src}))
	defer lim.Close()
	token, err := BenchToken()
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{}}
	defer c.CloseIdleConnections()

	for peer, script := range nodePeers {
		t.Run(peer, func(t *testing.T) {
			addrs, err := freeAddrs(1)
			if err != nil {
				t.Fatal(err)
			}
			cmd := exec.CommandContext(ctx, node, filepath.Join(root, nodeDir, script), "-listen", addrs[0], "-manifest", e.manifest,
				"-orders-url", urls[0], "-customers-url", urls[1], "-analytics-url", urls[2])
			cmd.Env = append(os.Environ(), "GQLBFF_JWT_SECRET="+BenchSecret, "NODE_ENV=production")
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			p := &proc{name: peer, cmd: cmd, log: "its output below", done: make(chan struct{})}
			go func() { p.err = cmd.Wait(); close(p.done) }()
			defer func() {
				_ = cmd.Process.Signal(syscall.SIGTERM)
				<-p.done
			}()
			base := "http://" + addrs[0]
			if err := p.waitHTTP(ctx, base+"/healthz", time.Minute); err != nil {
				t.Fatalf("%v\n%s", err, out.String())
			}
			for _, sc := range scenario.All {
				want := answer(ctx, t, c, sc, lim.URL, scenario.Limit, ops, token)
				got := answer(ctx, t, c, sc, base, scenario.GraphQL, ops, token)
				if !bytes.Equal(bytes.TrimSpace(got), bytes.TrimSpace(want)) {
					t.Errorf("%s: got\n%s\nwant the limit's\n%s", sc.Name, got, want)
				}
			}
			rq, err := scenario.All[0].Request(base, scenario.GraphQL, ops, token+"x")
			if err != nil {
				t.Fatal(err)
			}
			req, _ := http.NewRequestWithContext(ctx, rq.Method, rq.URL, bytes.NewReader(rq.Body))
			req.Header = rq.Header
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized || !bytes.Contains(body, []byte("invalid token")) {
				t.Errorf("a bad signature: got %d %s, want 401 invalid token", resp.StatusCode, body)
			}
		})
	}
}

func answer(ctx context.Context, t *testing.T, c *http.Client, sc scenario.Scenario, base string, kind scenario.Kind, ops map[string]string, token string) []byte {
	t.Helper()
	rq, err := sc.Request(base, kind, ops, token)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(ctx, rq.Method, rq.URL, bytes.NewReader(rq.Body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = rq.Header
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("%s at %s: %d %s (%v)", sc.Name, base, resp.StatusCode, body, err)
	}
	return body
}
