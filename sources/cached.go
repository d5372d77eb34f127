package sources

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/graph-gophers/dataloader/v7"

	"github.com/gqlbff/gqlbff/caller"
	"github.com/gqlbff/gqlbff/sources/cache"
)

// The record cache sits beneath the per-request loaders: a batch looks its
// ids up one by one and calls the source for the missing ones only;
// concurrent misses of one record (in one vary class) share one call, run
// on a deadline of its own so that one caller leaving fails no other.
// Failures are never stored; a source's Cache-Control no-store, private
// (unless the cache varies by user) or a shorter max-age is obeyed.

// answer is a decoded answer with what the source's Cache-Control said.
type answer struct {
	value any
	dir   directive
}

// directive is what a source's Cache-Control says to a shared cache.
type directive struct {
	noStore bool
	private bool
	maxAge  time.Duration
	hasAge  bool
}

// parseCacheControl reads the directives that matter to gqlbff's cache:
// no-store and no-cache (never stored), private, and s-maxage (or max-age).
func parseCacheControl(values []string) directive {
	var d directive
	sAge := false
	for _, v := range values {
		for part := range strings.SplitSeq(v, ",") {
			name, arg, _ := strings.Cut(strings.TrimSpace(part), "=")
			name = strings.ToLower(name)
			switch name {
			case "no-store", "no-cache":
				d.noStore = true
			case "private":
				d.private = true
			case "max-age", "s-maxage":
				secs, err := strconv.Atoi(strings.Trim(arg, `"`))
				if err != nil || secs < 0 {
					d.noStore = true // unreadable: do not guess
					continue
				}
				if name == "s-maxage" || !sAge {
					d.maxAge, d.hasAge = time.Duration(secs)*time.Second, true
				}
				sAge = sAge || name == "s-maxage"
			}
		}
	}
	return d
}

// Stale tells that a cached record stood in for a call that failed: the
// source, the kind of failure (ErrUnavailable or ErrTimeout) and the
// record's age.
type Stale struct {
	Source string
	Kind   error
	Age    time.Duration
}

// StaleRecorder is told of every stale record a request was answered
// with, with the context of the lookup that used it.
type StaleRecorder func(ctx context.Context, s Stale)

// The request's values of this package, in its caller.Request: one
// context value for all of them (Attach).
var (
	loadersSlot = caller.NewSlot()
	staleSlot   = caller.NewSlot()
	tallySlot   = caller.NewSlot()
)

// Attach puts a request's loaders, the tally of its record lookups and
// its stale recorder (each nil for none) in its Request, in place: the
// server does it at the request's edge, before the request's work starts
// (caller.Request). The With functions do the same for a part of a
// request, in a context of its own.
func Attach(r *caller.Request, l *Loaders, t *Tally, rec StaleRecorder) {
	if l != nil {
		r.Set(loadersSlot, l)
	}
	if t != nil {
		r.Set(tallySlot, t)
	}
	if rec != nil {
		r.Set(staleSlot, rec)
	}
}

// WithStaleRecorder returns a context whose lookups tell r of the stale
// records they answer with.
func WithStaleRecorder(ctx context.Context, r StaleRecorder) context.Context {
	return caller.WithValue(ctx, staleSlot, r)
}

func recordStale(ctx context.Context, s Stale) {
	if r, ok := caller.Value(ctx, staleSlot).(StaleRecorder); ok && r != nil {
		r(ctx, s)
	}
}

// staleError carries a stale record's note through a loader's result, next
// to the record itself; the loader's caller records it (settle).
type staleError struct{ Stale }

func (e *staleError) Error() string { return "stale " + e.Source + " record" }

// settle turns a loader's stale result into the record, telling the
// request's recorder.
func settle[V any](ctx context.Context, v V, err error) (V, error) {
	if err == nil {
		return v, nil // before se: its address escapes, an allocation a call
	}
	var se *staleError
	if errors.As(err, &se) {
		recordStale(ctx, se.Stale)
		return v, nil
	}
	return v, err
}

