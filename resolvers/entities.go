package resolvers

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// A gateway resolves references to Order and Customer through _entities.
// gqlgen hands each entity type's representations of one request to one
// resolver call (@entityResolver(multi: true)), which reads them through the
// request's dataloaders: 100 Customer references are one customers batch
// call, shared with every other customer lookup of the request.

// entityIDs reads the key of each representation; a representation without
// one never reaches a resolver (gqlgen refuses it first).
func entityIDs[R any](reps []*R, id func(*R) string) []string {
	ids := make([]string, len(reps))
	for i, r := range reps {
		if r != nil {
			ids[i] = id(r)
		}
	}
	return ids
}

// entities maps loader results to the entity list gqlgen expects: one entry
// per representation, in order. Not found is null with no error, as for
// order(id) and customer(id); a source error stays with its own
// representation, so the gateway reports it at the path that referenced it.
func entities[S, M any](items []S, errs []error, to func(S) *M) ([]*M, error) {
	out := make([]*M, len(items))
	var failed graphql.BatchErrorList
	for i, it := range items {
		err := notFoundIsNull(errs[i])
		switch {
		case errs[i] == nil:
			out[i] = to(it)
		case err != nil:
			if failed == nil {
				failed = make(graphql.BatchErrorList, len(items))
			}
			failed[i] = err
		}
	}
	if failed != nil {
		return out, failed
	}
	return out, nil
}

// rootAllowed applies the policy of a root lookup (Query.order for an Order
// reference, Query.customer for a Customer one) to the entity references a
// gateway sends: a reference must not read what the root field would refuse.
func (r *Resolver) rootAllowed(ctx context.Context, field string) bool {
	return r.Allow == nil || r.Allow(ctx, "Query", field)
}

// forbiddenAll refuses every one of n references, each at its own path.
func forbiddenAll[M any](n int) ([]*M, error) {
	errs := make(graphql.BatchErrorList, n)
	for i := range errs {
		errs[i] = &gqlerror.Error{
			Message:    "this reference needs scopes the caller does not hold",
			Extensions: map[string]any{"code": "FORBIDDEN"},
		}
	}
	return make([]*M, n), errs
}
