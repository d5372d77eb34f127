package sources

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"

	"github.com/graph-gophers/dataloader/v7"

	"github.com/gqlbff/gqlbff/caller"
)

// Loaders batch and de-duplicate the by-id and by-customer lookups of one
// request. Make a new set per request (NewLoaders): its cache lives as long
// as the request, so an answer is never shared between callers.
type Loaders struct {
	src *Sources

	// The loaders are made on first use (most operations need one or
	// two): under mu, by orderL, customerL, statsL and ordersOfLoader.
	mu       sync.Mutex
	order    *loader[Order]
	customer *loader[Customer]
	stats    *loader[CustomerStats]
	ordersOf map[int]*loader[[]Order] // by perCustomer
}

// loader is a dataloader with its cache in reach, so that a prefetch can
// put a whole list of keys into one batch of its own.
type loader[V any] struct {
	src      *Sources
	cache    *keyCache[V]
	batch    dataloader.BatchFunc[string, V]
	tracer   batchTracer[V]
	maxBatch int
	// dl is the dataloader, made on first use (dataloader): under plans
	// every key is prefetched or joins its level's batch, and the
	// dataloader is never asked.
	dlOnce sync.Once
	dl     *dataloader.Loader[string, V]
}

// dataloader answers l's dataloader, over l's cache.
func (l *loader[V]) dataloader() *dataloader.Loader[string, V] {
	l.dlOnce.Do(func() {
		l.dl = dataloader.NewBatchedLoader(l.batch,
			dataloader.WithWait[string, V](l.src.batchWait),
			dataloader.WithBatchCapacity[string, V](l.maxBatch),
			dataloader.WithCache[string, V](l.cache),
			dataloader.WithTracer[string, V](l.tracer),
		)
	})
	return l.dl
}

// NewLoaders returns a fresh set of loaders over s for one request.
func (s *Sources) NewLoaders() *Loaders {
	return &Loaders{src: s}
}

// orderL is the orders-by-id loader.
func (l *Loaders) orderL() *loader[Order] {
	return lazy(l, &l.order, func(s *Sources) *loader[Order] { return newLoader(s, "order", s.orderBatch) })
}

// customerL is the customers-by-id loader.
func (l *Loaders) customerL() *loader[Customer] {
	return lazy(l, &l.customer, func(s *Sources) *loader[Customer] { return newLoader(s, "customer", s.customerBatch) })
}

// statsL is the stats-by-customer loader.
func (l *Loaders) statsL() *loader[CustomerStats] {
	return lazy(l, &l.stats, func(s *Sources) *loader[CustomerStats] { return newLoader(s, "stats", s.statsBatch) })
}

// lazy answers *p, made by mk on first use, under l.mu. (mk captures
// nothing, so asking costs no allocation.)
func lazy[V any](l *Loaders, p **loader[V], mk func(*Sources) *loader[V]) *loader[V] {
	l.mu.Lock()
	defer l.mu.Unlock()
	if *p == nil {
		*p = mk(l.src)
	}
	return *p
}

// newLoader makes a loader; name labels its batches in metrics and traces
// (a closed set: order, customer, stats, ordersOf).
func newLoader[V any](s *Sources, name string, fn dataloader.BatchFunc[string, V]) *loader[V] {
	return &loader[V]{
		src:      s,
		cache:    &keyCache[V]{},
		batch:    fn,
		tracer:   batchTracer[V]{obs: s.obs, name: name},
		maxBatch: s.maxBatch,
	}
}

// load is Load, without its tracing and bookkeeping when the key is in the
// cache already (a prefetched key: most loads of a wide operation). Under
// a Level a key not prefetched joins the level's batch, which the level
// sends once its callers are all waiting or done: no time window is paid
// where the level knows it is complete.
func (l *loader[V]) load(ctx context.Context, key string) pending[V] {
	if p, ok := l.cache.get(key); ok {
		return p
	}
	if levelFrom(ctx) != nil {
		l.prefetch(ctx, []string{key})
		if p, ok := l.cache.get(key); ok {
			return p
		}
	}
	return pending[V]{th: l.dataloader().Load(ctx, key)}
}