// Tally counts one request's record lookups: fresh from the cache, or
// not (a call, shared or its own). The server reports it (Cache-Status).
type Tally struct {
	Hits, Misses atomic.Int64
}

// WithTally returns a context whose record lookups are counted in t.
func WithTally(ctx context.Context, t *Tally) context.Context {
	return caller.WithValue(ctx, tallySlot, t)
}

type bypassKey struct{}

// withoutCache returns a context whose calls skip the cache (readiness).
func withoutCache(ctx context.Context) context.Context {
	return context.WithValue(ctx, bypassKey{}, true)
}

// fill is one refresh of one record that concurrent lookups share.
type fill struct {
	done chan struct{}
	val  any
	err  error
}

// fillGroup holds the refreshes in flight, by cache key.
type fillGroup struct {
	mu sync.Mutex
	m  map[string]*fill
}

// join returns the refresh in flight for key, or a new one that the
// caller owns (and must end with finish).
func (g *fillGroup) join(key string) (*fill, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if f, ok := g.m[key]; ok {
		return f, false
	}
	if g.m == nil {
		g.m = make(map[string]*fill)
	}
	f := &fill{done: make(chan struct{})}
	g.m[key] = f
	return f, true
}

func (g *fillGroup) finish(key string, f *fill) {
	g.mu.Lock()
	if g.m[key] == f {
		delete(g.m, key)
	}
	g.mu.Unlock()
}

// fillTimeout bounds a shared refresh: every attempt and the waits between.
func (c *client) fillTimeout() time.Duration {
	return c.cfg.Timeout*time.Duration(c.cfg.Retries+1) + 4*c.cfg.RetryBackoff
}

// cached answers each id of a batch endpoint: fresh records from the cache,
// the others from one call for the ids no refresh in flight covers. params
// is the endpoint's other parameters, canonical. call answers one result
// per id it is given, and the source's Cache-Control.
func cached[V any](ctx context.Context, c *client, endpoint, params string, ids []string, call func(context.Context, []string) ([]*dataloader.Result[V], directive)) []*dataloader.Result[V] {
	if c.cache == nil || ctx.Value(bypassKey{}) != nil {
		res, _ := call(ctx, ids)
		return res
	}
	m := caller.From(ctx)
	keys := make([]cache.Key, len(ids))
	for i, id := range ids {
		keys[i] = cache.Key{Endpoint: endpoint, Params: params + id, ID: id}
	}
	lk := c.cache.Lookup(ctx, cache.Caller{UserID: m.Subject, Scopes: m.Scopes}, keys, decodeEntry[V])
	results := make([]*dataloader.Result[V], len(ids))
	fills := make([]*fill, len(ids))
	var own []int
	for i, h := range lk.Hits {
		if h.Fresh {
			results[i] = entryResult[V](h.Value)
			continue
		}
		f, owner := c.fills.join(lk.Key(i))
		fills[i] = f
		if owner {
			own = append(own, i)
		} else {
			c.cache.Joined()
		}
	}
	if len(own) == 0 && !anyFill(fills) {
		c.cache.Saved()
	}
	if t, ok := caller.Value(ctx, tallySlot).(*Tally); ok {
		var missed int64
		for _, f := range fills {
			if f != nil {
				missed++
			}
		}
		t.Misses.Add(missed)
		t.Hits.Add(int64(len(ids)) - missed)
	}
	if len(own) > 0 {
		go refresh(ctx, c, lk, ids, own, fills, call)
	}
	for i, f := range fills {
		if f == nil {
			continue
		}
		select {
		case <-f.done:
			if f.err != nil {
				results[i] = &dataloader.Result[V]{Error: f.err}
			} else {
				results[i] = entryResult[V](f.val)
			}
		case <-ctx.Done():
			results[i] = &dataloader.Result[V]{Error: c.contextError(endpoint, ctx)}
		}
		h := lk.Hits[i]
		if err := results[i].Error; err != nil && h.Stale && standsIn(err) {
			v := entryResult[V](h.Value)
			kind := ErrUnavailable
			if errors.Is(err, ErrTimeout) {
				kind = ErrTimeout
			}
			results[i] = &dataloader.Result[V]{Data: v.Data, Error: &staleError{Stale{Source: c.name, Kind: kind, Age: h.Age}}}
			if v.Error != nil { // a cached "not found"
				results[i].Error = v.Error
			}
		}
	}
	return results
}

