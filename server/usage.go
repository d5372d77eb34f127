package server

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	lru "github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/gqlbff/gqlbff/caller"
)

// UsagePath is the admin endpoint that reads the field usage by client.
const UsagePath = "/usage"

// UsageClient is who used a coordinate: the profile and the client's
// name and version (apollographql-client-name / -version headers).
type UsageClient struct {
	Profile string `json:"profile"`
	Name    string `json:"name"`
	Version string `json:"version"`
}

// UsageCount is one client's use of one coordinate.
type UsageCount struct {
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
	// deprecated are the coordinates of coords the schema deprecates.
	deprecated []string
}

// usageVar is a variable whose value names coordinates, and its type.
type usageVar struct {
	name string
	typ  *ast.Type
}

// useCount is how often, and when last, a client ran a document (or used
// a coordinate named by a variable's value); flushed is the part of count
// already added to Redis.
type useCount struct {
	count   int64
	last    int64 // unix nanoseconds
	flushed int64
}

// clientUses is one client's uses: by document (the request path's one
// map update) and by coordinate for those that variables named.
type clientUses struct {
	label string // the client name in metrics (clientLabel)
	docs  map[*usageDoc]*useCount
	extra map[string]*useCount
}

// maxDocsPerClient bounds the documents a client's uses are kept by;
// beyond it a document's coordinates are counted one by one (their number
// is bounded by the schema's).
const maxDocsPerClient = 1000

// Client names in metrics: the first maxClientLabels names seen keep
// their own label, later ones share "other"; no name is "unknown".
const (
	maxClientLabels    = 20
	clientLabelOther   = "other"
	clientLabelUnknown = "unknown"
	// maxClientNameLen bounds a client's name and version as counted.
	maxClientNameLen = 64
)

// usageRecorder records, per executed operation, the schema coordinates
// it uses for the caller's client. The coordinates of a document are
// computed once (cached by text and operation name), not per request;
// recording one operation is a map update under a lock. It is kept in
// memory and, with Redis, added to the replicas' shared counts in the
// background (usageStore).
type usageRecorder struct {
	profiles   profiles
	schema     *ast.Schema
	docs       *lru.LRU[*usageDoc]
	now        func() time.Time
	maxClients int
	// deprecated is every coordinate the schema marks @deprecated, sorted.
	deprecated []string
	store      *usageStore // nil: memory only
	retention  time.Duration
	log        *slog.Logger

	mu     sync.Mutex
	uses   map[UsageClient]*clientUses
	labels map[string]bool // the client names with a label of their own

	flushMu sync.Mutex // one flush at a time
	stop    context.CancelFunc
	done    chan struct{}
}

func newUsageRecorder(ps profiles, schema *ast.Schema, cacheSize int, cfg UsageConfig, store *usageStore, log *slog.Logger) *usageRecorder {
	if cacheSize <= 0 {
		cacheSize = 1000
	}
	if cfg.MaxClients <= 0 {
		cfg.MaxClients = usageDefaults().MaxClients
	}
	if cfg.Retention <= 0 {
		cfg.Retention = usageDefaults().Retention
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	u := &usageRecorder{profiles: ps, schema: schema, docs: lru.New[*usageDoc](cacheSize), now: time.Now,
		maxClients: cfg.MaxClients, deprecated: deprecatedCoordinates(schema), store: store, retention: cfg.Retention, log: log,
		uses: map[UsageClient]*clientUses{}, labels: map[string]bool{}}
	if store != nil {
		ctx, cancel := context.WithCancel(context.Background())
		u.stop, u.done = cancel, make(chan struct{})
		go u.flushEvery(ctx, cfg.FlushInterval)
	}
	return u
}

// Close stops the background flush after a last one.
func (u *usageRecorder) Close() {
	if u.stop == nil {
		return
	}
	u.stop()
	<-u.done
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationInterceptor
} = (*usageRecorder)(nil)

// ExtensionName names the extension.
func (*usageRecorder) ExtensionName() string { return "FieldUsage" }

// Validate accepts every schema.
func (*usageRecorder) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptOperation records the operation's coordinates as it is run:
// once per executed operation (an answer from the answer cache included),
// never for one refused before it runs (by validation, its variables, the
// persisted-query or cost policy), which gqlgen answers without
// dispatching it.
func (u *usageRecorder) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	u.observe(ctx)
	return next(ctx)
}