// keyCache is a loader's cache of the request's keys, which the
// dataloader uses as its cache too (dataloader.Cache). A prefetched key
// is held as its batch and its place there, not as a closure of its own:
// a thunk is made only when the dataloader asks for one.
type keyCache[V any] struct {
	mu sync.RWMutex
	m  map[string]pending[V]
}

// pending is a key's result to come: a prefetched key's batch and place,
// or else the dataloader's thunk.
type pending[V any] struct {
	b  *batch[V]
	i  int
	th dataloader.Thunk[V]
}

// wait waits for the key's result.
func (p pending[V]) wait() (V, error) {
	if p.b != nil {
		return p.b.result(p.i)
	}
	return p.th()
}

func (c *keyCache[V]) get(key string) (pending[V], bool) {
	c.mu.RLock()
	p, ok := c.m[key]
	c.mu.RUnlock()
	return p, ok
}

// put caches key; the first put makes the map for n keys.
func (c *keyCache[V]) put(key string, p pending[V], n int) {
	c.mu.Lock()
	if c.m == nil {
		c.m = make(map[string]pending[V], n)
	}
	c.m[key] = p
	c.mu.Unlock()
}

// Get implements dataloader.Cache.
func (c *keyCache[V]) Get(_ context.Context, key string) (dataloader.Thunk[V], bool) {
	p, ok := c.get(key)
	switch {
	case !ok:
		return nil, false
	case p.th != nil:
		return p.th, true
	default:
		return p.wait, true
	}
}

// Set implements dataloader.Cache.
func (c *keyCache[V]) Set(_ context.Context, key string, th dataloader.Thunk[V]) {
	c.put(key, pending[V]{th: th}, 1)
}

// Delete implements dataloader.Cache.
func (c *keyCache[V]) Delete(_ context.Context, key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.m[key]
	delete(c.m, key)
	return ok
}

// Clear implements dataloader.Cache.
func (c *keyCache[V]) Clear() {
	c.mu.Lock()
	clear(c.m)
	c.mu.Unlock()
}

// Sources returns the clients, for the calls that are not batched.
func (l *Loaders) Sources() *Sources { return l.src }

// Order answers one order by id; ErrNotFound when it does not exist.
func (l *Loaders) Order(ctx context.Context, id string) (Order, error) {
	v, err := l.orderL().load(ctx, id).wait()
	return settle(ctx, v, err)
}

// Customer answers one customer by id; ErrNotFound when it does not exist.
func (l *Loaders) Customer(ctx context.Context, id string) (Customer, error) {
	v, err := l.customerL().load(ctx, id).wait()
	return settle(ctx, v, err)
}

// Customers answers customers by id, one result and one error per id, in
// the order of ids: one batch call per MaxBatch ids known together.
func (l *Loaders) Customers(ctx context.Context, ids []string) ([]Customer, []error) {
	ld := l.customerL()
	ld.prefetch(ctx, ids)
	return loadAll(ctx, ld, ids)
}

// Orders answers orders by id, one result and one error per id, in the
// order of ids: one batch call per MaxBatch ids known together.
func (l *Loaders) Orders(ctx context.Context, ids []string) ([]Order, []error) {
	ld := l.orderL()
	ld.prefetch(ctx, ids)
	return loadAll(ctx, ld, ids)
}

// loadAll loads every key: Load queues them all before the first one
// waits, without LoadMany's goroutine per key.
func loadAll[V any](ctx context.Context, ld *loader[V], keys []string) ([]V, []error) {
	pend := make([]pending[V], len(keys))
	for i, k := range keys {
		pend[i] = ld.load(ctx, k)
	}
	out := make([]V, len(keys))
	errs := make([]error, len(keys))
	for i, p := range pend {
		v, err := p.wait()
		out[i], errs[i] = settle(ctx, v, err)
	}
	return out, errs
}

// Stats answers a customer's analytics; ErrNotFound when the service does
// not know the customer.
func (l *Loaders) Stats(ctx context.Context, customerID string) (CustomerStats, error) {
	v, err := l.statsL().load(ctx, customerID).wait()
	return settle(ctx, v, err)
}

// OrdersOf answers up to n newest orders of a customer, newest first.
func (l *Loaders) OrdersOf(ctx context.Context, customerID string, n int) ([]Order, error) {
	v, err := l.ordersOfLoader(n).load(ctx, customerID).wait()
	return settle(ctx, v, err)
}

