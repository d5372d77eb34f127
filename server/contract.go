package server

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	lru "github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"

	"github.com/gqlbff/gqlbff/graph"
	"github.com/gqlbff/gqlbff/persisted"
	"github.com/gqlbff/gqlbff/resolvers"
)

// A contract is the part of the schema one client profile sees: the schema
// without what its profile's excludeTags name (or with only what its
// includeTags name). @tag(name: "…") marks fields, types, arguments, input
// fields and enum values. For the profile the hidden parts do not exist:
// operations are validated and introspected against the contract's schema,
// built once at start, and executed with the full one (a document valid
// against the contract is valid against the whole).
type contract struct {
	profile string
	schema  *ast.Schema
	// valid caches, per query text, the contract's verdict on a document
	// the full schema accepted (nil: valid).
	mu    sync.Mutex
	valid *lru.LRU[gqlerror.List]
}

// tagsOf are the names of a definition's @tag directives.
func tagsOf(ds ast.DirectiveList) []string {
	var out []string
	for _, d := range ds.ForNames("tag") {
		if a := d.Arguments.ForName("name"); a != nil && a.Value != nil {
			out = append(out, a.Value.Raw)
		}
	}
	return out
}

// tagFilter decides what a contract keeps.
type tagFilter struct {
	exclude, include []string
}

func (f tagFilter) empty() bool { return len(f.exclude) == 0 && len(f.include) == 0 }

// hides reports whether a part carrying tags is hidden. With includeTags,
// a tagged part must carry one of them (untagged parts stay, as in Apollo's
// contracts for fields of an included type); excludeTags wins.
func (f tagFilter) hides(tags []string) bool {
	for _, t := range tags {
		if slices.Contains(f.exclude, t) {
			return true
		}
	}
	if len(f.include) > 0 && len(tags) > 0 {
		for _, t := range tags {
			if slices.Contains(f.include, t) {
				return false
			}
		}
		return true
	}
	return false
}

