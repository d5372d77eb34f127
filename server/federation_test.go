package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/gqlbff/gqlbff/internal/testkit"
	"github.com/gqlbff/gqlbff/server"
)

// subgraph is a harness with subgraph mode on.
func subgraph(t *testing.T, more ...func(*server.Config)) *harness {
	return newHarness(t, withConfig(func(c *server.Config) {
		c.GraphQL.Federation = true
		for _, f := range more {
			f(c)
		}
	}))
}

const entitiesQuery = `query($r: [_Any!]!) { _entities(representations: $r) {
	__typename
	... on Customer { id name tier }
	... on Order { id status total { amount } customer { id name } }
} }`

func reps(typename string, ids ...string) []map[string]any {
	out := make([]map[string]any, len(ids))
	for i, id := range ids {
		out[i] = map[string]any{"__typename": typename, "id": id}
	}
	return out
}

type entity struct {
	Typename string `json:"__typename"`
	ID       string
	Name     string
	Status   string
	Customer *struct{ ID, Name string }
}

func decodeEntities(t *testing.T, r testkit.Response) []*entity {
	t.Helper()
	var got struct {
		Entities []*entity `json:"_entities"`
	}
	decodeData(t, r, &got)
	return got.Entities
}

func TestEntitiesCustomersAreOneBatchCall(t *testing.T) {
	h := subgraph(t)
	ids := make([]string, 100)
	for i := range ids {
		ids[i] = fmt.Sprintf("c%d", i+1)
	}
	a := h.query(entitiesQuery, map[string]any{"r": reps("Customer", ids...)})
	if a.status != http.StatusOK {
		t.Fatalf("status: got %d, want 200: %s", a.status, a.body)
	}
	got := decodeEntities(t, a.response(t))
	if len(got) != len(ids) {
		t.Fatalf("entities: got %d, want %d", len(got), len(ids))
	}
	for i, e := range got {
		c, _ := defaultData().Customer(ids[i])
		if e == nil || e.Typename != "Customer" || e.ID != ids[i] || e.Name != c.Name {
			t.Errorf("_entities.%d: got %+v, want Customer %s %q", i, e, ids[i], c.Name)
		}
	}
	if n := h.svcs.Customers.Calls(); n != 1 {
		t.Errorf("customers calls for 100 representations: got %d, want 1", n)
	}
	if n := h.calls(); n != 1 {
		t.Errorf("source calls: got %d, want 1", n)
	}
}

func TestEntitiesUnknownIDIsNull(t *testing.T) {
	h := subgraph(t)
	order := defaultData().OrdersOf("c7")[0]
	r := append(reps("Customer", "c1", "nobody"), reps("Order", order.ID, "o-none")...)
	a := h.query(entitiesQuery, map[string]any{"r": r})
	resp := a.response(t, "_entities.1", "_entities.3")
	if len(resp.Errors) != 0 {
		t.Fatalf("errors: got %+v, want none", resp.Errors)
	}
	got := decodeEntities(t, resp)
	want := []string{"c1", "", order.ID, ""}
	for i, id := range want {
		switch {
		case id == "" && got[i] != nil:
			t.Errorf("_entities.%d: got %+v, want null", i, got[i])
		case id != "" && (got[i] == nil || got[i].ID != id):
			t.Errorf("_entities.%d: got %+v, want %s", i, got[i], id)
		}
	}
	if c := got[2].Customer; c == nil || c.ID != "c7" {
		t.Errorf("_entities.2.customer: got %+v, want c7", c)
	}
}

func TestEntitiesOrdersWithCustomersAreTwoCalls(t *testing.T) {
	h := subgraph(t)
	var ids []string
	for c := 1; len(ids) < 60; c++ {
		for _, o := range defaultData().OrdersOf(fmt.Sprintf("c%d", c))[:1] {
			ids = append(ids, o.ID)
		}
	}
	a := h.query(entitiesQuery, map[string]any{"r": reps("Order", ids...)})
	got := decodeEntities(t, a.response(t))
	for i, e := range got {
		if e == nil || e.ID != ids[i] || e.Customer == nil || e.Customer.ID != fmt.Sprintf("c%d", i+1) {
			t.Errorf("_entities.%d: got %+v, want order %s of c%d", i, e, ids[i], i+1)
		}
	}
	for _, s := range []struct {
		name      string
		got, want int
	}{
		{"orders", h.svcs.Orders.Calls(), 1},
		{"customers", h.svcs.Customers.Calls(), 1},
		{"analytics", h.svcs.Analytics.Calls(), 0},
	} {
		if s.got != s.want {
			t.Errorf("%s calls: got %d, want %d", s.name, s.got, s.want)
		}
	}
}

