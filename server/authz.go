package server

import (
	"context"
	"slices"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/gqlbff/gqlbff/caller"
)

// The field-level authorization of the schema's @authenticated and
// @requiresScopes directives, run by gqlgen's generated hooks before the
// field's resolver: a denied field is null with a FORBIDDEN error at its
// path, its resolver never runs, so no source is called for it.

func authenticatedDirective(ctx context.Context, _ any, next graphql.Resolver) (any, error) {
	if caller.From(ctx).Anonymous() {
		return nil, newError(CodeForbidden, "this field needs an authenticated caller")
	}
	return next(ctx)
}

func requiresScopesDirective(ctx context.Context, _ any, next graphql.Resolver, scopes [][]string) (any, error) {
	if !hasScopes(caller.From(ctx).Scopes, scopes) {
		return nil, newError(CodeForbidden, "this field needs the scopes %v", scopes)
	}
	return next(ctx)
}

// HasScopes reports whether held satisfies any one of the alternatives, each
// of which needs all its scopes.
func hasScopes(held []string, alternatives [][]string) bool {
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

// fieldRule is what the schema's directives demand of one field.
type fieldRule struct {
	authenticated bool
	scopes        [][]string
}

// fieldGate answers, for the resolvers' lookahead prefetch, whether the
// caller may resolve typeName.field: the rule the directive hooks enforce,
// read once from the schema, so that a prefetch never calls a source for a
// field the hooks will deny.
func fieldGate(schema *ast.Schema) func(ctx context.Context, typeName, field string) bool {
	rules := map[string]fieldRule{}
	for _, def := range schema.Types {
		for _, f := range def.Fields {
			var r fieldRule
			for _, d := range f.Directives {
				switch d.Name {
				case "authenticated":
					r.authenticated = true
				case "requiresScopes":
					r.scopes = scopesArg(d)
				}
			}
			if r.authenticated || r.scopes != nil {
				rules[def.Name+"."+f.Name] = r
			}
		}
	}
	return func(ctx context.Context, typeName, field string) bool {
		r, ok := rules[typeName+"."+field]
		if !ok {
			return true
		}
		id := caller.From(ctx)
		return !(r.authenticated && id.Anonymous()) && (r.scopes == nil || hasScopes(id.Scopes, r.scopes))
	}
}

// scopesArg reads @requiresScopes(scopes: [[String!]!]!); a value it cannot
// read denies the field.
func scopesArg(d *ast.Directive) [][]string {
	out := [][]string{}
	arg := d.Arguments.ForName("scopes")
	if arg == nil {
		return out
	}
	v, err := arg.Value.Value(nil)
	outer, ok := v.([]any)
	if err != nil || !ok {
		return out
	}
	for _, inner := range outer {
		list, ok := inner.([]any)
		if !ok {
			return [][]string{}
		}
		all := make([]string, 0, len(list))
		for _, s := range list {
			str, ok := s.(string)
			if !ok {
				return [][]string{}
			}
			all = append(all, str)
		}
		out = append(out, all)
	}
	return out
}
