package server

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	lru "github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/ast"
)

// UsagePath is the admin endpoint that reads the field usage by client.
const UsagePath = "/usage"

// usageClient is who used a coordinate: the profile and the client's
// name and version (apollographql-client-name / -version headers).
type usageClient struct {
	Profile string `json:"profile"`
	Name    string `json:"name"`
	Version string `json:"version"`
}

// usageCount is one client's use of one coordinate.
type usageCount struct {
	Count    int64     `json:"count"`
	LastSeen time.Time `json:"lastSeen"`
}

// usageDoc is what one operation of a document uses, computed once: the
// coordinates its text names (fields, arguments, enum values and input
// fields written as literals), and the variables whose values name more
// (an enum value or an input object's fields, read per request).
type usageDoc struct {
	coords []string
	vars   []usageVar
}

// usageVar is a variable whose value names coordinates, and its type.
type usageVar struct {
	name string
	typ  *ast.Type
}

// useCount is how often, and when last, a client ran a document (or used
// a coordinate named by a variable's value).
type useCount struct {
	count int64
	last  int64 // unix nanoseconds
}

// clientUses is one client's uses: by document (the request path's one
// map update) and by coordinate for those that variables named.
type clientUses struct {
	docs  map[*usageDoc]*useCount
	extra map[string]*useCount
}

// maxDocsPerClient bounds the documents a client's uses are kept by;
// beyond it a document's coordinates are counted one by one (their number
// is bounded by the schema's).
const maxDocsPerClient = 1000

// usageRecorder records, per executed operation, the schema coordinates
// it uses for the caller's client. The coordinates of a document are
// computed once (cached by text and operation name), not per request;
// recording one operation is a map update under a lock. It is kept in
// memory, in this replica only.
type usageRecorder struct {
	profiles profiles
	schema   *ast.Schema
	docs     *lru.LRU[*usageDoc]
	now      func() time.Time

	mu   sync.Mutex
	uses map[usageClient]*clientUses
}

func newUsageRecorder(ps profiles, schema *ast.Schema, cacheSize int) *usageRecorder {
	if cacheSize <= 0 {
		cacheSize = 1000
	}
	return &usageRecorder{profiles: ps, schema: schema, docs: lru.New[*usageDoc](cacheSize), now: time.Now,
		uses: map[usageClient]*clientUses{}}
}

var _ interface {
	graphql.HandlerExtension
	graphql.ResponseInterceptor
} = (*usageRecorder)(nil)

// ExtensionName names the extension.
func (*usageRecorder) ExtensionName() string { return "FieldUsage" }

// Validate accepts every schema.
func (*usageRecorder) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptResponse records the operation's coordinates once it ran.
func (u *usageRecorder) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if !graphql.HasOperationContext(ctx) {
		return resp
	}
	op := graphql.GetOperationContext(ctx)
	if op.Operation == nil || op.Doc == nil {
		return resp
	}
	key := op.OperationName + "\x00" + op.RawQuery
	doc, ok := u.docs.Get(ctx, key)
	if !ok {
		doc = operationUsage(op.Doc, op.Operation)
		u.docs.Add(ctx, key, doc)
	}
	var extra []string
	for _, v := range doc.vars {
		if val, ok := op.Variables[v.name]; ok {
			extra = valueCoordinates(u.schema, v.typ, val, extra)
		}
	}
	// A coordinate the text names too is counted once.
	extra = slices.DeleteFunc(extra, func(c string) bool { _, found := slices.BinarySearch(doc.coords, c); return found })
	c := usageClient{Profile: u.profiles.of(ctx).name, Name: op.Headers.Get("apollographql-client-name"), Version: op.Headers.Get("apollographql-client-version")}
	u.record(c, doc, extra, u.now().UnixNano())
	return resp
}

// record counts one use of doc, and of the extra coordinates, by c.
func (u *usageRecorder) record(c usageClient, doc *usageDoc, extra []string, now int64) {
	u.mu.Lock()
	defer u.mu.Unlock()
	cu := u.uses[c]
	if cu == nil {
		cu = &clientUses{docs: map[*usageDoc]*useCount{}, extra: map[string]*useCount{}}
		u.uses[c] = cu
	}
	n := cu.docs[doc]
	if n == nil {
		if len(cu.docs) >= maxDocsPerClient {
			extra = append(extra, doc.coords...)
		} else {
			n = &useCount{}
			cu.docs[doc] = n
		}
	}
	if n != nil {
		n.count++
		n.last = now
	}
	for _, coord := range extra {
		e := cu.extra[coord]
		if e == nil {
			e = &useCount{}
			cu.extra[coord] = e
		}
		e.count++
		e.last = now
	}
}