func TestEntitiesSourceDown(t *testing.T) {
	h := subgraph(t)
	h.svcs.Customers.SetDown(true)
	order := defaultData().OrdersOf("c3")[0].ID
	r := append(reps("Customer", "c1", "c2"), reps("Order", order)...)
	resp := h.query(entitiesQuery, map[string]any{"r": r}).response(t)
	want := map[string]bool{"_entities.0": true, "_entities.1": true, "_entities.2.customer": true}
	for _, e := range resp.Errors {
		if !want[e.PathString()] {
			t.Errorf("unexpected error at %s: %+v", e.PathString(), e)
			continue
		}
		delete(want, e.PathString())
		if e.Code() != server.CodeSourceUnavailable || e.Source() != "customers" {
			t.Errorf("error at %s: got %s/%s, want %s/customers", e.PathString(), e.Code(), e.Source(), server.CodeSourceUnavailable)
		}
	}
	for p := range want {
		t.Errorf("no error at %s", p)
	}
	if got := decodeEntities(t, resp); got[2] == nil || got[2].ID != order {
		t.Errorf("_entities.2: got %+v, want order %s with its orders-source fields", got[2], order)
	}
}

func TestServiceSDL(t *testing.T) {
	// Introspection is off (the default): _service answers all the same.
	h := subgraph(t)
	var got struct {
		Service struct{ SDL string } `json:"_service"`
	}
	decodeData(t, h.query(`{ _service { sdl } }`, nil).response(t), &got)
	sdl := got.Service.SDL
	doc, err := parser.ParseSchema(&ast.Source{Name: "sdl", Input: sdl})
	if err != nil {
		t.Fatalf("the SDL does not parse: %v\n%s", err, sdl)
	}
	if len(doc.Extensions) != 0 {
		t.Errorf("type extensions in the SDL: got %d, want none (folded into the definitions)", len(doc.Extensions))
	}
	keys := map[string]string{}
	for _, def := range doc.Definitions {
		if d := def.Directives.ForName("key"); d != nil {
			keys[def.Name] = d.Arguments.ForName("fields").Value.Raw
		}
	}
	for _, typ := range []string{"Order", "Customer"} {
		if keys[typ] != "id" {
			t.Errorf("@key of %s: got %q, want \"id\"", typ, keys[typ])
		}
	}
	if doc.SchemaExtension == nil || doc.SchemaExtension[0].Directives.ForName("link") == nil {
		t.Errorf("no extend schema @link in the SDL:\n%s", sdl)
	}
	for _, name := range []string{"Query", "Dashboard", "OrderConnection", "Money", "OrderStatus", "Time"} {
		if doc.Definitions.ForName(name) == nil {
			t.Errorf("type %s missing from the SDL", name)
		}
	}
	for _, absent := range []string{"@cost", "@listSize", "@authenticated", "@requiresScopes", "@entityResolver", "@cacheControl", "CacheControlScope",
		"_entities", "_service", "_Any", "_Entity", "FindMany"} {
		if strings.Contains(sdl, absent) {
			t.Errorf("the SDL holds %s:\n%s", absent, sdl)
		}
	}
}

func TestSubgraphModeOff(t *testing.T) {
	h := newHarness(t, withConfig(func(c *server.Config) { c.Profiles.Web.Introspection = true }))
	for _, q := range []string{
		`{ _entities(representations: []) { __typename } }`,
		`{ _service { sdl } }`,
		`query($r: [_Any!]!) { __typename }`,
	} {
		a := h.query(q, map[string]any{"r": []any{}})
		resp := a.response(t)
		if a.status != http.StatusBadRequest || len(resp.Errors) == 0 || resp.Errors[0].Code() != server.CodeValidationFailed {
			t.Errorf("%s: got %d %s, want 400 %s", q, a.status, a.body, server.CodeValidationFailed)
		}
	}
	names := introspect(t, h)
	for _, absent := range []string{"_entities", "_service", "_Entity", "_Service", "_Any", "Entity",
		"CustomerByIDsInput", "FieldSet", "@key", "@link", "@entityResolver"} {
		if slices.Contains(names, absent) {
			t.Errorf("introspection lists %s with subgraph mode off", absent)
		}
	}
	for _, present := range []string{"order", "customers", "Customer", "Order", "@requiresScopes", "@authenticated"} {
		if !slices.Contains(names, present) {
			t.Errorf("introspection does not list %s", present)
		}
	}
}

