package resolvers

import (
	"context"
	"encoding/json"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/gqlbff/gqlbff/sources"
)

// A time window alone cannot promise one batch per level: under load the
// goroutines of a list's items reach their loaders over several
// milliseconds. Where a resolver holds a whole list, it looks ahead at the
// operation's selection and queues the lookups the items' fields will make,
// all at once. The items' own resolvers then find them in the cache.

// childFields returns the fields named name selected in set on typeName,
// with fragments and aliases resolved; none when the caller may not
// resolve that field.
func (r *Resolver) childFields(ctx context.Context, set ast.SelectionSet, typeName, name string) []graphql.CollectedField {
	if r.Allow != nil && !r.Allow(ctx, typeName, name) {
		return nil
	}
	var out []graphql.CollectedField
	for _, f := range graphql.CollectFields(graphql.GetOperationContext(ctx), set, []string{typeName}) {
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
	p := sources.For(ctx).Prefetch()
	if len(r.childFields(ctx, set, "Customer", "stats")) > 0 {
		p.Stats(ctx, ids)
	}
	vars := graphql.GetOperationContext(ctx).Variables
	for _, f := range r.childFields(ctx, set, "Customer", "orders") {
		first, ok := intArg(f.ArgumentMap(vars)["first"])
		if ok && first > 0 && first <= MaxPage {
			p.OrdersOf(ctx, ids, first)
		}
	}
}

// intArg reads an Int argument, literal (int64) or from a variable.
func intArg(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case int64:
		return int(n), true
	case json.Number:
		i, err := n.Int64()
		return int(i), err == nil
	case float64:
		return int(n), n == float64(int(n))
	default:
		return 0, false
	}
}
