package cost_test

import (
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/gqlbff/gqlbff/cost"
)

const directives = `
directive @cost(weight: Int!) on ARGUMENT_DEFINITION | ENUM | FIELD_DEFINITION | INPUT_FIELD_DEFINITION | OBJECT | SCALAR
directive @listSize(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!], requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION
`

func load(t *testing.T, sdl string) *ast.Schema {
	t.Helper()
	s, err := gqlparser.LoadSchema(&ast.Source{Name: "test.graphqls", Input: directives + sdl})
	if err != nil {
		t.Fatalf("schema: %v", err)
	}
	return s
}

func TestEveryListOfTheSchemaIsSized(t *testing.T) {
	var unsized []string
	for _, name := range analyzer(t).Unsized() {
		// The federation plugin's own fields: the server sizes _entities
		// by its representations (server/federation.go, sizeEntities), and
		// no operation can select Entity's.
		if name == "Query._entities" || strings.HasPrefix(name, "Entity.") {
			continue
		}
		unsized = append(unsized, name)
	}
	if len(unsized) != 0 {
		t.Errorf("lists priced at the default size: %v; give them @listSize", unsized)
	}
}

func TestNewRefusesMisplacedDirectives(t *testing.T) {
	cases := []struct {
		name, sdl, want string
	}{
		{"unknown slicing argument", `type Query { a(first: Int): [Int] @listSize(slicingArguments: ["last"]) }`, `slicing argument "last" is not an argument`},
		{"slicing argument of another type", `type Query { a(first: String): [Int] @listSize(slicingArguments: ["first"]) }`, `must be an Int or a list`},
		{"sized field not a list", `type C { n: Int } type Query { c(first: Int): C @listSize(slicingArguments: ["first"], sizedFields: ["n"]) }`, `sized field "n" is not a list field of C`},
		{"listSize on a single value", `type Query { a: Int @listSize(assumedSize: 3) }`, `not a list and sizes no field`},
		{"negative assumed size", `type Query { a: [Int] @listSize(assumedSize: -1) }`, `assumedSize must be a non-negative Int`},
		{"negative weight", `type Query { a: Int @cost(weight: -2) }`, `@cost weight must be between 0`},
		{"input field weight", `input I { x: Int @cost(weight: 1) } type Query { a(i: I): Int }`, `@cost on an input field is not supported`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := cost.New(load(t, tc.sdl), cost.Options{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
	if _, err := cost.New(nil, cost.Options{}); err == nil {
		t.Error("nil schema: got no error")
	}
}

func TestUnsizedListsAreListed(t *testing.T) {
	a, err := cost.New(load(t, `type T { tags: [String] } type Query { t: T ts(first: Int): [T] @listSize(slicingArguments: ["first"]) }`), cost.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := a.Unsized(); len(got) != 1 || got[0] != "T.tags" {
		t.Errorf("got %v, want [T.tags]", got)
	}
}

func TestArgumentWeightsAndAbstractTypes(t *testing.T) {
	s := load(t, `
		interface Node { id: ID }
		type Cheap implements Node { id: ID }
		type Dear implements Node @cost(weight: 7) { id: ID more: Cheap }
		type Query {
			node(id: ID, deep: Boolean @cost(weight: 3)): Node
			nodes(ids: [ID!]!): [Node] @listSize(slicingArguments: ["ids"])
		}`)
	a, err := cost.New(s, cost.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		q    string
		want int64
	}{
		// node 1 (interface default) + argument deep 3 => 4
		{"argument weight", `{ node(id: "1", deep: true) { id } }`, 4},
		// no deep argument => 1
		{"argument absent", `{ node(id: "1") { id } }`, 1},
		// the dearer possible type counts: node 1 + Dear.more 1 => 2
		{"abstract", `{ node(id: "1") { ... on Dear { more { id } } ... on Cheap { id } } }`, 2},
		// 3 ids × (1 + 1) => 6
		{"abstract list", `{ nodes(ids: ["a", "b", "c"]) { ... on Dear { more { id } } } }`, 6},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			doc, errs := gqlparser.LoadQuery(s, tc.q)
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			got, err := a.Price(doc, doc.Operations[0], nil)
			if err != nil {
				t.Fatal(err)
			}
			if got.Cost != tc.want {
				t.Errorf("got %d, want %d", got.Cost, tc.want)
			}
		})
	}
}

func TestRequireOneSlicingArgument(t *testing.T) {
	s := load(t, `type Query {
		a(first: Int, last: Int): [Int] @listSize(slicingArguments: ["first", "last"])
		b(first: Int, last: Int): [Int] @listSize(slicingArguments: ["first", "last"], requireOneSlicingArgument: false)
	}`)
	a, err := cost.New(s, cost.Options{})
	if err != nil {
		t.Fatal(err)
	}
	doc, errs := gqlparser.LoadQuery(s, `{ a(first: 2, last: 3) }`)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if _, err := a.Price(doc, doc.Operations[0], nil); err == nil {
		t.Error("two slicing arguments with requireOneSlicingArgument: got no error")
	}
	// Without the requirement the larger one counts: 3 × Int 0 = 0, and the
	// call succeeds.
	doc, _ = gqlparser.LoadQuery(s, `{ b(first: 2, last: 3) }`)
	if _, err := a.Price(doc, doc.Operations[0], nil); err != nil {
		t.Errorf("got %v, want no error", err)
	}
}
