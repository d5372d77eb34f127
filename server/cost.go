package server

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/gqlbff/gqlbff/budget"
	"github.com/gqlbff/gqlbff/caller"
	"github.com/gqlbff/gqlbff/cost"
	"github.com/gqlbff/gqlbff/persisted"
)

// CostExplainHeader asks for the per-field cost breakdown in
// extensions.cost.fields ("1"), where the client's profile allows it.
const costExplainHeader = "GQLBFF-Cost-Explain"

// CostLimit prices every operation before it runs (package cost), refuses
// one over its profile's limit (COST_LIMIT_EXCEEDED, 400) or over what is
// left of its client's budget (RATE_LIMITED, 429 with Retry-After), charges
// the actual cost after, and reports both in extensions.cost
// (costreport.go). In measure mode it logs and counts what it would refuse and
// refuses nothing. A refused operation reaches no resolver, so no source.
type costLimit struct {
	opts     cost.Options
	analyzer *cost.Analyzer
	schema   *ast.Schema // the schema analyzer was compiled for
	profiles profiles
	store    budget.Store
	failOpen bool
	log      *slog.Logger
	stats    costCounters
	// storeDown is set while the budget store fails (storeFailed).
	storeDown atomic.Bool
}

// costPolicy is one profile's cost policy.
type costPolicy struct {
	profile string
	// max is the most one operation may cost: the profile's maxCost, and
	// never more than its budget's capacity (an operation dearer than a full
	// bucket could never run). 0: no limit.
	max     int64
	measure bool
	explain bool
	budget  budget.Limit
}

// CostStats counts what CostLimit did since it started.
type CostStats struct {
	// Priced counts the operations priced.
	Priced int64
	// Refused counts operations refused as over their cost limit;
	// WouldRefuse those a measure-mode profile let through.
	Refused, WouldRefuse int64
	// RateLimited counts operations refused for an empty budget;
	// WouldRateLimit those a measure-mode profile let through.
	RateLimited, WouldRateLimit int64
	// StoreErrors counts budget checks and charges the store failed.
	StoreErrors int64
	// FromManifest counts the operations whose price was the one computed
	// when their trusted document was loaded: no analysis per request.
	FromManifest int64
}

type costCounters struct {
	priced, refused, wouldRefuse, rateLimited, wouldRateLimit, storeErrors, fromManifest atomic.Int64
}

var (
	_ graphql.HandlerExtension        = (*costLimit)(nil)
	_ graphql.OperationContextMutator = (*costLimit)(nil)
	_ graphql.FieldInterceptor        = (*costLimit)(nil)
	_ graphql.ResponseInterceptor     = (*costLimit)(nil)
)

// newCostLimit returns the cost policy of the profiles, keeping budgets in
// store; failOpen serves an operation whose budget the store cannot check.
func newCostLimit(ps profiles, store budget.Store, failOpen bool, log *slog.Logger) *costLimit {
	c := &costLimit{
		profiles: ps,
		store:    store,
		failOpen: failOpen,
		log:      log,
		opts:     cost.Options{MaxNodes: cost.DefaultMaxNodes},
	}
	for p := range ps.all() {
		c.opts.MaxNodes = max(c.opts.MaxNodes, 2*p.structure.Fields)
	}
	return c
}

// ExtensionName implements graphql.HandlerExtension.
func (*costLimit) ExtensionName() string { return "CostLimit" }

// Validate implements graphql.HandlerExtension: it compiles the schema's
// cost directives.
func (c *costLimit) Validate(es graphql.ExecutableSchema) error {
	if c.analyzer != nil && c.schema == es.Schema() {
		return nil // compiled already, for the trusted documents' prices
	}
	a, err := cost.New(es.Schema(), c.opts)
	if err != nil {
		return err
	}
	c.analyzer, c.schema = a, es.Schema()
	return nil
}

