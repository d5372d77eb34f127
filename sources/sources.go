package sources

import (
	"context"
	"sync"
	"time"

	"github.com/gqlbff/gqlbff/sources/cache"
)

// Config configures the three sources and their loaders.
type Config struct {
	Orders    ClientConfig
	Customers ClientConfig
	Analytics ClientConfig
	// MaxBatch caps the ids of one batch call; a larger batch is split.
	MaxBatch int
	// BatchWait is how long a loader collects keys before it calls.
	BatchWait time.Duration
	// Cache, when set, keeps the records of every source whose Cache
	// policy has a TTL. Sources.Close closes it.
	Cache *cache.Store
	// Observer sees every call, batch and breaker change, from the start,
	// and the Cache's lookups when it is a cache.Observer too; nil:
	// NopObserver. It is fixed for the Sources' life: whoever builds the
	// Sources decides who observes them.
	Observer Observer
}

// Defaults of Config.
const (
	DefaultMaxBatch = 100
	// DefaultBatchWait was chosen by measurement: see BENCHMARKS.md.
	DefaultBatchWait = time.Millisecond
)

// Sources is the set of source clients one gqlbff process shares between
// requests. Loaders are made from it per request.
type Sources struct {
	Orders    *Orders
	Customers *Customers
	Analytics *Analytics
	maxBatch  int
	batchWait time.Duration
	obs       Observer
	cache     *cache.Store
}

// New returns the clients of the three sources.
func New(cfg Config) *Sources {
	if cfg.MaxBatch <= 0 {
		cfg.MaxBatch = DefaultMaxBatch
	}
	if cfg.BatchWait <= 0 {
		cfg.BatchWait = DefaultBatchWait
	}
	obs := cfg.Observer
	if obs == nil {
		obs = NopObserver{}
	}
	s := &Sources{
		Orders:    &Orders{c: newClient(OrdersSource, cfg.Orders, obs)},
		Customers: &Customers{c: newClient(CustomersSource, cfg.Customers, obs)},
		Analytics: &Analytics{c: newClient(AnalyticsSource, cfg.Analytics, obs)},
		maxBatch:  cfg.MaxBatch,
		batchWait: cfg.BatchWait,
		obs:       obs,
		cache:     cfg.Cache,
	}
	if cfg.Cache != nil {
		for _, c := range []*client{s.Orders.c, s.Customers.c, s.Analytics.c} {
			if c.cfg.Cache.TTL > 0 {
				c.cache = cfg.Cache.Bucket(c.name, c.cfg.Cache)
			}
		}
		if co, ok := obs.(cache.Observer); ok {
			cfg.Cache.SetObserver(co)
		}
	}
	for name, st := range s.Breakers() {
		obs.BreakerChanged(name, st)
	}
	return s
}

// Cache returns the record cache, nil when there is none.
func (s *Sources) Cache() *cache.Store { return s.cache }

// Breakers answers each source's breaker state.
func (s *Sources) Breakers() map[string]BreakerState {
	return map[string]BreakerState{
		OrdersSource:    s.Orders.c.breaker.state(),
		CustomersSource: s.Customers.c.breaker.state(),
		AnalyticsSource: s.Analytics.c.breaker.state(),
	}
}

// Close releases the clients' idle connections and closes the cache.
func (s *Sources) Close() {
	s.Orders.c.close()
	s.Customers.c.close()
	s.Analytics.c.close()
	if s.cache != nil {
		_ = s.cache.Close()
	}
}

// Probe calls each source once, cheaply, and answers each one's error (nil
// when it answered). The three calls run at once.
func (s *Sources) Probe(ctx context.Context) map[string]error {
	ctx = withoutCache(ctx)
	probes := map[string]func(context.Context) error{
		OrdersSource: func(ctx context.Context) error {
			_, err := s.Orders.List(ctx, "", 1, "")
			return err
		},
		CustomersSource: func(ctx context.Context) error {
			_, err := s.Customers.ByIDs(ctx, []string{"readyz-probe"})
			return err
		},
		AnalyticsSource: func(ctx context.Context) error {
			_, err := s.Analytics.TopCustomers(ctx, 1)
			return err
		},
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	out := make(map[string]error, len(probes))
	for name, probe := range probes {
		wg.Go(func() {
			err := probe(ctx)
			mu.Lock()
			out[name] = err
			mu.Unlock()
		})
	}
	wg.Wait()
	return out
}
