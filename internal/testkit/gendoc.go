package testkit

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// GenerateDocument writes a random query over gqlbff's schema with the
// variables to send: fragments (named and inline), aliases, repeated
// fields to merge, @skip/@include on literals and variables, arguments as
// literals and as variables with and without defaults, valid and invalid
// values, and __typename.
func GenerateDocument(rng *rand.Rand) (string, map[string]any) {
	g := &docGen{rng: rng, vars: map[string]any{}, args: map[string]string{}}
	body := g.selection("Query", 0)
	var b strings.Builder
	b.WriteString("query Generated")
	if len(g.decls) > 0 {
		b.WriteString("(" + strings.Join(g.decls, ", ") + ")")
	}
	b.WriteString(" " + body)
	for _, f := range g.fragments {
		b.WriteString("\n" + f)
	}
	return b.String(), g.vars
}

type genField struct {
	name  string
	args  func(g *docGen) string
	child string // the object type, "" for a scalar
}

var genSchema = map[string][]genField{
	"Query": {
		{"me", nil, "Customer"},
		{"order", func(g *docGen) string { return "(id: " + g.id() + ")" }, "Order"},
		{"orders", func(g *docGen) string { return g.ordersArgs() }, "OrderConnection"},
		{"customer", func(g *docGen) string { return "(id: " + g.id() + ")" }, "Customer"},
		{"customers", func(g *docGen) string { return "(ids: " + g.ids() + ")" }, "Customer"},
		{"dashboard", nil, "Dashboard"},
	},
	"Dashboard": {
		{"recentOrders", func(g *docGen) string { return g.first() }, "Order"},
		{"topCustomers", func(g *docGen) string { return g.first() }, "Customer"},
		{"summary", func(g *docGen) string { return g.since() }, "AnalyticsSummary"},
	},
	"OrderConnection": {{"edges", nil, "OrderEdge"}, {"pageInfo", nil, "PageInfo"}},
	"OrderEdge":       {{"cursor", nil, ""}, {"node", nil, "Order"}},
	"PageInfo":        {{"hasNextPage", nil, ""}, {"endCursor", nil, ""}},
	"Order": {
		{"id", nil, ""}, {"status", nil, ""}, {"total", nil, "Money"}, {"createdAt", nil, ""},
		{"items", nil, "OrderItem"}, {"customer", nil, "Customer"},
	},
	"OrderItem": {{"sku", nil, ""}, {"name", nil, ""}, {"quantity", nil, ""}, {"unitPrice", nil, "Money"}},
	"Customer": {
		{"id", nil, ""}, {"name", nil, ""}, {"email", nil, ""}, {"tier", nil, ""},
		{"orders", func(g *docGen) string { return g.first() }, "Order"},
		{"stats", nil, "CustomerStats"},
	},
	"CustomerStats":    {{"lifetimeValue", nil, "Money"}, {"orderCount", nil, ""}, {"lastOrderAt", nil, ""}},
	"AnalyticsSummary": {{"orderCount", nil, ""}, {"revenue", nil, "Money"}, {"averageOrderValue", nil, "Money"}, {"activeCustomers", nil, ""}},
	"Money":            {{"amount", nil, ""}, {"currency", nil, ""}},
}

type docGen struct {
	rng       *rand.Rand
	decls     []string
	vars      map[string]any
	fragments []string
	n         int
	// args are each field's arguments, the same wherever it appears, so
	// that fields of one response key merge instead of conflicting.
	args map[string]string
}

func (g *docGen) chance(p float64) bool { return g.rng.Float64() < p }

func (g *docGen) variable(typ string, value any, def string) string {
	g.n++
	name := fmt.Sprintf("v%d", g.n)
	decl := "$" + name + ": " + typ
	if def != "" {
		decl += " = " + def
	}
	g.decls = append(g.decls, decl)
	if value != nil {
		g.vars[name] = value
	}
	return "$" + name
}

func (g *docGen) id() string {
	ids := []string{"c1", "c3", "c999", "o42", "o7", "o19999", "nobody"}
	id := ids[g.rng.IntN(len(ids))]
	if g.chance(0.3) {
		return g.variable("ID!", id, "")
	}
	return `"` + id + `"`
}

