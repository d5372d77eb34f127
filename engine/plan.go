package engine

import (
	"context"
	"math"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// A Plan is one operation compiled for the values its @skip and @include
// variables take: per selection set and concrete type, the ordered field
// steps with their response keys, their constant arguments already
// coerced, the authorization each step needs and its cost weight.
// Immutable once compiled; shared by every request that runs it.
type Plan struct {
	root  *selSet
	steps int // how many resolver steps, each with an id below it
	// use is the largest slabs and answer of a run so far: the next run
	// starts with slabs and a buffer that big.
	sizeMu sync.Mutex
	use    slabUse
	// fields are the collected fields of each selection set the plan
	// compiled, by the set and its type: what graphql.CollectFields
	// answers for them under the plan's @skip/@include values, for the
	// resolvers' look-ahead (CollectFields). Read-only once compiled.
	fields map[fieldsKey][]graphql.CollectedField
}

// fieldsKey names a selection set by its backing array, its length and
// the concrete type it is collected on, as gqlgen's own cache of collected
// fields does.
type fieldsKey struct {
	first    *ast.Selection
	n        int
	typeName string
}

func keyOf(set ast.SelectionSet, typeName string) fieldsKey {
	return fieldsKey{first: &set[0], n: len(set), typeName: typeName}
}

// CollectFields answers graphql.CollectFields(oc, set, []string{typeName})
// for the operation ctx runs: under a plan, for a selection set the plan
// compiled (a field's own Selections, as the plan's field contexts hold
// them), from the plan, without collecting them again for each request;
// else from gqlgen. The answer is shared: read it, do not change it.
func CollectFields(ctx context.Context, set ast.SelectionSet, typeName string) []graphql.CollectedField {
	if len(set) > 0 {
		if s, _ := ctx.Value(siteKey{}).(*site); s != nil {
			if f, ok := s.r.p.fields[keyOf(set, typeName)]; ok {
				return f
			}
		}
	}
	return graphql.CollectFields(graphql.GetOperationContext(ctx), set, []string{typeName})
}

// selSet is a selection set on one concrete object type.
type selSet struct {
	typeName string
	steps    []*step
	objects  int // the steps of kindObject: a node's slots
}

type stepKind uint8

const (
	kindTypename stepKind = iota
	kindScalar
	kindObject // an object or a list of objects
)

// step is one field of a selection set, merged as gqlgen's CollectFields
// merges the fields of one response key.
type step struct {
	// id numbers the resolver steps (a run's stepState), from 0; -1 for
	// the others.
	id      int
	kind    stepKind
	keyJSON []byte // "alias":
	field   graphql.CollectedField
	bind    *binding
	// nonNull is the field's own type; elemNonNull its list element's.
	nonNull, elemNonNull bool
	declared             string // the field's type as the schema writes it
	child                *selSet
	// slot is the index of the step's slot in a node (kindObject): only
	// object steps have one.
	slot int32
	// args are the coerced arguments when they hold no variable
	// (constArgs); else varArgs and they are coerced once per request.
	args    map[string]any
	varArgs bool
	// auth are the field's authorization directives, outermost first.
	auth []directive
	// flat and per are the actual-cost meter's price of one instance: flat
	// plus per for each item of a list.
	flat, per int64
	// typename is the JSON of the object's type name (kindTypename).
	typename []byte
}

type directive struct {
	authenticated bool
	scopes        [][]string
}

// compiler holds what compiling one operation needs.
type compiler struct {
	e      *Engine
	oc     *graphql.OperationContext
	steps  int
	fields map[fieldsKey][]graphql.CollectedField
}

// compile answers nil when the plan cannot run the operation: gqlgen's
// executor runs it instead.
func (e *Engine) compile(oc *graphql.OperationContext) *Plan {
	op := oc.Operation
	if op == nil || op.Operation != ast.Query || e.schema.Query == nil {
		return nil
	}
	c := &compiler{e: e, oc: oc, fields: map[fieldsKey][]graphql.CollectedField{}}
	root, ok := c.selection(e.schema.Query, op.SelectionSet)
	if !ok {
		return nil
	}
	return &Plan{root: root, steps: c.steps, fields: c.fields}
}

func (c *compiler) selection(def *ast.Definition, set ast.SelectionSet) (*selSet, bool) {
	out := &selSet{typeName: def.Name}
	binds := c.e.binds[def.Name]
	fields := graphql.CollectFields(c.oc, set, []string{def.Name})
	if len(fields) > math.MaxInt16 {
		return nil, false // node.pstep holds a step's index in 16 bits
	}
	if len(set) > 0 {
		c.fields[keyOf(set, def.Name)] = fields
	}
	for _, f := range fields {
		st := &step{id: -1, field: f, keyJSON: append(appendString(nil, f.Alias), ':')}
		out.steps = append(out.steps, st)
		if f.Name == "__typename" {
			st.kind = kindTypename
			st.typename = appendString(nil, def.Name)
			continue
		}
		fd := f.Definition
		b := binds[f.Name]
		if b == nil || fd == nil {
			return nil, false // introspection, federation, or a field not bound yet
		}
		st.bind = b
		st.nonNull = fd.Type.NonNull
		st.declared = fd.Type.String()
		if fd.Type.Elem != nil {
			st.elemNonNull = fd.Type.Elem.NonNull
		}
		if !c.directives(st, fd) {
			return nil, false
		}
		if !c.arguments(st) {
			return nil, false
		}
		c.price(def.Name, st)
		if b.scalar != nil {
			st.kind = kindScalar
			continue
		}
		st.kind = kindObject
		st.slot = int32(out.objects)
		out.objects++
		if b.resolver {
			st.id = c.steps
			c.steps++
		}
		child := c.e.schema.Types[fd.Type.Name()]
		if child == nil || child.Kind != ast.Object {
			return nil, false
		}
		var ok bool
		if st.child, ok = c.selection(child, f.Selections); !ok {
			return nil, false
		}
	}
	return out, true
}

// directives reads the authorization directives gqlgen's generated code
// runs for the field; every other directive of the schema (cost, list
// sizes, cache hints, tags) does nothing at execution.
func (c *compiler) directives(st *step, fd *ast.FieldDefinition) bool {
	for i := len(fd.Directives) - 1; i >= 0; i-- {
		d := fd.Directives[i]
		switch d.Name {
		case "authenticated":
			st.auth = append(st.auth, directive{authenticated: true})
		case "requiresScopes":
			scopes, ok := scopesOf(d)
			if !ok {
				return false
			}
			st.auth = append(st.auth, directive{scopes: scopes})
		}
	}
	// Only resolver fields carry authorization in this schema; a plain
	// field with one is left to gqlgen.
	return len(st.auth) == 0 || st.bind.resolver
}

func scopesOf(d *ast.Directive) ([][]string, bool) {
	arg := d.Arguments.ForName("scopes")
	if arg == nil {
		return nil, false
	}
	v, err := arg.Value.Value(nil)
	outer, ok := v.([]any)
	if err != nil || !ok {
		return nil, false
	}
	out := make([][]string, 0, len(outer))
	for _, in := range outer {
		list, ok := in.([]any)
		if !ok {
			return nil, false
		}
		all := make([]string, 0, len(list))
		for _, s := range list {
			str, ok := s.(string)
			if !ok {
				return nil, false
			}
			all = append(all, str)
		}
		out = append(out, all)
	}
	return out, true
}

// arguments coerces the arguments once when no variable is involved.
func (c *compiler) arguments(st *step) bool {
	if st.bind.args == nil {
		return len(st.field.Arguments) == 0 || st.bind.resolver
	}
	if usesVariables(st.field.Arguments) {
		st.varArgs = true
		return true
	}
	args, err := st.bind.args(context.Background(), st.field.ArgumentMap(nil))
	if err != nil {
		st.varArgs = true // coerced per request, so that the error has its path
		return true
	}
	st.args = args
	return true
}

func usesVariables(args ast.ArgumentList) bool {
	for _, a := range args {
		if valueUsesVariables(a.Value) {
			return true
		}
	}
	return false
}

func valueUsesVariables(v *ast.Value) bool {
	if v == nil {
		return false
	}
	if v.Kind == ast.Variable {
		return true
	}
	for _, ch := range v.Children {
		if valueUsesVariables(ch.Value) {
			return true
		}
	}
	return false
}

// price asks the meter what one instance of the field costs: flat, plus
// per for each item of a list.
func (c *compiler) price(typeName string, st *step) {
	fc := c.e.opts.FieldCost
	if fc == nil {
		return
	}
	q := st.field.Field
	if st.field.Definition.Type.Elem == nil {
		st.flat = fc(typeName, q, struct{}{})
		return
	}
	st.flat = fc(typeName, q, []struct{}{})
	st.per = fc(typeName, q, []struct{}{{}}) - st.flat
}