// observe records the operation of ctx.
func (u *usageRecorder) observe(ctx context.Context) {
	if !graphql.HasOperationContext(ctx) {
		return
	}
	op := graphql.GetOperationContext(ctx)
	if op.Operation == nil || op.Doc == nil {
		return
	}
	// The text alone names a document of one operation (no allocation);
	// the operation's name joins it only when there are several.
	key := op.RawQuery
	if len(op.Doc.Operations) > 1 {
		key = op.OperationName + "\x00" + op.RawQuery
	}
	doc, ok := u.docs.Get(ctx, key)
	if !ok {
		doc = operationUsage(op.Doc, op.Operation)
		for _, c := range doc.coords {
			if u.isDeprecated(c) {
				doc.deprecated = append(doc.deprecated, c)
			}
		}
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
	u.record(clientOf(ctx, op.Headers, u.profiles), doc, extra, u.now().UnixNano())
}

// The client headers, in canonical form (Get does not allocate for them).
const (
	headerClientName    = "Apollographql-Client-Name"
	headerClientVersion = "Apollographql-Client-Version"
)

// clientOf is who ran an operation: the caller's profile, and the client
// name and version of the apollographql-client-name and -version headers
// or, for a header the request lacks, of the token's configured claims
// (usage.clientNameClaim, clientVersionClaim).
func clientOf(ctx context.Context, h http.Header, ps profiles) UsageClient {
	id := caller.From(ctx)
	c := UsageClient{Profile: ps.named(id.Client).name, Name: h.Get(headerClientName), Version: h.Get(headerClientVersion)}
	if c.Name == "" {
		c.Name = id.AppName
	}
	if c.Version == "" {
		c.Version = id.AppVersion
	}
	c.Name, c.Version = cleanClientName(c.Name), cleanClientName(c.Version)
	return c
}

// cleanClientName bounds a name or version to maxClientNameLen bytes of
// valid UTF-8 without control characters (a tab separates the parts of
// a Redis field); it allocates only for a name that needs it.
func cleanClientName(s string) string {
	clean := len(s) <= maxClientNameLen
	for i := 0; clean && i < len(s); i++ {
		clean = s[i] >= 0x20 && s[i] < 0x7f
	}
	if clean {
		return s
	}
	if len(s) > maxClientNameLen {
		s = s[:maxClientNameLen]
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError {
			return '_'
		}
		return r
	}, strings.ToValidUTF8(s, "_"))
}

