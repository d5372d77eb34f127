package engine

import (
	"context"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/gqlbff/gqlbff/graph"
	"github.com/gqlbff/gqlbff/graph/model"
	"github.com/gqlbff/gqlbff/scalars"
)

// The bindings: for every field of the public schema, how the plan reads it
// from its parent's model value or calls its generated resolver interface,
// and how it writes a scalar. They mirror what gqlgen generates in
// graph/generated.go; TestEveryFieldIsBound keeps them complete, and a field
// without a binding sends its operation to gqlgen's executor.

// roots are the resolver root's resolvers, asked for once: the generated
// executor asks for one on every call (an allocation each).
type roots struct {
	query     graph.QueryResolver
	order     graph.OrderResolver
	customer  graph.CustomerResolver
	dashboard graph.DashboardResolver
}

func rootsOf(r graph.ResolverRoot) *roots {
	if r == nil {
		return &roots{}
	}
	return &roots{query: r.Query(), order: r.Order(), customer: r.Customer(), dashboard: r.Dashboard()}
}

// binding is one field of one object type.
type binding struct {
	// resolver marks a field with a resolver method (graph.ResolverRoot).
	resolver bool
	// call runs the resolver on parent with the field's coerced arguments.
	call func(ctx context.Context, r *roots, parent any, args map[string]any) (any, error)
	// read is the value of a field without a resolver whose type is an
	// object or a list of objects.
	read func(parent any) any
	// scalar appends the JSON of a scalar or enum field; ok is false for
	// null. marshalerNull reports a non-nil value the marshaler writes as
	// null (a zero time).
	scalar func(b []byte, parent any) (out []byte, ok, marshalerNull bool)
	// canNull marks a scalar whose value may write null (a pointer, a
	// time): a non-null one is checked before the answer is written.
	canNull bool
	// shape reads an object or list value.
	shape *shape
	// args coerces the raw arguments as the generated field_*_args does.
	args func(ctx context.Context, raw map[string]any) (map[string]any, error)
}

// shape reads a value of an object type (ptr) or a list of one (slice).
type shape struct {
	list bool
	// isNil reports a null object or list.
	isNil func(v any) bool
	// n and at read a list: at answers a pointer to the element, or nil.
	n  func(v any) int
	at func(v any, i int) any
}

func ptrShape[T any]() *shape {
	return &shape{isNil: func(v any) bool { p, _ := v.(*T); return p == nil }}
}

func sliceShape[T any]() *shape {
	return &shape{
		list:  true,
		isNil: func(v any) bool { s, _ := v.([]T); return s == nil },
		n:     func(v any) int { s, _ := v.([]T); return len(s) },
		at:    func(v any, i int) any { return &v.([]T)[i] },
	}
}

func ptrSliceShape[T any]() *shape {
	return &shape{
		list:  true,
		isNil: func(v any) bool { s, _ := v.([]*T); return s == nil },
		n:     func(v any) int { s, _ := v.([]*T); return len(s) },
		at: func(v any, i int) any {
			if p := v.([]*T)[i]; p != nil {
				return p
			}
			return nil
		},
	}
}

func str[P any](get func(*P) string) *binding {
	return &binding{scalar: func(b []byte, p any) ([]byte, bool, bool) {
		return appendString(b, get(p.(*P))), true, false
	}}
}

func integer[P any](get func(*P) int) *binding {
	return &binding{scalar: func(b []byte, p any) ([]byte, bool, bool) {
		return strconv.AppendInt(b, int64(get(p.(*P))), 10), true, false
	}}
}

func enum[P any, E ~string](get func(*P) E) *binding {
	// The generated enums write strconv.Quote of their value.
	return &binding{scalar: func(b []byte, p any) ([]byte, bool, bool) {
		return strconv.AppendQuote(b, string(get(p.(*P)))), true, false
	}}
}

func timestamp(b []byte, t time.Time) ([]byte, bool, bool) {
	if t.IsZero() {
		return b, false, true
	}
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"'), true, false
}

func object[P, C any](get func(*P) *C) *binding {
	return &binding{read: func(p any) any { return get(p.(*P)) }, shape: ptrShape[C]()}
}

func list[P, C any](get func(*P) []C) *binding {
	return &binding{read: func(p any) any { return get(p.(*P)) }, shape: sliceShape[C]()}
}

// intArg is an optional Int argument, as unmarshalOInt2ᚖint.
func intArg(ctx context.Context, raw map[string]any, name string) (*int, error) {
	return graphql.ProcessArgField(ctx, raw, name, func(ctx context.Context, v any) (*int, error) {
		if v == nil {
			return nil, nil
		}
		res, err := graphql.UnmarshalInt(v)
		return &res, graphql.ErrorOnPath(ctx, err)
	})
}

