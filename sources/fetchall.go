package sources

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/graph-gophers/dataloader/v7"
)

// byID is a by-id dataloader whose cache the Loaders can see, so that keys
// known together (a gateway's entity references) can be fetched together.
type byID[V any] struct {
	ld    *dataloader.Loader[string, V]
	cache dataloader.Cache[string, V]
	batch dataloader.BatchFunc[string, V]
	max   int
}

func newByID[V any](s *Sources, fn dataloader.BatchFunc[string, V]) byID[V] {
	cache := dataloader.NewCache[string, V]()
	ld := dataloader.NewBatchedLoader(fn,
		dataloader.WithWait[string, V](s.batchWait),
		dataloader.WithBatchCapacity[string, V](s.maxBatch),
		dataloader.WithCache[string, V](cache),
	)
	return byID[V]{ld: ld, cache: cache, batch: fn, max: s.maxBatch}
}

// fetchAll answers keys, one result and one error per key in their order,
// with one batch call per max keys whatever the goroutine scheduling: a
// time window alone cannot promise that (see resolvers/prefetch.go). The
// keys the request has not looked up yet are fetched at once and put in the
// loader's cache, where the request's later lookups find them; the others
// come from the cache, in flight or done.
func (b byID[V]) fetchAll(ctx context.Context, keys []string) ([]V, []error) {
	var missing []string
	for _, k := range keys {
		if _, ok := b.cache.Get(ctx, k); !ok && !slices.Contains(missing, k) {
			missing = append(missing, k)
		}
	}
	var wg sync.WaitGroup
	for chunk := range slices.Chunk(missing, b.max) {
		wg.Go(func() {
			results := b.safeBatch(ctx, chunk)
			for i, k := range chunk {
				r := results[i]
				b.cache.Set(ctx, k, func() (V, error) { return r.Data, r.Error })
			}
		})
	}
	wg.Wait()
	return loadAll(ctx, b.ld, keys)
}

// safeBatch is batch with the loader's own guarantees: a panic fails every
// key instead of the process, and a contract-breaking answer every key.
func (b byID[V]) safeBatch(ctx context.Context, keys []string) (results []*dataloader.Result[V]) {
	fail := func(err error) []*dataloader.Result[V] {
		out := make([]*dataloader.Result[V], len(keys))
		for i := range out {
			out[i] = &dataloader.Result[V]{Error: err}
		}
		return out
	}
	defer func() {
		if p := recover(); p != nil {
			results = fail(fmt.Errorf("panic in batch function: %v", p))
		}
	}()
	results = b.batch(ctx, keys)
	if len(results) != len(keys) {
		return fail(fmt.Errorf("batch function answered %d results for %d keys", len(results), len(keys)))
	}
	return results
}