// standsIn tells the failures a stale record may stand in for: the source
// unavailable (its breaker open included) or too slow, never a bad answer.
func standsIn(err error) bool {
	return (errors.Is(err, ErrUnavailable) || errors.Is(err, ErrTimeout)) && !errors.Is(err, ErrBadResponse)
}

func anyFill(fills []*fill) bool {
	for _, f := range fills {
		if f != nil {
			return true
		}
	}
	return false
}

// refresh calls the source for the ids at own, on a deadline of its own,
// hands each result to the lookups that wait for it, and stores what may be
// stored.
func refresh[V any](ctx context.Context, c *client, lk *cache.Lookup, ids []string, own []int, fills []*fill, call func(context.Context, []string) ([]*dataloader.Result[V], directive)) {
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.fillTimeout())
	defer cancel()
	want := make([]string, len(own))
	for j, i := range own {
		want[j] = ids[i]
	}
	var res []*dataloader.Result[V]
	var dir directive
	func() {
		defer func() {
			if p := recover(); p != nil {
				res = failAll[V](len(want), fmt.Errorf("panic in batch: %v", p))
			}
		}()
		res, dir = call(fctx, want)
	}()
	if len(res) != len(want) {
		res = failAll[V](len(want), fmt.Errorf("batch answered %d results for %d keys", len(res), len(want)))
	}
	items := make([]cache.Item, 0, len(own))
	skip := ""
	switch p := c.cache.Policy(); {
	case dir.noStore || (dir.hasAge && dir.maxAge <= 0):
		skip = "no_store"
	case dir.private && p.Vary != cache.VaryUser:
		skip = "private"
	}
	for j, i := range own {
		f, r := fills[i], res[j]
		switch {
		case r.Error == nil:
			v := r.Data
			f.val = &v
		case errors.Is(r.Error, ErrNotFound):
			f.val = (*V)(nil)
		default:
			f.err = r.Error
			c.cache.Skipped("failure")
			continue
		}
		if skip != "" {
			c.cache.Skipped(skip)
			continue
		}
		it := cache.Item{Index: i, Value: f.val}
		if dir.hasAge {
			it.TTL = dir.maxAge
		}
		items = append(items, it)
	}
	// Stored before the waiters are answered, so that whoever asks next,
	// here or on another replica, finds the records. A slow Redis costs
	// at most its timeout, then nothing while its breaker is open.
	lk.Store(fctx, items)
	for _, i := range own {
		c.fills.finish(lk.Key(i), fills[i])
		close(fills[i].done)
	}
}

// entryResult is a cached entry as a loader's result: a *V, nil for a
// record the source does not have.
func entryResult[V any](v any) *dataloader.Result[V] {
	p, _ := v.(*V)
	if p == nil {
		return &dataloader.Result[V]{Error: ErrNotFound}
	}
	return &dataloader.Result[V]{Data: *p}
}

// decodeEntry reads an entry's JSON back: null is a record the source
// does not have.
func decodeEntry[V any](b []byte) (any, error) {
	if string(b) == "null" {
		return (*V)(nil), nil
	}
	v := new(V)
	if err := json.Unmarshal(b, v); err != nil {
		return nil, err
	}
	return v, nil
}

// cachedOne is cached for an endpoint that answers one value per
// parameter set (a page, a summary): its stale stand-in is recorded at
// once, with the caller's context.
func cachedOne[T any](ctx context.Context, c *client, endpoint, params string, call func(context.Context) (T, directive, error)) (T, error) {
	res := cached(ctx, c, endpoint, params, []string{""}, func(ctx context.Context, _ []string) ([]*dataloader.Result[T], directive) {
		v, d, err := call(ctx)
		return []*dataloader.Result[T]{{Data: v, Error: err}}, d
	})
	return settle(ctx, res[0].Data, res[0].Error)
}
