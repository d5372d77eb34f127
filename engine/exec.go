package engine

import (
	"context"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/gqlbff/gqlbff/internal/workers"
)

// node is one object of the answer: its model value and, per object step
// of its selection set (step.slot), what the step resolved to.
//
// Nodes and slots are most of a run's memory on a wide answer: their fields
// are ordered so that node is 64 bytes and slot 56 (the small ones
// together; a step's index in 16 bits: an operation with a larger
// selection set is left to gqlgen's executor).
type node struct {
	sel    *selSet
	obj    any // *model.T; nil for the query root
	parent *node
	slots  []slot
	index  int32 // its position in a list, or -1
	pstep  int16 // the step of parent that holds this node
	null   bool  // an unmet non-null field made the whole object null
}

type slot struct {
	val   any   // the object or list value
	kid   *node // an object's node
	kids  []*node
	err   bool // the field failed: null, its error recorded
	null  bool // written as null
	empty bool // a non-null list that is nil: written as []
}

type task struct {
	n *node
	i int32
}

// failure is an error met while resolving, presented in a fixed order
// once the level's calls are done.
type failure struct {
	n     *node
	st    *step
	err   error
	panic any
	args  bool // err came from coercing the arguments
	raw   map[string]any
	fresh bool // err already carries its path
}

// run is one execution of a plan.
type run struct {
	e        *Engine
	p        *Plan
	oc       *graphql.OperationContext
	ctx      context.Context // the request's, with the root field context
	rootFC   graphql.FieldContext
	pending  []task
	spare    []task // the level before's tasks: the next level's pending
	groups   []group
	placed   []task            // a level's tasks by group: each group's tasks are a window of it
	ctxs     []context.Context // a level's calls, for the prefetcher
	parents  []any
	wg       sync.WaitGroup // a level's groups past the first
	steps    []stepState
	nodes    []node
	slots    []slot
	kids     []*node
	hint     slabUse // what the plan's largest run used so far
	used     slabUse
	actual   int64
	buf      []byte
	scratch  []byte
	failures []failure
}

// stepState is what a step needs once per request. A run's are one
// slab: the field context and the site the step's context points to live
// in it, not in allocations of their own.
type stepState struct {
	ctx   context.Context // with the step's field context and site
	fc    graphql.FieldContext
	site  site
	args  map[string]any
	raw   map[string]any
	err   error
	group int32 // its group in the level being run, or -1
}

// site is the node whose field a step's resolver is resolving right now:
// a step runs in one group, its calls one after another, so one site per
// step and request follows them. Path reads it.
type site struct {
	r  *run
	st *step
	n  *node
}

type siteKey struct{}

// Path answers the response path of the field whose resolver runs with
// ctx under a plan, list indexes included (as gqlgen's field context
// would say it), and false outside of a plan's resolver call. It is built
// on demand: for what a resolver reports about itself (a stale record),
// not for every call.
func Path(ctx context.Context) (ast.Path, bool) {
	s, _ := ctx.Value(siteKey{}).(*site)
	if s == nil || s.n == nil {
		return nil, false
	}
	return graphql.GetFieldContext(s.r.fieldCtx(s.r.nodeCtx(s.n), s.n, s.st)).Path(), true
}

