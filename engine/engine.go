// Package engine executes GraphQL operations from compiled plans. Each
// validated operation is compiled once into a Plan (per selection set and
// concrete type: ordered field steps, coerced constant arguments,
// authorization, cost weights) and run level by level: every resolver call
// of one level is made before any of the next, each level's keys reach the
// loaders together, and the answer is written as JSON straight into one
// buffer, without a context, closure or goroutine per field.
//
// It calls the generated resolver interfaces (graph.ResolverRoot) and
// model types, so resolvers, loaders and sources are shared with gqlgen's
// generated executor, which stays the reference (the differential tests
// hold the two byte for byte) and runs what plans do not cover:
// introspection, _service and _entities.
package engine

import (
	"context"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/gqlbff/gqlbff/graph"
)

// Options tune an Engine.
type Options struct {
	// FieldCost prices one resolved field instance for the actual-cost
	// meter, as cost.Analyzer.Instance does; nil meters nothing.
	FieldCost func(typeName string, q *ast.Field, result any) int64
	// Charge receives an operation's actual cost once it has run.
	Charge func(ctx context.Context, actual int64)
	// PlanCacheSize bounds the compiled plans kept (default 1000).
	PlanCacheSize int
}

// LevelPrefetcher is what a resolver root may implement to hear of a whole
// level at once: before the engine makes the resolver calls of one level,
// it hands every one of them over, so that the keys they will load go to
// the loaders as one batch, without waiting for a batch window. ctxs[i]
// carries the call's graphql.FieldContext (its type, field, coerced
// arguments and selection) and parents[i] is its parent's model value
// (*model.Order, …; nil on Query). Only calls whose authorization passed
// are handed over.
type LevelPrefetcher interface {
	PrefetchLevel(ctxs []context.Context, parents []any)
}

// LevelGate is what a resolver root may implement to hear when a level
// starts and who its callers are: EnterLevel answers the context the
// level's calls run in and what each of its callers calls Done on once it
// has made all its calls (a value, not a method value: no allocation per
// level). The loaders hold what the callers queue and send
// it as one batch per loader once every caller has finished or waits for
// it (sources.Level): what is batched together is decided by the plan,
// not by a time window.
type LevelGate interface {
	EnterLevel(ctx context.Context, callers int) (context.Context, interface{ Done() })
}

// Engine compiles and runs plans over one schema and one resolver root.
// Safe for concurrent use.
type Engine struct {
	schema *ast.Schema
	res    *roots
	dirs   graph.DirectiveRoot
	pre    LevelPrefetcher
	gate   LevelGate
	binds  map[string]map[string]*binding
	opts   Options
	plans  *lru.Cache[planKey, *Plan]
}

type planKey struct {
	query, operation, conditions string
}

// New returns an engine for schema (as served, after the server's
// changes), calling res and enforcing dirs' authorization directives.
// Those must decide from the caller in their context, not from the object
// (as gqlbff's @authenticated and @requiresScopes do): once one lets a
// step's first call through, the step's other calls of the request go
// through without it being asked again; a denied call is asked for each
// instance, so that each has its own error.
func New(schema *ast.Schema, res graph.ResolverRoot, dirs graph.DirectiveRoot, opts Options) *Engine {
	if opts.PlanCacheSize <= 0 {
		opts.PlanCacheSize = 1000
	}
	plans, _ := lru.New[planKey, *Plan](opts.PlanCacheSize)
	pre, _ := res.(LevelPrefetcher)
	gate, _ := res.(LevelGate)
	return &Engine{schema: schema, res: rootsOf(res), dirs: dirs, pre: pre, gate: gate, binds: bindings(), opts: opts, plans: plans}
}

// Plan answers the plan of the operation oc holds, compiling it on first
// use; nil when gqlgen's executor must run it.
func (e *Engine) Plan(oc *graphql.OperationContext) *Plan {
	if oc == nil || oc.Operation == nil || oc.Doc == nil {
		return nil
	}
	cond, ok := conditions(oc)
	key := planKey{query: oc.RawQuery, operation: oc.Operation.Name, conditions: cond}
	if ok && oc.RawQuery != "" {
		if p, hit := e.plans.Get(key); hit {
			return p
		}
	}
	p := e.compile(oc)
	if ok && oc.RawQuery != "" {
		e.plans.Add(key, p)
	}
	return p
}

// conditions are the values of the variables the document's @skip and
// @include read: a plan holds for one combination. ok is false when one is
// not a boolean (the plan is then compiled for this request alone).
func conditions(oc *graphql.OperationContext) (string, bool) {
	var b strings.Builder
	ok := true
	var walk func(set ast.SelectionSet, seen map[string]bool)
	cond := func(dl ast.DirectiveList) {
		for _, d := range dl {
			if d.Name != "skip" && d.Name != "include" {
				continue
			}
			a := d.Arguments.ForName("if")
			if a == nil || a.Value == nil || a.Value.Kind != ast.Variable {
				continue
			}
			v, present := oc.Variables[a.Value.Raw]
			switch bv, isBool := v.(bool); {
			case !present || v == nil:
				b.WriteByte('n')
			case isBool && bv:
				b.WriteByte('1')
			case isBool:
				b.WriteByte('0')
			default:
				ok = false
			}
		}
	}
	walk = func(set ast.SelectionSet, seen map[string]bool) {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				cond(s.Directives)
				walk(s.SelectionSet, seen)
			case *ast.InlineFragment:
				cond(s.Directives)
				walk(s.SelectionSet, seen)
			case *ast.FragmentSpread:
				cond(s.Directives)
				if seen[s.Name] {
					continue
				}
				seen[s.Name] = true
				if f := oc.Doc.Fragments.ForName(s.Name); f != nil {
					walk(f.SelectionSet, seen)
				}
			}
		}
	}
	walk(oc.Operation.SelectionSet, map[string]bool{})
	return b.String(), ok
}

// Wrap returns es with plans in front: an operation with a plan runs on
// the engine, any other on es.
func (e *Engine) Wrap(es graphql.ExecutableSchema) graphql.ExecutableSchema {
	return &schema{ExecutableSchema: es, e: e}
}

type schema struct {
	graphql.ExecutableSchema
	e *Engine
}

func (s *schema) Exec(ctx context.Context) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	p := s.e.Plan(oc)
	if p == nil {
		return s.ExecutableSchema.Exec(ctx)
	}
	done := false
	return func(ctx context.Context) *graphql.Response {
		if done {
			return nil
		}
		done = true
		return &graphql.Response{Data: s.e.Execute(ctx, oc, p)}
	}
}
