package resolvers

import (
	"context"
	"errors"

	"github.com/gqlbff/gqlbff/graph/model"
	"github.com/gqlbff/gqlbff/sources"
)

func customerByID(ctx context.Context, id string) (*model.Customer, error) {
	c, err := sources.For(ctx).Customer(ctx, id)
	if err != nil {
		return nil, notFoundIsNull(err)
	}
	return toCustomer(c), nil
}

// notFoundIsNull drops ErrNotFound: the contract answers null with no error.
func notFoundIsNull(err error) error {
	if errors.Is(err, sources.ErrNotFound) {
		return nil
	}
	return err
}
