package sources_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gqlbff/gqlbff/caller"
	"github.com/gqlbff/gqlbff/sources"
)

// TestIdenticalCallsShareOneUpstreamCall: concurrent identical calls share
// one call per caller identity, and the answers of different users are
// never shared.
func TestIdenticalCallsShareOneUpstreamCall(t *testing.T) {
	t.Parallel()
	svc := startService(t, sources.CustomersSource)
	c := newClient(t, nil, svc, sources.ClientConfig{Coalesce: true})
	svc.SetLatency(300 * time.Millisecond)
	users := []caller.Caller{
		{Subject: "alice", Scopes: []string{"orders:read"}},
		{Subject: "bob", Scopes: []string{"orders:read"}},
		{Subject: "alice", Scopes: []string{"orders:read", "admin"}},
	}
	var wg sync.WaitGroup
	errs := make(chan error, 50*len(users))
	for _, u := range users {
		for range 50 {
			wg.Go(func() {
				got, err := c.src.Customers.ByIDs(caller.With(context.Background(), u), []string{"c1", "c2"})
				if err == nil && len(got) != 2 {
					err = errors.New("wrong answer")
				}
				errs <- err
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	reqs := svc.Requests()
	if len(reqs) != len(users) {
		t.Fatalf("calls at the service: got %d, want %d (one per caller identity)", len(reqs), len(users))
	}
	seen := map[string]bool{}
	for _, r := range reqs {
		seen[r.Header.Get("X-User-Id")+" "+r.Header.Get("X-User-Scopes")] = true
	}
	for _, u := range users {
		if key := u.Subject + " " + strings.Join(u.Scopes, " "); !seen[key] {
			t.Errorf("no call made for %q; calls: %v", key, seen)
		}
	}
	c.rec.mu.Lock()
	joined := c.rec.joined
	c.rec.mu.Unlock()
	if want := 50*len(users) - len(users); joined != want {
		t.Errorf("coalesced calls reported: got %d, want %d", joined, want)
	}
}

// TestOneCallerLeavingDoesNotCancelTheOthers: the first caller's cancel
// does not end a call others wait for; once every caller has left, the
// source sees the cancel.
func TestOneCallerLeavingDoesNotCancelTheOthers(t *testing.T) {
	svc := startService(t, sources.OrdersSource)
	c := newClient(t, svc, nil, sources.ClientConfig{Coalesce: true})
	svc.SetLatency(200 * time.Millisecond)

	first, cancelFirst := context.WithCancel(context.Background())
	defer cancelFirst()
	firstErr := make(chan error, 1)
	go func() { _, err := c.src.Orders.ByID(first, "o1"); firstErr <- err }()
	for svc.InFlight() != 1 {
		time.Sleep(time.Millisecond)
	}
	secondErr := make(chan error, 1)
	go func() { _, err := c.src.Orders.ByID(context.Background(), "o1"); secondErr <- err }()
	time.Sleep(20 * time.Millisecond) // the second caller joins the call in flight
	cancelFirst()
	if err := <-firstErr; !errors.Is(err, sources.ErrUnavailable) || !errors.Is(err, context.Canceled) {
		t.Errorf("the caller that left: got %v, want ErrUnavailable from context.Canceled", err)
	}
	if err := <-secondErr; err != nil {
		t.Errorf("the caller that stayed: got %v, want the answer", err)
	}
	if got, cancelled := svc.Calls(), svc.Cancelled(); got != 1 || cancelled != 0 {
		t.Errorf("calls and cancels at the service: got %d and %d, want 1 and 0", got, cancelled)
	}

	// Now both callers leave: the source sees the cancel within 100ms.
	svc.SetLatency(5 * time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() { _, _ = c.src.Orders.ByID(ctx, "o2") })
	}
	for svc.InFlight() != 1 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	wg.Wait()
	if got := cancelledAfter(svc, 100*time.Millisecond); got != 1 {
		t.Errorf("cancels at the service once every caller left: got %d, want 1", got)
	}
}

// TestTheFirstCallerRunsASharedCallToItsEnd: the caller that starts a
// shared call runs it in its own goroutine (no hand-over to another), so
// when it leaves while another caller waits, it answers its context's
// error once the call ends, not before, and the call goes on for the
// other; when it is the only caller, its leaving cancels the call at once.
func TestTheFirstCallerRunsASharedCallToItsEnd(t *testing.T) {
	svc := startService(t, sources.OrdersSource)
	c := newClient(t, svc, nil, sources.ClientConfig{Coalesce: true})
	svc.SetLatency(400 * time.Millisecond)

	first, cancelFirst := context.WithCancel(context.Background())
	defer cancelFirst()
	start := time.Now()
	firstDone := make(chan time.Duration, 1)
	var firstErr error
	go func() { _, firstErr = c.src.Orders.ByID(first, "o1"); firstDone <- time.Since(start) }()
	for svc.InFlight() != 1 {
		time.Sleep(time.Millisecond)
	}
	secondErr := make(chan error, 1)
	go func() { _, err := c.src.Orders.ByID(context.Background(), "o1"); secondErr <- err }()
	time.Sleep(20 * time.Millisecond) // the second caller joins the call in flight
	cancelFirst()
	if err := <-secondErr; err != nil {
		t.Errorf("the caller that stayed: got %v, want the answer", err)
	}
	if took := <-firstDone; took < 400*time.Millisecond {
		t.Errorf("the first caller answered after %s, before the call it runs ended (400ms)", took)
	}
	if !errors.Is(firstErr, sources.ErrUnavailable) || !errors.Is(firstErr, context.Canceled) {
		t.Errorf("the first caller, which left: got %v, want ErrUnavailable from context.Canceled", firstErr)
	}
	if got, cancelled := svc.Calls(), svc.Cancelled(); got != 1 || cancelled != 0 {
		t.Errorf("calls and cancels at the service: got %d and %d, want 1 and 0", got, cancelled)
	}

	// Alone, the first caller's leaving ends the call at once.
	svc.SetLatency(5 * time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	alone := make(chan error, 1)
	go func() { _, err := c.src.Orders.ByID(ctx, "o2"); alone <- err }()
	for svc.InFlight() != 1 {
		time.Sleep(time.Millisecond)
	}
	left := time.Now()
	cancel()
	if err := <-alone; !errors.Is(err, context.Canceled) {
		t.Errorf("the only caller, which left: got %v, want context.Canceled", err)
	}
	if took := time.Since(left); took > time.Second {
		t.Errorf("the only caller answered %s after it left, want at once", took)
	}
	if got := cancelledAfter(svc, time.Second); got != 1 {
		t.Errorf("cancels at the service once the only caller left: got %d, want 1", got)
	}
	// A cancelled call is the caller's doing, never the source's failure
	// (the breaker does not count it).
	c.rec.mu.Lock()
	last := c.rec.outcomes[len(c.rec.outcomes)-1]
	c.rec.mu.Unlock()
	if last != sources.OutcomeCanceled {
		t.Errorf("the cancelled call's outcome: got %s, want %s", last, sources.OutcomeCanceled)
	}
}

// TestASharedCallStopsWaitingWhenItsCallersLeave: a shared call's waits
// follow its cancellation, which its context does not carry: the wait
// before a retry, and the wait for a bulkhead's slot, end as soon as its
// last caller leaves, and no further attempt is made.
func TestASharedCallStopsWaitingWhenItsCallersLeave(t *testing.T) {
	t.Run("the wait before a retry", func(t *testing.T) {
		svc := startService(t, sources.OrdersSource)
		c := newClient(t, svc, nil, sources.ClientConfig{Coalesce: true, Retries: 1})
		svc.SetStatus(http.StatusServiceUnavailable)
		svc.SetRetryAfter("2")
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		done := make(chan error, 1)
		go func() { _, err := c.src.Orders.ByID(ctx, "o1"); done <- err }()
		for c.rec.retryCount() != 1 {
			time.Sleep(time.Millisecond)
		}
		left := time.Now()
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("the caller that left: got %v, want context.Canceled", err)
		}
		if took := time.Since(left); took > time.Second {
			t.Errorf("answered %s after the caller left, want at once (not after the 2s wait)", took)
		}
		if got := svc.Calls(); got != 1 {
			t.Errorf("calls at the service: got %d, want 1 (no retry once every caller left)", got)
		}
	})
	t.Run("the wait for a slot", func(t *testing.T) {
		svc := startService(t, sources.OrdersSource)
		c := newClient(t, svc, nil, sources.ClientConfig{Coalesce: true, MaxInFlight: 1, InFlightWait: 3 * time.Second})
		svc.SetLatency(time.Second)
		held := make(chan error, 1)
		go func() { _, err := c.src.Orders.ByID(context.Background(), "o1"); held <- err }()
		for svc.InFlight() != 1 {
			time.Sleep(time.Millisecond)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { _, err := c.src.Orders.ByID(ctx, "o2"); done <- err }()
		time.Sleep(50 * time.Millisecond) // waiting for the slot
		left := time.Now()
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("the caller that left: got %v, want context.Canceled", err)
		}
		if took := time.Since(left); took > 500*time.Millisecond {
			t.Errorf("answered %s after the caller left, want at once (not when the slot came free)", took)
		}
		if err := <-held; err != nil {
			t.Errorf("the call holding the slot: %v", err)
		}
		if got := svc.Calls(); got != 1 {
			t.Errorf("calls at the service: got %d, want 1 (the call that left never made)", got)
		}
	})
}