// Execute runs plan p for the operation of oc and answers the data's JSON.
// Errors go to the response context in ctx, through its error presenter,
// as gqlgen's executor sends them.
func (e *Engine) Execute(ctx context.Context, oc *graphql.OperationContext, p *Plan) []byte {
	r := &run{e: e, p: p, oc: oc, steps: make([]stepState, p.steps)}
	p.sizeMu.Lock()
	r.hint = p.use
	p.sizeMu.Unlock()
	// A level has at most one group per resolver step; its tasks, and the
	// next level's, are at most the largest level a run of the plan had:
	// each list made once at its size, not grown by append.
	r.groups = make([]group, 0, p.steps)
	if h := r.hint.tasks; h > 0 {
		lists := make([]task, 3*h)
		r.pending, r.spare, r.placed = lists[:0:h], lists[h:h:2*h], lists[2*h:]
	}
	r.rootFC = graphql.FieldContext{Object: p.root.typeName}
	r.ctx = graphql.WithFieldContext(ctx, &r.rootFC)
	root := r.newNode(p.root, nil, nil, 0, -1)
	r.visit(root)
	for len(r.pending) > 0 {
		level := r.pending
		r.used.tasks = max(r.used.tasks, len(level))
		r.pending = r.spare[:0]
		r.level(level)
		r.spare = level
	}
	r.complete(root)
	r.buf = make([]byte, 0, max(r.hint.size, 256))
	if root.null {
		r.buf = append(r.buf, "null"...)
	} else {
		r.writeObject(root)
	}
	r.used.size = len(r.buf)
	if u := r.used; u.nodes > r.hint.nodes || u.slots > r.hint.slots || u.kids > r.hint.kids || u.size > r.hint.size || u.tasks > r.hint.tasks {
		p.sizeMu.Lock()
		p.use = p.use.max(u)
		p.sizeMu.Unlock()
	}
	if r.actual != 0 && e.opts.Charge != nil {
		e.opts.Charge(ctx, r.actual)
	}
	return r.buf
}

// newNode takes a node from the run's slab: nodes and their slots (one per
// object step: scalars are read from the model when written) are
// allocated a few at a time, not one by one, in chunks sized by what the
// plan's largest run needed (most runs then make one chunk of each).
func (r *run) newNode(sel *selSet, obj any, parent *node, pstep int32, index int32) *node {
	if len(r.nodes) == cap(r.nodes) {
		r.nodes = make([]node, 0, chunk(r.hint.nodes, r.used.nodes, 1, 64))
	}
	r.used.nodes++
	r.nodes = r.nodes[:len(r.nodes)+1]
	n := &r.nodes[len(r.nodes)-1]
	k := sel.objects
	if len(r.slots)+k > cap(r.slots) {
		r.slots = make([]slot, 0, chunk(r.hint.slots, r.used.slots, k, 256))
	}
	r.used.slots += k
	r.slots = r.slots[:len(r.slots)+k]
	*n = node{sel: sel, obj: obj, parent: parent, pstep: int16(pstep), index: index, slots: r.slots[len(r.slots)-k:]}
	return n
}

func (r *run) newKids(k int) []*node {
	if len(r.kids)+k > cap(r.kids) {
		r.kids = make([]*node, 0, chunk(r.hint.kids, r.used.kids, k, 256))
	}
	r.used.kids += k
	r.kids = r.kids[:len(r.kids)+k]
	return r.kids[len(r.kids)-k:]
}

// slabUse is how much of each slab a run used, how long its answer was,
// and how many resolver calls its largest level made.
type slabUse struct{ nodes, slots, kids, size, tasks int }

func (u slabUse) max(v slabUse) slabUse {
	return slabUse{max(u.nodes, v.nodes), max(u.slots, v.slots), max(u.kids, v.kids), max(u.size, v.size), max(u.tasks, v.tasks)}
}

// chunk is the capacity of a slab's next chunk, which must hold need more:
// what the plan's largest run used beyond used, or else twice used (at
// least 8, at most limit), so that a run with more data than any before
// grows its slabs geometrically.
func chunk(hint, used, need, limit int) int {
	c := hint - used
	if c < need {
		c = min(max(used, 8), limit)
	}
	return max(c, need)
}

// visit walks an object: fields read from the model are expanded now,
// resolver fields wait for the next level.
func (r *run) visit(n *node) {
	for i, st := range n.sel.steps {
		switch st.kind {
		case kindScalar:
			r.actual += st.flat
		case kindObject:
			if st.bind.resolver {
				r.pending = append(r.pending, task{n: n, i: int32(i)})
				continue
			}
			v := st.bind.read(n.obj)
			r.meter(st, v)
			r.expand(n, int32(i), v)
		}
	}
}

func (r *run) meter(st *step, v any) {
	r.actual += st.flat
	if st.per != 0 && !st.bind.shape.isNil(v) {
		r.actual += st.per * int64(st.bind.shape.n(v))
	}
}

