package server

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/gqlbff/gqlbff/caller"
	"github.com/gqlbff/gqlbff/cost"
)

// AmountLimit refuses an operation whose page sizes (`first`) or id lists
// (`ids`) are over the limit, before any resolver runs: a client cannot make
// the BFF ask a source for a million rows. Fragments and variables are
// followed; the check never depends on an operation or fragment name.
type amountLimit struct {
	// max is the largest `first` and the longest `ids` allowed.
	max int
	// profiles may lower max for a client profile (maxPage; 0: max).
	profiles profiles
}

var (
	_ graphql.HandlerExtension        = amountLimit{}
	_ graphql.OperationContextMutator = amountLimit{}
)

// ExtensionName implements graphql.HandlerExtension.
func (amountLimit) ExtensionName() string { return "AmountLimit" }

// Validate implements graphql.HandlerExtension.
func (a amountLimit) Validate(graphql.ExecutableSchema) error {
	if a.max <= 0 {
		return fmt.Errorf("AmountLimit: max must be positive, got %d", a.max)
	}
	return nil
}

// MutateOperationContext implements graphql.OperationContextMutator.
func (a amountLimit) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	limit := a.max
	if p, ok := a.profiles.byName[caller.From(ctx).Client]; ok && p.maxPage > 0 && p.maxPage < limit {
		limit = p.maxPage
	}
	w := amountWalker{max: limit, vars: oc.Variables, frags: oc.Doc.Fragments, seen: map[string]bool{}}
	return w.walk(oc.Operation.SelectionSet)
}

type amountWalker struct {
	max   int
	vars  map[string]any
	frags ast.FragmentDefinitionList
	seen  map[string]bool
}

func (w *amountWalker) walk(set ast.SelectionSet) *gqlerror.Error {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if err := w.field(s); err != nil {
				return err
			}
			if err := w.walk(s.SelectionSet); err != nil {
				return err
			}
		case *ast.InlineFragment:
			if err := w.walk(s.SelectionSet); err != nil {
				return err
			}
		case *ast.FragmentSpread:
			if w.seen[s.Name] {
				continue // arguments do not change between spreads
			}
			w.seen[s.Name] = true
			if def := w.frags.ForName(s.Name); def != nil {
				if err := w.walk(def.SelectionSet); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func (w *amountWalker) field(f *ast.Field) *gqlerror.Error {
	for _, arg := range f.Arguments {
		switch arg.Name {
		case "first":
			v, err := arg.Value.Value(w.vars)
			if err != nil || v == nil {
				continue
			}
			n, ok := cost.Int(v)
			if !ok || n < 0 || n > int64(w.max) {
				return w.refuse(f, "%s: first must be between 0 and %d", f.Alias, w.max)
			}
		case "ids":
			v, err := arg.Value.Value(w.vars)
			if err != nil {
				continue
			}
			if list, ok := v.([]any); ok && len(list) > w.max {
				return w.refuse(f, "%s: ids holds at most %d ids, got %d", f.Alias, w.max, len(list))
			}
		}
	}
	return nil
}

func (w *amountWalker) refuse(f *ast.Field, format string, args ...any) *gqlerror.Error {
	e := newError(CodeBadUserInput, format, args...)
	if f.Position != nil {
		e.Locations = []gqlerror.Location{{Line: f.Position.Line, Column: f.Position.Column}}
	}
	return e
}