func (g *docGen) ids() string {
	var parts []string
	for range g.rng.IntN(4) {
		parts = append(parts, []string{`"c1"`, `"c2"`, `"c5"`, `"nobody"`, `"c1"`}[g.rng.IntN(5)])
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func (g *docGen) first() string {
	n := []int{0, 1, 2, 3}[g.rng.IntN(4)]
	if g.chance(0.05) {
		n = []int{101, -1}[g.rng.IntN(2)] // refused before execution
	}
	switch {
	case g.chance(0.2):
		return ""
	case g.chance(0.25):
		return "(first: " + g.variable("Int", n, "") + ")"
	case g.chance(0.2):
		return "(first: " + g.variable("Int", nil, fmt.Sprint(max(n, 1))) + ")"
	}
	return fmt.Sprintf("(first: %d)", n)
}

func (g *docGen) ordersArgs() string {
	args := []string{fmt.Sprintf("first: %d", g.rng.IntN(4))}
	if g.chance(0.3) {
		args = append(args, "status: "+[]string{"PAID", "SHIPPED", "CANCELLED"}[g.rng.IntN(3)])
	}
	if g.chance(0.2) {
		args = append(args, "after: "+g.variable("String", []string{"bogus", ""}[g.rng.IntN(2)], ""))
	}
	return "(" + strings.Join(args, ", ") + ")"
}

func (g *docGen) since() string {
	switch {
	case g.chance(0.3):
		return ""
	case g.chance(0.3):
		return "(since: " + g.variable("Time", []string{"2025-01-01T00:00:00Z", "yesterday"}[g.rng.IntN(2)], "") + ")"
	}
	return `(since: "2024-06-01T00:00:00Z")`
}

// condition is a @skip or @include, on a literal or a variable; or none.
func (g *docGen) condition() string {
	if !g.chance(0.15) {
		return ""
	}
	dir := []string{"skip", "include"}[g.rng.IntN(2)]
	if g.chance(0.5) {
		return fmt.Sprintf(" @%s(if: %v)", dir, g.chance(0.5))
	}
	if g.chance(0.3) {
		return fmt.Sprintf(" @%s(if: %s)", dir, g.variable("Boolean", nil, fmt.Sprint(g.chance(0.5))))
	}
	return fmt.Sprintf(" @%s(if: %s)", dir, g.variable("Boolean!", g.chance(0.5), ""))
}

// selection is a selection set on typ.
func (g *docGen) selection(typ string, depth int) string {
	fields := genSchema[typ]
	var parts []string
	k := 1 + g.rng.IntN(min(4, len(fields)))
	for _, i := range g.rng.Perm(len(fields))[:k] {
		f := fields[i]
		if f.child != "" && depth >= 4 {
			continue
		}
		parts = append(parts, g.field(typ, f, depth))
		if f.child != "" && g.chance(0.1) {
			// The same response key again: gqlgen merges the two.
			parts = append(parts, g.field(typ, f, depth))
		}
	}
	if len(parts) == 0 || g.chance(0.1) {
		parts = append(parts, "__typename")
	}
	switch {
	case g.chance(0.1):
		parts = append(parts, "... on "+typ+g.condition()+" "+g.selection(typ, depth+1))
	case g.chance(0.1):
		name := fmt.Sprintf("F%d", len(g.fragments)+1)
		g.fragments = append(g.fragments, "") // reserve the name
		idx := len(g.fragments) - 1
		g.fragments[idx] = "fragment " + name + " on " + typ + " " + g.selection(typ, depth+1)
		parts = append(parts, "..."+name+g.condition())
	}
	return "{ " + strings.Join(parts, " ") + " }"
}

func (g *docGen) field(typ string, f genField, depth int) string {
	var s string
	if g.chance(0.1) {
		s = fmt.Sprintf("a%d_%s: ", g.rng.IntN(2), f.name)
	}
	s += f.name
	if f.args != nil {
		a, ok := g.args[typ+"."+f.name]
		if !ok {
			a = f.args(g)
			g.args[typ+"."+f.name] = a
		}
		s += a
	}
	s += g.condition()
	if f.child != "" {
		s += " " + g.selection(f.child, depth+1)
	}
	return s
}
