package resolvers

import (
	"context"
	"slices"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/gqlbff/gqlbff/caller"
	"github.com/gqlbff/gqlbff/cost"
	"github.com/gqlbff/gqlbff/graph/model"
	"github.com/gqlbff/gqlbff/sources"
)

// A time window alone cannot promise one batch per level: under load the
// goroutines of a list's items reach their loaders over several
// milliseconds. Where a resolver holds a whole list, it looks ahead at the
// operation's selection and queues the lookups the items' fields will make,
// all at once. The items' own resolvers then find them in the cache.

// childFields returns the fields named name selected in set on typeName,
// with fragments and aliases resolved; none when the caller may not
// resolve that field. Under a plan the selections are the plan's, collected
// once when it was compiled (Resolver.CollectFields).
func (r *Resolver) childFields(ctx context.Context, set ast.SelectionSet, typeName, name string) []graphql.CollectedField {
	if r.Allow != nil && !r.Allow(ctx, typeName, name) {
		return nil
	}
	var out []graphql.CollectedField
	for _, f := range r.collectFields(ctx, set, typeName) {
		if f.Name == name {
			out = append(out, f)
		}
	}
	return out
}

// ownSelection is the selection set of the field being resolved.
func ownSelection(ctx context.Context) ast.SelectionSet {
	if fc := graphql.GetFieldContext(ctx); fc != nil {
		return fc.Field.Selections
	}
	return nil
}

// prefetchForOrders queues what the selection on a list of orders will load.
func (r *Resolver) prefetchForOrders(ctx context.Context, set ast.SelectionSet, orders []sources.Order) {
	fields := r.childFields(ctx, set, "Order", "customer")
	if len(fields) == 0 || len(orders) == 0 {
		return
	}
	ids := make([]string, 0, len(orders))
	seen := make(map[string]bool, len(orders))
	for _, o := range orders {
		if !seen[o.CustomerID] {
			seen[o.CustomerID] = true
			ids = append(ids, o.CustomerID)
		}
	}
	sources.For(ctx).Prefetch().Customers(ctx, ids)
	for _, f := range fields {
		r.prefetchForCustomers(ctx, f.Selections, ids)
	}
}

// prefetchForCustomers queues what the selection on a list of customers
// will load.
func (r *Resolver) prefetchForCustomers(ctx context.Context, set ast.SelectionSet, ids []string) {
	if len(ids) == 0 {
		return
	}
	var acc levelKeys
	acc.customerParts(ctx, r, set, ids)
	acc.start(ctx)
}

// PrefetchLevel implements the plan engine's level prefetch: before the
// engine calls the resolver fields of one level, it hands over every call
// (the field context in ctxs[i], the parent in parents[i]), so that all
// their lookups, and those of the customers' stats and orders they select,
// go to the loaders at once, one batch per loader, whatever the aliases
// and however deep the level. Lookups a list's lookahead already queued
// are found in the cache and not made again.
func (r *Resolver) PrefetchLevel(ctxs []context.Context, parents []any) {
	if len(ctxs) == 0 {
		return
	}
	var acc levelKeys
	for i := 0; i < len(ctxs); i++ {
		ctx := ctxs[i]
		fc := graphql.GetFieldContext(ctx)
		if fc == nil || fc.Field.Field == nil {
			continue
		}
		switch fc.Object + "." + fc.Field.Name {
		case "Query.order":
			if id, ok := fc.Args["id"].(string); ok {
				acc.orders = append(acc.orders, id)
			}
		case "Query.customer":
			if id, ok := fc.Args["id"].(string); ok {
				acc.customersWith(ctx, r, fc.Field.Selections, []string{id})
			}
		case "Query.me":
			if sub := caller.From(ctx).Subject; sub != "" {
				acc.customersWith(ctx, r, fc.Field.Selections, []string{sub})
			}
		case "Order.customer":
			// The calls of one field share its context: read its
			// selection once for all of them.
			var ids []string
			for ; i < len(ctxs) && ctxs[i] == ctx; i++ {
				if o, ok := parents[i].(*model.Order); ok {
					ids = append(ids, o.CustomerID)
				}
			}
			i--
			acc.customersWith(ctx, r, fc.Field.Selections, ids)
		case "Customer.stats":
			if c, ok := parents[i].(*model.Customer); ok {
				if acc.stats == nil {
					// One call per customer of the level: room for the
					// rest of the level's calls, not grown one by one.
					acc.stats = make([]string, 0, len(ctxs)-i)
				}
				acc.stats = append(acc.stats, c.ID)
			}
		case "Customer.orders":
			first, _ := fc.Args["first"].(*int)
			if n, err := r.pageSize(first, 10); err == nil && n > 0 {
				if c, ok := parents[i].(*model.Customer); ok {
					acc.addOrdersOf(n, len(ctxs)-i, c.ID)
				}
			}
		}
	}
	acc.start(ctxs[0])
}

// levelKeys gathers the keys of one level, by loader.
type levelKeys struct {
	orders, customers, stats []string
	ordersOf                 map[int][]string // by page size
}

// customersWith queues customers and what the selection on them loads.
func (a *levelKeys) customersWith(ctx context.Context, r *Resolver, set ast.SelectionSet, ids []string) {
	a.customers = append(a.customers, ids...)
	a.customerParts(ctx, r, set, ids)
}

// customerParts queues what the selection on customers ids loads: their
// stats and their newest orders.
func (a *levelKeys) customerParts(ctx context.Context, r *Resolver, set ast.SelectionSet, ids []string) {
	if len(r.childFields(ctx, set, "Customer", "stats")) > 0 {
		a.stats = append(a.stats, ids...)
	}
	vars := graphql.GetOperationContext(ctx).Variables
	for _, f := range r.childFields(ctx, set, "Customer", "orders") {
		first, ok := cost.Int(f.ArgumentMap(vars)["first"])
		if ok && first > 0 && first <= int64(r.maxPage()) {
			a.addOrdersOf(int(first), len(ids), ids...)
		}
	}
}

// addOrdersOf queues the n newest orders of customers ids; room is how
// many ids of this page size are likely to come, the first list's
// capacity.
func (a *levelKeys) addOrdersOf(n, room int, ids ...string) {
	if a.ordersOf == nil {
		a.ordersOf = map[int][]string{}
	}
	list := a.ordersOf[n]
	if list == nil {
		list = make([]string, 0, max(room, len(ids)))
	}
	a.ordersOf[n] = append(list, ids...)
}

func (a *levelKeys) start(ctx context.Context) {
	p := sources.For(ctx).Prefetch()
	if len(a.orders) > 0 {
		p.Orders(ctx, a.orders)
	}
	if len(a.customers) > 0 {
		p.Customers(ctx, a.customers)
	}
	if len(a.stats) > 0 {
		p.Stats(ctx, a.stats)
	}
	if len(a.ordersOf) == 0 {
		return
	}
	sizes := make([]int, 0, len(a.ordersOf))
	for n := range a.ordersOf {
		sizes = append(sizes, n)
	}
	slices.Sort(sizes)
	for _, n := range sizes {
		p.OrdersOf(ctx, a.ordersOf[n], n)
	}
}

// EnterLevel implements the plan engine's level gate: the prefetches of a
// level's callers are held by one sources.Level and sent together, one
// batch per loader, once each caller has finished or waits for them.
func (r *Resolver) EnterLevel(ctx context.Context, callers int) (context.Context, interface{ Done() }) {
	lv := sources.For(ctx).NewLevel(callers)
	return sources.WithLevel(ctx, lv), lv
}
