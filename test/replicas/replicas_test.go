// Package replicas_test runs gqlbff as production does: two processes of the
// built binary sharing one real redis-server, behind a small round-robin
// load balancer that routes only to ready replicas, as a Kubernetes Service
// does. It shows that two replicas behave as one: one cost budget, one APQ
// store, one identity key, and a rolling restart under load that fails no
// request.
package replicas_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gqlbff/gqlbff/auth"
	"github.com/gqlbff/gqlbff/internal/redistest"
	"github.com/gqlbff/gqlbff/server"
	"github.com/gqlbff/gqlbff/sources/demo"
)

// binary is gqlbff, built once by TestMain.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "gqlbff-replicas-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "gqlbff")
	build := exec.Command("go", "build", "-o", binary, "github.com/gqlbff/gqlbff/cmd/gqlbff")
	// Static, as in the image (and so sharing test/image's build).
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building gqlbff:", err)
		_ = os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

const jwtSecret = "replicas-test-secret-at-least-32-bytes-long"

// cluster is what a Deployment of two replicas gets: the sources, one
// Redis, the shared configuration (a Secret's JWT secret and identity key)
// and a port for each replica.
type cluster struct {
	t     *testing.T
	svcs  *demo.Services
	redis *redistest.Server
	env   []string
}

func newCluster(t *testing.T) *cluster {
	t.Helper()
	svcs, err := demo.Start(demo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svcs.Close() })
	rs := redistest.Start(t)
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "identity.pem")
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	c := &cluster{t: t, svcs: svcs, redis: rs, env: []string{
		"GQLBFF_ORDERS_URL=" + svcs.Orders.URL(),
		"GQLBFF_CUSTOMERS_URL=" + svcs.Customers.URL(),
		"GQLBFF_ANALYTICS_URL=" + svcs.Analytics.URL(),
		"GQLBFF_JWT_SECRET=" + jwtSecret,
		"GQLBFF_REDIS_URL=" + rs.URL(),
		"GQLBFF_IDENTITY_KEY_FILE=" + keyFile,
		"GQLBFF_CUSTOMERS_SEND_IDENTITY=true",
		// A small budget for the mobile profile, so that two requests
		// spend most of it; web keeps the default for the load.
		"GQLBFF_PROFILE_MOBILE_BUDGET_CAPACITY=100",
		"GQLBFF_PROFILE_MOBILE_BUDGET_RESTORE_RATE=0.1", // a point per 10s: the test sees no refill
		"GQLBFF_HTTP_SHUTDOWN_TIMEOUT=10s",
		"GQLBFF_LOG_FORMAT=json",
		"GQLBFF_LOG_LEVEL=warn",
	}}
	c.env = append(c.env, "GQLBFF_HTTP_DRAIN_DELAY="+drainDelay.String())
	return c
}

// replica is one gqlbff process on a port of its own, which it keeps
// across restarts (a pod's address).
type replica struct {
	c      *cluster
	name   string
	addr   string
	cmd    *exec.Cmd
	stderr *syncBuffer
	exited chan error
}

func (c *cluster) replica(name string) *replica {
	c.t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		c.t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	r := &replica{c: c, name: name, addr: addr}
	r.start()
	c.t.Cleanup(func() {
		if r.cmd != nil {
			_ = r.cmd.Process.Kill()
			<-r.exited
		}
	})
	return r
}

func (r *replica) url(path string) string { return "http://" + r.addr + path }

