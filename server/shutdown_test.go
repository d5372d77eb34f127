package server_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gqlbff/gqlbff/server"
	"github.com/gqlbff/gqlbff/sources/demo"
)

// running is server.Run serving in the background.
type running struct {
	addr  string
	admin string // the admin listener's address, when configured
	svcs  *demo.Services
	stop  context.CancelFunc
	done  chan error // Run's result
}

// startRun starts server.Run on a free loopback port in front of fresh demo
// services, and waits until it serves.
func startRun(t *testing.T, config func(*server.Config)) *running {
	t.Helper()
	svcs, err := demo.Start(demo.Options{Data: defaultData()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svcs.Close() })
	cfg := server.Default()
	cfg.Listen = "127.0.0.1:0"
	cfg.JWT.Secret = testSecret
	cfg.Sources.Orders.URL = svcs.Orders.URL()
	cfg.Sources.Customers.URL = svcs.Customers.URL()
	cfg.Sources.Analytics.URL = svcs.Analytics.URL()
	cfg.HTTP.DrainDelay = 0
	if config != nil {
		config(&cfg)
	}
	ctx, stop := context.WithCancel(context.Background())
	r := &running{svcs: svcs, stop: stop, done: make(chan error, 1)}
	ready := make(chan server.Addrs, 1)
	go func() {
		r.done <- server.RunAddrs(ctx, cfg, slog.New(slog.DiscardHandler), func(a server.Addrs) { ready <- a })
	}()
	t.Cleanup(func() {
		stop()
		select {
		case <-r.done:
		case <-time.After(5 * time.Second):
			t.Error("Run did not return")
		}
	})
	select {
	case a := <-ready:
		r.addr, r.admin = a.Public, a.Admin
	case err := <-r.done:
		t.Fatalf("Run returned before serving: %v", err)
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not call ready")
	}
	return r
}

// wait returns Run's result, failing the test if it takes more than d.
func (r *running) wait(t *testing.T, d time.Duration) error {
	t.Helper()
	select {
	case err := <-r.done:
		r.done <- err // for the cleanup
		return err
	case <-time.After(d):
		t.Fatalf("Run did not return within %s", d)
		return nil
	}
}

// freshClient has its own connections, so that nothing is reused.
func freshClient(t *testing.T) *http.Client {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 5 * time.Second}
}

type result struct {
	answer
	err error
}

// postAsync posts a GraphQL query to addr in the background.
func postAsync(t *testing.T, addr, query string) <-chan result {
	t.Helper()
	c := freshClient(t)
	out := make(chan result, 1)
	go func() {
		req, err := http.NewRequest(http.MethodPost, "http://"+addr+"/graphql", strings.NewReader(query))
		if err != nil {
			out <- result{err: err}
			return
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", bearer(defaultToken))
		resp, err := c.Do(req)
		if err != nil {
			out <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		out <- result{answer: answer{status: resp.StatusCode, header: resp.Header, body: b}, err: err}
	}()
	return out
}

func TestShutdownFinishesInFlightRequests(t *testing.T) {
	t.Parallel()
	// The call lasts long enough that a loaded machine still sees the
	// listener close while it is in flight, and well within its timeout.
	r := startRun(t, func(c *server.Config) { c.Sources.Timeout = 5 * time.Second })
	r.svcs.Orders.SetLatency(2 * time.Second)

	inFlight := postAsync(t, r.addr, `{"query":"{ order(id: \"o42\") { id status items { sku } customer { id name } } }"}`)
	eventually(t, "the orders call to be in flight", func() bool { return r.svcs.Orders.InFlight() == 1 })
	r.stop()

	// New connections are refused while the in-flight request finishes.
	eventually(t, "new connections to be refused", func() bool {
		conn, err := net.DialTimeout("tcp", r.addr, time.Second)
		if err == nil {
			conn.Close()
		}
		return err != nil
	})
	if n := r.svcs.Orders.InFlight(); n != 1 {
		t.Errorf("orders calls in flight once the listener closed: got %d, want 1 (still finishing)", n)
	}

	var res result
	select {
	case res = <-inFlight:
	case <-time.After(5 * time.Second):
		t.Fatal("the in-flight request did not finish")
	}
	if res.err != nil {
		t.Fatalf("in-flight request: got %v, want an answer", res.err)
	}
	if res.status != http.StatusOK {
		t.Errorf("in-flight request: got %d %s, want 200", res.status, res.body)
	}
	resp := res.response(t)
	var got struct{ Order orderJSON }
	decodeData(t, resp, &got)
	want, _ := defaultData().Order("o42")
	c, _ := defaultData().Customer(want.CustomerID)
	if got.Order.ID != want.ID || got.Order.Status != want.Status || len(got.Order.Items) != len(want.Items) ||
		got.Order.Customer == nil || got.Order.Customer.Name != c.Name {
		t.Errorf("in-flight answer: got %s, want order o42 with its %d items and customer %s", resp.Data, len(want.Items), c.Name)
	}
	if n := r.svcs.Orders.Cancelled(); n != 0 {
		t.Errorf("orders calls cancelled by the shutdown: got %d, want 0", n)
	}

	if err := r.wait(t, 2*time.Second); err != nil {
		t.Errorf("Run: got %v, want nil", err)
	}
	_, err := freshClient(t).Get("http://" + r.addr + "/healthz")
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("a request after shutdown: got %v, want connection refused", err)
	}
}

func TestShutdownWithNothingInFlight(t *testing.T) {
	r := startRun(t, nil)
	a := <-postAsync(t, r.addr, `{"query":"{ dashboard { summary { orderCount } } }"}`)
	if a.err != nil || a.status != http.StatusOK {
		t.Fatalf("before shutdown: got %d %v, want 200", a.status, a.err)
	}
	a.response(t)
	start := time.Now()
	r.stop()
	if err := r.wait(t, 2*time.Second); err != nil {
		t.Errorf("Run: got %v, want nil", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("shutdown with nothing in flight took %s, want it prompt", d)
	}
}

func TestRunRefusesABadListenAddress(t *testing.T) {
	svcs, err := demo.Start(demo.Options{Data: defaultData()})
	if err != nil {
		t.Fatal(err)
	}
	defer svcs.Close()
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	cases := []struct{ name, listen string }{
		{"address in use", taken.Addr().String()},
		{"not an address", "127.0.0.1:http-alt-nope"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := server.Default()
			cfg.Listen = tc.listen
			cfg.Sources.Orders.URL = svcs.Orders.URL()
			cfg.Sources.Customers.URL = svcs.Customers.URL()
			cfg.Sources.Analytics.URL = svcs.Analytics.URL()
			called := false
			err := server.Run(context.Background(), cfg, slog.New(slog.DiscardHandler), func(string) { called = true })
			if err == nil || !strings.Contains(err.Error(), "listen") {
				t.Errorf("got %v, want a listen error", err)
			}
			if called {
				t.Error("ready was called, want not")
			}
		})
	}
}
