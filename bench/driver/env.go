package driver

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gqlbff/gqlbff/auth"
	"github.com/gqlbff/gqlbff/bench/probe"
	"github.com/gqlbff/gqlbff/bench/scenario"
	"github.com/gqlbff/gqlbff/server"
)

// system is one system under test, serving.
type system struct {
	name string
	kind scenario.Kind
	p    *proc
	base string // http://host:port
	// stats is its GET /debug/stats URL, on its admin listener behind the
	// env's admin key (or, for a gqlbff built from a ref before the admin
	// listener, on its debug listener); empty when it has none.
	stats string
	// key is the admin key stats wants; empty when it wants none.
	key string
}

// env is a run's processes.
type env struct {
	root    string
	l       launcher
	bins    binaries
	demo    *proc
	sources []string
	systems []*system
	// manifest is the trusted documents file every system is given.
	manifest string
	ops      map[string]string
	// adminKey is the admin key of the systems under test, generated for
	// the run; see adminKeyOf.
	adminKey string
}

// adminKeyOf returns the run's admin key, generating it the first time.
func (e *env) adminKeyOf() string {
	if e.adminKey == "" {
		e.adminKey = rand.Text() + rand.Text()
	}
	return e.adminKey
}

// loadEnv is the environment of a load generator reading s's stats.
func (s *system) loadEnv() []string {
	if s.key == "" {
		return nil
	}
	return []string{probe.KeyEnv + "=" + s.key}
}

func (e *env) stop() {
	for _, s := range e.systems {
		s.p.stop()
	}
	if e.demo != nil {
		e.demo.stop()
	}
}

// startDemo starts the demo services as one process on the other CPU.
func (e *env) startDemo(ctx context.Context, latency time.Duration) error {
	addrs, err := freeAddrs(3)
	if err != nil {
		return err
	}
	e.demo, err = e.l.start(ctx, "demo-sources", otherCPU, nil, e.bins.gqlbff, "demo-sources", "--latency", latency.String(),
		"--orders-addr", addrs[0], "--customers-addr", addrs[1], "--analytics-addr", addrs[2])
	if err != nil {
		return err
	}
	for _, a := range addrs {
		u := "http://" + a
		if err := e.demo.waitHTTP(ctx, u+"/_demo/stats", 30*time.Second); err != nil {
			return err
		}
		e.sources = append(e.sources, u)
	}
	return nil
}

// writeManifest writes the trusted documents of every operation.
func (e *env) writeManifest() error {
	b, err := json.MarshalIndent(scenario.Manifest(e.ops), "", "  ")
	if err != nil {
		return err
	}
	e.manifest = filepath.Join(e.l.dir, "manifest.json")
	return os.WriteFile(e.manifest, b, 0o600)
}

