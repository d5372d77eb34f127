// Package demo runs the three REST services behind gqlbff (orders, customers,
// analytics) as real HTTP servers over a deterministic seeded data set, with
// fault knobs (latency, error rate, malformed or oversized answers, stalls,
// hard down) and call counters. Tests, benchmarks and `gqlbff --demo` use it,
// so every layer above sources is exercised against a real transport.
package demo

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/gqlbff/gqlbff/sources"
)

// Data set defaults, used by Start when Options leaves them zero.
const (
	DefaultSeed      = 1
	DefaultCustomers = 1000
	DefaultOrders    = 20000
)

// currency is the only currency of the data set.
const currency = "USD"

var (
	firstNames = []string{"Ada", "Alan", "Grace", "Edsger", "Barbara", "Donald", "Margaret", "Ken",
		"Radia", "Dennis", "Frances", "John", "Katherine", "Niklaus", "Hedy", "Tony"}
	lastNames = []string{"Lovelace", "Turing", "Hopper", "Dijkstra", "Liskov", "Knuth", "Hamilton",
		"Thompson", "Perlman", "Ritchie", "Allen", "Backus", "Johnson", "Wirth", "Lamarr", "Hoare"}
	adjectives = []string{"Classic", "Compact", "Deluxe", "Eco", "Ergonomic", "Heavy-Duty",
		"Mini", "Portable", "Pro", "Smart", "Vintage", "Wireless"}
	nouns = []string{"Backpack", "Blender", "Desk Lamp", "Headphones", "Kettle", "Keyboard",
		"Monitor", "Mouse", "Notebook", "Speaker", "Teapot", "Umbrella", "Water Bottle"}
)

// Time ranges of the data set: customers sign up in the first half of 2024,
// orders are spread evenly from July 2024 to the end of 2025.
var (
	customersFrom = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	customersTo   = time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC)
	ordersFrom    = customersTo
	ordersTo      = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
)

// orderStatuses with cumulative weights (percent) for the status mix.
var orderStatuses = []struct {
	status string
	cum    int
}{
	{sources.StatusPending, 10}, {sources.StatusPaid, 25}, {sources.StatusShipped, 40},
	{sources.StatusDelivered, 85}, {sources.StatusCancelled, 100},
}

// Dataset is the seeded data the three services serve. Its exported slices
// and everything its methods return are shared and must be treated as
// read-only.
type Dataset struct {
	// Customers are c1..cN in id order.
	Customers []sources.Customer
	// Orders are o1..oN in id order, which is also creation order: no two
	// orders share a createdAt.
	Orders []sources.Order

	customerIdx map[string]int
	orderIdx    map[string]int
	recent      []int            // all orders, newest first
	byStatus    map[string][]int // per status, newest first
	byCustomer  map[string][]int // per customer, newest first
	withOrders  int              // customers c1..c<withOrders> may have orders

	analytics
}

type product struct {
	sku   string
	name  string
	price int64
}

// NewDataset builds the data set for seed: the same arguments always give the
// same data. The last 2% of customers (at least one when there are two or
// more customers) never get an order; CustomersWithoutOrders lists them.
// With no customers there are no orders.
func NewDataset(seed int64, customers, orders int) *Dataset {
	customers, orders = max(customers, 0), max(orders, 0)
	if customers == 0 {
		orders = 0
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15))
	d := &Dataset{
		Customers:   make([]sources.Customer, customers),
		Orders:      make([]sources.Order, orders),
		customerIdx: make(map[string]int, customers),
		orderIdx:    make(map[string]int, orders),
		byStatus:    make(map[string][]int),
		byCustomer:  make(map[string][]int),
		withOrders:  customers,
	}
	if customers >= 2 {
		d.withOrders = customers - max(customers/50, 1)
	}
	span := int64(customersTo.Sub(customersFrom) / time.Second)
	for i := range d.Customers {
		d.Customers[i] = newCustomer(rng, i+1, span)
		d.customerIdx[d.Customers[i].ID] = i
	}
	catalog := make([]product, 100)
	for i := range catalog {
		catalog[i] = product{
			sku:   fmt.Sprintf("SKU-%04d", i+1),
			name:  adjectives[rng.IntN(len(adjectives))] + " " + nouns[rng.IntN(len(nouns))],
			price: 100 + rng.Int64N(19901),
		}
	}
	step := int64(1)
	if orders > 0 {
		step = max(int64(ordersTo.Sub(ordersFrom)/time.Second)/int64(orders), 1)
	}
	for i := range d.Orders {
		at := ordersFrom.Add(time.Duration(int64(i)*step+rng.Int64N(step)) * time.Second)
		d.Orders[i] = newOrder(rng, i+1, d.Customers[rng.IntN(d.withOrders)].ID, at, catalog)
		d.orderIdx[d.Orders[i].ID] = i
	}
	d.index()
	d.analytics = newAnalytics(d)
	return d
}

