package cost

import (
	"fmt"
	"math"

	"github.com/vektah/gqlparser/v2/ast"
)

// Shape is what the structural limits look at in a parsed document. It is
// measured before validation, so it trusts nothing: undefined fragments
// count for nothing, fragment cycles stop the walk, and every count
// saturates at math.MaxInt32.
//
// Fragments are inlined (memoised, so a fragment spread a million times
// costs one walk of it). A document with several operations is measured as
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
	// operationName, or, from Scan, tokens and nesting.
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

// Measure returns the shape of a parsed (not necessarily valid) document.
func Measure(doc *ast.QueryDocument) Shape {
	var s Shape
	if doc == nil {
		return s
	}
	m := measurer{doc: doc, memo: map[string]*sub{}}
	written := 0
	for _, op := range doc.Operations {
		s.OperationName = max(s.OperationName, len(op.Name))
		s.Directives = sat(s.Directives + len(op.Directives))
		for _, v := range op.VariableDefinitions {
			s.Directives = sat(s.Directives + len(v.Directives))
		}
		w, d := countWritten(op.SelectionSet)
		written, s.Directives = sat(written+w), sat(s.Directives+d)

		r := m.root(op.SelectionSet, map[string]bool{})
		s.Depth = max(s.Depth, r.depth)
		s.RootFields = max(s.RootFields, r.roots)
		s.Fields = sat(s.Fields + r.fields)
		s.Aliases = sat(s.Aliases + r.aliases)
	}
	for _, f := range doc.Fragments {
		s.Directives = sat(s.Directives + len(f.Directives))
		w, d := countWritten(f.SelectionSet)
		written, s.Directives = sat(written+w), sat(s.Directives+d)
	}
	s.Fields = max(s.Fields, written)
	return s
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

type measurer struct {
	doc  *ast.QueryDocument
	memo map[string]*sub
}

// root measures an operation's root selection set, where __schema and
// __type are the real introspection fields.
func (m *measurer) root(set ast.SelectionSet, visiting map[string]bool) sub {
	var out sub
	for _, sel := range set {
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
			out.merge(m.root(s.SelectionSet, visiting))
		case *ast.FragmentSpread:
			def := m.doc.Fragments.ForName(s.Name)
			if def == nil || visiting[s.Name] {
				continue
			}
			visiting[s.Name] = true
			out.merge(m.root(def.SelectionSet, visiting))
			delete(visiting, s.Name)
		}
	}
	return out
}

// set measures a selection set below the root.
func (m *measurer) set(set ast.SelectionSet) sub {
	var out sub
	for _, sel := range set {
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
			out.merge(m.fragment(s.Name))
		}
	}
	return out
}

// fragment measures a named fragment once; a fragment met again while it is
// being measured (a cycle, which validation refuses) counts for nothing.
func (m *measurer) fragment(name string) sub {
	if r, ok := m.memo[name]; ok {
		if r == nil {
			return sub{}
		}
		return *r
	}
	def := m.doc.Fragments.ForName(name)
	if def == nil {
		return sub{}
	}
	m.memo[name] = nil
	r := m.set(def.SelectionSet)
	m.memo[name] = &r
	return r
}

// countWritten counts the fields and directives written in a selection set.
func countWritten(set ast.SelectionSet) (fields, directives int) {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			f, d := countWritten(s.SelectionSet)
			fields, directives = sat(fields+1+f), sat(directives+len(s.Directives)+d)
		case *ast.InlineFragment:
			f, d := countWritten(s.SelectionSet)
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
