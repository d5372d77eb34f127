package server

import (
	"context"
	"iter"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/gqlbff/gqlbff/budget"
	"github.com/gqlbff/gqlbff/caller"
	"github.com/gqlbff/gqlbff/cost"
)

// profilePolicy is one client profile's policy, resolved once from its
// ProfileConfig into the typed values the policies read.
type profilePolicy struct {
	name           string
	allowAnonymous bool
	introspection  bool
	persisted      PersistedMode
	cost           costPolicy
	structure      cost.Limits
	// maxPage lowers graphql.maxPage for the profile (0: graphql.maxPage).
	maxPage int
	// contract is the part of the schema the profile sees; nil: all of it.
	contract *contract
}

// profiles are the client profiles' policies, resolved once when the
// server is built; every policy reads the caller's from here.
type profiles struct {
	byName map[string]*profilePolicy
	// fallback is the default profile's: that of a context with no caller.
	fallback *profilePolicy
}

// resolveProfiles resolves each client profile's settings, once.
func resolveProfiles(cfg ProfilesConfig) profiles {
	ps := profiles{byName: make(map[string]*profilePolicy, len(profileNames))}
	for name, p := range cfg.all() {
		pol := &profilePolicy{
			name:           name,
			allowAnonymous: p.AllowAnonymous,
			introspection:  p.Introspection,
			persisted:      p.PersistedQueries,
			cost: costPolicy{
				profile: name,
				max:     int64(p.MaxCost),
				measure: p.CostMode == CostMeasure,
				explain: p.CostExplain,
				budget:  budget.Limit{Capacity: p.Budget.Capacity, Rate: p.Budget.RestoreRate},
			},
			structure: cost.Limits{
				Depth: p.MaxDepth, Aliases: p.MaxAliases, RootFields: p.MaxRootFields,
				Fields: p.MaxFields, Directives: p.MaxDirectives, OperationName: p.MaxOperationName,
			},
			maxPage: p.MaxPage,
		}
		// An operation dearer than a full bucket could never run.
		if capacity := int64(p.Budget.Capacity); capacity > 0 && (pol.cost.max == 0 || capacity < pol.cost.max) {
			pol.cost.max = capacity
		}
		ps.byName[name] = pol
	}
	ps.fallback = ps.byName[cfg.Default]
	if ps.fallback == nil { // Config.Validate refuses such a default
		ps.fallback = &profilePolicy{name: cfg.Default}
	}
	return ps
}

// of is the policy of ctx's caller's profile; the default profile's when
// ctx has no caller.
func (ps profiles) of(ctx context.Context) *profilePolicy {
	return ps.named(caller.From(ctx).Client)
}

// named is the named profile's policy; the default profile's when no
// profile has that name.
func (ps profiles) named(name string) *profilePolicy {
	if p, ok := ps.byName[name]; ok {
		return p
	}
	return ps.fallback
}

// known reports whether a profile has that name.
func (ps profiles) known(name string) bool {
	_, ok := ps.byName[name]
	return ok
}

// all yields every profile's policy, in the order of profileNames.
func (ps profiles) all() iter.Seq[*profilePolicy] {
	return func(yield func(*profilePolicy) bool) {
		for _, name := range profileNames {
			if !yield(ps.byName[name]) {
				return
			}
		}
	}
}

// attachContracts builds each profile's contract against s (contract.go),
// refusing one that breaks the schema.
func (ps profiles) attachContracts(cfg ProfilesConfig, s *ast.Schema, cacheSize int) error {
	cs, err := newContracts(cfg, s, cacheSize)
	if err != nil {
		return err
	}
	for name, c := range cs {
		ps.byName[name].contract = c
	}
	return nil
}
