package sources_test

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gqlbff/gqlbff/caller"
	"github.com/gqlbff/gqlbff/sources"
	"github.com/gqlbff/gqlbff/sources/cache"
	"github.com/gqlbff/gqlbff/sources/demo"
)

// clock is a cache clock that tests move by hand.
type clock struct{ off atomic.Int64 }

func (c *clock) now() time.Time          { return time.Now().Add(time.Duration(c.off.Load())) }
func (c *clock) advance(d time.Duration) { c.off.Add(int64(d)) }

// cachedSetup is a Sources whose three clients talk to demo services and
// cache their records under policy, with a clock the test moves.
type cachedSetup struct {
	src       *sources.Sources
	store     *cache.Store
	clock     *clock
	customers *demo.Service
	orders    *demo.Service
}

func newCached(t *testing.T, policy cache.Policy, cfg sources.ClientConfig, storeCfg cache.Config) cachedSetup {
	t.Helper()
	s := cachedSetup{clock: &clock{}, customers: startService(t, sources.CustomersSource), orders: startService(t, sources.OrdersSource)}
	storeCfg.Now = s.clock.now
	if storeCfg.Version == "" {
		storeCfg.Version = "test"
	}
	store, err := cache.New(storeCfg)
	if err != nil {
		t.Fatal(err)
	}
	s.store = store
	cfg.Cache = policy
	cc, oc := cfg, cfg
	cc.URL, oc.URL = s.customers.URL(), s.orders.URL()
	s.src = sources.New(sources.Config{Customers: cc, Orders: oc, Cache: store})
	t.Cleanup(s.src.Close)
	return s
}

// staleNotes collects what the stale recorder is told.
type staleNotes struct {
	mu    sync.Mutex
	notes []sources.Stale
}

func (n *staleNotes) ctx(ctx context.Context) context.Context {
	return sources.WithStaleRecorder(ctx, func(_ context.Context, s sources.Stale) {
		n.mu.Lock()
		n.notes = append(n.notes, s)
		n.mu.Unlock()
	})
}

func (n *staleNotes) all() []sources.Stale {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.notes)
}

// customers loads ids through a fresh set of loaders (a new request).
func (s cachedSetup) load(ctx context.Context, ids ...string) ([]sources.Customer, []error) {
	return s.src.NewLoaders().Customers(ctx, ids)
}

// lastIDs is the ids query of the service's last call.
func lastIDs(t *testing.T, svc *demo.Service) string {
	t.Helper()
	reqs := svc.Requests()
	if len(reqs) == 0 {
		t.Fatal("no call")
	}
	q, _ := url.ParseQuery(reqs[len(reqs)-1].RawQuery)
	return q.Get("ids")
}

var fiveMinutes = cache.Policy{TTL: 5 * time.Minute, Vary: cache.VaryNone}

func TestCacheCallsOnlyForNewIDs(t *testing.T) {
	s := newCached(t, fiveMinutes, sources.ClientConfig{}, cache.Config{})
	ctx := withTimeout(t, 5*time.Second)
	if _, errs := s.load(ctx, "c1", "c2"); errs[0] != nil || errs[1] != nil {
		t.Fatal(errs)
	}
	got, errs := s.load(ctx, "c2", "c3")
	if errs[0] != nil || errs[1] != nil || got[0].ID != "c2" || got[1].ID != "c3" {
		t.Fatalf("got %v, %v", got, errs)
	}
	if n := s.customers.Calls(); n != 2 {
		t.Fatalf("%d calls, want 2", n)
	}
	if ids := lastIDs(t, s.customers); ids != "c3" {
		t.Errorf("the second call asked for %q, want only c3", ids)
	}
	// Known together, unknown too: "not found" is cached like a record.
	if _, errs := s.load(ctx, "c1", "c2", "c3", "nobody"); !errors.Is(errs[3], sources.ErrNotFound) {
		t.Fatalf("nobody: %v", errs[3])
	}
	if _, errs := s.load(ctx, "nobody", "c3"); !errors.Is(errs[0], sources.ErrNotFound) || errs[1] != nil {
		t.Fatalf("errors %v", errs)
	}
	if n := s.customers.Calls(); n != 3 {
		t.Errorf("%d calls, want 3: the repeats come from the cache", n)
	}
	// Past the TTL, the source is called again.
	s.clock.advance(6 * time.Minute)
	if _, errs := s.load(ctx, "c1"); errs[0] != nil {
		t.Fatal(errs[0])
	}
	if n := s.customers.Calls(); n != 4 {
		t.Errorf("%d calls after the TTL, want 4", n)
	}
}

