package server

import (
	"log/slog"

	"github.com/gqlbff/gqlbff/budget"
	"github.com/gqlbff/gqlbff/sources"
)

// What the tests of package server_test use of the policies, built from a
// whole Config as New builds them.

// CostLimit is the cost policy.
type CostLimit = costLimit

// StructureLimit is the structural limits.
type StructureLimit = structureLimit

// NewCostLimit is the cost policy New builds for cfg.
func NewCostLimit(cfg Config, store budget.Store, log *slog.Logger) *CostLimit {
	return newCostLimit(resolveProfiles(cfg.Profiles), store, cfg.Redis.FailMode != FailClosed, log)
}

// NewStructureLimit is the structural limits New builds for cfg.
func NewStructureLimit(cfg Config) *StructureLimit {
	return newStructureLimit(resolveProfiles(cfg.Profiles), cfg.GraphQL.ParserTokenLimit, cfg.GraphQL.QueryCacheSize)
}

// NewSources are the source clients New would build for cfg, observed by
// nothing: for the tests that hand New their own (Deps.Sources). cfg must
// be valid.
func NewSources(cfg Config) *sources.Sources {
	src, err := newSources(cfg, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		panic("NewSources with a configuration Validate refuses: " + err.Error())
	}
	return src
}