// Stats returns the counters.
func (c *costLimit) Stats() CostStats {
	return CostStats{
		Priced: c.stats.priced.Load(), Refused: c.stats.refused.Load(), WouldRefuse: c.stats.wouldRefuse.Load(),
		RateLimited: c.stats.rateLimited.Load(), WouldRateLimit: c.stats.wouldRateLimit.Load(),
		StoreErrors: c.stats.storeErrors.Load(), FromManifest: c.stats.fromManifest.Load(),
	}
}

// TrustedPricer prices trusted documents once, when their manifest loads,
// with es's schema. A price that depends on the variables is recorded as
// -1: such an operation is priced again with each request's variables.
func (c *costLimit) TrustedPricer(es graphql.ExecutableSchema) (persisted.Pricer, error) {
	if err := c.Validate(es); err != nil {
		return nil, err
	}
	return trustedPricer{c.analyzer}, nil
}

type trustedPricer struct{ a *cost.Analyzer }

func (p trustedPricer) Price(doc *ast.QueryDocument, op *ast.OperationDefinition) (int, error) {
	est, err := p.a.Price(doc, op, nil)
	if err != nil {
		return 0, err
	}
	if est.Variable || est.Cost > math.MaxInt32 {
		return -1, nil
	}
	return int(est.Cost), nil
}

// manifestPrice is the price of a trusted document's operation computed at
// load, when it holds for every request.
func manifestPrice(ctx context.Context, oc *graphql.OperationContext) (int64, bool) {
	info := persistedInfoFrom(ctx)
	if info == nil || info.Document == nil {
		return 0, false
	}
	c, ok := info.Document.Cost(oc.OperationName)
	return int64(c), ok && c >= 0
}

// opCost is one operation's cost, from pricing to its report.
type opCost struct {
	policy  *costPolicy
	key     string
	est     cost.Estimate
	explain bool
	// reserved tells that the requested cost was taken from the budget.
	reserved bool
	// status is the budget after the last check or charge; known says
	// whether there is one.
	status budget.Status
	known  bool
	actual atomic.Int64
}

const costStatsKey = "CostLimit"

func opCostOf(oc *graphql.OperationContext) *opCost {
	st, _ := oc.Stats.GetExtension(costStatsKey).(*opCost)
	return st
}

// MutateOperationContext implements graphql.OperationContextMutator: it
// prices the operation, applies the limit, and takes the requested cost
// from the client's budget.
func (c *costLimit) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	id := caller.From(ctx)
	pol := &c.profiles.named(id.Client).cost
	st := &opCost{policy: pol, key: budgetKey(pol.profile, id)}
	st.explain = pol.explain && oc.Headers.Get(costExplainHeader) == "1"
	var err error
	if price, ok := manifestPrice(ctx, oc); ok && !st.explain {
		st.est = cost.Estimate{Cost: price}
		c.stats.fromManifest.Add(1)
	} else if st.explain {
		st.est, err = c.analyzer.ExplainContext(ctx, oc.Doc, oc.Operation, oc.Variables)
	} else {
		st.est, err = c.analyzer.PriceContext(ctx, oc.Doc, oc.Operation, oc.Variables)
	}
	switch {
	case ctx.Err() != nil:
		return newError(CodeCostLimitExceeded, "the request ended before its operation was priced")
	case errors.Is(err, cost.ErrTooComplex):
		st.est.Cost = cost.MaxCost
	case err != nil:
		return newError(CodeBadUserInput, "%s", err.Error())
	}
	c.stats.priced.Add(1)
	reportCost(ctx, float64(st.est.Cost))
	oc.Stats.SetExtension(costStatsKey, st)

	requested := st.est.Cost
	if pol.max > 0 && requested > pol.max {
		if !pol.measure {
			c.stats.refused.Add(1)
			c.peek(ctx, st)
			return costLimitError(requested, pol.max)
		}
		c.stats.wouldRefuse.Add(1)
		c.log.InfoContext(ctx, "cost limit exceeded (measure mode: served)", "request_id", caller.From(ctx).RequestID,
			"profile", pol.profile, "requested", requested, "limit", pol.max)
	}
	if pol.budget.Capacity <= 0 {
		return nil
	}
	s, err := c.store.Take(ctx, st.key, float64(requested), pol.budget)
	if err == nil {
		c.storeAnswered(ctx)
	}
	switch {
	case err != nil:
		return c.storeFailed(ctx, err)
	case !s.Allowed && pol.measure:
		c.stats.wouldRateLimit.Add(1)
		c.log.InfoContext(ctx, "cost budget spent (measure mode: served)", "request_id", caller.From(ctx).RequestID,
			"profile", pol.profile, "requested", requested, "available", s.Available)
		st.status, st.known = s, true
	case !s.Allowed:
		c.stats.rateLimited.Add(1)
		reportBudgetRefusal(ctx)
		st.status, st.known = s, true
		return rateLimitedError(s.RetryAfter)
	default:
		st.status, st.known, st.reserved = s, true, true
	}
	return nil
}