// Prefetch starts lookups without waiting for them, so that keys known
// together land in one batch whatever the goroutine scheduling; the later
// Order, Customer, Stats and OrdersOf calls find them in the cache.
type Prefetch struct{ l *Loaders }

// Prefetch returns the request's prefetcher.
func (l *Loaders) Prefetch() Prefetch { return Prefetch{l} }

// Customers starts the customer lookups of ids.
func (p Prefetch) Customers(ctx context.Context, ids []string) { p.l.customerL().prefetch(ctx, ids) }

// Orders starts the order lookups of ids.
func (p Prefetch) Orders(ctx context.Context, ids []string) { p.l.orderL().prefetch(ctx, ids) }

// Stats starts the stats lookups of customers.
func (p Prefetch) Stats(ctx context.Context, customerIDs []string) {
	p.l.statsL().prefetch(ctx, customerIDs)
}

// OrdersOf starts the lookups of the n newest orders of customers.
func (p Prefetch) OrdersOf(ctx context.Context, customerIDs []string, n int) {
	p.l.ordersOfLoader(n).prefetch(ctx, customerIDs)
}

func (l *Loaders) ordersOfLoader(n int) *loader[[]Order] {
	l.mu.Lock()
	ld, ok := l.ordersOf[n]
	if !ok {
		if l.ordersOf == nil {
			l.ordersOf = make(map[int]*loader[[]Order])
		}
		ld = newLoader(l.src, "ordersOf", func(ctx context.Context, ids []string) []*dataloader.Result[[]Order] {
			return l.src.ordersOfBatch(ctx, ids, n)
		})
		l.ordersOf[n] = ld
	}
	l.mu.Unlock()
	return ld
}

// The batch functions look each id up in the record cache first (cached)
// and call the source for the others only.

func (s *Sources) orderBatch(ctx context.Context, ids []string) []*dataloader.Result[Order] {
	return cached(ctx, s.Orders.c, "orders.byIDs", "", ids, func(ctx context.Context, ids []string) ([]*dataloader.Result[Order], directive) {
		items, d, err := s.Orders.byIDs(ctx, ids)
		return matchByID(ids, items, err, func(o *Order) string { return o.ID }), d
	})
}

func (s *Sources) customerBatch(ctx context.Context, ids []string) []*dataloader.Result[Customer] {
	return cached(ctx, s.Customers.c, "customers.byIDs", "", ids, func(ctx context.Context, ids []string) ([]*dataloader.Result[Customer], directive) {
		items, d, err := s.Customers.byIDs(ctx, ids)
		return matchByID(ids, items, err, func(c *Customer) string { return c.ID }), d
	})
}

func (s *Sources) statsBatch(ctx context.Context, ids []string) []*dataloader.Result[CustomerStats] {
	return cached(ctx, s.Analytics.c, "analytics.customers", "", ids, func(ctx context.Context, ids []string) ([]*dataloader.Result[CustomerStats], directive) {
		items, d, err := s.Analytics.customerStats(ctx, ids)
		return matchByID(ids, items, err, func(c *CustomerStats) string { return c.CustomerID }), d
	})
}

func (s *Sources) ordersOfBatch(ctx context.Context, ids []string, n int) []*dataloader.Result[[]Order] {
	params := "perCustomer=" + strconv.Itoa(n) + "&customerId="
	return cached(ctx, s.Orders.c, "orders.byCustomers", params, ids, func(ctx context.Context, ids []string) ([]*dataloader.Result[[]Order], directive) {
		items, d, err := s.Orders.byCustomers(ctx, ids, n)
		return ordersByCustomer(ids, items, err, n), d
	})
}

