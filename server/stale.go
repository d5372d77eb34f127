package server

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/gqlbff/gqlbff/caller"
	"github.com/gqlbff/gqlbff/engine"
	"github.com/gqlbff/gqlbff/sources"
)

// staleKey is the extensions member that lists the cached records that
// stood in for failed source calls (DESIGN.md, Caching).
const staleKey = "stale"

// staleNote is one entry of extensions.stale.
type staleNote struct {
	Path       []any  `json:"path"`
	Source     string `json:"source"`
	Code       string `json:"code"`
	AgeSeconds int64  `json:"ageSeconds"`
}

// staleCollector gathers one request's stale records. Sources tell it
// through the context, whichever executor runs; the transport writes it
// into the answer.
type staleCollector struct {
	tally sources.Tally
	// answerHit: the whole answer came from the answer cache.
	answerHit atomic.Bool
	mu        sync.Mutex
	notes     []staleNote
	seen      map[string]bool
}

// staleSlot holds the request's collector in its caller.Request
// (operationScope puts it there in place).
var staleSlot = caller.NewSlot()

// withLoadersAndStale returns a context whose resolvers use loaders l and
// whose source lookups report their stale records to a new collector: in
// place, in the request's caller.Request when it has one (requestMeta made
// it), in contexts of their own otherwise.
func withLoadersAndStale(ctx context.Context, l *sources.Loaders) context.Context {
	c := &staleCollector{}
	if req := caller.RequestOf(ctx); req != nil {
		req.Set(staleSlot, c)
		sources.Attach(req, l, &c.tally, c.record)
		return ctx
	}
	ctx = sources.WithLoaders(ctx, l)
	ctx = caller.WithValue(ctx, staleSlot, c)
	ctx = sources.WithTally(ctx, &c.tally)
	return sources.WithStaleRecorder(ctx, c.record)
}

func staleCollectorFrom(ctx context.Context) *staleCollector {
	c, _ := caller.Value(ctx, staleSlot).(*staleCollector)
	return c
}

// record notes a stale record at the path of the field being resolved:
// once per path and source, with the oldest age.
func (c *staleCollector) record(ctx context.Context, s sources.Stale) {
	path := fieldPath(ctx)
	code := CodeSourceUnavailable
	if errors.Is(s.Kind, sources.ErrTimeout) {
		code = CodeSourceTimeout
	}
	n := staleNote{Path: path, Source: s.Source, Code: code, AgeSeconds: int64(s.Age.Seconds())}
	key := fmt.Sprint(path) + "\x00" + s.Source
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen == nil {
		c.seen = map[string]bool{}
	}
	if c.seen[key] {
		for i := range c.notes {
			if fmt.Sprint(c.notes[i].Path)+"\x00"+c.notes[i].Source == key {
				c.notes[i].AgeSeconds = max(c.notes[i].AgeSeconds, n.AgeSeconds)
			}
		}
		return
	}
	c.seen[key] = true
	c.notes = append(c.notes, n)
}

// list returns the notes, nil when there are none.
func (c *staleCollector) list() []staleNote {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.notes)
}

// fieldPath is the response path of the field whose resolver runs with
// ctx; empty outside of one.
func fieldPath(ctx context.Context) []any {
	p, ok := engine.Path(ctx)
	if !ok {
		fc := graphql.GetFieldContext(ctx)
		if fc == nil {
			return []any{}
		}
		p = fc.Path()
	}
	out := make([]any, len(p))
	for i, el := range p {
		switch el := el.(type) {
		case ast.PathIndex:
			out[i] = int(el)
		case ast.PathName:
			out[i] = string(el)
		}
	}
	return out
}

// addStale writes the request's stale records into the answer (which
// then is not to be stored: answerCacheControl); true when there were some.
func addStale(ctx context.Context, resp *graphql.Response) bool {
	notes := staleCollectorFrom(ctx).list()
	if len(notes) == 0 {
		return false
	}
	if resp.Extensions == nil {
		resp.Extensions = map[string]any{}
	}
	resp.Extensions[staleKey] = notes
	return true
}

// cacheStatus is the answer's Cache-Status (RFC 9211) for the record
// cache: hit when every record came fresh from it, hit with detail=stale
// when some stood in for a failed call, fwd=miss with the counts when some
// were fetched; "" when the request looked no record up.
func cacheStatus(ctx context.Context, resp *graphql.Response) string {
	c := staleCollectorFrom(ctx)
	if c == nil {
		return ""
	}
	hits, misses := c.tally.Hits.Load(), c.tally.Misses.Load()
	switch {
	case c.answerHit.Load():
		return "gqlbff; hit; detail=answer"
	case hits+misses == 0:
		return ""
	case resp.Extensions[staleKey] != nil:
		return "gqlbff; hit; detail=stale"
	case misses == 0:
		return "gqlbff; hit"
	default:
		return fmt.Sprintf(`gqlbff; fwd=miss; detail="records hit=%d miss=%d"`, hits, misses)
	}
}
