package server

import (
	"context"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/gqlbff/gqlbff/caller"
)

// IntrospectionPolicy allows __schema and __type per client profile
// (profiles.*.introspection). For a profile without introspection an
// operation that selects either is refused before execution with
// GRAPHQL_VALIDATION_FAILED, and validation errors lose their "Did you
// mean …?" suggestions, which would otherwise reveal the schema piece by
// piece. __typename stays allowed: it reveals nothing.
//
// gqlgen's SetDisableSuggestion is a server-wide switch applied while a
// document is validated, before the caller's profile matters, and it
// covers two rules only; this policy trims the suggestion every rule
// appends (" Did you mean …?" always ends the message) per request.
type introspectionPolicy struct {
	profiles profiles
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
	graphql.ResponseInterceptor
} = introspectionPolicy{}

// ExtensionName names the extension.
func (introspectionPolicy) ExtensionName() string { return "IntrospectionPolicy" }

// Validate accepts every schema.
func (introspectionPolicy) Validate(graphql.ExecutableSchema) error { return nil }

// allowed reports whether the caller's profile may introspect; a context
// with no caller may not.
func (p introspectionPolicy) allowed(ctx context.Context) bool {
	c := caller.From(ctx)
	return p.profiles.known(c.Client) && p.profiles.named(c.Client).introspection
}

// MutateOperationContext turns introspection on or off for this operation
// and refuses one that introspects without the right.
func (p introspectionPolicy) MutateOperationContext(ctx context.Context, op *graphql.OperationContext) *gqlerror.Error {
	if p.allowed(ctx) {
		op.DisableIntrospection = false
		return nil
	}
	op.DisableIntrospection = true
	if introspects(op.Doc, op.Operation.SelectionSet, map[string]bool{}) {
		return newError(CodeValidationFailed, "introspection is not allowed for this client")
	}
	return nil
}

// introspects reports whether a selection set of the root selects __schema
// or __type, through fragments too. Both exist on the query root only, so
// the root level is the whole search.
func introspects(doc *ast.QueryDocument, set ast.SelectionSet, seen map[string]bool) bool {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if s.Name == "__schema" || s.Name == "__type" {
				return true
			}
		case *ast.InlineFragment:
			if introspects(doc, s.SelectionSet, seen) {
				return true
			}
		case *ast.FragmentSpread:
			if seen[s.Name] {
				continue
			}
			seen[s.Name] = true
			if f := doc.Fragments.ForName(s.Name); f != nil && introspects(doc, f.SelectionSet, seen) {
				return true
			}
		}
	}
	return false
}

// InterceptResponse trims the suggestions of validation errors for a
// caller whose profile may not introspect or sees a contract (a suggestion
// made against the full schema could name what the contract hides).
func (p introspectionPolicy) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if resp == nil || len(resp.Errors) == 0 || p.allowed(ctx) && p.profiles.of(ctx).contract == nil {
		return resp
	}
	for _, e := range resp.Errors {
		if code, _ := e.Extensions["code"].(string); code == CodeValidationFailed {
			if i := strings.Index(e.Message, " Did you mean "); i >= 0 {
				e.Message = e.Message[:i]
			}
		}
	}
	return resp
}