// ordersByCustomer answers each customer's n newest orders from a
// byCustomers answer.
func ordersByCustomer(ids []string, items []Order, err error, n int) []*dataloader.Result[[]Order] {
	results := make([]*dataloader.Result[[]Order], len(ids))
	store := make([]dataloader.Result[[]Order], len(ids)) // one allocation for all
	for i := range results {
		results[i] = &store[i]
	}
	if err != nil {
		for i := range store {
			store[i].Error = err
		}
		return results
	}
	// Match by customer id, never by position; drop repeats the answer
	// holds (the first of an id stays). Each customer's orders are copied
	// into one array for all, counted first: appending to a list per
	// customer allocated each list two or three times. items itself is
	// never changed: a coalesced call shares it with other callers.
	type span struct{ at, n int }
	seen := make(map[string]struct{}, len(items))
	keep := make([]bool, len(items))
	spanOf := make(map[string]int, len(ids))
	spans := make([]span, 0, len(ids))
	kept := 0
	for i := range items {
		o := &items[i]
		if _, dup := seen[o.ID]; dup {
			continue
		}
		seen[o.ID] = struct{}{}
		keep[i] = true
		k, ok := spanOf[o.CustomerID]
		if !ok {
			k = len(spans)
			spanOf[o.CustomerID] = k
			spans = append(spans, span{})
		}
		spans[k].n++
		kept++
	}
	at := 0
	for k := range spans {
		spans[k].at, at = at, at+spans[k].n
		spans[k].n = 0
	}
	all := make([]Order, kept)
	for i := range items {
		if keep[i] {
			sp := &spans[spanOf[items[i].CustomerID]]
			all[sp.at+sp.n] = items[i]
			sp.n++
		}
	}
	for i, id := range ids {
		list := []Order{}
		if k, ok := spanOf[id]; ok {
			sp := spans[k]
			list = all[sp.at : sp.at+sp.n : sp.at+sp.n]
			slices.SortFunc(list, NewestFirst)
			if len(list) > n {
				list = list[:n:n]
			}
		}
		store[i].Data = list
	}
	return results
}

// NewestFirst orders orders as the orders service does: newest first, then
// by id, descending.
func NewestFirst(a, b Order) int {
	if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
		return c
	}
	return cmp.Compare(b.ID, a.ID)
}

// matchByID answers each key with the item of that id: a batch answer may
// reorder, repeat or leave out ids. A missing id is ErrNotFound; a failed call
// fails every key with the same error.
func matchByID[V any](keys []string, items []V, err error, id func(*V) string) []*dataloader.Result[V] {
	results := make([]*dataloader.Result[V], len(keys))
	store := make([]dataloader.Result[V], len(keys)) // one allocation for all
	for i := range results {
		results[i] = &store[i]
	}
	if err != nil {
		for i := range store {
			store[i].Error = err
		}
		return results
	}
	find := func(k string) int {
		for j := range items {
			if id(&items[j]) == k {
				return j
			}
		}
		return -1
	}
	if len(items) > 16 { // else a scan is cheaper than a map
		index := make(map[string]int, len(items))
		for i := range items {
			k := id(&items[i])
			if _, dup := index[k]; !dup {
				index[k] = i
			}
		}
		find = func(k string) int {
			if j, ok := index[k]; ok {
				return j
			}
			return -1
		}
	}
	for i, k := range keys {
		if j := find(k); j >= 0 {
			store[i].Data = items[j]
		} else {
			store[i].Error = ErrNotFound
		}
	}
	return results
}

// WithLoaders returns a context that carries l for the resolvers (the
// server puts a request's in its caller.Request: Attach).
func WithLoaders(ctx context.Context, l *Loaders) context.Context {
	return caller.WithValue(ctx, loadersSlot, l)
}

// For returns the request's loaders. It panics when the server did not
// install them: that is a wiring bug, not a runtime condition.
func For(ctx context.Context) *Loaders {
	l, ok := caller.Value(ctx, loadersSlot).(*Loaders)
	if !ok {
		panic("sources: no loaders in context; wrap the handler with the loaders middleware")
	}
	return l
}

// safeBatch keeps the loader's own guarantees for a batch run outside it: a
// panic fails every key instead of the process, and so does an answer of
// the wrong length.
func safeBatch[V any](ctx context.Context, fn dataloader.BatchFunc[string, V], keys []string) (results []*dataloader.Result[V]) {
	defer func() {
		if p := recover(); p != nil {
			results = failAll[V](len(keys), fmt.Errorf("panic in batch: %v", p))
		}
	}()
	results = fn(ctx, keys)
	if len(results) != len(keys) {
		return failAll[V](len(keys), fmt.Errorf("batch answered %d results for %d keys", len(results), len(keys)))
	}
	return results
}

func failAll[V any](n int, err error) []*dataloader.Result[V] {
	out := make([]*dataloader.Result[V], n)
	for i := range out {
		out[i] = &dataloader.Result[V]{Error: err}
	}
	return out
}