func newCustomer(rng *rand.Rand, n int, span int64) sources.Customer {
	first, last := firstNames[rng.IntN(len(firstNames))], lastNames[rng.IntN(len(lastNames))]
	tier := sources.TierStandard
	switch p := rng.IntN(100); {
	case p >= 92:
		tier = sources.TierPlatinum
	case p >= 70:
		tier = sources.TierGold
	}
	return sources.Customer{
		ID:        fmt.Sprintf("c%d", n),
		Name:      fmt.Sprintf("%s %s %d", first, last, n),
		Email:     fmt.Sprintf("%s.%s.%d@example.com", strings.ToLower(first), strings.ToLower(last), n),
		Tier:      tier,
		CreatedAt: customersFrom.Add(time.Duration(rng.Int64N(span)) * time.Second),
	}
}

func newOrder(rng *rand.Rand, n int, customerID string, at time.Time, catalog []product) sources.Order {
	status, p := "", rng.IntN(100)
	for _, s := range orderStatuses {
		if p < s.cum {
			status = s.status
			break
		}
	}
	o := sources.Order{
		ID:         fmt.Sprintf("o%d", n),
		CustomerID: customerID,
		Status:     status,
		Currency:   currency,
		CreatedAt:  at,
		Items:      make([]sources.OrderItem, 1+rng.IntN(4)),
	}
	for j, k := range rng.Perm(len(catalog))[:len(o.Items)] {
		it := sources.OrderItem{
			SKU:            catalog[k].sku,
			Name:           catalog[k].name,
			Quantity:       1 + rng.IntN(5),
			UnitPriceCents: catalog[k].price,
		}
		o.Items[j] = it
		o.TotalCents += int64(it.Quantity) * it.UnitPriceCents
	}
	return o
}

// index builds the newest-first orderings: createdAt descending, then id
// descending (ids compare as strings).
func (d *Dataset) index() {
	d.recent = make([]int, len(d.Orders))
	for i := range d.recent {
		d.recent[i] = i
	}
	slices.SortFunc(d.recent, func(a, b int) int {
		if c := d.Orders[b].CreatedAt.Compare(d.Orders[a].CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(d.Orders[b].ID, d.Orders[a].ID)
	})
	for _, i := range d.recent {
		o := &d.Orders[i]
		d.byStatus[o.Status] = append(d.byStatus[o.Status], i)
		d.byCustomer[o.CustomerID] = append(d.byCustomer[o.CustomerID], i)
	}
}

// Order returns the order with id.
func (d *Dataset) Order(id string) (sources.Order, bool) {
	i, ok := d.orderIdx[id]
	if !ok {
		return sources.Order{}, false
	}
	return d.Orders[i], true
}

// Customer returns the customer with id.
func (d *Dataset) Customer(id string) (sources.Customer, bool) {
	i, ok := d.customerIdx[id]
	if !ok {
		return sources.Customer{}, false
	}
	return d.Customers[i], true
}

// OrdersOf returns the orders of customerID, newest first (none for an
// unknown customer).
func (d *Dataset) OrdersOf(customerID string) []sources.Order {
	return d.pick(d.byCustomer[customerID])
}

// RecentOrders returns the orders with status, newest first; status ""
// means every order.
func (d *Dataset) RecentOrders(status string) []sources.Order {
	return d.pick(d.recentIdx(status))
}

// CustomersWithoutOrders returns, in id order, the ids of the customers that
// have no order at all. They include the last 2% of c1..cN (for the
// defaults, c981..c1000), which never get one.
func (d *Dataset) CustomersWithoutOrders() []string {
	var ids []string
	for _, c := range d.Customers {
		if len(d.byCustomer[c.ID]) == 0 {
			ids = append(ids, c.ID)
		}
	}
	return ids
}

func (d *Dataset) recentIdx(status string) []int {
	if status == "" {
		return d.recent
	}
	return d.byStatus[status]
}

func (d *Dataset) pick(idx []int) []sources.Order {
	out := make([]sources.Order, len(idx))
	for j, i := range idx {
		out[j] = d.Orders[i]
	}
	return out
}
