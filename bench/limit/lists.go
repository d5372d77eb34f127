package limit

import (
	"context"
	"encoding/base64"
	"errors"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/gqlbff/gqlbff/sources"
)

// parallel runs fns at once and joins their errors.
func parallel(fns ...func() error) error {
	errs := make([]error, len(fns))
	var wg sync.WaitGroup
	for i, f := range fns {
		wg.Go(func() { errs[i] = f() })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// dashboard: 5 calls in two rounds: recent orders, top customers and the
// summary at once; then the customers of both lists in one batch, and the
// top customers' stats.
func dashboard(ctx context.Context, src *sources.Sources, _ []byte, _ string) (any, error) {
	type name struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	type recent struct {
		ID        string    `json:"id"`
		Status    string    `json:"status"`
		Total     money     `json:"total"`
		CreatedAt time.Time `json:"createdAt"`
		Customer  *name     `json:"customer"`
	}
	type stats struct {
		LifetimeValue money `json:"lifetimeValue"`
		OrderCount    int   `json:"orderCount"`
	}
	type top struct {
		ID    string `json:"id"`
		Name  string `json:"name"`
		Tier  string `json:"tier"`
		Stats *stats `json:"stats"`
	}
	type summary struct {
		OrderCount        int   `json:"orderCount"`
		Revenue           money `json:"revenue"`
		AverageOrderValue money `json:"averageOrderValue"`
		ActiveCustomers   int   `json:"activeCustomers"`
	}
	type board struct {
		RecentOrders []recent `json:"recentOrders"`
		TopCustomers []top    `json:"topCustomers"`
		Summary      summary  `json:"summary"`
	}
	var (
		page  sources.Page[sources.Order]
		best  []sources.TopCustomer
		sum   sources.Summary
		custs []sources.Customer
		st    []sources.CustomerStats
	)
	err := parallel(
		func() (err error) { page, err = src.Orders.List(ctx, "", 10, ""); return },
		func() (err error) { best, err = src.Analytics.TopCustomers(ctx, 5); return },
		func() (err error) { sum, err = src.Analytics.Summary(ctx, nil); return },
	)
	if err != nil {
		return nil, err
	}
	topIDs := make([]string, len(best))
	for i, t := range best {
		topIDs[i] = t.CustomerID
	}
	ids := make([]string, 0, len(page.Items)+len(topIDs))
	for _, o := range page.Items {
		ids = append(ids, o.CustomerID)
	}
	err = parallel(
		func() (err error) { custs, err = src.Customers.ByIDs(ctx, distinct(append(ids, topIDs...))); return },
		func() (err error) { st, err = src.Analytics.CustomerStats(ctx, topIDs); return },
	)
	if err != nil {
		return nil, err
	}
	byID := index(custs, func(c *sources.Customer) string { return c.ID })
	statsOf := index(st, func(s *sources.CustomerStats) string { return s.CustomerID })

	b := board{RecentOrders: make([]recent, len(page.Items)), TopCustomers: make([]top, 0, len(topIDs))}
	for i, o := range page.Items {
		b.RecentOrders[i] = recent{ID: o.ID, Status: o.Status, Total: price(o.TotalCents, o.Currency), CreatedAt: o.CreatedAt}
		if c, ok := byID[o.CustomerID]; ok {
			b.RecentOrders[i].Customer = &name{c.ID, c.Name}
		}
	}
	for _, id := range topIDs {
		c, ok := byID[id]
		if !ok {
			continue // the contract leaves out customers the service does not know
		}
		t := top{ID: c.ID, Name: c.Name, Tier: c.Tier}
		if s, ok := statsOf[id]; ok {
			t.Stats = &stats{price(s.LifetimeValueCents, s.Currency), s.OrderCount}
		}
		b.TopCustomers = append(b.TopCustomers, t)
	}
	b.Summary = summary{sum.OrderCount, price(sum.RevenueCents, sum.Currency), price(sum.AverageOrderValueCents, sum.Currency), sum.ActiveCustomers}
	return struct {
		Dashboard board `json:"dashboard"`
	}{b}, nil
}

// fanoutPage is the fan-out's page size.
const fanoutPage = 50

// orders_fanout: 4 calls: the page, then its customers, their stats and
// their last 3 orders at once. It serves the first page (after: null), the
// only one the benchmark asks for; the cursors it hands out are gqlbff's.
func ordersFanout(ctx context.Context, src *sources.Sources, vars []byte, _ string) (any, error) {
	type amountOnly struct {
		Amount string `json:"amount"`
	}
	type stats struct {
		LifetimeValue amountOnly `json:"lifetimeValue"`
		OrderCount    int        `json:"orderCount"`
		LastOrderAt   *time.Time `json:"lastOrderAt"`
	}
	type idOnly struct {
		ID string `json:"id"`
	}
	type customer struct {
		ID     string   `json:"id"`
		Name   string   `json:"name"`
		Stats  *stats   `json:"stats"`
		Orders []idOnly `json:"orders"`
	}
	type node struct {
		ID       string    `json:"id"`
		Status   string    `json:"status"`
		Total    money     `json:"total"`
		Customer *customer `json:"customer"`
	}
	type edge struct {
		Cursor string `json:"cursor"`
		Node   node   `json:"node"`
	}
	type pageInfo struct {
		HasNextPage bool    `json:"hasNextPage"`
		EndCursor   *string `json:"endCursor"`
	}
	type connection struct {
		PageInfo pageInfo `json:"pageInfo"`
		Edges    []edge   `json:"edges"`
	}
	var v struct {
		After *string `json:"after"`
	}
	if err := decodeVars(vars, &v); err != nil {
		return nil, err
	}
	if v.After != nil {
		return nil, badInputf("the limit serves the first page only")
	}
	page, err := src.Orders.List(ctx, "", fanoutPage, "")
	if err != nil {
		return nil, err
	}
	items := page.Items[:min(fanoutPage, len(page.Items))]
	ids := make([]string, len(items))
	for i, o := range items {
		ids[i] = o.CustomerID
	}
	ids = distinct(ids)
	var (
		custs []sources.Customer
		st    []sources.CustomerStats
		last  []sources.Order
	)
	err = parallel(
		func() (err error) { custs, err = src.Customers.ByIDs(ctx, ids); return },
		func() (err error) { st, err = src.Analytics.CustomerStats(ctx, ids); return },
		func() (err error) { last, err = src.Orders.ByCustomers(ctx, ids, 3); return },
	)
	if err != nil {
		return nil, err
	}
	byID := index(custs, func(c *sources.Customer) string { return c.ID })
	statsOf := index(st, func(s *sources.CustomerStats) string { return s.CustomerID })
	ordersOf := newest(last, 3)

	conn := connection{Edges: make([]edge, len(items))}
	for j, o := range items {
		n := node{ID: o.ID, Status: o.Status, Total: price(o.TotalCents, o.Currency)}
		if c, ok := byID[o.CustomerID]; ok {
			cu := &customer{ID: c.ID, Name: c.Name, Orders: make([]idOnly, 0, 3)}
			if s, ok := statsOf[c.ID]; ok {
				cu.Stats = &stats{amountOnly{amount(s.LifetimeValueCents)}, s.OrderCount, s.LastOrderAt}
			}
			for _, lo := range ordersOf[c.ID] {
				cu.Orders = append(cu.Orders, idOnly{lo.ID})
			}
			n.Customer = cu
		}
		cur := cursor("", j+1)
		if j == len(page.Items)-1 && page.NextCursor != nil {
			cur = cursor(*page.NextCursor, 0)
		}
		conn.Edges[j] = edge{Cursor: cur, Node: n}
	}
	conn.PageInfo.HasNextPage = len(page.Items) > len(items) || page.NextCursor != nil
	if len(items) > 0 {
		conn.PageInfo.EndCursor = &conn.Edges[len(items)-1].Cursor
	}
	return struct {
		Orders connection `json:"orders"`
	}{conn}, nil
}

// cursor is gqlbff's edge cursor (resolvers/paging.go) for an unfiltered
// list: the REST page's cursor and the items of it already seen.
func cursor(rest string, skip int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("v1||" + strconv.Itoa(skip) + "|" + rest))
}

// newest groups orders by customer, newest first, at most n each, as the
// orders-by-customers loader does (a repeated order counts once).
func newest(orders []sources.Order, n int) map[string][]sources.Order {
	out := make(map[string][]sources.Order)
	seen := make(map[string]bool, len(orders))
	for _, o := range orders {
		if !seen[o.ID] {
			seen[o.ID] = true
			out[o.CustomerID] = append(out[o.CustomerID], o)
		}
	}
	for id, list := range out {
		slices.SortFunc(list, sources.NewestFirst)
		out[id] = list[:min(n, len(list))]
	}
	return out
}

// me: no call for an anonymous caller; else 3: the customer, then its last
// 5 orders and its stats at once.
func me(ctx context.Context, src *sources.Sources, _ []byte, subject string) (any, error) {
	type order struct {
		ID     string `json:"id"`
		Status string `json:"status"`
		Total  money  `json:"total"`
	}
	type stats struct {
		OrderCount int `json:"orderCount"`
	}
	type customer struct {
		ID     string  `json:"id"`
		Name   string  `json:"name"`
		Email  string  `json:"email"`
		Tier   string  `json:"tier"`
		Orders []order `json:"orders"`
		Stats  *stats  `json:"stats"`
	}
	var out struct {
		Me *customer `json:"me"`
	}
	if subject == "" {
		return out, nil
	}
	found, err := src.Customers.ByIDs(ctx, []string{subject})
	if err != nil {
		return nil, err
	}
	c, ok := find(found, subject, func(c *sources.Customer) string { return c.ID })
	if !ok {
		return out, nil
	}
	var (
		last []sources.Order
		st   []sources.CustomerStats
	)
	err = parallel(
		func() (err error) { last, err = src.Orders.ByCustomers(ctx, []string{subject}, 5); return },
		func() (err error) { st, err = src.Analytics.CustomerStats(ctx, []string{subject}); return },
	)
	if err != nil {
		return nil, err
	}
	out.Me = &customer{ID: c.ID, Name: c.Name, Email: c.Email, Tier: c.Tier, Orders: []order{}}
	for _, o := range newest(last, 5)[subject] {
		out.Me.Orders = append(out.Me.Orders, order{o.ID, o.Status, price(o.TotalCents, o.Currency)})
	}
	if s, ok := find(st, subject, func(s *sources.CustomerStats) string { return s.CustomerID }); ok {
		out.Me.Stats = &stats{s.OrderCount}
	}
	return out, nil
}