// expand makes the nodes of an object or list value and visits them.
func (r *run) expand(n *node, i int32, v any) {
	st := n.sel.steps[i]
	s := &n.slots[st.slot]
	s.val = v
	sh := st.bind.shape
	if sh.isNil(v) {
		return
	}
	if !sh.list {
		s.kid = r.newNode(st.child, v, n, i, -1)
		r.visit(s.kid)
		return
	}
	k := sh.n(v)
	s.kids = r.newKids(k)
	for j := range k {
		e := sh.at(v, j)
		if e == nil {
			continue
		}
		kid := r.newNode(st.child, e, n, i, int32(j))
		s.kids[j] = kid
		r.visit(kid)
	}
}

// group is the calls of one step in one level.
type group struct {
	st       *step
	typeName string // the parents' type
	ss       *stepState
	tasks    []task // the calls to make: authorization passed
	n        int    // its calls in the level, counted before they are placed
	failures []failure
	actual   int64
}

// noDone is the level's Done without a LevelGate.
type noDone struct{}

func (noDone) Done() {}

// groupWorkers run a level's groups past the first. A group's resolver
// calls go as deep as a source call (the first caller of a call runs it
// itself: sources' flightGroup), so a goroutine started afresh for each
// group grew its stack through the call every time (BENCHMARKS.md, the
// source calls' timers and hand-overs).
var groupWorkers workers.Pool

// level makes every resolver call of one level, as one LevelGate level
// whose callers are its groups. First, in this goroutine,
// each step's arguments are coerced and each call's authorization run;
// then every call that may go ahead is handed to the prefetcher at once;
// then the calls are made, one group per step, the groups side by side (a
// goroutine per step past the first, never per item). Last the results
// are expanded, which queues the next level.
func (r *run) level(tasks []task) {
	// The groups, their tasks and the prefetcher's lists are the level
	// before's, reused: its goroutines are done. The groups (at most one
	// per step, r.groups made at that size) are counted first, so that
	// each group's tasks are a window of one list.
	for i := range r.steps {
		r.steps[i].group = -1
	}
	groups := r.groups[:0]
	for _, t := range tasks {
		st := t.n.sel.steps[t.i]
		ss := &r.steps[st.id]
		if ss.group < 0 {
			ss.group = int32(len(groups))
			groups = append(groups, group{st: st, typeName: t.n.sel.typeName, failures: groups[:cap(groups)][len(groups)].failures[:0]})
		}
		groups[ss.group].n++
	}
	if len(r.placed) < len(tasks) {
		r.placed = make([]task, max(len(tasks), r.hint.tasks))
	}
	at := 0
	for i := range groups {
		g := &groups[i]
		g.tasks = r.placed[at : at : at+g.n]
		at += g.n
	}
	for _, t := range tasks {
		g := &groups[r.steps[t.n.sel.steps[t.i].id].group]
		g.tasks = append(g.tasks, t)
	}
	r.groups = groups
	var (
		ctx                      = r.ctx
		done interface{ Done() } = noDone{}
	)
	if r.e.gate != nil {
		ctx, done = r.e.gate.EnterLevel(r.ctx, len(groups))
	}
	ctxs, parents := r.ctxs[:0], r.parents[:0]
	if r.e.pre != nil && cap(ctxs) < len(tasks) {
		n := max(len(tasks), r.hint.tasks)
		ctxs, parents = make([]context.Context, 0, n), make([]any, 0, n)
	}
	for i := range groups {
		g := &groups[i]
		st := g.st
		g.ss = r.state(ctx, st, g.typeName)
		allowed := g.tasks[:0]
		// A step's authorization is the caller's, fixed for the request:
		// once it lets one call through, it lets all of the step's calls
		// (all in this level) through, without being asked again. Until
		// then each call asks, so that each denied instance has an error
		// of its own, as under gqlgen (the presenter sets its path).
		authorized := len(st.auth) == 0
		for _, t := range g.tasks {
			if g.ss.err != nil {
				t.n.slots[st.slot].err = true
				r.failures = append(r.failures, failure{n: t.n, st: st, args: true, raw: g.ss.raw})
				continue
			}
			if !authorized {
				if err, p := r.authorize(g.ss.ctx, st, t.n.obj); err != nil || p != nil {
					t.n.slots[st.slot].err = true
					r.failures = append(r.failures, failure{n: t.n, st: st, err: err, panic: p})
					continue
				}
				authorized = true
			}
			allowed = append(allowed, t)
			if r.e.pre != nil {
				ctxs = append(ctxs, g.ss.ctx)
				parents = append(parents, t.n.obj)
			}
		}
		g.tasks = allowed
	}
	r.ctxs, r.parents = ctxs, parents
	if len(ctxs) > 0 {
		r.prefetch(ctxs, parents)
	}
	if len(groups) == 1 {
		r.runGroup(&groups[0], done)
	} else {
		for i := range groups[1:] {
			g := &groups[1+i]
			r.wg.Add(1)
			groupWorkers.Go(func() {
				defer r.wg.Done()
				r.runGroup(g, done)
			})
		}
		r.runGroup(&groups[0], done)
		r.wg.Wait()
	}
	for i := range groups {
		g := &groups[i]
		r.actual += g.actual
		r.failures = append(r.failures, g.failures...)
	}
	r.present()
	for _, t := range tasks {
		s := &t.n.slots[t.n.sel.steps[t.i].slot]
		if !s.err {
			r.expand(t.n, t.i, s.val)
		}
	}
}

