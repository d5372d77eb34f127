package server

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/plugin/federation/fedruntime"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/gqlbff/gqlbff/graph"
)

// Subgraph mode (graphql.federation). gqlgen's federation plugin always
// generates _service and _entities; the server decides whether they exist:
//   - off (the default): the schema served is a copy without them, without
//     the types and directives only they use, so `{ _entities(...) }` fails
//     validation and introspection does not list them;
//   - on: _service { sdl } answers the subgraph SDL, the schema files with
//     the policy layer's directives taken out, whether or not introspection
//     is on (a gateway composes from it).
// Entity references resolve through the same transport, middleware and
// extensions as any other operation: nothing here bypasses the policy layer.

// internalDirectives are gqlbff's own: the policy layer reads them from the
// schema it serves, and they are no part of the subgraph SDL a gateway
// composes. entityResolver is gqlgen's batching switch.
var internalDirectives = []string{"cost", "listSize", "cacheControl", "authenticated", "requiresScopes", "entityResolver"}

// policyDirectives are declared by the federation plugin (they are Apollo
// Federation's own) but used by gqlbff's policy layer: they stay in the
// schema when subgraph mode is off.
var policyDirectives = []string{"authenticated", "requiresScopes"}

// federationOnlyDirectives are declared in schema/ but mean something only
// in subgraph mode.
var federationOnlyDirectives = []string{"entityResolver"}

// federationInjected reports whether gqlgen's federation plugin added the
// definition at pos (its built-in federation/*.graphql sources).
func federationInjected(pos *ast.Position) bool {
	return pos != nil && pos.Src != nil && pos.Src.BuiltIn && path.Base(path.Dir(pos.Src.Name)) == "federation"
}

// withoutFederation returns a copy of s without what the federation plugin
// added: the _entities and _service fields, the types and directives only
// they use. s itself is left as it is.
func withoutFederation(s *ast.Schema) *ast.Schema {
	out := *s
	out.Directives = make(map[string]*ast.DirectiveDefinition, len(s.Directives))
	for name, d := range s.Directives {
		if federationInjected(d.Position) && !slices.Contains(policyDirectives, name) ||
			slices.Contains(federationOnlyDirectives, name) {
			continue
		}
		out.Directives[name] = d
	}
	// Keep a federation type only when a kept directive takes it as an
	// argument (federation__Scope of @requiresScopes).
	used := map[string]bool{}
	for _, d := range out.Directives {
		for _, a := range d.Arguments {
			used[namedType(a.Type)] = true
		}
	}
	out.Types = make(map[string]*ast.Definition, len(s.Types))
	for name, def := range s.Types {
		if federationInjected(def.Position) && !used[name] {
			continue
		}
		out.Types[name] = def
	}
	if s.Query != nil {
		q := *s.Query
		q.Fields = slices.DeleteFunc(slices.Clone(s.Query.Fields), func(f *ast.FieldDefinition) bool {
			return federationInjected(f.Position)
		})
		out.Query = &q
		out.Types[q.Name] = &q
	}
	kept := func(defs []*ast.Definition) []*ast.Definition {
		return slices.DeleteFunc(slices.Clone(defs), func(d *ast.Definition) bool { return out.Types[d.Name] == nil })
	}
	out.PossibleTypes = map[string][]*ast.Definition{}
	for name, defs := range s.PossibleTypes {
		if out.Types[name] != nil {
			out.PossibleTypes[name] = kept(defs)
		}
	}
	out.Implements = map[string][]*ast.Definition{}
	for name, defs := range s.Implements {
		if out.Types[name] != nil {
			out.Implements[name] = kept(defs)
		}
	}
	return &out
}

func namedType(t *ast.Type) string {
	for t.Elem != nil {
		t = t.Elem
	}
	return t.NamedType
}

// SubgraphSDL returns the SDL a gateway composes, what _service { sdl }
// answers in subgraph mode: gqlbff's schema files (Federation v2 @link and
// @key included), without the internal directives and without what the
// federation plugin adds itself (_service, _entities, _Any, _Entity), as
// @apollo/subgraph prints it.
func SubgraphSDL() (string, error) {
	return subgraphSDL(graph.NewExecutableSchema(graph.Config{}).Schema())
}

