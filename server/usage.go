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

// usageRecorder records, per executed operation, the schema coordinates
// it uses (Type.field and Type.field(arg:)) for the caller's client. The
// coordinates of a document are computed once (cached by text and
// operation name), not per request; recording is a map update per
// coordinate. It is kept in memory, in this replica only.
type usageRecorder struct {
	profiles profiles
	coords   *lru.LRU[[]string]
	now      func() time.Time

	mu   sync.Mutex
	uses map[usageClient]map[string]*usageCount
}

func newUsageRecorder(ps profiles, cacheSize int) *usageRecorder {
	if cacheSize <= 0 {
		cacheSize = 1000
	}
	return &usageRecorder{profiles: ps, coords: lru.New[[]string](cacheSize), now: time.Now,
		uses: map[usageClient]map[string]*usageCount{}}
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
	coords, ok := u.coords.Get(ctx, key)
	if !ok {
		coords = operationCoordinates(op.Doc, op.Operation)
		u.coords.Add(ctx, key, coords)
	}
	c := usageClient{Profile: u.profiles.of(ctx).name, Name: op.Headers.Get("apollographql-client-name"), Version: op.Headers.Get("apollographql-client-version")}
	now := u.now()
	u.mu.Lock()
	m := u.uses[c]
	if m == nil {
		m = map[string]*usageCount{}
		u.uses[c] = m
	}
	for _, coord := range coords {
		n := m[coord]
		if n == nil {
			n = &usageCount{}
			m[coord] = n
		}
		n.Count++
		n.LastSeen = now
	}
	u.mu.Unlock()
	return resp
}

// operationCoordinates are the coordinates one operation of doc selects,
// fragments followed, sorted and without duplicates.
func operationCoordinates(doc *ast.QueryDocument, op *ast.OperationDefinition) []string {
	set := map[string]bool{}
	seen := map[string]bool{}
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
	out := make([]string, 0, len(set))
	for c := range set {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
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
	for c, m := range u.uses {
		e := usageEntry{usageClient: c, Coordinates: make(map[string]usageCount, len(m))}
		for coord, n := range m {
			e.Coordinates[coord] = *n
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
