package server

import (
	"context"
	"math"

	"github.com/99designs/gqlgen/graphql"

	"github.com/gqlbff/gqlbff/caller"
	"github.com/gqlbff/gqlbff/cost"
)

// costReport is extensions.cost, in Shopify's shape, in every response to
// an operation that was priced.
type costReport struct {
	// RequestedQueryCost is the static price, charged before execution.
	RequestedQueryCost int64 `json:"requestedQueryCost"`
	// ActualQueryCost is the price with lists at their real lengths, the
	// amount finally charged.
	ActualQueryCost int64 `json:"actualQueryCost"`
	// ThrottleStatus is the client's budget after the charge; absent when
	// the profile has none or the store could not be asked.
	ThrottleStatus *throttleStatus `json:"throttleStatus,omitempty"`
	// Fields is the per-field breakdown of the requested cost, on request
	// (GQLBFF-Cost-Explain: 1).
	Fields []cost.FieldCost `json:"fields,omitempty"`
}

type throttleStatus struct {
	MaximumAvailable   float64 `json:"maximumAvailable"`
	CurrentlyAvailable float64 `json:"currentlyAvailable"`
	RestoreRate        float64 `json:"restoreRate"`
}

// InterceptField implements graphql.FieldInterceptor: it adds what each
// resolved field costs, lists at their real lengths, to the operation's
// actual cost. A field that ends in an error adds nothing.
func (c *costLimit) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	res, err := next(ctx)
	if err != nil {
		return res, err
	}
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Field.Field == nil {
		return res, err
	}
	if n := c.analyzer.Instance(fc.Object, fc.Field.Field, res); n > 0 {
		if st := opCostOf(graphql.GetOperationContext(ctx)); st != nil {
			st.actual.Add(n)
		}
	}
	return res, err
}

// InterceptResponse implements graphql.ResponseInterceptor: after
// execution it settles the budget (the requested cost was taken; the
// difference with the actual cost is given back, or taken) and writes
// extensions.cost.
func (c *costLimit) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if resp == nil || !graphql.HasOperationContext(ctx) {
		return resp
	}
	st := opCostOf(graphql.GetOperationContext(ctx))
	if st == nil {
		return resp
	}
	actual := st.actual.Load()
	if st.reserved {
		if diff := actual - st.est.Cost; diff != 0 {
			s, err := c.store.Adjust(context.WithoutCancel(ctx), st.key, float64(diff), st.policy.budget)
			if err != nil {
				c.stats.storeErrors.Add(1)
				c.log.WarnContext(ctx, "cost budget store unavailable: actual cost not settled",
					"request_id", caller.From(ctx).RequestID, "error", err.Error())
				st.known = false
			} else {
				st.status = s
			}
		}
	}
	report := costReport{RequestedQueryCost: st.est.Cost, ActualQueryCost: actual, Fields: st.est.Fields}
	if st.known && st.policy.budget.Capacity > 0 {
		report.ThrottleStatus = &throttleStatus{
			MaximumAvailable:   st.policy.budget.Capacity,
			CurrentlyAvailable: math.Floor(st.status.Available),
			RestoreRate:        st.policy.budget.Rate,
		}
	}
	if resp.Extensions == nil {
		resp.Extensions = map[string]any{}
	}
	resp.Extensions["cost"] = report
	return resp
}