func TestSubgraphModeOnIntrospection(t *testing.T) {
	h := subgraph(t, func(c *server.Config) { c.Profiles.Web.Introspection = true })
	names := introspect(t, h)
	for _, present := range []string{"_entities", "_service", "_Entity", "_Any", "@key"} {
		if !slices.Contains(names, present) {
			t.Errorf("introspection does not list %s with subgraph mode on", present)
		}
	}
}

// introspect lists the Query fields, the types and (as @name) the
// directives the server's introspection shows.
func introspect(t *testing.T, h *harness) []string {
	t.Helper()
	var got struct {
		Schema struct {
			QueryType  struct{ Fields []struct{ Name string } }
			Types      []struct{ Name string }
			Directives []struct{ Name string }
		} `json:"__schema"`
	}
	a := h.query(`{ __schema { queryType { fields { name } } types { name } directives { name } } }`, nil)
	if err := json.Unmarshal(a.response(t).Data, &got); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range got.Schema.QueryType.Fields {
		names = append(names, f.Name)
	}
	for _, f := range got.Schema.Types {
		names = append(names, f.Name)
	}
	for _, f := range got.Schema.Directives {
		names = append(names, "@"+f.Name)
	}
	return names
}

func TestEntitiesBadRepresentations(t *testing.T) {
	cases := []struct {
		name string
		rep  map[string]any
	}{
		{"no __typename", map[string]any{"id": "c1"}},
		{"__typename not a string", map[string]any{"__typename": 7, "id": "c1"}},
		{"not an entity type", map[string]any{"__typename": "Money", "id": "c1"}},
		{"unknown type", map[string]any{"__typename": "Nope", "id": "c1"}},
		{"no key field", map[string]any{"__typename": "Customer"}},
		{"null key field", map[string]any{"__typename": "Order", "id": nil}},
		{"key field an object", map[string]any{"__typename": "Order", "id": map[string]any{"x": 1}}},
	}
	h := subgraph(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h.reset()
			r := []map[string]any{{"__typename": "Customer", "id": "c1"}, c.rep}
			a := h.query(entitiesQuery, map[string]any{"r": r})
			resp := a.response(t)
			if a.status != http.StatusOK || len(resp.Errors) != 1 ||
				resp.Errors[0].Code() != server.CodeBadUserInput || resp.Errors[0].PathString() != "_entities" {
				t.Errorf("got %d %s, want 200 with one %s at _entities", a.status, a.body, server.CodeBadUserInput)
			}
			if n := h.calls(); n != 0 {
				t.Errorf("source calls: got %d, want 0", n)
			}
		})
	}
}

func TestSubgraphSDLIsWhatServiceAnswers(t *testing.T) {
	want, err := server.SubgraphSDL()
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Service struct{ SDL string } `json:"_service"`
	}
	decodeData(t, subgraph(t).query(`{ _service { sdl } }`, nil).response(t), &got)
	if got.Service.SDL != want {
		t.Errorf("_service { sdl } and SubgraphSDL differ:\n%s\n---\n%s", got.Service.SDL, want)
	}
}

// TestEntitiesKeepTheRootPolicy: a reference must not read what the root
// lookup would refuse. Without orders:read an Order reference is FORBIDDEN
// and no orders call is made; the Customer references still resolve.
func TestEntitiesKeepTheRootPolicy(t *testing.T) {
	h := subgraph(t)
	r := append(reps("Order", "o1", "o2"), reps("Customer", "c1")...)
	a := h.query(entitiesQuery, map[string]any{"r": r}, "Authorization", bearer(token("p", "web", "customers:read")))
	resp := a.response(t)
	for _, p := range []string{"_entities.0", "_entities.1"} {
		if e, ok := resp.ErrorAt(p); !ok || e.Code() != "FORBIDDEN" {
			t.Errorf("at %s: got %+v, want FORBIDDEN", p, e)
		}
	}
	if got := decodeEntities(t, resp); len(got) != 3 || got[2] == nil || got[2].ID != "c1" {
		t.Errorf("customer reference: got %+v, want c1", got)
	}
	if n := h.svcs.Orders.Calls(); n != 0 {
		t.Errorf("orders calls: got %d, want 0", n)
	}
}
