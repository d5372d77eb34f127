package sources

import (
	"errors"
	"fmt"
)

var errMissingID = errors.New("item without id")

func (p *Page[T]) validate() error {
	// A list answer always has items, [] when empty: null, {} or a bare
	// null would otherwise turn every key into a silent "not found".
	if p.Items == nil {
		return errors.New("list answer without items")
	}
	for i := range p.Items {
		if v, ok := any(&p.Items[i]).(validator); ok {
			if err := v.validate(); err != nil {
				return fmt.Errorf("items[%d]: %w", i, err)
			}
		}
	}
	return nil
}

func (o *Order) validate() error {
	if o.ID == "" || o.CustomerID == "" {
		return errMissingID
	}
	switch o.Status {
	case StatusPending, StatusPaid, StatusShipped, StatusDelivered, StatusCancelled:
	default:
		return fmt.Errorf("order %s: unknown status %q", o.ID, o.Status)
	}
	if o.Currency == "" {
		return fmt.Errorf("order %s: no currency", o.ID)
	}
	return nil
}

func (c *Customer) validate() error {
	if c.ID == "" {
		return errMissingID
	}
	switch c.Tier {
	case TierStandard, TierGold, TierPlatinum:
	default:
		return fmt.Errorf("customer %s: unknown tier %q", c.ID, c.Tier)
	}
	return nil
}

func (s *CustomerStats) validate() error {
	if s.CustomerID == "" {
		return errMissingID
	}
	return nil
}

func (t *TopCustomer) validate() error {
	if t.CustomerID == "" {
		return errMissingID
	}
	return nil
}

func (s *Summary) validate() error {
	if s.Currency == "" {
		return errors.New("summary without currency")
	}
	return nil
}