func idArg(ctx context.Context, raw map[string]any, name string) (string, error) {
	return graphql.ProcessArgField(ctx, raw, name, func(ctx context.Context, v any) (string, error) {
		res, err := graphql.UnmarshalID(v)
		return res, graphql.ErrorOnPath(ctx, err)
	})
}

func firstArgs(ctx context.Context, raw map[string]any) (map[string]any, error) {
	first, err := intArg(ctx, raw, "first")
	if err != nil {
		return nil, err
	}
	return map[string]any{"first": first}, nil
}

func idArgs(ctx context.Context, raw map[string]any) (map[string]any, error) {
	id, err := idArg(ctx, raw, "id")
	if err != nil {
		return nil, err
	}
	return map[string]any{"id": id}, nil
}

func ordersArgs(ctx context.Context, raw map[string]any) (map[string]any, error) {
	status, err := graphql.ProcessArgField(ctx, raw, "status", func(ctx context.Context, v any) (*model.OrderStatus, error) {
		if v == nil {
			return nil, nil
		}
		var res = new(model.OrderStatus)
		err := res.UnmarshalGQL(v)
		return res, graphql.ErrorOnPath(ctx, err)
	})
	if err != nil {
		return nil, err
	}
	first, err := intArg(ctx, raw, "first")
	if err != nil {
		return nil, err
	}
	after, err := graphql.ProcessArgField(ctx, raw, "after", func(ctx context.Context, v any) (*string, error) {
		if v == nil {
			return nil, nil
		}
		res, err := graphql.UnmarshalString(v)
		return &res, graphql.ErrorOnPath(ctx, err)
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"status": status, "first": first, "after": after}, nil
}

func customersArgs(ctx context.Context, raw map[string]any) (map[string]any, error) {
	ids, err := graphql.ProcessArgField(ctx, raw, "ids", func(ctx context.Context, v any) ([]string, error) {
		vs := graphql.CoerceList(v)
		res := make([]string, len(vs))
		for i := range vs {
			s, err := graphql.UnmarshalID(vs[i])
			if err != nil {
				// The element's path, as gqlgen's generated code puts it,
				// made only for the error.
				return nil, graphql.ErrorOnPath(graphql.WithPathContext(ctx, graphql.NewPathWithIndex(i)), err)
			}
			res[i] = s
		}
		return res, nil
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"ids": ids}, nil
}

func summaryArgs(ctx context.Context, raw map[string]any) (map[string]any, error) {
	since, err := graphql.ProcessArgField(ctx, raw, "since", func(ctx context.Context, v any) (*time.Time, error) {
		if v == nil {
			return nil, nil
		}
		res, err := scalars.UnmarshalTime(v)
		return &res, graphql.ErrorOnPath(ctx, err)
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"since": since}, nil
}

// bindings answers the binding of every field by type and field name.
func bindings() map[string]map[string]*binding {
	customer := ptrShape[model.Customer]()
	order := ptrShape[model.Order]()
	return map[string]map[string]*binding{
		"Query": {
			"me": {resolver: true, shape: customer, call: func(ctx context.Context, r *roots, _ any, _ map[string]any) (any, error) {
				return r.query.Me(ctx)
			}},
			"order": {resolver: true, shape: order, args: idArgs, call: func(ctx context.Context, r *roots, _ any, a map[string]any) (any, error) {
				return r.query.Order(ctx, a["id"].(string))
			}},
			"orders": {resolver: true, shape: ptrShape[model.OrderConnection](), args: ordersArgs, call: func(ctx context.Context, r *roots, _ any, a map[string]any) (any, error) {
				return r.query.Orders(ctx, a["status"].(*model.OrderStatus), a["first"].(*int), a["after"].(*string))
			}},
			"customer": {resolver: true, shape: customer, args: idArgs, call: func(ctx context.Context, r *roots, _ any, a map[string]any) (any, error) {
				return r.query.Customer(ctx, a["id"].(string))
			}},
			"customers": {resolver: true, shape: ptrSliceShape[model.Customer](), args: customersArgs, call: func(ctx context.Context, r *roots, _ any, a map[string]any) (any, error) {
				return r.query.Customers(ctx, a["ids"].([]string))
			}},
			"dashboard": {resolver: true, shape: ptrShape[model.Dashboard](), call: func(ctx context.Context, r *roots, _ any, _ map[string]any) (any, error) {
				return r.query.Dashboard(ctx)
			}},
		},
		"Dashboard": {
			"recentOrders": {resolver: true, shape: sliceShape[model.Order](), args: firstArgs, call: func(ctx context.Context, r *roots, p any, a map[string]any) (any, error) {
				return r.dashboard.RecentOrders(ctx, p.(*model.Dashboard), a["first"].(*int))
			}},
			"topCustomers": {resolver: true, shape: sliceShape[model.Customer](), args: firstArgs, call: func(ctx context.Context, r *roots, p any, a map[string]any) (any, error) {
				return r.dashboard.TopCustomers(ctx, p.(*model.Dashboard), a["first"].(*int))
			}},
			"summary": {resolver: true, shape: ptrShape[model.AnalyticsSummary](), args: summaryArgs, call: func(ctx context.Context, r *roots, p any, a map[string]any) (any, error) {
				return r.dashboard.Summary(ctx, p.(*model.Dashboard), a["since"].(*time.Time))
			}},
		},
		"OrderConnection": {
			"edges":    list(func(c *model.OrderConnection) []model.OrderEdge { return c.Edges }),
			"pageInfo": object(func(c *model.OrderConnection) *model.PageInfo { return c.PageInfo }),
		},
		"OrderEdge": {
			"cursor": str(func(e *model.OrderEdge) string { return e.Cursor }),
			"node":   object(func(e *model.OrderEdge) *model.Order { return e.Node }),
		},
		"PageInfo": {
			"hasNextPage": {scalar: func(b []byte, p any) ([]byte, bool, bool) {
				return strconv.AppendBool(b, p.(*model.PageInfo).HasNextPage), true, false
			}},
			"endCursor": {canNull: true, scalar: func(b []byte, p any) ([]byte, bool, bool) {
				if c := p.(*model.PageInfo).EndCursor; c != nil {
					return appendString(b, *c), true, false
				}
				return b, false, false
			}},
		},
		"Order": {
			"id":     str(func(o *model.Order) string { return o.ID }),
			"status": enum(func(o *model.Order) model.OrderStatus { return o.Status }),
			"total":  object(func(o *model.Order) *model.Money { return o.Total }),
			"createdAt": {canNull: true, scalar: func(b []byte, p any) ([]byte, bool, bool) {
				return timestamp(b, p.(*model.Order).CreatedAt)
			}},
			"items": list(func(o *model.Order) []model.OrderItem { return o.Items }),
			"customer": {resolver: true, shape: customer, call: func(ctx context.Context, r *roots, p any, _ map[string]any) (any, error) {
				return r.order.Customer(ctx, p.(*model.Order))
			}},
		},
		"OrderItem": {
			"sku":       str(func(i *model.OrderItem) string { return i.Sku }),
			"name":      str(func(i *model.OrderItem) string { return i.Name }),
			"quantity":  integer(func(i *model.OrderItem) int { return i.Quantity }),
			"unitPrice": object(func(i *model.OrderItem) *model.Money { return i.UnitPrice }),
		},
		"Customer": {
			"id":    str(func(c *model.Customer) string { return c.ID }),
			"name":  str(func(c *model.Customer) string { return c.Name }),
			"email": str(func(c *model.Customer) string { return c.Email }),
			"tier":  enum(func(c *model.Customer) model.CustomerTier { return c.Tier }),
			"orders": {resolver: true, shape: sliceShape[model.Order](), args: firstArgs, call: func(ctx context.Context, r *roots, p any, a map[string]any) (any, error) {
				return r.customer.Orders(ctx, p.(*model.Customer), a["first"].(*int))
			}},
			"stats": {resolver: true, shape: ptrShape[model.CustomerStats](), call: func(ctx context.Context, r *roots, p any, _ map[string]any) (any, error) {
				return r.customer.Stats(ctx, p.(*model.Customer))
			}},
		},
		"CustomerStats": {
			"lifetimeValue": object(func(s *model.CustomerStats) *model.Money { return s.LifetimeValue }),
			"orderCount":    integer(func(s *model.CustomerStats) int { return s.OrderCount }),
			"lastOrderAt": {canNull: true, scalar: func(b []byte, p any) ([]byte, bool, bool) {
				if t := p.(*model.CustomerStats).LastOrderAt; t != nil {
					return timestamp(b, *t)
				}
				return b, false, false
			}},
		},
		"AnalyticsSummary": {
			"orderCount":        integer(func(s *model.AnalyticsSummary) int { return s.OrderCount }),
			"revenue":           object(func(s *model.AnalyticsSummary) *model.Money { return s.Revenue }),
			"averageOrderValue": object(func(s *model.AnalyticsSummary) *model.Money { return s.AverageOrderValue }),
			"activeCustomers":   integer(func(s *model.AnalyticsSummary) int { return s.ActiveCustomers }),
		},
		"Money": {
			"amount":   str(func(m *model.Money) string { return m.Amount }),
			"currency": str(func(m *model.Money) string { return m.Currency }),
		},
	}
}