// subgraphSDL is SubgraphSDL for the schema generated into s.
func subgraphSDL(s *ast.Schema) (string, error) {
	var all ast.SchemaDocument
	for _, src := range schemaSources(s) {
		doc, err := parser.ParseSchema(src)
		if err != nil {
			return "", fmt.Errorf("subgraph sdl: %s: %w", src.Name, err)
		}
		all.Merge(doc)
	}
	foldExtensions(&all)
	stripDirectives(&all, internalDirectives)
	var buf bytes.Buffer
	formatter.NewFormatter(&buf, formatter.WithIndent("  ")).FormatSchemaDocument(&all)
	return buf.String(), nil
}

// foldExtensions moves each `extend type` of a type the document defines
// into the definition (`type Order @key(fields: "id")`), so the SDL says
// plainly that gqlbff owns Order and Customer.
func foldExtensions(doc *ast.SchemaDocument) {
	doc.Extensions = slices.DeleteFunc(doc.Extensions, func(ext *ast.Definition) bool {
		def := doc.Definitions.ForName(ext.Name)
		if def == nil || def.Kind != ext.Kind {
			return false
		}
		def.Directives = append(def.Directives, ext.Directives...)
		def.Fields = append(def.Fields, ext.Fields...)
		def.EnumValues = append(def.EnumValues, ext.EnumValues...)
		def.Interfaces = append(def.Interfaces, ext.Interfaces...)
		def.Types = append(def.Types, ext.Types...)
		return true
	})
}

// schemaSources returns the hand-written sources s was loaded from, in name
// order: those of its types, fields, directives and schema directives.
func schemaSources(s *ast.Schema) []*ast.Source {
	seen := map[*ast.Source]bool{}
	add := func(pos *ast.Position) {
		if pos != nil && pos.Src != nil && !pos.Src.BuiltIn {
			seen[pos.Src] = true
		}
	}
	for _, def := range s.Types {
		add(def.Position)
		for _, f := range def.Fields {
			add(f.Position)
		}
		for _, v := range def.EnumValues {
			add(v.Position)
		}
		for _, d := range def.Directives {
			add(d.Position)
		}
	}
	for _, d := range s.Directives {
		add(d.Position)
	}
	for _, d := range s.SchemaDirectives {
		add(d.Position)
	}
	return slices.SortedFunc(maps.Keys(seen), func(a, b *ast.Source) int { return cmp.Compare(a.Name, b.Name) })
}

// stripDirectives removes the named directives from every definition of
// doc, and their declarations.
func stripDirectives(doc *ast.SchemaDocument, names []string) {
	drop := func(l ast.DirectiveList) ast.DirectiveList {
		return slices.DeleteFunc(l, func(d *ast.Directive) bool { return slices.Contains(names, d.Name) })
	}
	defs := func(list ast.DefinitionList) {
		for _, def := range list {
			def.Directives = drop(def.Directives)
			for _, f := range def.Fields {
				f.Directives = drop(f.Directives)
				for _, a := range f.Arguments {
					a.Directives = drop(a.Directives)
				}
			}
			for _, v := range def.EnumValues {
				v.Directives = drop(v.Directives)
			}
		}
	}
	defs(doc.Definitions)
	defs(doc.Extensions)
	// The types only the dropped directives take as arguments
	// (CacheControlScope of @cacheControl) go with them: a gateway would
	// hint at them as unused.
	orphans := map[string]bool{}
	doc.Directives = slices.DeleteFunc(doc.Directives, func(d *ast.DirectiveDefinition) bool {
		if !slices.Contains(names, d.Name) {
			return false
		}
		for _, a := range d.Arguments {
			orphans[namedType(a.Type)] = true
		}
		return true
	})
	for name := range referencedTypes(doc) {
		delete(orphans, name)
	}
	doc.Definitions = slices.DeleteFunc(doc.Definitions, func(def *ast.Definition) bool { return orphans[def.Name] })
}

