package cost

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/vektah/gqlparser/v2/ast"
)

// Errors of Price; match them with errors.Is.
var (
	// ErrTooComplex: pricing the operation would visit more than
	// Options.MaxNodes fields or nest deeper than maxNesting.
	ErrTooComplex = errors.New("cost: operation too complex to price")
	// ErrInvalid: the operation does not fit the schema (Price expects a
	// validated document) or breaks @listSize(requireOneSlicingArgument).
	ErrInvalid = errors.New("cost: invalid operation")
)

// maxNesting bounds the recursion of one Price call: validation refuses
// fragment cycles, but Price must not trust it.
const maxNesting = 256

// Estimate is the static price of one operation.
type Estimate struct {
	// Cost is the operation's requested cost.
	Cost int64
	// Variable tells that the cost depends on the operation's variables, so
	// a price computed without them does not hold for every request.
	Variable bool
	// Fields is the per-field breakdown, filled by Explain only.
	Fields []FieldCost
}

// FieldCost is one line of an explained price: a field and what it and
// everything under it cost.
type FieldCost struct {
	// Path is the field's response path (aliases, no list indexes).
	Path string `json:"path"`
	// Weight is what one instance of the field costs by itself.
	Weight int64 `json:"weight"`
	// Size is how many instances are priced: the list size, 1 otherwise.
	Size int64 `json:"size"`
	// Cost is the field's total: its arguments, and size × (weight +
	// selection).
	Cost int64 `json:"cost"`
}

// Price returns the requested cost of op, an operation of doc, with vars,
// the operation's coerced variables. doc should be validated against the
// analyzer's schema.
func (a *Analyzer) Price(doc *ast.QueryDocument, op *ast.OperationDefinition, vars map[string]any) (Estimate, error) {
	return a.price(context.Background(), doc, op, vars, false)
}

// PriceContext is Price on the request path: it stops with ctx's error
// once ctx is done (looked at on the first field and every 256 after).
func (a *Analyzer) PriceContext(ctx context.Context, doc *ast.QueryDocument, op *ast.OperationDefinition, vars map[string]any) (Estimate, error) {
	return a.price(ctx, doc, op, vars, false)
}

// Explain is Price with the per-field breakdown in Estimate.Fields, in
// document order, fields that cost nothing left out.
func (a *Analyzer) Explain(doc *ast.QueryDocument, op *ast.OperationDefinition, vars map[string]any) (Estimate, error) {
	return a.price(context.Background(), doc, op, vars, true)
}

// ExplainContext is Explain that stops once ctx is done, as PriceContext.
func (a *Analyzer) ExplainContext(ctx context.Context, doc *ast.QueryDocument, op *ast.OperationDefinition, vars map[string]any) (Estimate, error) {
	return a.price(ctx, doc, op, vars, true)
}

func (a *Analyzer) price(ctx context.Context, doc *ast.QueryDocument, op *ast.OperationDefinition, vars map[string]any, explain bool) (Estimate, error) {
	if doc == nil || op == nil {
		return Estimate{}, fmt.Errorf("%w: no operation", ErrInvalid)
	}
	var root *ast.Definition
	switch op.Operation {
	case ast.Mutation:
		root = a.schema.Mutation
	case ast.Subscription:
		root = a.schema.Subscription
	default:
		root = a.schema.Query
	}
	if root == nil {
		return Estimate{}, fmt.Errorf("%w: the schema has no %s type", ErrInvalid, op.Operation)
	}
	w := &walker{ctx: ctx, a: a, doc: doc, vars: vars, explain: explain}
	if p, ok := groupStacks.Get().(*[]group); ok {
		w.groups = *p
		defer func() {
			if cap(w.groups) <= maxPooledGroups {
				clear(w.groups[:cap(w.groups)]) // keep no document alive
				*p = w.groups[:0]
				groupStacks.Put(p)
			}
		}()
	}
	c, err := w.selection(root, op.SelectionSet, sizing{}, "", 0)
	if err != nil {
		return Estimate{}, err
	}
	est := Estimate{Cost: c, Variable: w.variable}
	if explain {
		est.Fields = slices.DeleteFunc(w.out, func(f FieldCost) bool { return f.Cost == 0 })
	}
	return est, nil
}

// sizing is the size a parent hands to its sized fields.
type sizing struct {
	names []string
	size  int64
}

// groupStacks keep the walkers' stacks of groups from one pricing to the
// next: a stack is as deep as the document's deepest path, and pricing
// runs on every request.
var groupStacks = sync.Pool{New: func() any { return new([]group) }}

// maxPooledGroups is the largest stack kept for reuse.
const maxPooledGroups = 1024

type walker struct {
	ctx      context.Context
	groups   []group // the stack of the selection sets being walked (collect)
	a        *Analyzer
	doc      *ast.QueryDocument
	vars     map[string]any
	explain  bool
	out      []FieldCost
	nodes    int
	variable bool
}

