package server

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/executor"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/gqlbff/gqlbff/auth"
	"github.com/gqlbff/gqlbff/graph"
	"github.com/gqlbff/gqlbff/persisted"
	"github.com/gqlbff/gqlbff/resolvers"
	"github.com/gqlbff/gqlbff/server/playground"
)

// playgroundProfiles are what the playground shows as each client profile
// (/?profile=NAME), the default profile first:
//   - its schema, the contract's, as an introspection result, when the
//     profile may introspect or in demo mode (the docs need no request the
//     profile may not make);
//   - the example operations it can run: valid against its contract and,
//     when it may only run trusted documents, one of the manifest's that
//     serves it, sent by id when the profile may only send ids;
//   - in demo mode, a dev token of the profile.
//
// The tabs follow the manifest in force when the server starts.
func playgroundProfiles(cfg Config, ps profiles, full *ast.Schema, pq *persistedPolicy, headers map[string]string) ([]playground.Profile, error) {
	var out []playground.Profile
	add := func(p *profilePolicy) error {
		view := playground.Profile{Name: p.name, Headers: devHeadersFor(cfg, p.name)}
		if p.name == ps.fallback.name && headers != nil {
			view.Headers = headers
		}
		s := full
		if p.contract != nil {
			s = p.contract.schema
		}
		if cfg.Demo || p.introspection {
			b, err := introspectionJSON(s)
			if err != nil {
				return fmt.Errorf("playground: profile %s: %w", p.name, err)
			}
			view.Schema = b
		}
		view.Operation = func(_, query string) (bool, string) { return playgroundRuns(p, pq, query) }
		out = append(out, view)
		return nil
	}
	if err := add(ps.fallback); err != nil {
		return nil, err
	}
	for p := range ps.all() {
		if p != ps.fallback {
			if err := add(p); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// playgroundRuns says whether profile p can run query, and the trusted
// document's id to send when p may only send ids.
func playgroundRuns(p *profilePolicy, pq *persistedPolicy, query string) (bool, string) {
	if p.contract != nil && len(p.contract.check(query)) > 0 {
		return false, ""
	}
	if p.persisted == ModeOff || p.persisted == ModeLogUnknown {
		return true, ""
	}
	var m *persisted.Manifest
	if pq != nil && pq.trusted != nil {
		m = pq.trusted.Current()
	}
	norm, err := persisted.Normalize(query, 0)
	if err != nil {
		return false, ""
	}
	doc, ok := m.Match(norm)
	if !ok || !doc.Serves(p.name) {
		return false, ""
	}
	if p.persisted == ModeRequireID {
		return true, doc.ID
	}
	return true, ""
}

// devHeadersFor are the playground's headers for a profile in demo mode: a
// dev token for customer c1 of that profile with every read scope; nil
// otherwise.
func devHeadersFor(cfg Config, profile string) map[string]string {
	if !cfg.Demo || cfg.JWT.Secret == "" {
		return nil
	}
	tok, err := auth.MintToken(cfg.JWT, "c1", profile, DevScopes(), 24*time.Hour)
	if err != nil {
		return nil
	}
	return map[string]string{"Authorization": "Bearer " + tok}
}

// introspectionQuery is GraphiQL's: every type with its fields, arguments,
// input fields and enum values, deprecated ones included with their
// reasons.
const introspectionQuery = `query IntrospectionQuery {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }`

// introspectionJSON is s's introspection result, the data of
// introspectionQuery.
func introspectionJSON(s *ast.Schema) (json.RawMessage, error) {
	es := graph.NewExecutableSchema(graph.Config{
		Resolvers: &resolvers.Resolver{},
		Schema:    s,
		Directives: graph.DirectiveRoot{
			Authenticated:  authenticatedDirective,
			RequiresScopes: requiresScopesDirective,
		},
	})
	x := executor.New(es)
	x.Use(extension.Introspection{})
	ctx := graphql.StartOperationTrace(context.Background())
	op, errs := x.CreateOperationContext(ctx, &graphql.RawParams{Query: introspectionQuery, ReadTime: graphql.TraceTiming{Start: graphql.Now(), End: graphql.Now()}})
	if errs != nil {
		return nil, errs
	}
	h, ctx := x.DispatchOperation(ctx, op)
	resp := h(ctx)
	if len(resp.Errors) > 0 {
		return nil, resp.Errors
	}
	return json.RawMessage(resp.Data), nil
}
