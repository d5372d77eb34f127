package engine_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/executor"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/gqlbff/gqlbff/engine"
	"github.com/gqlbff/gqlbff/graph"
	"github.com/gqlbff/gqlbff/graph/model"
)

// memory is a resolver root answering from memory: the executors' own
// cost, without sources. Faults make chosen fields fail: "err" answers an
// error, "panic" panics, "nil" answers nil (a non-null violation where the
// field is non-null, through the model for Order.total).
type memory struct {
	orders    []model.Order
	customers map[string]*model.Customer
	faults    map[string]string // Type.field → err, panic, nil
	// peak is the most goroutines seen while a resolver ran.
	peak atomic.Int64
	// asked counts the authorization directives' calls.
	asked atomic.Int64
	// look, when set, is called by Query.orders with its context.
	look func(ctx context.Context)
}

func newMemory(n int) *memory {
	m := &memory{customers: map[string]*model.Customer{}, faults: map[string]string{}}
	at := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	for i := range n {
		cid := fmt.Sprintf("c%d", i%40)
		m.orders = append(m.orders, model.Order{
			ID: fmt.Sprintf("o%d", 20000-i), Status: model.OrderStatusPaid, CreatedAt: at.Add(-time.Duration(i) * time.Hour),
			Total:      &model.Money{Amount: fmt.Sprintf("%d.50", i*3), Currency: "EUR"},
			Items:      []model.OrderItem{{Sku: "SKU-1", Name: "Mug \"blue\"\n", Quantity: 2, UnitPrice: &model.Money{Amount: "4.00", Currency: "EUR"}}},
			CustomerID: cid,
		})
		if m.customers[cid] == nil {
			m.customers[cid] = &model.Customer{ID: cid, Name: "Customer Number " + cid, Email: cid + "@example.com", Tier: model.CustomerTierGold}
		}
	}
	return m
}

func (m *memory) fault(key string) error {
	n := int64(runtime.NumGoroutine())
	for p := m.peak.Load(); n > p && !m.peak.CompareAndSwap(p, n); p = m.peak.Load() {
	}
	switch m.faults[key] {
	case "err":
		return errors.New(key + " failed")
	case "panic":
		panic(key + " panicked")
	}
	return nil
}

func (m *memory) isNil(key string) bool { return m.faults[key] == "nil" }

func (m *memory) Customer() graph.CustomerResolver   { return customerRes{m} }
func (m *memory) Dashboard() graph.DashboardResolver { return dashboardRes{m} }
func (m *memory) Entity() graph.EntityResolver       { return nil }
func (m *memory) Order() graph.OrderResolver         { return orderRes{m} }
func (m *memory) Query() graph.QueryResolver         { return queryRes{m} }

type (
	customerRes  struct{ m *memory }
	dashboardRes struct{ m *memory }
	orderRes     struct{ m *memory }
	queryRes     struct{ m *memory }
)

func first(p *int, def int) int {
	if p != nil {
		return *p
	}
	return def
}

func (r customerRes) Orders(_ context.Context, c *model.Customer, n *int) ([]model.Order, error) {
	if err := r.m.fault("Customer.orders"); err != nil || r.m.isNil("Customer.orders") {
		return nil, err
	}
	k := min(first(n, 10), len(r.m.orders))
	out := make([]model.Order, k)
	copy(out, r.m.orders[len(c.ID)%3:])
	return out, nil
}

func (r customerRes) Stats(_ context.Context, c *model.Customer) (*model.CustomerStats, error) {
	if err := r.m.fault("Customer.stats"); err != nil || r.m.isNil("Customer.stats") {
		return nil, err
	}
	at := time.Date(2025, 1, 2, 3, 4, 5, 6, time.UTC)
	s := &model.CustomerStats{LifetimeValue: &model.Money{Amount: "1234.56", Currency: "EUR"}, OrderCount: len(c.ID), LastOrderAt: &at}
	if c.ID == "c3" {
		s.LastOrderAt = nil
	}
	return s, nil
}

func (r dashboardRes) RecentOrders(_ context.Context, _ *model.Dashboard, n *int) ([]model.Order, error) {
	if err := r.m.fault("Dashboard.recentOrders"); err != nil {
		return nil, err
	}
	return r.m.orders[:min(first(n, 10), len(r.m.orders))], nil
}

func (r dashboardRes) TopCustomers(_ context.Context, _ *model.Dashboard, n *int) ([]model.Customer, error) {
	if err := r.m.fault("Dashboard.topCustomers"); err != nil {
		return nil, err
	}
	var out []model.Customer
	for i := range min(first(n, 5), 40) {
		out = append(out, *r.m.customers[fmt.Sprintf("c%d", i)])
	}
	return out, nil
}

func (r dashboardRes) Summary(_ context.Context, _ *model.Dashboard, since *time.Time) (*model.AnalyticsSummary, error) {
	if err := r.m.fault("Dashboard.summary"); err != nil || r.m.isNil("Dashboard.summary") {
		return nil, err
	}
	s := &model.AnalyticsSummary{OrderCount: 7, Revenue: &model.Money{Amount: "1.00", Currency: "EUR"}, AverageOrderValue: &model.Money{Amount: "0.50", Currency: "EUR"}}
	if since != nil {
		s.ActiveCustomers = since.Year()
	}
	if r.m.isNil("AnalyticsSummary.revenue") {
		s.Revenue = nil
	}
	return s, nil
}