// operationUsage is what one operation of doc uses, fragments followed:
// its coordinates sorted and without duplicates, and the variables whose
// values name more.
func operationUsage(doc *ast.QueryDocument, op *ast.OperationDefinition) *usageDoc {
	set := map[string]bool{}
	seen := map[string]bool{}
	vars := map[string]bool{}
	out := &usageDoc{}
	var value func(*ast.Value)
	value = func(v *ast.Value) {
		if v == nil {
			return
		}
		switch v.Kind {
		case ast.Variable:
			if vars[v.Raw] {
				return
			}
			vars[v.Raw] = true
			if d := op.VariableDefinitions.ForName(v.Raw); d != nil && d.Type != nil {
				out.vars = append(out.vars, usageVar{name: v.Raw, typ: d.Type})
			}
		case ast.EnumValue:
			if v.Definition != nil {
				set[v.Definition.Name+"."+v.Raw] = true
			}
		case ast.ObjectValue:
			for _, f := range v.Children {
				if v.Definition != nil && v.Definition.Kind == ast.InputObject {
					set[v.Definition.Name+"."+f.Name] = true
				}
				value(f.Value)
			}
		case ast.ListValue:
			for _, e := range v.Children {
				value(e.Value)
			}
		}
	}
	var walk func(ast.SelectionSet)
	walk = func(sel ast.SelectionSet) {
		for _, s := range sel {
			switch x := s.(type) {
			case *ast.Field:
				if x.ObjectDefinition != nil && !strings.HasPrefix(x.Name, "__") {
					coord := x.ObjectDefinition.Name + "." + x.Name
					set[coord] = true
					for _, a := range x.Arguments {
						set[coord+"("+a.Name+":)"] = true
						value(a.Value)
					}
				}
				walk(x.SelectionSet)
			case *ast.InlineFragment:
				walk(x.SelectionSet)
			case *ast.FragmentSpread:
				if !seen[x.Name] {
					seen[x.Name] = true
					if f := doc.Fragments.ForName(x.Name); f != nil {
						walk(f.SelectionSet)
					}
				}
			}
		}
	}
	walk(op.SelectionSet)
	out.coords = make([]string, 0, len(set))
	for c := range set {
		out.coords = append(out.coords, c)
	}
	slices.Sort(out.coords)
	return out
}

// valueCoordinates appends to dst the coordinates a variable's value of
// type t names: the enum values it holds and the input fields it sets.
func valueCoordinates(schema *ast.Schema, t *ast.Type, v any, dst []string) []string {
	if t == nil || v == nil {
		return dst
	}
	if t.Elem != nil {
		if list, ok := v.([]any); ok {
			for _, e := range list {
				dst = valueCoordinates(schema, t.Elem, e, dst)
			}
			return dst
		}
		// A single value where a list is expected is a list of one.
		return valueCoordinates(schema, t.Elem, v, dst)
	}
	def := schema.Types[t.NamedType]
	if def == nil {
		return dst
	}
	switch def.Kind {
	case ast.Enum:
		if s, ok := v.(string); ok && def.EnumValues.ForName(s) != nil {
			dst = appendNew(dst, def.Name+"."+s)
		}
	case ast.InputObject:
		if m, ok := v.(map[string]any); ok {
			for name, fv := range m {
				if f := def.Fields.ForName(name); f != nil {
					dst = appendNew(dst, def.Name+"."+name)
					dst = valueCoordinates(schema, f.Type, fv, dst)
				}
			}
		}
	}
	return dst
}

func appendNew(dst []string, s string) []string {
	if slices.Contains(dst, s) {
		return dst
	}
	return append(dst, s)
}

// usageEntry is one line of the usage report.
type usageEntry struct {
	usageClient
	Coordinates map[string]usageCount `json:"coordinates"`
}

// report is every client's usage, clients in order.
func (u *usageRecorder) report() []usageEntry {
	u.mu.Lock()
	defer u.mu.Unlock()
	out := make([]usageEntry, 0, len(u.uses))
	for c, cu := range u.uses {
		e := usageEntry{usageClient: c, Coordinates: map[string]usageCount{}}
		add := func(coord string, n *useCount) {
			uc := e.Coordinates[coord]
			uc.Count += n.count
			if t := time.Unix(0, n.last).UTC(); t.After(uc.LastSeen) {
				uc.LastSeen = t
			}
			e.Coordinates[coord] = uc
		}
		for doc, n := range cu.docs {
			for _, coord := range doc.coords {
				add(coord, n)
			}
		}
		for coord, n := range cu.extra {
			add(coord, n)
		}
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b usageEntry) int {
		return strings.Compare(a.Profile+"\x00"+a.Name+"\x00"+a.Version, b.Profile+"\x00"+b.Name+"\x00"+b.Version)
	})
	return out
}

// ServeHTTP serves the report as JSON: {"clients": [...]}.
func (u *usageRecorder) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"clients": u.report()})
}
