package limit

import (
	"context"
	"encoding/base64"
	"slices"
	"strconv"
	"time"

	"github.com/gqlbff/gqlbff/sources"
)

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