// peek reads the budget without taking from it, for the report of a
// refused operation.
func (c *costLimit) peek(ctx context.Context, st *opCost) {
	if st.policy.budget.Capacity <= 0 {
		return
	}
	if s, err := c.store.Take(ctx, st.key, 0, st.policy.budget); err == nil {
		st.status, st.known = s, true
	}
}

// storeFailed applies the fail mode when the budget store cannot be asked.
// The outage is logged once, when it starts, not on every request
// (storeAnswered logs its end); every failure is counted.
func (c *costLimit) storeFailed(ctx context.Context, err error) *gqlerror.Error {
	c.stats.storeErrors.Add(1)
	first := c.storeDown.CompareAndSwap(false, true)
	if c.failOpen {
		if first {
			c.log.WarnContext(ctx, "cost budget store unavailable: serving (fail open) until it answers again",
				"request_id", caller.From(ctx).RequestID, "error", err.Error())
		}
		return nil
	}
	if first {
		c.log.WarnContext(ctx, "cost budget store unavailable: refusing (fail closed) until it answers again",
			"request_id", caller.From(ctx).RequestID, "error", err.Error())
	}
	return rateLimitedError(time.Second)
}

// storeAnswered notes that the budget store answered, and logs the end of
// an outage.
func (c *costLimit) storeAnswered(ctx context.Context) {
	if c.storeDown.Load() && c.storeDown.CompareAndSwap(true, false) {
		c.log.InfoContext(ctx, "cost budget store available again", "request_id", caller.From(ctx).RequestID)
	}
}

// StoreUp reports whether the budget store answered the last time it was
// asked.
func (c *costLimit) StoreUp() bool { return !c.storeDown.Load() }

// budgetKey names a client's bucket: per profile, per subject, or per
// address for an anonymous caller.
func budgetKey(profile string, id caller.Caller) string {
	if !id.Anonymous() {
		return profile + ":sub:" + id.Subject
	}
	return profile + ":ip:" + id.RemoteIP
}

func costLimitError(requested, limit int64) *gqlerror.Error {
	e := newError(CodeCostLimitExceeded, "the operation costs %d, over the limit of %d", requested, limit)
	e.Extensions["cost"] = map[string]any{"requested": requested, "limit": limit}
	return e
}

// retryAfterKey holds, in a RATE_LIMITED error's extensions, the
// milliseconds to wait; the transport turns it into Retry-After.
const retryAfterKey = "retryAfterMs"

func rateLimitedError(wait time.Duration) *gqlerror.Error {
	secs := retryAfterSeconds(wait)
	e := newError(CodeRateLimited, "the client's cost budget is spent: retry in %d s", secs)
	e.Extensions[retryAfterKey] = (wait + time.Millisecond - 1).Milliseconds()
	return e
}

// retryAfterSeconds rounds a wait up to whole seconds, at least 1: asked
// again sooner, the bucket still falls short.
func retryAfterSeconds(wait time.Duration) int64 {
	return max(1, int64(math.Ceil(wait.Seconds())))
}