// start runs the process and waits until it answers /readyz with 200.
func (r *replica) start() {
	r.c.t.Helper()
	cmd := exec.Command(binary)
	cmd.Env = append(os.Environ(), append(r.c.env, "GQLBFF_LISTEN="+r.addr)...)
	r.stderr = &syncBuffer{}
	cmd.Stdout, cmd.Stderr = io.Discard, r.stderr
	if err := cmd.Start(); err != nil {
		r.c.t.Fatal(err)
	}
	r.cmd, r.exited = cmd, make(chan error, 1)
	go func() { r.exited <- cmd.Wait() }()
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get(r.url("/readyz"))
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case err := <-r.exited:
			r.cmd = nil
			r.c.t.Fatalf("replica %s exited at start: %v\n%s", r.name, err, r.stderr)
		default:
		}
		if time.Now().After(deadline) {
			r.c.t.Fatalf("replica %s not ready within 15s\n%s", r.name, r.stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop sends SIGTERM and waits for a clean exit.
func (r *replica) stop() {
	r.c.t.Helper()
	if err := r.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		r.c.t.Fatal(err)
	}
	select {
	case err := <-r.exited:
		r.cmd = nil
		if err != nil {
			r.c.t.Fatalf("replica %s after SIGTERM: %v\n%s", r.name, err, r.stderr)
		}
	case <-time.After(20 * time.Second):
		r.c.t.Fatalf("replica %s did not exit within 20s of SIGTERM", r.name)
	}
}

// answer is one GraphQL answer.
type answer struct {
	status int
	header http.Header
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
	Extensions struct {
		Cost struct {
			RequestedQueryCost int `json:"requestedQueryCost"`
			ThrottleStatus     struct {
				CurrentlyAvailable float64 `json:"currentlyAvailable"`
			} `json:"throttleStatus"`
		} `json:"cost"`
	} `json:"extensions"`
}

func (a answer) code() string {
	if len(a.Errors) == 0 {
		return ""
	}
	c, _ := a.Errors[0].Extensions["code"].(string)
	return c
}

func token(t testing.TB, sub, client string) string {
	t.Helper()
	cfg := server.Default().JWT
	cfg.Secret = jwtSecret
	tok, err := auth.MintToken(cfg, sub, client, server.DevScopes(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// post sends one GraphQL request; err is a transport failure.
func post(hc *http.Client, url, tok string, body any) (answer, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return answer{}, err
	}
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(b))
	if err != nil {
		return answer{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := hc.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return answer{}, err
	}
	a := answer{status: resp.StatusCode, header: resp.Header}
	if err := json.Unmarshal(raw, &a); err != nil {
		return a, fmt.Errorf("status %d, body %q: %w", resp.StatusCode, raw, err)
	}
	return a, nil
}

func mustPost(t *testing.T, url, tok string, body any) answer {
	t.Helper()
	a, err := post(http.DefaultClient, url, tok, body)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// One subject has one budget whichever replica serves it: what it spends
// on A is gone on B, and the request that overdraws it is refused.
func TestReplicasShareOneBudget(t *testing.T) {
	c := newCluster(t)
	a, b := c.replica("a"), c.replica("b")
	tok := token(t, "budget-1", server.ProfileMobile)
	q := map[string]any{"query": `{ orders(first: 10) { edges { node { id total { amount } } } } }`}

	first := mustPost(t, a.url("/graphql"), tok, q)
	if first.status != http.StatusOK || len(first.Errors) > 0 {
		t.Fatalf("on A: got %d %+v, want 200 without errors", first.status, first.Errors)
	}
	cost := first.Extensions.Cost.RequestedQueryCost
	if cost < 34 || cost > 50 {
		t.Fatalf("the query's cost is %d; this test wants 34..50 (three overdraw a budget of 100, two do not)", cost)
	}
	if got := first.Extensions.Cost.ThrottleStatus.CurrentlyAvailable; got < float64(100-cost)-0.5 || got > float64(100-cost)+2 {
		t.Errorf("A's view after one request: %v available, want about %d", got, 100-cost)
	}
	second := mustPost(t, b.url("/graphql"), tok, q)
	if second.status != http.StatusOK {
		t.Fatalf("on B: got %d %+v, want 200", second.status, second.Errors)
	}
	if got := second.Extensions.Cost.ThrottleStatus.CurrentlyAvailable; got > float64(100-2*cost)+3 {
		t.Errorf("B's view after A's and B's request: %v available, want about %d (B's own budget would show %d)", got, 100-2*cost, 100-cost)
	}
	third := mustPost(t, a.url("/graphql"), tok, q)
	if third.status != http.StatusTooManyRequests || third.code() != "RATE_LIMITED" || third.header.Get("Retry-After") == "" {
		t.Fatalf("third request, on A: got %d %q Retry-After %q, want 429 RATE_LIMITED with Retry-After (A alone spent %d of 100)",
			third.status, third.code(), third.header.Get("Retry-After"), cost)
	}
	// Another subject has a budget of its own.
	if other := mustPost(t, b.url("/graphql"), token(t, "budget-2", server.ProfileMobile), q); other.status != http.StatusOK {
		t.Errorf("another subject on B: got %d, want 200", other.status)
	}
}

// An operation registered by APQ on A is served by B from its hash alone,
// and the two replicas publish one identity key.
func TestReplicasShareAPQAndTheIdentityKey(t *testing.T) {
	c := newCluster(t)
	a, b := c.replica("a"), c.replica("b")
	tok := token(t, "c1", server.ProfileWeb)
	query := `query ReplicaAPQ { me { id name } }`
	sum := sha256.Sum256([]byte(query))
	hash := hex.EncodeToString(sum[:])
	ext := func(h string) map[string]any {
		return map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": h}}
	}

	if r := mustPost(t, b.url("/graphql"), tok, map[string]any{"extensions": ext(hash)}); r.code() != "PERSISTED_QUERY_NOT_FOUND" {
		t.Fatalf("hash on B before any registration: got %d %q, want PERSISTED_QUERY_NOT_FOUND", r.status, r.code())
	}
	reg := mustPost(t, a.url("/graphql"), tok, map[string]any{"query": query, "extensions": ext(hash)})
	if reg.status != http.StatusOK || len(reg.Errors) > 0 || !strings.Contains(string(reg.Data), `"id":"c`) {
		t.Fatalf("registering on A: got %d %s %+v", reg.status, reg.Data, reg.Errors)
	}
	got := mustPost(t, b.url("/graphql"), tok, map[string]any{"extensions": ext(hash)})
	if got.status != http.StatusOK || len(got.Errors) > 0 || !bytes.Equal(got.Data, reg.Data) {
		t.Fatalf("hash alone on B: got %d %s %+v, want A's answer %s", got.status, got.Data, got.Errors, reg.Data)
	}

	jwks := func(r *replica) string {
		resp, err := http.Get(r.url(server.JWKSPath))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s JWKS: got %d", r.name, resp.StatusCode)
		}
		return string(body)
	}
	if ja, jb := jwks(a), jwks(b); ja != jb {
		t.Errorf("the replicas publish different identity keys:\nA %s\nB %s", ja, jb)
	}
	for _, r := range []*replica{a, b} {
		if s := r.stderr.String(); strings.Contains(s, "identity key generated") {
			t.Errorf("replica %s warns about its identity key although one is configured:\n%s", r.name, s)
		}
	}
}

// A rolling restart (SIGTERM one replica, start it again, then the other)
// under load from 32 clients fails no request.
func TestRollingRestartUnderLoadFailsNoRequest(t *testing.T) {
	c := newCluster(t)
	a, b := c.replica("a"), c.replica("b")
	lb := newBalancer(t, a.addr, b.addr)

	const clients = 32
	query := map[string]any{"query": `{ me { name } orders(first: 3) { edges { node { id customer { name } } } } }`}
	tr := &http.Transport{MaxIdleConnsPerHost: clients, DisableCompression: true}
	hc := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	defer tr.CloseIdleConnections()

	var (
		sent, failed atomic.Int64
		failMu       sync.Mutex
		failures     []string
		stop         = make(chan struct{})
		wg           sync.WaitGroup
	)
	for i := range clients {
		tok := token(t, "c"+strconv.Itoa(i+1), server.ProfileWeb)
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				sent.Add(1)
				r, err := post(hc, lb.url+"/graphql", tok, query)
				if err == nil && r.status == http.StatusOK && len(r.Errors) == 0 && len(r.Data) > 0 {
					continue
				}
				failed.Add(1)
				failMu.Lock()
				if len(failures) < 10 {
					failures = append(failures, fmt.Sprintf("status %d errors %+v transport %v", r.status, r.Errors, err))
				}
				failMu.Unlock()
			}
		})
	}

	// waitServed waits until the balancer has sent n more requests to addr.
	waitServed := func(addr string, n int64) {
		t.Helper()
		from := lb.served(addr)
		deadline := time.Now().Add(10 * time.Second)
		for lb.served(addr) < from+n {
			if time.Now().After(deadline) {
				t.Fatalf("%s served %d requests in 10s, want %d", addr, lb.served(addr)-from, n)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitServed(a.addr, 100)
	waitServed(b.addr, 100)
	for _, r := range []*replica{a, b} {
		lb.terminate(r)
		r.start()
		// The next replica goes only when this one is back in service
		// (maxUnavailable: 0) and has taken load again.
		waitServed(r.addr, 100)
	}
	waitServed(a.addr, 100)
	close(stop)
	wg.Wait()

	t.Logf("%d requests, %d failed; served: a %d, b %d", sent.Load(), failed.Load(), lb.served(a.addr), lb.served(b.addr))
	if failed.Load() > 0 {
		t.Errorf("%d of %d requests failed during the rolling restart; the first:\n%s", failed.Load(), sent.Load(), strings.Join(failures, "\n"))
	}
}

// syncBuffer is a bytes.Buffer safe for a process's output and a test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
