package naive

import (
	"context"
	"errors"

	"github.com/gqlbff/gqlbff/graph"
	"github.com/gqlbff/gqlbff/graph/model"
	"github.com/gqlbff/gqlbff/sources"
)

// Entity returns the federation entity resolvers: a call per reference.
func (r *Resolver) Entity() graph.EntityResolver { return entityResolver{r} }

type entityResolver struct{ *Resolver }

// FindManyCustomerByIDs is GET /customers/{id} per reference.
func (r entityResolver) FindManyCustomerByIDs(ctx context.Context, reps []*model.CustomerByIDsInput) ([]*model.Customer, error) {
	out := make([]*model.Customer, len(reps))
	for i, rep := range reps {
		c, err := r.customer(ctx, rep.ID)
		if err != nil {
			return nil, err
		}
		out[i] = c
	}
	return out, nil
}

// FindManyOrderByIDs is GET /orders/{id} per reference.
func (r entityResolver) FindManyOrderByIDs(ctx context.Context, reps []*model.OrderByIDsInput) ([]*model.Order, error) {
	out := make([]*model.Order, len(reps))
	for i, rep := range reps {
		o, err := r.src.Orders.ByID(ctx, rep.ID)
		if errors.Is(err, sources.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		m := toOrder(o)
		out[i] = &m
	}
	return out, nil
}
