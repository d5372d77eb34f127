package resolvers

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/gqlbff/gqlbff/graph/model"
	"github.com/gqlbff/gqlbff/sources"
)

// CodeBadUserInput is the extensions.code of an argument the contract refuses.
const CodeBadUserInput = "BAD_USER_INPUT"

func badInput(format string, args ...any) error {
	return &gqlerror.Error{
		Message:    fmt.Sprintf(format, args...),
		Extensions: map[string]any{"code": CodeBadUserInput},
	}
}

// pageSize resolves a `first` argument against its default and the limit.
func (r *Resolver) pageSize(first *int, def int) (int, error) {
	n := def
	if first != nil {
		n = *first
	}
	if limit := r.maxPage(); n < 0 || n > limit {
		return 0, badInput("first must be between 0 and %d, got %d", limit, n)
	}
	return n, nil
}

// position is where an edge stands: the REST cursor of the page it came
// from and how many items of that page come before the next one. The REST
// contract only hands out a cursor per page; this makes every edge's cursor
// usable as `after`.
type position struct {
	status string
	rest   string // the REST cursor of the page; "" for the first page
	skip   int    // items of that page already seen
}

const cursorPrefix = "v1|"

// maxPagesPerCall bounds the REST pages one connection field may follow; a
// well-behaved source needs at most two.
const maxPagesPerCall = 4

func (p position) encode() string {
	return string(p.appendEncoded(nil))
}

// raw appends the cursor's text, before its base64: v1|status|skip|rest.
func (p position) raw(b []byte) []byte {
	b = append(b, cursorPrefix...)
	b = append(b, p.status...)
	b = append(b, '|')
	b = strconv.AppendInt(b, int64(p.skip), 10)
	b = append(b, '|')
	return append(b, p.rest...)
}

// encodedLen is the length of the cursor.
func (p position) encodedLen() int {
	var skip [20]byte
	digits := len(strconv.AppendInt(skip[:0], int64(p.skip), 10))
	return base64.RawURLEncoding.EncodedLen(len(cursorPrefix) + len(p.status) + 1 + digits + 1 + len(p.rest))
}

// appendEncoded appends the cursor.
func (p position) appendEncoded(b []byte) []byte {
	var space [128]byte
	return base64.RawURLEncoding.AppendEncode(b, p.raw(space[:0]))
}

var errBadCursor = errors.New("bad cursor")

func decodePosition(c string) (position, error) {
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || !strings.HasPrefix(string(raw), cursorPrefix) {
		return position{}, errBadCursor
	}
	parts := strings.SplitN(string(raw)[len(cursorPrefix):], "|", 3)
	if len(parts) != 3 {
		return position{}, errBadCursor
	}
	skip, err := strconv.Atoi(parts[1])
	if err != nil || skip < 0 || skip > maxPageCeiling {
		return position{}, errBadCursor
	}
	return position{status: parts[0], skip: skip, rest: parts[2]}, nil
}

// orderPage answers `first` orders after a cursor, following REST pages as
// needed: usually one call per page.
func (r *Resolver) orderPage(ctx context.Context, src *sources.Orders, status string, first int, after *string) (*model.OrderConnection, error) {
	pos := position{status: status}
	if after != nil && *after != "" {
		p, err := decodePosition(*after)
		if err != nil {
			return nil, badInput("after is not a cursor of this connection")
		}
		if p.status != status {
			return nil, badInput("after was issued for another status filter")
		}
		pos = p
	}
	conn := &model.OrderConnection{Edges: make([]model.OrderEdge, 0, first), PageInfo: &model.PageInfo{}}
	need := first
	for pages := 0; ; pages++ {
		if pages == maxPagesPerCall {
			return nil, &sources.Error{Source: sources.OrdersSource, Op: "orders.list", Kind: sources.ErrBadResponse,
				Err: errors.New("pages keep coming without items")}
		}
		limit := min(maxPageCeiling, pos.skip+max(need, 1))
		page, err := src.List(ctx, status, limit, pos.rest)
		if err != nil {
			return nil, err
		}
		items := page.Items
		rest := items[min(pos.skip, len(items)):]
		take := min(need, len(rest))
		nodes := r.nodeSelection(ctx)
		r.prefetchForOrders(ctx, nodes, rest[:take])
		// The page's nodes are one slice, their cursors one string: a few
		// allocations a page, not a few an edge.
		orders := toOrders(rest[:take], partsOf(nodes))
		after := func(j int) position {
			idx := pos.skip + j
			if idx == len(items)-1 && page.NextCursor != nil {
				// After the last item of a page is where the next page starts.
				return position{status: status, rest: *page.NextCursor}
			}
			return position{status: status, rest: pos.rest, skip: idx + 1}
		}
		size := 0
		for j := range take {
			size += after(j).encodedLen()
		}
		var (
			cursors strings.Builder
			space   [maxPageCeiling]int32
		)
		cursors.Grow(size)
		ends := space[:0] // where each cursor ends
		for j := range take {
			var b [256]byte
			cursors.Write(after(j).appendEncoded(b[:0]))
			ends = append(ends, int32(cursors.Len()))
		}
		all, start := cursors.String(), int32(0)
		for j, end := range ends {
			conn.Edges = append(conn.Edges, model.OrderEdge{Cursor: all[start:end], Node: &orders[j]})
			start = end
		}
		need -= take
		if take < len(rest) {
			conn.PageInfo.HasNextPage = true
			break
		}
		if page.NextCursor == nil {
			break
		}
		if need == 0 {
			conn.PageInfo.HasNextPage = true
			break
		}
		pos = position{status: status, rest: *page.NextCursor}
	}
	if n := len(conn.Edges); n > 0 {
		end := conn.Edges[n-1].Cursor
		conn.PageInfo.EndCursor = &end
	}
	return conn, nil
}

// nodeSelection is the selection on the nodes of the connection being
// resolved: edges { node { … } }.
func (r *Resolver) nodeSelection(ctx context.Context) ast.SelectionSet {
	var set ast.SelectionSet
	merged := false
	for _, e := range r.childFields(ctx, ownSelection(ctx), "OrderConnection", "edges") {
		for _, n := range r.childFields(ctx, e.Selections, "OrderEdge", "node") {
			switch {
			case set == nil:
				// One node field (the usual case): its own selections, which
				// a plan knows collected, not a copy of them.
				set = n.Selections
			case !merged:
				set = append(slices.Clip(set), n.Selections...) // a copy: set is the document's
				merged = true
			default:
				set = append(set, n.Selections...)
			}
		}
	}
	return set
}
