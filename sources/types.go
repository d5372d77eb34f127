// Package sources talks to the three REST services behind gqlbff (orders,
// customers, analytics): typed clients, per-request dataloaders and the
// sources.Error that tells a caller which service failed and how. It knows
// nothing of GraphQL.
package sources

import "time"

// Source names, as they appear in errors, metrics and extensions.source.
const (
	OrdersSource    = "orders"
	CustomersSource = "customers"
	AnalyticsSource = "analytics"
)

// Order statuses of the REST contract.
const (
	StatusPending   = "PENDING"
	StatusPaid      = "PAID"
	StatusShipped   = "SHIPPED"
	StatusDelivered = "DELIVERED"
	StatusCancelled = "CANCELLED"
)

// Customer tiers of the REST contract.
const (
	TierStandard = "STANDARD"
	TierGold     = "GOLD"
	TierPlatinum = "PLATINUM"
)

// Order is the orders service's Order.
type Order struct {
	ID         string      `json:"id"`
	CustomerID string      `json:"customerId"`
	Status     string      `json:"status"`
	Currency   string      `json:"currency"`
	TotalCents int64       `json:"totalCents"`
	CreatedAt  time.Time   `json:"createdAt"`
	Items      []OrderItem `json:"items"`
}

// OrderItem is one line of an Order.
type OrderItem struct {
	SKU            string `json:"sku"`
	Name           string `json:"name"`
	Quantity       int    `json:"quantity"`
	UnitPriceCents int64  `json:"unitPriceCents"`
}

// Customer is the customers service's Customer.
type Customer struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Email     string    `json:"email"`
	Tier      string    `json:"tier"`
	CreatedAt time.Time `json:"createdAt"`
}

// Summary is the analytics service's summary over a period.
type Summary struct {
	OrderCount             int    `json:"orderCount"`
	RevenueCents           int64  `json:"revenueCents"`
	AverageOrderValueCents int64  `json:"averageOrderValueCents"`
	ActiveCustomers        int    `json:"activeCustomers"`
	Currency               string `json:"currency"`
}

// CustomerStats is the analytics service's view of one customer. A customer
// with no orders has zeros and a nil LastOrderAt.
type CustomerStats struct {
	CustomerID         string     `json:"customerId"`
	LifetimeValueCents int64      `json:"lifetimeValueCents"`
	Currency           string     `json:"currency"`
	OrderCount         int        `json:"orderCount"`
	LastOrderAt        *time.Time `json:"lastOrderAt"`
}

// TopCustomer is one entry of the analytics top-customers ranking.
type TopCustomer struct {
	CustomerID         string `json:"customerId"`
	LifetimeValueCents int64  `json:"lifetimeValueCents"`
	Currency           string `json:"currency"`
}

// Page is every list answer of the REST contract.
type Page[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"nextCursor"`
}

// presizer is an answer whose list can be sized before it is decoded
// (the decoder fills the capacity it finds), and len its length.
type presizer interface {
	presize(n int)
	len() int
}

func (p *Page[T]) presize(n int) { p.Items = make([]T, 0, n) }

func (p *Page[T]) len() int { return len(p.Items) }

// maxPresize bounds the list a page is sized for before it is decoded.
const maxPresize = 1024
