package cost

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/vektah/gqlparser/v2/ast"
)

// Shape is what the structural limits look at in a parsed document. It is
// measured before validation, so it trusts nothing: undefined fragments
// count for nothing, fragment cycles are refused, and every count
// saturates at math.MaxInt32.
//
// Fragments are inlined (memoised, so a fragment spread a million times
// costs one walk of it; see Measure). A document with several operations is measured as
// a whole, since validation checks all of them: depth and root fields are
// those of its largest operation, fields and aliases add up.
type Shape struct {
	// Depth is the deepest nesting of fields. A real __schema or __type
	// root field counts as 1 whatever is under it: introspection is bounded
	// by its own validation rule (gqlparser's MaxIntrospectionDepth), and
	// the check is on the field, never on an operation or fragment name.
	Depth int
	// Aliases counts aliased fields.
	Aliases int
	// RootFields counts the fields of an operation's root selection set.
	RootFields int
	// Fields counts fields: at least the fields written in the document,
	// more when fragments are spread.
	Fields int
	// Directives counts the directives written in the document.
	Directives int
	// OperationName is the length of the longest operation name.
	OperationName int
}

// Limits are the structural limits of one client profile, each the most
// the matching Shape count may be; 0 turns one off.
type Limits struct {
	// Depth bounds Shape.Depth.
	Depth int
	// Aliases bounds Shape.Aliases.
	Aliases int
	// RootFields bounds Shape.RootFields.
	RootFields int
	// Fields bounds Shape.Fields.
	Fields int
	// Directives bounds Shape.Directives.
	Directives int
	// OperationName bounds Shape.OperationName.
	OperationName int
}

// LimitError is a document over one of its structural limits.
type LimitError struct {
	// Limit names the limit: depth, aliases, rootFields, fields, directives,
	// operationName, from Scan tokens and nesting, from Measure
	// work.
	Limit string
	// Max is the limit, Got the document's value (-1 when Scan stopped
	// counting past the limit).
	Max, Got int
}

func (e *LimitError) Error() string {
	if e.Got < 0 {
		return fmt.Sprintf("the operation's %s is over the limit of %d", limitWords[e.Limit], e.Max)
	}
	return fmt.Sprintf("the operation's %s is %d, over the limit of %d", limitWords[e.Limit], e.Got, e.Max)
}

var limitWords = map[string]string{
	"depth": "depth", "aliases": "alias count", "rootFields": "root field count",
	"fields": "field count", "directives": "directive count", "operationName": "operation name length",
	"tokens": "token count", "nesting": "nesting of braces and brackets",
	"work": "work to measure",
}

// Check returns a *LimitError for the first limit s is over, nil if none.
func (l Limits) Check(s Shape) error {
	for _, c := range []struct {
		name     string
		max, got int
	}{
		{"operationName", l.OperationName, s.OperationName},
		{"directives", l.Directives, s.Directives},
		{"fields", l.Fields, s.Fields},
		{"rootFields", l.RootFields, s.RootFields},
		{"aliases", l.Aliases, s.Aliases},
		{"depth", l.Depth, s.Depth},
	} {
		if c.max > 0 && c.got > c.max {
			return &LimitError{Limit: c.name, Max: c.max, Got: c.got}
		}
	}
	return nil
}

// ErrFragmentCycle is a document whose fragments spread each other in a
// cycle (validation refuses it too; Measure refuses it first, without
// walking it).
var ErrFragmentCycle = errors.New("cost: fragment cycle")

// DefaultMeasureBudget is the work budget of Measure when it is given
// none: more than a document within the parser's default token limit can
// take (15,000 tokens, at most three steps a selection: once counted as
// written, once as a root selection, once below the root), and a few
// milliseconds of work at most (BENCHMARKS.md).
const DefaultMeasureBudget = 100_000

// ctxEvery is how often, in steps, the measurer looks at its context.
const ctxEvery = 1024

// Measure returns the shape of a parsed (not necessarily valid)
// document. Its work is linear in the document's size: every fragment is
// measured once (once as a root selection, once below the root) and
// memoised, so spreads that double at each level cost no more than the
// text. It stops with
//   - ErrFragmentCycle (wrapped, naming a fragment) at a fragment that
//     spreads itself, directly or not;
//   - a *LimitError for the limit "work" (Got -1) past budget steps, a step
//     being one selection visited (budget 0: DefaultMeasureBudget);
//   - ctx's error once ctx is done, looked at on the first step and every
//     1,024 after.
func Measure(ctx context.Context, doc *ast.QueryDocument, budget int) (Shape, error) {
	var s Shape
	if doc == nil {
		return s, nil
	}
	if budget <= 0 {
		budget = DefaultMeasureBudget
	}
	m := measurer{ctx: ctx, doc: doc, budget: budget}
	written := 0
	for _, op := range doc.Operations {
		s.OperationName = max(s.OperationName, len(op.Name))
		s.Directives = sat(s.Directives + len(op.Directives))
		for _, v := range op.VariableDefinitions {
			s.Directives = sat(s.Directives + len(v.Directives))
		}
		w, d := m.countWritten(op.SelectionSet)
		written, s.Directives = sat(written+w), sat(s.Directives+d)

		r := m.root(op.SelectionSet)
		s.Depth = max(s.Depth, r.depth)
		s.RootFields = max(s.RootFields, r.roots)
		s.Fields = sat(s.Fields + r.fields)
		s.Aliases = sat(s.Aliases + r.aliases)
	}
	for _, f := range doc.Fragments {
		s.Directives = sat(s.Directives + len(f.Directives))
		w, d := m.countWritten(f.SelectionSet)
		written, s.Directives = sat(written+w), sat(s.Directives+d)
	}
	if m.err != nil {
		return Shape{}, m.err
	}
	s.Fields = max(s.Fields, written)
	return s, nil
}

