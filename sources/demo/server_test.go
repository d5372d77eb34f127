package demo

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gqlbff/gqlbff/sources"
)

func startServices(t *testing.T, opts Options) *Services {
	t.Helper()
	s, err := Start(opts)
	if err != nil {
		t.Fatalf("got error %v, want none", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("closing: got error %v, want none", err)
		}
	})
	return s
}

func TestStart(t *testing.T) {
	s := startServices(t, Options{Seed: 3, Customers: 20, Orders: 100, Latency: time.Millisecond})
	c := newClient(t)
	tests := []struct {
		name string
		svc  *Service
		path string
	}{
		{"orders", s.Orders, "/orders/o100"},
		{"customers", s.Customers, "/customers/c20"},
		{"analytics", s.Analytics, "/analytics/top-customers"},
	}
	seen := make(map[string]bool)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := tt.svc.URL()
			if !strings.HasPrefix(url, "http://127.0.0.1:") || seen[url] {
				t.Errorf("got URL %q, want its own loopback port", url)
			}
			seen[url] = true
			if a := do(t, c, http.MethodGet, url+tt.path, nil); a.status != http.StatusOK {
				t.Errorf("got status %d (%s), want 200", a.status, a.body)
			}
			if got := tt.svc.Faults().Latency; got != "1ms" {
				t.Errorf("got latency %q, want 1ms", got)
			}
		})
	}
	if got := len(s.Data.Orders); got != 100 {
		t.Errorf("got %d orders, want 100", got)
	}
}

func TestStartDefaultsAndSharedData(t *testing.T) {
	s := startServices(t, Options{Data: small})
	if s.Data != small || s.Orders.Data() != small || s.Analytics.Data() != small {
		t.Errorf("got another data set, want the one passed in Options.Data")
	}
}

func TestStartErrors(t *testing.T) {
	busy := startServices(t, Options{Data: small})
	tests := []struct {
		name string
		opts Options
	}{
		{"negative size", Options{Customers: -1}},
		{"address in use", Options{Data: small, AnalyticsAddr: strings.TrimPrefix(busy.Orders.URL(), "http://")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if s, err := Start(tt.opts); err == nil {
				_ = s.Close()
				t.Errorf("got no error, want one")
			}
		})
	}
}

func TestStopAndRestart(t *testing.T) {
	s := startServices(t, Options{Data: small})
	c := newClient(t)
	url := s.Customers.URL() + "/customers/c1"
	do(t, c, http.MethodGet, url, nil)
	if err := s.Customers.Stop(); err != nil {
		t.Fatalf("stopping: got error %v, want none", err)
	}
	if _, err := c.Get(url); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("got error %v, want connection refused", err)
	}
	if err := s.Customers.Restart(); err != nil {
		t.Fatalf("restarting: got error %v, want none", err)
	}
	if a := do(t, c, http.MethodGet, url, nil); a.status != http.StatusOK {
		t.Errorf("got status %d, want 200 after restart", a.status)
	}
	if got := s.Customers.Calls(); got != 2 {
		t.Errorf("got %d calls, want 2 (counters survive a restart)", got)
	}
	if err := s.Customers.Restart(); err == nil {
		t.Errorf("restarting a running service: got no error, want one")
	}
	if err := s.Customers.Start(""); err == nil {
		t.Errorf("starting a running service: got no error, want one")
	}
}

func TestCloseEndsCallsInProgress(t *testing.T) {
	s, err := Start(Options{Data: small})
	if err != nil {
		t.Fatal(err)
	}
	s.Orders.SetLatency(time.Hour)
	s.Customers.SetStall(time.Hour)
	c := newClient(t)
	errc := make(chan error, 2)
	for _, url := range []string{s.Orders.URL() + "/orders/o1", s.Customers.URL() + "/customers/c1"} {
		go func() {
			resp, err := c.Get(url)
			if err == nil {
				_, err = io.ReadAll(resp.Body)
				resp.Body.Close()
			}
			errc <- err
		}()
	}
	eventually(t, "both calls in flight", func() bool { return s.Orders.InFlight() == 1 && s.Customers.InFlight() == 1 })
	began := time.Now()
	if err := s.Close(); err != nil {
		t.Errorf("got error %v, want none", err)
	}
	if got := time.Since(began); got > time.Second {
		t.Errorf("got Close after %v, want it prompt", got)
	}
	for range 2 {
		if err := <-errc; err == nil {
			t.Errorf("got a whole answer, want the call cut off")
		}
	}
}

func TestNewService(t *testing.T) {
	if got := NewService(sources.AnalyticsSource, nil).Data(); len(got.Orders) != DefaultOrders {
		t.Errorf("got %d orders, want the default data set", len(got.Orders))
	}
	defer func() {
		if recover() == nil {
			t.Errorf("got no panic for an unknown service, want one")
		}
	}()
	NewService("payments", small)
}