// startSystem starts one system under test on the server's CPU.
func (e *env) startSystem(ctx context.Context, name string) (*system, error) {
	addrs, err := freeAddrs(3)
	if err != nil {
		return nil, err
	}
	key := e.adminKeyOf()
	s := &system{name: name, kind: scenario.GraphQL, base: "http://" + addrs[0]}
	// "gqlbff+GOGC=400" is gqlbff with GOGC=400 in its environment.
	parts := strings.Split(name, "+")
	name, extra := parts[0], parts[1:]
	flags := []string{"-listen", addrs[0], "-debug-listen", addrs[1], "-manifest", e.manifest,
		"-orders-url", e.sources[0], "-customers-url", e.sources[1], "-analytics-url", e.sources[2]}
	switch name {
	case "gqlbff", "gqlbff-before":
		bin := e.bins.gqlbff
		if name == "gqlbff-before" {
			bin = e.bins.before
		}
		// As shipped: the defaults, the sources' URLs, the admin listener
		// with a key generated for the run (and, for a gqlbff built before
		// the admin listener, the debug listener it had then).
		env := append(extra,
			"GQLBFF_LISTEN="+addrs[0], "GQLBFF_ADMIN_LISTEN="+addrs[1], "GQLBFF_ADMIN_KEY="+key,
			"GQLBFF_ORDERS_URL="+e.sources[0], "GQLBFF_CUSTOMERS_URL="+e.sources[1], "GQLBFF_ANALYTICS_URL="+e.sources[2],
			"GQLBFF_PERSISTED_MANIFEST="+e.manifest,
			// The bench's token is signed with this key; the web profile's
			// limits stay as shipped, its budget never runs out.
			"GQLBFF_JWT_SECRET="+BenchSecret,
			"GQLBFF_PROFILE_WEB_BUDGET_CAPACITY=1e15", "GQLBFF_PROFILE_WEB_BUDGET_RESTORE_RATE=1e12",
		)
		if name == "gqlbff-before" {
			env = append(env, "GQLBFF_DEBUG_LISTEN="+addrs[2])
		}
		s.p, err = e.l.start(ctx, s.name, serverCPU, env, bin)
	case "limit":
		s.kind = scenario.Limit
		s.p, err = e.l.start(ctx, s.name, serverCPU, append(extra, probe.KeyEnv+"="+key), e.bins.limit, flags...)
	case "naive":
		// A connection per item: a larger idle pool keeps it from measuring
		// ephemeral port exhaustion instead of itself.
		s.p, err = e.l.start(ctx, s.name, serverCPU, append(extra, probe.KeyEnv+"="+key), e.bins.naive, append(flags, "-max-idle-per-host", "1024")...)
	case "apollo", "mercurius":
		// Node.js: the same flags, the bench's token secret to verify with.
		env := append(extra, "GQLBFF_JWT_SECRET="+BenchSecret, "NODE_ENV=production")
		script := filepath.Join(e.root, nodeDir, nodePeers[name])
		s.p, err = e.l.start(ctx, s.name, serverCPU, env, e.bins.node, append([]string{script}, flags...)...)
	default:
		return nil, fmt.Errorf("unknown system %q: want gqlbff, limit, naive, apollo, mercurius or gqlbff-before, each optionally +ENV=value", s.name)
	}
	if err != nil {
		return nil, err
	}
	e.systems = append(e.systems, s)
	if err := s.p.waitHTTP(ctx, s.base+"/healthz", 30*time.Second); err != nil {
		return nil, err
	}
	c := &http.Client{Timeout: time.Second, Transport: &http.Transport{}}
	defer c.CloseIdleConnections()
	for _, try := range []struct{ stats, key string }{
		{"http://" + addrs[1] + "/debug/stats", key},
		{"http://" + addrs[2] + "/debug/stats", ""},
	} {
		if resp, err := get(ctx, c, try.stats, try.key); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				s.stats, s.key = try.stats, try.key
				break
			}
		}
	}
	return s, nil
}

// get is GET url with the admin key, if any, as a bearer token.
func get(ctx context.Context, c *http.Client, url, key string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	return c.Do(req)
}

// BenchSecret is the HS256 key of the bench's own tokens: public, for
// loopback runs only.
const BenchSecret = "gqlbff-bench-secret-for-loopback-runs-only"

// BenchToken is a web token for customer c7 with every read scope, valid
// for a day, signed with BenchSecret.
func BenchToken() (string, error) {
	cfg := server.Default().JWT
	cfg.Secret = BenchSecret
	return auth.MintToken(cfg, "c7", server.ProfileWeb, server.DevScopes(), 24*time.Hour)
}

// BenchTokens are web tokens like BenchToken's for n users, customers c1
// to cn (the demo data has 1,000): the users the clients rotate over.
func BenchTokens(n int) ([]string, error) {
	cfg := server.Default().JWT
	cfg.Secret = BenchSecret
	out := make([]string, n)
	for i := range out {
		tok, err := auth.MintToken(cfg, "c"+strconv.Itoa(i+1), server.ProfileWeb, server.DevScopes(), 24*time.Hour)
		if err != nil {
			return nil, err
		}
		out[i] = tok
	}
	return out, nil
}