// referencedTypes names every type that doc's fields, arguments, unions,
// interfaces and directive definitions refer to.
func referencedTypes(doc *ast.SchemaDocument) map[string]bool {
	refs := map[string]bool{}
	args := func(l ast.ArgumentDefinitionList) {
		for _, a := range l {
			refs[namedType(a.Type)] = true
		}
	}
	for _, list := range []ast.DefinitionList{doc.Definitions, doc.Extensions} {
		for _, def := range list {
			for _, f := range def.Fields {
				refs[namedType(f.Type)] = true
				args(f.Arguments)
			}
			for _, t := range def.Types {
				refs[t] = true
			}
			for _, t := range def.Interfaces {
				refs[t] = true
			}
		}
	}
	for _, d := range doc.Directives {
		args(d.Arguments)
	}
	return refs
}

// subgraphFields answers Query._service with sdl, and refuses an _entities
// call with a malformed representation as the caller's mistake
// (BAD_USER_INPUT) before any source call. gqlgen's own _service resolver
// would serve the raw schema files, internal directives included, and
// refuse when introspection is off; its _entities would report a bad
// representation as an internal error.
func subgraphFields(sdl string, s *ast.Schema) graphql.FieldMiddleware {
	keys := entityKeys(s)
	return func(ctx context.Context, next graphql.Resolver) (any, error) {
		fc := graphql.GetFieldContext(ctx)
		if fc == nil || fc.Object != s.Query.Name {
			return next(ctx)
		}
		switch fc.Field.Name {
		case "_service":
			return fedruntime.Service{SDL: sdl}, nil
		case "_entities":
			reps, _ := fc.Args["representations"].([]map[string]any)
			if err := checkRepresentations(reps, keys); err != nil {
				return nil, err
			}
		}
		return next(ctx)
	}
}

// entityKeys maps each entity type to the fields of its @key.
func entityKeys(s *ast.Schema) map[string][]string {
	out := map[string][]string{}
	for _, def := range s.PossibleTypes["_Entity"] {
		if key := def.Directives.ForName("key"); key != nil {
			if f := key.Arguments.ForName("fields"); f != nil && f.Value != nil {
				out[def.Name] = strings.Fields(f.Value.Raw)
			}
		}
	}
	return out
}

// checkRepresentations reports the first representation that names no
// entity type or lacks a key field.
func checkRepresentations(reps []map[string]any, keys map[string][]string) error {
	for i, rep := range reps {
		typ, _ := rep["__typename"].(string)
		fields, ok := keys[typ]
		if !ok {
			return newError(CodeBadUserInput, "representations[%d]: __typename must name an entity type", i)
		}
		for _, f := range fields {
			switch rep[f].(type) {
			case string, json.Number, int64, float64:
			default:
				return newError(CodeBadUserInput, "representations[%d]: %s needs its key field %q", i, typ, f)
			}
		}
	}
	return nil
}

// sizeEntities returns s with _entities priced by its number of
// representations, as @listSize(slicingArguments: ["representations"])
// would: the federation plugin writes the field, so the directive is added
// to the schema served. Without it a gateway's 1,000 references would cost
// as much as 10. s itself (gqlgen's package-level schema) is left as it is.
func sizeEntities(s *ast.Schema) *ast.Schema {
	if s.Query == nil {
		return s
	}
	i := slices.IndexFunc(s.Query.Fields, func(f *ast.FieldDefinition) bool { return f.Name == "_entities" })
	if i < 0 || s.Query.Fields[i].Directives.ForName("listSize") != nil {
		return s
	}
	field := *s.Query.Fields[i]
	field.Directives = append(slices.Clip(field.Directives), &ast.Directive{
		Name:       "listSize",
		Definition: s.Directives["listSize"],
		Location:   ast.LocationFieldDefinition,
		Arguments: ast.ArgumentList{{
			Name: "slicingArguments",
			Value: &ast.Value{Kind: ast.ListValue, Children: ast.ChildValueList{
				{Value: &ast.Value{Kind: ast.StringValue, Raw: "representations"}},
			}},
		}},
	})
	query := *s.Query
	query.Fields = slices.Clone(s.Query.Fields)
	query.Fields[i] = &field
	out := *s
	out.Query = &query
	out.Types = maps.Clone(s.Types)
	out.Types[query.Name] = &query
	return &out
}