func (r orderRes) Customer(_ context.Context, o *model.Order) (*model.Customer, error) {
	if err := r.m.fault("Order.customer"); err != nil || r.m.isNil("Order.customer") {
		return nil, err
	}
	return r.m.customers[o.CustomerID], nil
}

func (r queryRes) Me(context.Context) (*model.Customer, error) {
	if err := r.m.fault("Query.me"); err != nil {
		return nil, err
	}
	return r.m.customers["c1"], nil
}

func (r queryRes) Order(_ context.Context, id string) (*model.Order, error) {
	if err := r.m.fault("Query.order"); err != nil {
		return nil, err
	}
	for i := range r.m.orders {
		if r.m.orders[i].ID == id {
			o := r.m.orders[i]
			if r.m.isNil("Order.total") {
				o.Total = nil
			}
			return &o, nil
		}
	}
	return nil, nil
}

func (r queryRes) Orders(ctx context.Context, _ *model.OrderStatus, n *int, after *string) (*model.OrderConnection, error) {
	if r.m.look != nil {
		r.m.look(ctx)
	}
	if err := r.m.fault("Query.orders"); err != nil {
		return nil, err
	}
	if after != nil && *after == "bad" {
		return nil, &graphqlError{"after is not a cursor"}
	}
	k := min(first(n, 20), len(r.m.orders))
	conn := &model.OrderConnection{PageInfo: &model.PageInfo{HasNextPage: k < len(r.m.orders)}}
	for i := range k {
		node := r.m.orders[i]
		if r.m.isNil("Order.total") && i == 1 {
			node.Total = nil
		}
		conn.Edges = append(conn.Edges, model.OrderEdge{Cursor: fmt.Sprintf("cur%d", i), Node: &node})
	}
	if k > 0 {
		end := conn.Edges[k-1].Cursor
		conn.PageInfo.EndCursor = &end
	}
	if r.m.isNil("OrderEdge.node") && k > 2 {
		conn.Edges[2].Node = nil
	}
	return conn, nil
}

func (r queryRes) Customer(_ context.Context, id string) (*model.Customer, error) {
	if err := r.m.fault("Query.customer"); err != nil {
		return nil, err
	}
	return r.m.customers[id], nil
}

func (r queryRes) Customers(_ context.Context, ids []string) ([]*model.Customer, error) {
	if err := r.m.fault("Query.customers"); err != nil {
		return nil, err
	}
	out := make([]*model.Customer, len(ids))
	for i, id := range ids {
		out[i] = r.m.customers[id]
	}
	return out, nil
}

func (r queryRes) Dashboard(context.Context) (*model.Dashboard, error) {
	if err := r.m.fault("Query.dashboard"); err != nil || r.m.isNil("Query.dashboard") {
		return nil, err
	}
	return &model.Dashboard{}, nil
}

// graphqlError is an error that carries a code, as the resolvers' are.
type graphqlError struct{ msg string }

func (e *graphqlError) Error() string { return e.msg }

// executors are gqlgen's executor and the plan engine in front of the same
// executable schema, configured alike.
func executors(m *memory, withEngine bool) *executor.Executor {
	scopes := func(ctx context.Context, _ any, next graphql.Resolver, s [][]string) (any, error) {
		m.asked.Add(1)
		if held, _ := ctx.Value(scopesKey{}).(string); !strings.Contains(held, s[0][0]) {
			return nil, errors.New("forbidden")
		}
		return next(ctx)
	}
	authn := func(ctx context.Context, _ any, next graphql.Resolver) (any, error) {
		m.asked.Add(1)
		if ctx.Value(scopesKey{}) == nil {
			return nil, errors.New("unauthenticated")
		}
		return next(ctx)
	}
	dirs := graph.DirectiveRoot{Authenticated: authn, RequiresScopes: scopes}
	es := graph.NewExecutableSchema(graph.Config{Resolvers: m, Directives: dirs})
	if withEngine {
		es = engine.New(es.Schema(), m, dirs, engine.Options{}).Wrap(es)
	}
	x := executor.New(es)
	x.SetQueryCache(lru.New[*ast.QueryDocument](100)) // as the server: parsed and validated once
	x.SetRecoverFunc(func(_ context.Context, p any) error { return fmt.Errorf("internal: %v", p) })
	return x
}

type scopesKey struct{}

// run executes query on x and answers the response's JSON, its errors
// sorted (gqlgen's order is its goroutines').
func run(x *executor.Executor, query string, vars map[string]any, scopes *string) string {
	ctx := graphql.StartOperationTrace(context.Background())
	if scopes != nil {
		ctx = context.WithValue(ctx, scopesKey{}, *scopes)
	}
	oc, errs := x.CreateOperationContext(ctx, &graphql.RawParams{Query: query, Variables: vars, ReadTime: graphql.TraceTiming{}})
	if errs != nil {
		return "refused: " + errs.Error()
	}
	h, ctx := x.DispatchOperation(ctx, oc)
	resp := h(ctx)
	var es []string
	for _, e := range resp.Errors {
		es = append(es, fmt.Sprintf("%s %v %v %v", e.Message, e.Path, e.Locations, e.Extensions))
	}
	sortStrings(es)
	return string(resp.Data) + "\n" + strings.Join(es, "\n")
}