// record counts one use of doc, and of the extra coordinates, by c.
func (u *usageRecorder) record(c UsageClient, doc *usageDoc, extra []string, now int64) {
	u.mu.Lock()
	defer u.mu.Unlock()
	cu := u.uses[c]
	if cu == nil {
		if len(u.uses) >= u.maxClients {
			c = UsageClient{Profile: c.Profile, Name: clientLabelOther}
			cu = u.uses[c]
		}
		if cu == nil {
			cu = &clientUses{label: u.labelOf(c.Name), docs: map[*usageDoc]*useCount{}, extra: map[string]*useCount{}}
			u.uses[c] = cu
		}
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

// labelOf is the metrics label of a client name, given once and kept (so
// a client's counters only grow): its own for the first maxClientLabels
// names, "other" after. Called with u.mu held.
func (u *usageRecorder) labelOf(name string) string {
	switch {
	case name == "":
		return clientLabelUnknown
	case name == clientLabelOther || name == clientLabelUnknown:
		return name
	case u.labels[name]:
		return name
	case len(u.labels) < maxClientLabels:
		u.labels[name] = true
		return name
	default:
		return clientLabelOther
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

// isDeprecated reports whether the schema deprecates coord.
func (u *usageRecorder) isDeprecated(coord string) bool {
	_, found := slices.BinarySearch(u.deprecated, coord)
	return found
}

// deprecatedCoordinates are the coordinates schema marks @deprecated:
// fields, arguments, enum values and input fields, sorted.
func deprecatedCoordinates(schema *ast.Schema) []string {
	var out []string
	dep := func(ds ast.DirectiveList) bool { return ds.ForName("deprecated") != nil }
	for name, t := range schema.Types {
		if strings.HasPrefix(name, "__") {
			continue
		}
		for _, f := range t.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue
			}
			if dep(f.Directives) {
				out = append(out, name+"."+f.Name)
			}
			for _, a := range f.Arguments {
				if dep(a.Directives) {
					out = append(out, name+"."+f.Name+"("+a.Name+":)")
				}
			}
		}
		for _, v := range t.EnumValues {
			if dep(v.Directives) {
				out = append(out, name+"."+v.Name)
			}
		}
	}
	slices.Sort(out)
	return out
}

// UsageEntry is one line of the usage report.
type UsageEntry struct {
	UsageClient
	Coordinates map[string]UsageCount `json:"coordinates"`
}

// usageUses are counts by client and coordinate.
type usageUses map[UsageClient]map[string]UsageCount

func (m usageUses) add(c UsageClient, coord string, n int64, last time.Time) {
	cm := m[c]
	if cm == nil {
		cm = map[string]UsageCount{}
		m[c] = cm
	}
	uc := cm[coord]
	uc.Count += n
	if last.After(uc.LastSeen) {
		uc.LastSeen = last
	}
	cm[coord] = uc
}

// local is this replica's counts since it started, of the uses since
// from.
func (u *usageRecorder) local(from time.Time) usageUses {
	out := usageUses{}
	since := from.UnixNano()
	u.mu.Lock()
	defer u.mu.Unlock()
	for c, cu := range u.uses {
		for doc, n := range cu.docs {
			if n.last >= since {
				for _, coord := range doc.coords {
					out.add(c, coord, n.count, time.Unix(0, n.last).UTC())
				}
			}
		}
		for coord, n := range cu.extra {
			if n.last >= since {
				out.add(c, coord, n.count, time.Unix(0, n.last).UTC())
			}
		}
	}
	return out
}

// UsageReport is GET /usage's answer, which `gqlbff usage` and `gqlbff
// schema check --admin/--usage` decode.
type UsageReport struct {
	// Days is the window read: the uses of the last Days days.
	Days int `json:"days"`
	// Store is where the counts come from: redis (every replica's, in
	// the window) or memory (this replica's since it started).
	Store string `json:"store"`
	// Warning says why a report meant to come from Redis does not.
	Warning string       `json:"warning,omitempty"`
	Clients []UsageEntry `json:"clients"`
	// Deprecated is every @deprecated coordinate of the schema.
	Deprecated []string `json:"deprecated"`
	// SafeToRemove are the deprecated coordinates no client used in the
	// window.
	SafeToRemove []string `json:"safeToRemove"`
}

// report is every client's usage of the last days, clients in order.
func (u *usageRecorder) report(ctx context.Context, days int) UsageReport {
	to := u.now()
	from := to.Add(-time.Duration(days) * 24 * time.Hour)
	rep := UsageReport{Days: days, Store: "memory", Deprecated: u.deprecated}
	var uses usageUses
	if u.store != nil {
		// This replica's latest uses first, so that they are in the report.
		err := u.flush(ctx)
		if err == nil {
			uses, err = u.store.read(ctx, from, to)
		}
		if err != nil {
			u.log.WarnContext(ctx, "field usage: reading Redis", "error", err)
			rep.Warning = "Redis could not be read (" + err.Error() + "): this replica's counts only"
		} else {
			rep.Store = "redis"
		}
	}
	if uses == nil {
		uses = u.local(from)
	}
	used := map[string]bool{}
	rep.Clients = make([]UsageEntry, 0, len(uses))
	for c, m := range uses {
		rep.Clients = append(rep.Clients, UsageEntry{UsageClient: c, Coordinates: m})
		for coord := range m {
			used[coord] = true
		}
	}
	slices.SortFunc(rep.Clients, func(a, b UsageEntry) int {
		return strings.Compare(a.Profile+"\x00"+a.Name+"\x00"+a.Version, b.Profile+"\x00"+b.Name+"\x00"+b.Version)
	})
	rep.SafeToRemove = []string{}
	for _, coord := range u.deprecated {
		if !used[coord] {
			rep.SafeToRemove = append(rep.SafeToRemove, coord)
		}
	}
	if rep.Deprecated == nil {
		rep.Deprecated = []string{}
	}
	return rep
}

// defaultUsageDays is the window of a report that names none.
const defaultUsageDays = 30

// ServeHTTP serves the report of GET /usage?days=N (default 30, at most
// the retention) as JSON.
func (u *usageRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	maxDays := max(1, int(u.retention/(24*time.Hour)))
	days := min(defaultUsageDays, maxDays)
	if s := r.URL.Query().Get("days"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxDays {
			writeErrors(r.Context(), w, http.StatusBadRequest, newError(CodeBadUserInput, "days must be a whole number of days from 1 to %d (usage.retention), got %q", maxDays, s))
			return
		}
		days = n
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(u.report(r.Context(), days))
}
