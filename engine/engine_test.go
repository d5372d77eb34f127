package engine_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"go.uber.org/goleak"

	"github.com/gqlbff/gqlbff/engine"
	"github.com/gqlbff/gqlbff/internal/testkit"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func sortStrings(s []string) { slices.Sort(s) }

func ptr(s string) *string { return &s }

// fanout is orders_fanout's shape.
const fanout = `query($after: String) { orders(first: 50, after: $after) {
  pageInfo { hasNextPage endCursor }
  edges { cursor node { id status total { amount currency }
    customer { id name stats { lifetimeValue { amount } orderCount lastOrderAt } orders(first: 3) { id } } } } } }`

var queries = []struct {
	name  string
	query string
	vars  map[string]any
}{
	{"fanout", fanout, nil},
	{"dashboard", `{ dashboard { recentOrders(first: 4) { id status total { amount currency } createdAt customer { id name } }
	  topCustomers(first: 3) { id name tier stats { lifetimeValue { amount currency } orderCount } }
	  summary { orderCount revenue { amount currency } averageOrderValue { amount currency } activeCustomers } } }`, nil},
	{"fragments and aliases", `query($s: Boolean!, $n: Int = 2) { a: order(id: "o20000") { ...O items { sku name quantity unitPrice { amount } } }
	  b: order(id: "o19999") { id @skip(if: $s) ... on Order @include(if: $s) { createdAt } customer { ...C } }
	  customers(ids: ["c1", "zz", "c2"]) { __typename ...C orders(first: $n) { id } } __typename }
	  fragment O on Order { id status total { amount } customer { id } }
	  fragment C on Customer { id name email tier stats { orderCount lastOrderAt } }`, map[string]any{"s": false}},
	{"merged fields", `{ dashboard { recentOrders(first: 2) { id } recentOrders(first: 2) { total { amount } customer { name } } } me { id } me { name } }`, nil},
	{"bad argument", `query($t: Time) { dashboard { summary(since: $t) { orderCount activeCustomers } } }`, map[string]any{"t": "yesterday"}},
	{"since", `query($t: Time) { dashboard { summary(since: $t) { activeCustomers } } }`, map[string]any{"t": "2024-01-01T00:00:00Z"}},
	{"resolver error", `{ orders(first: 3, after: "bad") { edges { cursor } } dashboard { summary { orderCount } } }`, nil},
	{"nested", `{ customer(id: "c1") { orders(first: 3) { customer { orders(first: 2) { id customer { name } } } } } }`, nil},
	// Authorization decided once per step: denied instances inside lists,
	// under aliases and fragments, each with its error at its own path.
	{"denied in lists", `query($n: Int = 2) { orders(first: 6) { edges { node { id c: customer { id ...S } customer { name }
	    ... on Order { customer { orders(first: $n) { id customer { ...S } } } } } } }
	  customers(ids: ["c1", "c2", "zz", "c3"]) { id s: stats { orderCount } ...S more: orders(first: 1) { customer { stats { lastOrderAt } } } }
	  me { ...S } }
	  fragment S on Customer { stats { orderCount lastOrderAt } }`, nil},
}

// faults are the failures each query runs under: resolver errors, panics
// and nulls in non-null positions, at different depths.
var faults = []map[string]string{
	{},
	{"Order.customer": "err"},
	{"Order.customer": "panic"},
	{"Customer.stats": "panic", "Customer.orders": "err"},
	{"Customer.orders": "nil"},
	{"Query.dashboard": "nil"},
	{"Dashboard.summary": "panic", "Dashboard.recentOrders": "err"},
	{"AnalyticsSummary.revenue": "nil"},
	{"Order.total": "nil"},
	{"OrderEdge.node": "nil"},
	{"Query.orders": "panic", "Query.customers": "err"},
}

var callers = []*string{nil, ptr(""), ptr("orders:read"), ptr("orders:read customers:read"), ptr("orders:read customers:read analytics:read")}