// contractSchema is s without what f hides. A field whose type is hidden is
// hidden too when it is nullable; when it is non-null the contract is
// refused (the parent requires it: tag the field as well). A required
// argument or input field whose type is hidden, or that is hidden itself,
// is refused, as is a type left with no field.
func contractSchema(s *ast.Schema, f tagFilter) (*ast.Schema, error) {
	hiddenType := map[string]bool{}
	for name, d := range s.Types {
		if !d.BuiltIn && f.hides(tagsOf(d.Directives)) {
			hiddenType[name] = true
		}
	}
	var problems []string
	out := *s
	out.Types = make(map[string]*ast.Definition, len(s.Types))
	for name, d := range s.Types {
		if hiddenType[name] {
			continue
		}
		if d.BuiltIn {
			out.Types[name] = d
			continue
		}
		c := *d
		c.Fields = nil
		for _, fd := range d.Fields {
			if strings.HasPrefix(fd.Name, "__") {
				c.Fields = append(c.Fields, fd)
				continue
			}
			if f.hides(tagsOf(fd.Directives)) {
				if d.Kind == ast.InputObject && fd.Type.NonNull && fd.DefaultValue == nil {
					problems = append(problems, fmt.Sprintf("%s.%s is a required input field: it cannot be hidden", name, fd.Name))
				}
				continue
			}
			if hiddenType[fd.Type.Name()] {
				if fd.Type.NonNull || d.Kind == ast.InputObject {
					problems = append(problems, fmt.Sprintf("%s.%s is %s, whose type the contract hides, and the parent requires it: tag the field too or make it nullable", name, fd.Name, fd.Type.String()))
				}
				continue
			}
			fc := *fd
			fc.Arguments = nil
			for _, a := range fd.Arguments {
				hidden := f.hides(tagsOf(a.Directives)) || hiddenType[a.Type.Name()]
				if !hidden {
					fc.Arguments = append(fc.Arguments, a)
					continue
				}
				if a.Type.NonNull && a.DefaultValue == nil {
					problems = append(problems, fmt.Sprintf("%s.%s(%s:) is a required argument the contract hides: hide the field too", name, fd.Name, a.Name))
				}
			}
			c.Fields = append(c.Fields, &fc)
		}
		if d.Kind == ast.Enum {
			c.EnumValues = nil
			for _, v := range d.EnumValues {
				if !f.hides(tagsOf(v.Directives)) {
					c.EnumValues = append(c.EnumValues, v)
				}
			}
			if len(c.EnumValues) == 0 {
				problems = append(problems, fmt.Sprintf("enum %s has no value left", name))
			}
		}
		if (d.Kind == ast.Object || d.Kind == ast.Interface || d.Kind == ast.InputObject) && len(d.Fields) > 0 && !hasOwnField(c.Fields) {
			problems = append(problems, fmt.Sprintf("type %s has no field left: hide the type instead", name))
		}
		if d.Kind == ast.Union {
			c.Types = slices.DeleteFunc(slices.Clone(d.Types), func(t string) bool { return hiddenType[t] })
		}
		c.Interfaces = slices.DeleteFunc(slices.Clone(d.Interfaces), func(t string) bool { return hiddenType[t] })
		out.Types[name] = &c
	}
	if len(problems) > 0 {
		slices.Sort(problems)
		return nil, fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	for _, root := range []**ast.Definition{&out.Query, &out.Mutation, &out.Subscription} {
		if *root != nil {
			*root = out.Types[(*root).Name]
		}
	}
	out.PossibleTypes = map[string][]*ast.Definition{}
	out.Implements = map[string][]*ast.Definition{}
	for _, d := range out.Types {
		if d.Kind == ast.Union {
			for _, t := range d.Types {
				if td := out.Types[t]; td != nil {
					out.AddPossibleType(d.Name, td)
					out.AddImplements(t, d)
				}
			}
		}
		if d.Kind == ast.Object || d.Kind == ast.Interface {
			out.AddPossibleType(d.Name, d)
			for _, i := range d.Interfaces {
				if id := out.Types[i]; id != nil {
					out.AddPossibleType(i, d)
					out.AddImplements(d.Name, id)
				}
			}
		}
	}
	return &out, nil
}

func hasOwnField(fs ast.FieldList) bool {
	for _, f := range fs {
		if !strings.HasPrefix(f.Name, "__") {
			return true
		}
	}
	return false
}

// contracts are the profiles' contracts; a profile that hides nothing has
// none.
type contracts map[string]*contract

// newContracts builds each profile's contract from cfg against s, refusing
// one that breaks the schema.
func newContracts(cfg ProfilesConfig, s *ast.Schema, cacheSize int) (contracts, error) {
	cs := contracts{}
	if cacheSize <= 0 {
		cacheSize = 1000
	}
	for name, p := range cfg.all() {
		f := tagFilter{exclude: p.ExcludeTags, include: p.IncludeTags}
		if f.empty() {
			continue
		}
		cs2, err := contractSchema(s, f)
		if err != nil {
			return nil, fmt.Errorf("profiles.%s: the contract (excludeTags %v, includeTags %v) is refused: %w", name, p.ExcludeTags, p.IncludeTags, err)
		}
		cs[name] = &contract{profile: name, schema: cs2, valid: lru.New[gqlerror.List](cacheSize)}
	}
	return cs, nil
}

// check validates a document, already valid against the full schema,
// against the contract; the verdict is cached by query text.
func (c *contract) check(query string) gqlerror.List {
	c.mu.Lock()
	errs, ok := c.valid.Get(context.Background(), query)
	c.mu.Unlock()
	if ok {
		return errs
	}
	// Validation records each field's definition in the document: the
	// shared, cached document must keep the full schema's, so the contract
	// validates a copy of its own.
	own, perr := parser.ParseQuery(&ast.Source{Input: query})
	if perr != nil {
		errs = gqlerror.List{gqlerror.Errorf("%v", perr)}
	} else {
		errs = validator.ValidateWithRules(c.schema, own, nil)
	}
	for _, e := range errs {
		if e.Extensions == nil {
			e.Extensions = map[string]any{}
		}
		e.Extensions["code"] = CodeValidationFailed
	}
	c.mu.Lock()
	c.valid.Add(context.Background(), query, errs)
	c.mu.Unlock()
	return errs
}

// contractPolicy refuses, before execution, an operation that uses what
// the caller's contract hides, with the errors validation gives against
// the contract's schema: the same as for a field that does not exist.
type contractPolicy struct {
	profiles profiles
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = contractPolicy{}

// ExtensionName names the extension.
func (contractPolicy) ExtensionName() string { return "ContractPolicy" }

// Validate accepts every schema.
func (contractPolicy) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext validates the operation against the contract.
func (p contractPolicy) MutateOperationContext(ctx context.Context, op *graphql.OperationContext) *gqlerror.Error {
	c := p.profiles.of(ctx).contract
	if c == nil || op.Doc == nil {
		return nil
	}
	if errs := c.check(op.RawQuery); len(errs) > 0 {
		// A copy: errs is cached, shared by concurrent requests.
		e := *errs[0]
		e.Extensions = map[string]any{"code": CodeValidationFailed}
		return &e
	}
	return nil
}

// contractIntrospection runs an operation that introspects on an executor
// whose schema is the caller's contract, so __schema and __type describe
// the contract only; every other operation runs on next.
type contractIntrospection struct {
	graphql.ExecutableSchema
	profiles profiles
	byName   map[string]graphql.ExecutableSchema
}

// withContractIntrospection puts, in front of es, an executor per contract
// for the operations that introspect (nil contracts: es itself).
func withContractIntrospection(es graphql.ExecutableSchema, ps profiles, maxPage int) graphql.ExecutableSchema {
	byName := map[string]graphql.ExecutableSchema{}
	for p := range ps.all() {
		if p.contract == nil {
			continue
		}
		res := &resolvers.Resolver{MaxPage: maxPage}
		ces := graph.NewExecutableSchema(graph.Config{
			Resolvers: res,
			Schema:    p.contract.schema,
			Directives: graph.DirectiveRoot{
				Authenticated:  authenticatedDirective,
				RequiresScopes: requiresScopesDirective,
			},
		})
		res.Allow = fieldGate(es.Schema())
		byName[p.name] = ces
	}
	if len(byName) == 0 {
		return es
	}
	return contractIntrospection{ExecutableSchema: es, profiles: ps, byName: byName}
}

// Exec implements graphql.ExecutableSchema.
func (c contractIntrospection) Exec(ctx context.Context) graphql.ResponseHandler {
	op := graphql.GetOperationContext(ctx)
	if es, ok := c.byName[c.profiles.of(ctx).name]; ok && op.Operation != nil && introspects(op.Doc, op.Operation.SelectionSet, map[string]bool{}) {
		return es.Exec(ctx)
	}
	return c.ExecutableSchema.Exec(ctx)
}

// checkContracts checks a manifest's trusted documents against each
// profile's contract as it comes into force: the verdicts are cached (a
// document the contract refuses is refused to the profile, as unknown
// fields are) and the documents a profile cannot run are logged by name.
// A document that names the profiles it serves is checked against theirs
// only; one that names a profile gqlbff does not have is logged too.
func checkContracts(ps profiles, m *persisted.Manifest, log *slog.Logger) {
	var unknown []string
	for _, d := range m.Documents() {
		for _, name := range d.Profiles {
			if !slices.Contains(profileNames[:], name) {
				unknown = append(unknown, d.Name+" ("+d.ID+"): "+name)
			}
		}
	}
	if len(unknown) > 0 {
		log.Warn("trusted documents name profiles that do not exist: they serve none of them",
			"documents", unknown, "profiles", profileNames[:])
	}
	for p := range ps.all() {
		if p.contract == nil || p.persisted == ModeOff {
			continue
		}
		var refused []string
		for _, d := range m.Documents() {
			if !d.Serves(p.name) {
				continue
			}
			if errs := p.contract.check(d.Body); len(errs) > 0 {
				refused = append(refused, d.Name+" ("+d.ID+"): "+errs[0].Message)
			}
		}
		if len(refused) > 0 {
			log.Warn("trusted documents outside the profile's contract: refused to that profile",
				"profile", p.name, "documents", refused)
		}
	}
}

// CheckManifestProfiles checks the profiles each trusted document of m
// names against cfg: a profile that does not exist, or whose contract
// refuses the document, is a problem (a document that names no profile
// serves each one it fits, and is not checked here). Every problem is
// reported, by document.
func CheckManifestProfiles(cfg ProfilesConfig, m *persisted.Manifest) error {
	cs, err := newContracts(cfg, Schema(), 100)
	if err != nil {
		return err
	}
	var problems []persisted.Problem
	for _, d := range m.Documents() {
		for _, name := range d.Profiles {
			switch c := cs[name]; {
			case !slices.Contains(profileNames[:], name):
				problems = append(problems, persisted.Problem{ID: d.ID, Name: d.Name,
					Err: fmt.Errorf("names the profile %q, which does not exist (profiles: %s)", name, strings.Join(profileNames[:], ", "))})
			case c != nil:
				if errs := c.check(d.Body); len(errs) > 0 {
					problems = append(problems, persisted.Problem{ID: d.ID, Name: d.Name,
						Err: fmt.Errorf("serves %s, whose contract refuses it: %s", name, errs[0].Message)})
				}
			}
		}
	}
	if len(problems) > 0 {
		return &persisted.ManifestError{Problems: problems}
	}
	return nil
}