func TestCacheKeepsNonIDEndpointsPerParameterSet(t *testing.T) {
	s := newCached(t, fiveMinutes, sources.ClientConfig{}, cache.Config{})
	ctx := withTimeout(t, 5*time.Second)
	for range 2 {
		for _, status := range []string{"", sources.StatusPaid} {
			if _, err := s.src.Orders.List(ctx, status, 5, ""); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.src.NewLoaders().OrdersOf(ctx, "c1", 3); err != nil {
			t.Fatal(err)
		}
		if _, err := s.src.NewLoaders().OrdersOf(ctx, "c1", 4); err != nil {
			t.Fatal(err)
		}
	}
	if n := s.orders.Calls(); n != 4 {
		t.Errorf("%d calls, want 4 (two pages, two perCustomer values)", n)
	}
	// Readiness probes always reach the source.
	before := s.orders.Calls()
	s.src.Probe(ctx)
	s.src.Probe(ctx)
	if n := s.orders.Calls() - before; n != 2 {
		t.Errorf("two probes made %d calls, want 2", n)
	}
}

func TestCacheNeverStoresFailures(t *testing.T) {
	t.Parallel()
	s := newCached(t, fiveMinutes, sources.ClientConfig{Timeout: 300 * time.Millisecond}, cache.Config{})
	ctx := withTimeout(t, 10*time.Second)
	faults := []struct {
		name string
		set  func(*demo.Service)
	}{
		{"503", func(d *demo.Service) { d.SetStatus(503) }},
		{"400", func(d *demo.Service) { d.SetStatus(400) }},
		{"malformed", func(d *demo.Service) { d.SetMalformed(true) }},
		{"timeout", func(d *demo.Service) { d.SetLatency(time.Second) }},
	}
	for i, f := range faults {
		t.Run(f.name, func(t *testing.T) {
			id := "c" + string(rune('1'+i))
			s.customers.Reset()
			f.set(s.customers)
			if _, errs := s.load(ctx, id); errs[0] == nil {
				t.Fatal("no error with the fault on")
			}
			s.customers.Reset()
			got, errs := s.load(ctx, id)
			if errs[0] != nil || got[0].ID != id {
				t.Fatalf("after the fault: %v, %v", got, errs)
			}
			if n := s.customers.Calls(); n != 1 {
				t.Errorf("%d calls after the fault, want 1: the failure was cached", n)
			}
		})
	}
}

func TestCacheObeysTheSourcesCacheControl(t *testing.T) {
	s := newCached(t, fiveMinutes, sources.ClientConfig{}, cache.Config{})
	ctx := withTimeout(t, 5*time.Second)
	for _, cc := range []string{"no-store", "no-cache", "max-age=0", "private"} {
		s.customers.Reset()
		s.customers.SetCacheControl(cc)
		s.load(ctx, "c1")
		s.load(ctx, "c1")
		if n := s.customers.Calls(); n != 2 {
			t.Errorf("Cache-Control %s: %d calls, want 2", cc, n)
		}
	}
	s.customers.Reset()
	s.customers.SetCacheControl("public, max-age=10")
	s.load(ctx, "c1")
	s.clock.advance(5 * time.Second)
	s.load(ctx, "c1")
	if n := s.customers.Calls(); n != 1 {
		t.Errorf("within max-age: %d calls, want 1", n)
	}
	s.clock.advance(6 * time.Second)
	s.load(ctx, "c1")
	if n := s.customers.Calls(); n != 2 {
		t.Errorf("past the source's max-age (within the TTL): %d calls, want 2", n)
	}
}

func TestStaleIfError(t *testing.T) {
	policy := cache.Policy{TTL: 10 * time.Second, StaleIfError: time.Minute, Vary: cache.VaryNone}
	s := newCached(t, policy, sources.ClientConfig{Timeout: 200 * time.Millisecond}, cache.Config{})
	ctx := withTimeout(t, 10*time.Second)
	want, errs := s.load(ctx, "c1")
	if errs[0] != nil {
		t.Fatal(errs[0])
	}
	if _, err := s.src.Orders.List(ctx, "", 3, ""); err != nil {
		t.Fatal(err)
	}
	s.clock.advance(30 * time.Second)

	t.Run("down", func(t *testing.T) {
		s.customers.SetDown(true)
		defer s.customers.Reset()
		var notes staleNotes
		got, errs := s.load(notes.ctx(ctx), "c1")
		if errs[0] != nil || got[0] != want[0] {
			t.Fatalf("got %v, %v; want the cached record", got[0], errs[0])
		}
		n := notes.all()
		if len(n) != 1 || n[0].Source != sources.CustomersSource || n[0].Kind != sources.ErrUnavailable ||
			n[0].Age < 30*time.Second || n[0].Age > 31*time.Second {
			t.Errorf("notes %+v, want one: customers, unavailable, 30s old", n)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		s.customers.SetLatency(time.Second)
		defer s.customers.Reset()
		var notes staleNotes
		if _, errs := s.load(notes.ctx(ctx), "c1"); errs[0] != nil {
			t.Fatal(errs[0])
		}
		if n := notes.all(); len(n) != 1 || n[0].Kind != sources.ErrTimeout {
			t.Errorf("notes %+v, want one timeout", n)
		}
	})
	t.Run("non-id endpoint", func(t *testing.T) {
		s.orders.SetStatus(503)
		defer s.orders.Reset()
		var notes staleNotes
		page, err := s.src.Orders.List(notes.ctx(ctx), "", 3, "")
		if err != nil || len(page.Items) != 3 {
			t.Fatalf("got %d items, %v", len(page.Items), err)
		}
		if n := notes.all(); len(n) != 1 || n[0].Source != sources.OrdersSource {
			t.Errorf("notes %+v, want one of orders", n)
		}
	})
	t.Run("bad response", func(t *testing.T) {
		s.customers.SetMalformed(true)
		defer s.customers.Reset()
		var notes staleNotes
		_, errs := s.load(notes.ctx(ctx), "c1")
		if !errors.Is(errs[0], sources.ErrBadResponse) || len(notes.all()) != 0 {
			t.Errorf("got %v and notes %v, want a bad response and none", errs[0], notes.all())
		}
	})
	t.Run("past the window", func(t *testing.T) {
		s.clock.advance(time.Minute)
		s.customers.SetDown(true)
		defer s.customers.Reset()
		var notes staleNotes
		_, errs := s.load(notes.ctx(ctx), "c1")
		if !errors.Is(errs[0], sources.ErrUnavailable) || len(notes.all()) != 0 {
			t.Errorf("got %v and notes %v, want unavailable and none", errs[0], notes.all())
		}
	})
}

func TestStaleIfErrorWithTheBreakerOpen(t *testing.T) {
	policy := cache.Policy{TTL: 10 * time.Second, StaleIfError: time.Minute, Vary: cache.VaryNone}
	br := sources.BreakerConfig{MinRequests: 3, FailureRatio: 0.5, Window: 10 * time.Second, OpenTimeout: time.Minute, HalfOpenProbes: 1}
	s := newCached(t, policy, sources.ClientConfig{Breaker: br, Timeout: time.Second}, cache.Config{})
	ctx := withTimeout(t, 10*time.Second)
	want, errs := s.load(ctx, "c1")
	if errs[0] != nil {
		t.Fatal(errs[0])
	}
	s.customers.SetStatus(500)
	for i := range 3 {
		s.load(ctx, "x"+string(rune('0'+i)))
	}
	if st := s.src.Breakers()[sources.CustomersSource]; st != sources.BreakerOpen {
		t.Fatalf("breaker %v, want open", st)
	}
	s.clock.advance(20 * time.Second)
	before := s.customers.Calls()
	var notes staleNotes
	got, errs := s.load(notes.ctx(ctx), "c1")
	if errs[0] != nil || got[0] != want[0] {
		t.Fatalf("got %v, %v; want the cached record", got[0], errs[0])
	}
	if n := notes.all(); len(n) != 1 || n[0].Kind != sources.ErrUnavailable {
		t.Errorf("notes %+v, want one unavailable", n)
	}
	if n := s.customers.Calls() - before; n != 0 {
		t.Errorf("%d calls reached the source with the breaker open", n)
	}
}

func TestConcurrentMissesShareOneCall(t *testing.T) {
	t.Parallel()
	s := newCached(t, fiveMinutes, sources.ClientConfig{Timeout: 2 * time.Second}, cache.Config{})
	s.customers.SetLatency(300 * time.Millisecond)
	var wg sync.WaitGroup
	var ok, left atomic.Int64
	for i := range 200 {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if i%2 == 1 {
				// Half the callers leave before the source answers.
				var c context.CancelFunc
				ctx, c = context.WithTimeout(ctx, 50*time.Millisecond)
				defer c()
			}
			got, errs := s.load(ctx, "c7")
			switch {
			case errs[0] == nil && got[0].ID == "c7":
				ok.Add(1)
			case i%2 == 1:
				left.Add(1)
			default:
				t.Errorf("caller %d: %v", i, errs[0])
			}
		})
	}
	wg.Wait()
	if n := s.customers.Calls(); n != 1 {
		t.Errorf("%d calls, want 1", n)
	}
	if ok.Load() < 100 || left.Load() == 0 {
		t.Errorf("%d answered, %d left; want the 100 who stayed answered", ok.Load(), left.Load())
	}
}