// TestEngineMatchesGqlgen runs each query under each fault and caller on
// gqlgen's executor and on the engine, resolvers answering from memory:
// panics are INTERNAL at their path with the siblings resolved, nulls
// propagate to the nearest nullable parent, and the answers are the same.
func TestEngineMatchesGqlgen(t *testing.T) {
	for _, f := range faults {
		m := newMemory(50)
		m.faults = f
		ref, plans := executors(m, false), executors(m, true)
		for _, q := range queries {
			for _, c := range callers {
				want, got := run(ref, q.query, q.vars, c), run(plans, q.query, q.vars, c)
				if got != want {
					t.Errorf("%s, faults %v, caller %v:\nplans:  %s\ngqlgen: %s", q.name, f, c, got, want)
				}
			}
		}
	}
}

// TestAuthorizationIsAskedOncePerStep: a step's authorization is the
// caller's, so an allowed step asks its directives once per request, not
// once per instance (the fan-out: 151 instances of four steps); a denied
// step asks for each instance, each denied with an error at its own path.
func TestAuthorizationIsAskedOncePerStep(t *testing.T) {
	m := newMemory(50)
	plans := executors(m, true)
	out := run(plans, fanout, nil, ptr("orders:read customers:read analytics:read"))
	if strings.Contains(out, "forbidden") || len(out) < 10000 {
		t.Fatalf("fan-out: %s", out)
	}
	if n := m.asked.Load(); n != 4 {
		t.Errorf("allowed fan-out: the directives were asked %d times, want 4 (one per step)", n)
	}
	m.asked.Store(0)
	out = run(plans, fanout, nil, ptr("orders:read customers:read"))
	if n := m.asked.Load(); n != 3+50 {
		t.Errorf("fan-out without analytics:read: the directives were asked %d times, want 53 (a stats instance each)", n)
	}
	for i := range 50 {
		if at := fmt.Sprintf("forbidden orders.edges[%d].node.customer.stats ", i); !strings.Contains(out, at) {
			t.Fatalf("no error %q: %s", at, out)
		}
	}
}

// TestCollectFieldsFromThePlan: the resolvers' look-ahead gets, under a
// plan, the fields the plan collected when it was compiled (the same
// slice for every request), equal to what gqlgen collects for the
// request; without a plan, gqlgen's.
func TestCollectFieldsFromThePlan(t *testing.T) {
	const q = `query($s: Boolean!) { orders(first: 2) { edges { cursor @skip(if: $s) ...E node { id } } } }
	  fragment E on OrderEdge { n: node { status } node { total { amount } ... on Order @include(if: $s) { createdAt } } }`
	for _, plans := range []bool{true, false} {
		var got [][]graphql.CollectedField
		m := newMemory(4)
		m.look = func(ctx context.Context) {
			own := graphql.GetFieldContext(ctx).Field.Selections
			var edges []graphql.CollectedField
			for _, f := range engine.CollectFields(ctx, own, "OrderConnection") {
				if f.Name == "edges" {
					edges = append(edges, f)
				}
			}
			if len(edges) != 1 {
				t.Fatalf("plans %v: edges %v", plans, edges)
			}
			for _, c := range []struct {
				set      ast.SelectionSet
				typeName string
			}{{own, "OrderConnection"}, {edges[0].Selections, "OrderEdge"}} {
				f := engine.CollectFields(ctx, c.set, c.typeName)
				if want := graphql.CollectFields(graphql.GetOperationContext(ctx), c.set, []string{c.typeName}); !reflect.DeepEqual(f, want) {
					t.Errorf("plans %v, %s: %v, gqlgen collects %v", plans, c.typeName, f, want)
				}
				got = append(got, f)
			}
		}
		x := executors(m, plans)
		for _, s := range []bool{true, false, true} {
			if out := run(x, q, map[string]any{"s": s}, ptr("orders:read")); !strings.Contains(out, `"edges":[`) {
				t.Fatalf("plans %v: %s", plans, out)
			}
		}
		// Two runs of the same plan (s true) share what it collected; a
		// run of another plan (s false) collects otherwise.
		same := &got[0][0] == &got[4][0] && &got[1][0] == &got[5][0]
		if same != plans {
			t.Errorf("plans %v: the collected fields shared across requests: %v", plans, same)
		}
		if len(got[3]) == len(got[5]) {
			t.Errorf("plans %v: @skip/@include did not change the collected edge fields: %v and %v", plans, got[3], got[5])
		}
	}
}

