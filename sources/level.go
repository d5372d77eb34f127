package sources

import (
	"context"
	"sync"

	"github.com/graph-gophers/dataloader/v7"

	"github.com/gqlbff/gqlbff/internal/workers"
)

// A Level is one step of an execution that knows who its callers are: the
// plan engine runs the resolver calls of one level of an operation as a
// few callers (one per field) and opens a Level for them. Prefetches made
// under it are held, and the keys that several callers queue for one
// loader go out as one batch (per MaxBatch), as soon as every caller has
// either finished or is waiting for a held key: no time window decides
// what is batched together, the level does.
//
// Without a Level in the context (gqlgen's executor) a prefetch is sent at
// once, as before.
type Level struct {
	mu      sync.Mutex
	active  int // callers not finished
	waiting int // callers waiting for a held key
	held    []sender
	open    []openBatch // each loader's open batch under this level
	// The first few of held and open live in the level itself: a level
	// sends a batch to a few loaders at most.
	heldSpace [4]sender
	openSpace [4]openBatch
}

// openBatch is a loader's open *batch under a level.
type openBatch struct{ loader, batch any }

// sender is a held batch: send calls it in a goroutine of its own, run in
// the caller's.
type sender interface {
	send()
	run()
}

// NewLevel opens a level of callers callers; each calls Done once.
func (l *Loaders) NewLevel(callers int) *Level {
	lv := &Level{active: callers}
	lv.held, lv.open = lv.heldSpace[:0], lv.openSpace[:0]
	return lv
}

type levelKey struct{}

// WithLevel returns a context whose prefetches lv holds.
func WithLevel(ctx context.Context, lv *Level) context.Context {
	return context.WithValue(ctx, levelKey{}, lv)
}

func levelFrom(ctx context.Context) *Level {
	lv, _ := ctx.Value(levelKey{}).(*Level)
	return lv
}

// Done reports that one caller has finished.
func (lv *Level) Done() {
	lv.mu.Lock()
	lv.active--
	held := lv.takeIfIdle()
	lv.mu.Unlock()
	sendAll(held)
}

// takeIfIdle answers the held batches, and forgets them, once every
// caller has finished or waits; the caller sends them (sendAll) after
// unlocking.
func (lv *Level) takeIfIdle() []sender {
	if lv.waiting < lv.active || len(lv.held) == 0 {
		return nil
	}
	held := lv.held
	lv.held = nil
	clear(lv.open)
	lv.open = lv.open[:0]
	return held
}

// sendAll starts every batch but the last in a goroutine and runs the
// last in the calling one, which has nothing else to do until the level's
// batches are back: one goroutine fewer per source call of a level, and
// none for a level of one.
func sendAll(held []sender) {
	if len(held) == 0 {
		return
	}
	for _, b := range held[:len(held)-1] {
		b.send()
	}
	held[len(held)-1].run()
}

// batch is one batch call of a loader: its keys, and the results every
// key waits for.
type batch[V any] struct {
	l       *loader[V]
	ctx     context.Context
	keys    []string
	results []*dataloader.Result[V]
	done    chan struct{}
	level   *Level // the level holding it, nil when sent at once
}

// batchWorkers run the batches a level sends besides its last, and each
// batch's source call with it (flightGroup): one hand-over a batch.
var batchWorkers workers.Pool

func (b *batch[V]) send() { batchWorkers.Go(b.run) }

func (b *batch[V]) run() {
	defer close(b.done)
	bctx, finish := b.l.tracer.TraceBatch(b.ctx, b.keys)
	b.results = safeBatch(bctx, b.l.batch, b.keys)
	finish(b.results)
}

// result waits for key i's result. A caller of the level that holds the
// batch counts as waiting meanwhile, which may be what sends it.
func (b *batch[V]) result(i int) (V, error) {
	select {
	case <-b.done:
	default:
		if lv := b.level; lv != nil {
			lv.mu.Lock()
			lv.waiting++
			held := lv.takeIfIdle()
			lv.mu.Unlock()
			sendAll(held)
			<-b.done
			lv.mu.Lock()
			lv.waiting--
			lv.mu.Unlock()
		} else {
			<-b.done
		}
	}
	r := b.results[i]
	return r.Data, r.Error
}

// prefetch starts the batch calls for the keys not yet in the cache
// without a window, and caches each key as its batch and place there
// (keyCache): keys known together land in one batch (per maxBatch)
// whatever the goroutine scheduling, and the items' own Loads find them
// in the cache. Under a Level the batches are held and shared with the
// level's other callers.
func (l *loader[V]) prefetch(ctx context.Context, keys []string) {
	lv := levelFrom(ctx)
	if lv != nil {
		lv.mu.Lock()
		defer lv.mu.Unlock()
	}
	var (
		b    *batch[V]
		sent []*batch[V]
	)
	for j, k := range keys {
		// A key repeated in keys is in the cache from its first time on.
		if _, ok := l.cache.get(k); ok {
			continue
		}
		if b == nil || len(b.keys) == l.maxBatch {
			b = l.batchFor(ctx, lv, b)
			if lv == nil {
				sent = append(sent, b)
			}
			if b.keys == nil {
				b.keys = make([]string, 0, min(len(keys)-j, l.maxBatch))
			}
		}
		l.cache.put(k, pending[V]{b: b, i: len(b.keys)}, len(keys))
		b.keys = append(b.keys, k)
	}
	for _, b := range sent {
		b.send()
	}
}

// batchFor answers the batch the next key goes to: under a level, the
// loader's open batch there unless it is full (then a new one is held);
// else a new batch.
func (l *loader[V]) batchFor(ctx context.Context, lv *Level, full *batch[V]) *batch[V] {
	if lv != nil && full == nil {
		for _, o := range lv.open {
			if o.loader == any(l) {
				if b := o.batch.(*batch[V]); len(b.keys) < l.maxBatch {
					return b
				}
				break
			}
		}
	}
	b := &batch[V]{l: l, ctx: ctx, done: make(chan struct{}), level: lv}
	if lv != nil {
		lv.setOpen(l, b)
		lv.held = append(lv.held, b)
	}
	return b
}

// setOpen makes b the open batch of loader l under lv.
func (lv *Level) setOpen(l, b any) {
	for i := range lv.open {
		if lv.open[i].loader == l {
			lv.open[i].batch = b
			return
		}
	}
	lv.open = append(lv.open, openBatch{l, b})
}
