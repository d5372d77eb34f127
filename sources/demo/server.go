package demo

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/gqlbff/gqlbff/sources"
)

// defaultAddr is where a service listens unless told otherwise: loopback,
// on a free port.
const defaultAddr = "127.0.0.1:0"

// stopTimeout bounds how long Stop waits for calls in progress.
const stopTimeout = 5 * time.Second

// Options configures Start. Zero values mean the defaults.
type Options struct {
	// Seed, Customers and Orders size the data set (DefaultSeed,
	// DefaultCustomers, DefaultOrders when zero).
	Seed      int64
	Customers int
	Orders    int
	// Data, when set, is served instead of building one from the sizes
	// above, so that tests can share one data set.
	Data *Dataset
	// OrdersAddr, CustomersAddr and AnalyticsAddr are the listen addresses
	// (127.0.0.1:0, a free loopback port, when empty).
	OrdersAddr    string
	CustomersAddr string
	AnalyticsAddr string
	// Latency is the initial latency of all three services.
	Latency time.Duration
}

// Services are the three services, listening, over one data set.
type Services struct {
	// Orders, Customers and Analytics each listen on their own port.
	Orders    *Service
	Customers *Service
	Analytics *Service
	// Data is the data set all three serve.
	Data *Dataset
}

// Start builds the data set and starts the three services, each on its own
// listener. Close them with Close.
func Start(opts Options) (*Services, error) {
	if opts.Customers < 0 || opts.Orders < 0 {
		return nil, fmt.Errorf("demo: got %d customers and %d orders, want no negative size", opts.Customers, opts.Orders)
	}
	data := opts.Data
	if data == nil {
		data = NewDataset(orDefault(opts.Seed, DefaultSeed), orDefault(opts.Customers, DefaultCustomers), orDefault(opts.Orders, DefaultOrders))
	}
	s := &Services{
		Orders:    NewService(sources.OrdersSource, data),
		Customers: NewService(sources.CustomersSource, data),
		Analytics: NewService(sources.AnalyticsSource, data),
		Data:      data,
	}
	addrs := []string{opts.OrdersAddr, opts.CustomersAddr, opts.AnalyticsAddr}
	for i, svc := range s.All() {
		svc.SetLatency(opts.Latency)
		if err := svc.Start(addrs[i]); err != nil {
			return nil, errors.Join(err, s.Close())
		}
	}
	return s, nil
}

func orDefault[T int | int64](v, def T) T {
	if v == 0 {
		return def
	}
	return v
}

// All returns the orders, customers and analytics services, in that order.
func (s *Services) All() []*Service { return []*Service{s.Orders, s.Customers, s.Analytics} }

// Reset resets all three services.
func (s *Services) Reset() {
	for _, svc := range s.All() {
		svc.Reset()
	}
}

// Close stops all three services and waits for their goroutines.
func (s *Services) Close() error {
	var errs []error
	for _, svc := range s.All() {
		errs = append(errs, svc.Stop())
	}
	return errors.Join(errs...)
}

// Start makes the service listen on addr (127.0.0.1:0 when empty) and serve
// in the background until Stop.
func (s *Service) Start(addr string) error {
	s.life.Lock()
	defer s.life.Unlock()
	if s.srv != nil {
		return fmt.Errorf("demo: %s already listens on %s", s.name, s.addr)
	}
	if addr == "" {
		addr = defaultAddr
	}
	return s.listen(addr)
}

// Restart listens again on the address of the last Start, after a Stop, so a
// test can show "connection refused" and then recovery.
func (s *Service) Restart() error {
	s.life.Lock()
	defer s.life.Unlock()
	switch {
	case s.addr == "":
		return fmt.Errorf("demo: %s was never started", s.name)
	case s.srv != nil:
		return fmt.Errorf("demo: %s already listens on %s", s.name, s.addr)
	}
	return s.listen(s.addr)
}

// listen starts serving; s.life is held.
func (s *Service) listen(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("demo: %s: %w", s.name, err)
	}
	s.mu.Lock()
	s.quit = make(chan struct{})
	s.mu.Unlock()
	s.addr = ln.Addr().String()
	// No ReadTimeout or WriteTimeout: calls carry no body, and the latency
	// and stall knobs must be able to outlast any fixed deadline (a read
	// deadline would also cancel the request context mid-call).
	s.srv = &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	s.served = make(chan struct{})
	go func(srv *http.Server, served chan<- struct{}) {
		defer close(served)
		_ = srv.Serve(ln)
	}(s.srv, s.served)
	return nil
}

// Stop ends the calls in progress (latency and stall waits end, without an
// answer), closes the listener and connections, and waits for the serving
// goroutines. The service keeps its knobs, counters and address. It is a
// no-op on a service that does not listen, except that it ends the waits of
// calls served through Handler.
func (s *Service) Stop() error {
	s.life.Lock()
	defer s.life.Unlock()
	s.mu.Lock()
	select {
	case <-s.quit:
	default:
		close(s.quit)
	}
	s.mu.Unlock()
	if s.srv == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if err != nil {
		err = errors.Join(err, s.srv.Close())
	}
	<-s.served
	s.srv = nil
	return err
}

// URL returns the service's base URL, e.g. http://127.0.0.1:41234, or ""
// when it was never started.
func (s *Service) URL() string {
	s.life.Lock()
	defer s.life.Unlock()
	if s.addr == "" {
		return ""
	}
	return "http://" + s.addr
}
