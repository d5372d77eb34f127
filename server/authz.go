package server

import (
	"context"
	"slices"

	"github.com/99designs/gqlgen/graphql"
)

// The field-level authorization of the schema's @authenticated and
// @requiresScopes directives, run by gqlgen's generated hooks before the
// field's resolver: a denied field is null with a FORBIDDEN error at its
// path, its resolver never runs, so no source is called for it.

func authenticatedDirective(ctx context.Context, _ any, next graphql.Resolver) (any, error) {
	if IdentityFrom(ctx).Anonymous() {
		return nil, newError(CodeForbidden, "this field needs an authenticated caller")
	}
	return next(ctx)
}

func requiresScopesDirective(ctx context.Context, _ any, next graphql.Resolver, scopes [][]string) (any, error) {
	if !HasScopes(IdentityFrom(ctx).Scopes, scopes) {
		return nil, newError(CodeForbidden, "this field needs the scopes %v", scopes)
	}
	return next(ctx)
}

// HasScopes reports whether held satisfies any one of the alternatives, each
// of which needs all its scopes.
func HasScopes(held []string, alternatives [][]string) bool {
	for _, all := range alternatives {
		ok := true
		for _, s := range all {
			if !slices.Contains(held, s) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}