// selection prices a selection set on parent: on an abstract type, the
// dearest of its possible types.
func (w *walker) selection(parent *ast.Definition, set ast.SelectionSet, sz sizing, path string, depth int) (int64, error) {
	if len(set) == 0 {
		return 0, nil
	}
	if depth > maxNesting {
		return 0, fmt.Errorf("%w: nested deeper than %d", ErrTooComplex, maxNesting)
	}
	if !parent.IsAbstractType() {
		return w.object(parent, set, sz, path, depth)
	}
	var best int64
	mark := len(w.out)
	var bestOut []FieldCost
	for _, t := range w.a.schema.GetPossibleTypes(parent) {
		w.out = w.out[:mark]
		c, err := w.object(t, set, sz, path, depth)
		if err != nil {
			return 0, err
		}
		if c >= best {
			best = c
			bestOut = append(bestOut[:0], w.out[mark:]...)
		}
	}
	w.out = append(w.out[:mark], bestOut...)
	return best, nil
}

// object prices a selection set on an object type.
func (w *walker) object(obj *ast.Definition, set ast.SelectionSet, sz sizing, path string, depth int) (int64, error) {
	groups, mark := w.collect(obj, set)
	defer func() { w.groups = w.groups[:mark] }()
	var total int64
	for _, g := range groups {
		w.nodes++
		if w.nodes > w.a.opts.MaxNodes {
			return 0, fmt.Errorf("%w: over %d fields", ErrTooComplex, w.a.opts.MaxNodes)
		}
		if w.nodes%256 == 1 {
			if err := w.ctx.Err(); err != nil {
				return 0, err
			}
		}
		first := g.first
		if first.Name == "__typename" {
			continue
		}
		f := w.a.lookup(obj.Name, first.Name)
		if f == nil {
			return 0, fmt.Errorf("%w: %s has no field %s", ErrInvalid, obj.Name, first.Name)
		}
		c, err := w.field(obj, f, g, sz, path, depth)
		if err != nil {
			return 0, err
		}
		total = add(total, c)
	}
	return total, nil
}

// field prices one response key: the merged fields g of definition f.
func (w *walker) field(obj *ast.Definition, f *field, g group, sz sizing, path string, depth int) (int64, error) {
	first := g.first
	p := ""
	if w.explain {
		p = g.key
		if path != "" {
			p = path + "." + g.key
		}
	}
	slice, sliced, err := w.slicingSize(f, first)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", g.key, err)
	}
	size := int64(1)
	if f.list {
		switch {
		case sliced:
			size = slice
		case slices.Contains(sz.names, first.Name):
			size = sz.size
		case f.assumed >= 0:
			size = f.assumed
		default:
			size = int64(w.a.opts.DefaultListSize)
		}
	}
	child := sizing{}
	if len(f.sized) > 0 {
		child.names = f.sized
		switch {
		case sliced:
			child.size = slice
		case f.assumed >= 0:
			child.size = f.assumed
		default:
			child.size = int64(w.a.opts.DefaultListSize)
		}
	}
	idx := -1
	if w.explain {
		idx = len(w.out)
		w.out = append(w.out, FieldCost{Path: p, Weight: f.weight, Size: size})
	}
	var sub int64
	if t := f.child; t != nil && t.IsCompositeType() {
		set := first.SelectionSet
		if len(g.more) > 0 {
			set = slices.Clone(set)
			for _, m := range g.more {
				set = append(set, m.SelectionSet...)
			}
		}
		if sub, err = w.selection(t, set, child, p, depth+1); err != nil {
			return 0, err
		}
	}
	c := add(w.argWeights(f, first), mul(size, add(f.weight, sub)))
	if idx >= 0 {
		w.out[idx].Cost = c
	}
	return c, nil
}

// slicingSize reads f's slicing arguments on the query field q: the largest
// given value (a list counts as its length); sliced is false when none is
// given and none has a default.
func (w *walker) slicingSize(f *field, q *ast.Field) (size int64, sliced bool, err error) {
	given := 0
	for _, name := range f.slicing {
		v, explicit := w.argument(f.def, q, name)
		n, ok := sizeOf(v)
		if !ok {
			continue
		}
		if explicit {
			given++
		}
		if !sliced || n > size {
			size = n
		}
		sliced = true
	}
	if f.requireOne && given > 1 {
		return 0, false, fmt.Errorf("%w: give only one of the slicing arguments %s", ErrInvalid, strings.Join(f.slicing, ", "))
	}
	return size, sliced, nil
}

// argument resolves an argument of the query field: its literal, its
// variable's value, else the definition's default. explicit tells that the
// query gave it.
func (w *walker) argument(def *ast.FieldDefinition, q *ast.Field, name string) (v any, explicit bool) {
	if arg := q.Arguments.ForName(name); arg != nil && arg.Value != nil {
		if arg.Value.Kind == ast.Variable {
			w.variable = true
		}
		if val, err := arg.Value.Value(w.vars); err == nil && val != nil {
			return val, true
		}
	}
	if ad := def.Arguments.ForName(name); ad != nil && ad.DefaultValue != nil {
		if val, err := ad.DefaultValue.Value(nil); err == nil {
			return val, false
		}
	}
	return nil, false
}

// argWeights adds the @cost of the arguments the query field gives.
func (w *walker) argWeights(f *field, q *ast.Field) int64 {
	var c int64
	for name, weight := range f.argWeights {
		if q.Arguments.ForName(name) != nil {
			c = add(c, weight)
		}
	}
	return c
}