// TestPanicKeepsSiblings: a panic in one customer resolver is INTERNAL at
// that customer's path; the other orders keep theirs.
func TestPanicKeepsSiblings(t *testing.T) {
	m := newMemory(3)
	m.faults = map[string]string{"Order.customer": "panic"}
	got := run(executors(m, true), `{ orders(first: 2) { edges { node { id customer { id } } } } }`, nil, ptr("orders:read customers:read"))
	if !strings.Contains(got, `"node":{"id":"o20000","customer":null}`) || !strings.Contains(got, `"node":{"id":"o19999","customer":null}`) {
		t.Fatalf("siblings lost: %s", got)
	}
	if !strings.Contains(got, "internal: Order.customer panicked orders.edges[0].node.customer") {
		t.Fatalf("no error at the panic's path: %s", got)
	}
}

// FuzzEngineMatchesGqlgen generates documents from the seed and compares
// the executors on them, under a caller and faults the input picks; make test runs it for a few seconds.
func FuzzEngineMatchesGqlgen(f *testing.F) {
	for i := range 8 {
		f.Add(uint64(i), uint8(i))
	}
	m := newMemory(8)
	ref, plans := executors(m, false), executors(m, true)
	f.Fuzz(func(t *testing.T, seed uint64, who uint8) {
		q, vars := testkit.GenerateDocument(rand.New(rand.NewPCG(seed, 14)))
		c := callers[int(who)%len(callers)]
		m.faults = faults[int(who/4)%len(faults)]
		if want, got := run(ref, q, vars, c), run(plans, q, vars, c); got != want {
			t.Errorf("%s\nvariables: %v, caller %v\nplans:  %s\ngqlgen: %s", q, vars, c, got, want)
		}
	})
}

// settledGoroutines waits (up to a second) until the goroutine count
// stops changing, and answers it.
func settledGoroutines() int64 {
	n := runtime.NumGoroutine()
	for range 100 {
		time.Sleep(10 * time.Millisecond)
		m := runtime.NumGoroutine()
		if m == n {
			break
		}
		n = m
	}
	return int64(n)
}

// TestGoroutinesDoNotGrowWithWidth: the engine starts a goroutine per
// resolver step of a level past the first, never per item, so the fan-out
// of 50 orders runs with as many goroutines as that of 5; gqlgen's
// executor starts one per list element and resolver field.
func TestGoroutinesDoNotGrowWithWidth(t *testing.T) {
	// The fewest extra goroutines of five runs, each from a settled
	// count: goroutines of an earlier run (or the test runner's) still
	// exiting would move the base or the peak by one either way.
	peak := func(withEngine bool, n int) int64 {
		least := int64(math.MaxInt64)
		for range 5 {
			m := newMemory(n)
			x := executors(m, withEngine)
			base := settledGoroutines()
			run(x, strings.Replace(fanout, "first: 50", "first: "+strconv.Itoa(n), 1), nil, ptr("orders:read customers:read analytics:read"))
			least = min(least, m.peak.Load()-base)
		}
		return least
	}
	narrow, wide := peak(true, 5), peak(true, 50)
	if wide != narrow {
		t.Errorf("plans: %d goroutines at 5 orders, %d at 50", narrow, wide)
	}
	gNarrow, gWide := peak(false, 5), peak(false, 50)
	t.Logf("extra goroutines seen by a resolver, 5 → 50 orders: plans %d → %d, gqlgen %d → %d", narrow, wide, gNarrow, gWide)
}