func TestCacheVaryClasses(t *testing.T) {
	as := func(ctx context.Context, user string, scopes ...string) context.Context {
		return caller.With(ctx, caller.Caller{Subject: user, Scopes: scopes})
	}
	for _, tc := range []struct {
		vary cache.Vary
		want int // calls for the four callers below
	}{
		{cache.VaryNone, 1},
		{cache.VaryScopes, 2},
		{cache.VaryUser, 3},
	} {
		t.Run(string(tc.vary), func(t *testing.T) {
			s := newCached(t, cache.Policy{TTL: time.Minute, Vary: tc.vary}, sources.ClientConfig{}, cache.Config{})
			s.customers.SetPrivateEmails(true)
			ctx := withTimeout(t, 5*time.Second)
			callers := []context.Context{
				as(ctx, "c1", "customers:read"),
				as(ctx, "c2", "customers:read"),
				as(ctx, "c2", "customers:read"),
				as(ctx, "c3", "customers:read", demo.PIIScope),
			}
			for _, c := range callers {
				if _, errs := s.load(c, "c5"); errs[0] != nil {
					t.Fatal(errs[0])
				}
			}
			if n := s.customers.Calls(); n != tc.want {
				t.Errorf("%d calls, want %d", n, tc.want)
			}
			if tc.vary == cache.VaryUser {
				own, _ := s.load(as(ctx, "c5", "customers:read"), "c5")
				other, _ := s.load(as(ctx, "c1", "customers:read"), "c5")
				if !strings.Contains(other[0].Email, "***") || strings.Contains(own[0].Email, "***") {
					t.Errorf("c5 sees %q, c1 sees %q: want each its own answer", own[0].Email, other[0].Email)
				}
			}
		})
	}
}
