package server

import (
	"log/slog"

	"github.com/gqlbff/gqlbff/budget"
)

// What the tests of package server_test use of the policies, built from a
// whole Config as New builds them.

// NewCostLimit is the cost policy New builds for cfg.
func NewCostLimit(cfg Config, store budget.Store, log *slog.Logger) *CostLimit {
	return newCostLimit(resolveProfiles(cfg.Profiles), store, cfg.Redis.FailMode != FailClosed, log)
}

// NewStructureLimit is the structural limits New builds for cfg.
func NewStructureLimit(cfg Config) *StructureLimit {
	return newStructureLimit(resolveProfiles(cfg.Profiles), cfg.GraphQL.ParserTokenLimit, cfg.GraphQL.QueryCacheSize)
}