// state prepares a step's field context and arguments, once per request.
func (r *run) state(ctx context.Context, st *step, parentType string) *stepState {
	ss := &r.steps[st.id]
	args := st.args
	if st.varArgs {
		ss.raw = st.field.ArgumentMap(r.oc.Variables)
		args, ss.err = st.bind.args(context.Background(), ss.raw)
	}
	ss.args = args
	// A step's calls are all in one level: this runs once per step and
	// run, so nothing refers to the field context and site it sets.
	ss.fc = graphql.FieldContext{Object: parentType, Field: st.field, Args: args, IsMethod: true, IsResolver: true}
	ss.site = site{r: r, st: st}
	ss.ctx = context.WithValue(graphql.WithFieldContext(ctx, &ss.fc), siteKey{}, &ss.site)
	return ss
}

// allow is the next function handed to a directive: it lets the field be
// resolved, which the engine then does itself.
func allow(context.Context) (any, error) { return nil, nil }

func (r *run) runGroup(g *group, done interface{ Done() }) {
	defer done.Done()
	st, ss := g.st, g.ss
	for _, t := range g.tasks {
		s := &t.n.slots[st.slot]
		ss.site.n = t.n
		v, err, p := r.call(ss.ctx, st, t.n.obj, ss.args)
		if err != nil || p != nil {
			s.err = true
			g.failures = append(g.failures, failure{n: t.n, st: st, err: err, panic: p})
			continue
		}
		s.val = v
		g.actual += st.flat
		if st.per != 0 && !st.bind.shape.isNil(v) {
			g.actual += st.per * int64(st.bind.shape.n(v))
		}
	}
}

func (r *run) prefetch(ctxs []context.Context, parents []any) {
	defer func() { _ = recover() }() // a failed prefetch leaves the loads to the resolvers
	r.e.pre.PrefetchLevel(ctxs, parents)
}

// authorize runs the field's authorization directives as gqlgen's
// generated hooks do, outermost first, without calling the resolver.
func (r *run) authorize(ctx context.Context, st *step, obj any) (err error, p any) {
	if len(st.auth) == 0 {
		return nil, nil
	}
	defer func() {
		if rec := recover(); rec != nil {
			p = rec
		}
	}()
	for _, d := range st.auth {
		switch {
		case d.authenticated:
			if r.e.dirs.Authenticated == nil {
				return errNotImplemented("authenticated"), nil
			}
			_, err = r.e.dirs.Authenticated(ctx, obj, allow)
		default:
			if r.e.dirs.RequiresScopes == nil {
				return errNotImplemented("requiresScopes"), nil
			}
			_, err = r.e.dirs.RequiresScopes(ctx, obj, allow, d.scopes)
		}
		if err != nil {
			return err, nil
		}
	}
	return nil, nil
}

type errNotImplemented string

func (e errNotImplemented) Error() string { return "directive " + string(e) + " is not implemented" }

func (r *run) call(ctx context.Context, st *step, obj any, args map[string]any) (v any, err error, p any) {
	defer func() {
		if rec := recover(); rec != nil {
			p = rec
		}
	}()
	v, err = st.bind.call(ctx, r.e.res, obj, args)
	return v, err, nil
}