// sub is the measure of a selection set: its depth and what it holds.
type sub struct {
	depth, fields, aliases, roots int
}

func (a *sub) merge(b sub) {
	a.depth = max(a.depth, b.depth)
	a.fields = sat(a.fields + b.fields)
	a.aliases = sat(a.aliases + b.aliases)
	a.roots = sat(a.roots + b.roots)
}

// memo is a fragment's measure: being measured (in progress, a cycle if
// met again) or done.
type memo struct {
	done bool
	sub  sub
}

type measurer struct {
	ctx context.Context
	doc *ast.QueryDocument
	// frags indexes the document's fragments by name, the first of a name
	// winning (as Fragments.ForName, which is linear).
	frags map[string]*ast.FragmentDefinition
	// roots and sets memoise fragments measured as a root selection set
	// and below the root.
	roots, sets map[string]*memo
	// steps counts the selections visited, against budget.
	steps, budget int
	// err stops every walk once set.
	err error
}

// step counts one visited selection and reports whether to go on.
func (m *measurer) step() bool {
	if m.err != nil {
		return false
	}
	m.steps++
	if m.steps > m.budget {
		m.err = &LimitError{Limit: "work", Max: m.budget, Got: -1}
		return false
	}
	if m.steps%ctxEvery == 1 {
		if err := m.ctx.Err(); err != nil {
			m.err = err
			return false
		}
	}
	return true
}

func (m *measurer) fragmentDef(name string) *ast.FragmentDefinition {
	if m.frags == nil {
		m.frags = make(map[string]*ast.FragmentDefinition, len(m.doc.Fragments))
		for _, f := range m.doc.Fragments {
			if _, ok := m.frags[f.Name]; !ok {
				m.frags[f.Name] = f
			}
		}
	}
	return m.frags[name]
}

// fragment measures a named fragment once with walk and memoises it in
// table; an undefined fragment counts for nothing, one met again while it
// is measured is a cycle.
func (m *measurer) fragment(table *map[string]*memo, name string, walk func(ast.SelectionSet) sub) sub {
	if r, ok := (*table)[name]; ok {
		if !r.done && m.err == nil {
			m.err = fmt.Errorf("%w: fragment %q spreads itself", ErrFragmentCycle, name)
		}
		return r.sub
	}
	def := m.fragmentDef(name)
	if def == nil {
		return sub{}
	}
	if *table == nil {
		*table = map[string]*memo{}
	}
	r := &memo{}
	(*table)[name] = r
	r.sub = walk(def.SelectionSet)
	r.done = true
	return r.sub
}

// root measures an operation's root selection set, where __schema and
// __type are the real introspection fields.
func (m *measurer) root(set ast.SelectionSet) sub {
	var out sub
	for _, sel := range set {
		if !m.step() {
			return out
		}
		switch s := sel.(type) {
		case *ast.Field:
			inner := m.set(s.SelectionSet)
			f := sub{depth: 1 + inner.depth, fields: sat(1 + inner.fields), aliases: inner.aliases, roots: 1}
			if s.Name == "__schema" || s.Name == "__type" {
				f.depth = 1
			}
			if s.Alias != "" && s.Alias != s.Name {
				f.aliases = sat(f.aliases + 1)
			}
			out.merge(f)
		case *ast.InlineFragment:
			out.merge(m.root(s.SelectionSet))
		case *ast.FragmentSpread:
			out.merge(m.fragment(&m.roots, s.Name, m.root))
		}
	}
	return out
}

// set measures a selection set below the root.
func (m *measurer) set(set ast.SelectionSet) sub {
	var out sub
	for _, sel := range set {
		if !m.step() {
			return out
		}
		switch s := sel.(type) {
		case *ast.Field:
			inner := m.set(s.SelectionSet)
			f := sub{depth: 1 + inner.depth, fields: sat(1 + inner.fields), aliases: inner.aliases}
			if s.Alias != "" && s.Alias != s.Name {
				f.aliases = sat(f.aliases + 1)
			}
			out.merge(f)
		case *ast.InlineFragment:
			out.merge(m.set(s.SelectionSet))
		case *ast.FragmentSpread:
			out.merge(m.fragment(&m.sets, s.Name, m.set))
		}
	}
	return out
}

// countWritten counts the fields and directives written in a selection set.
func (m *measurer) countWritten(set ast.SelectionSet) (fields, directives int) {
	for _, sel := range set {
		if !m.step() {
			return fields, directives
		}
		switch s := sel.(type) {
		case *ast.Field:
			f, d := m.countWritten(s.SelectionSet)
			fields, directives = sat(fields+1+f), sat(directives+len(s.Directives)+d)
		case *ast.InlineFragment:
			f, d := m.countWritten(s.SelectionSet)
			fields, directives = sat(fields+f), sat(directives+len(s.Directives)+d)
		case *ast.FragmentSpread:
			directives = sat(directives + len(s.Directives))
		}
	}
	return fields, directives
}

func sat(n int) int {
	if n > math.MaxInt32 || n < 0 {
		return math.MaxInt32
	}
	return n
}
