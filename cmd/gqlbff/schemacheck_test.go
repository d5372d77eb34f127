package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/gqlbff/gqlbff/persisted"
)

const checkBase = `type Query { customer(id: ID!, tier: Tier = GOLD): Customer orders(first: Int): [Order!] }
interface Node { id: ID! }
type Customer { id: ID! name: String! email: String nickname: String }
type Order implements Node { id: ID! total: Int legacy: String @deprecated(reason: "old") }
enum Tier { STANDARD GOLD }
input Filter { key: ID! status: String limit: Int = 10 }
union Thing = Customer | Order
`

// TestSchemaChangesClassified classifies each edit of checkBase as
// graphql-inspector does: nullability may tighten on outputs and loosen on
// inputs; a changed default, a new enum value, union member or interface
// are dangerous; @deprecated added is safe, removed dangerous.
func TestSchemaChangesClassified(t *testing.T) {
	cases := []struct {
		name, from, to string
		class, coord   string
	}{
		{"field removed", " nickname: String }", " }", Breaking, "Customer.nickname"},
		{"field added", " nickname: String }", " nickname: String age: Int }", Safe, "Customer.age"},
		{"output made nullable", "name: String!", "name: String", Breaking, "Customer.name"},
		{"output made non-null", "email: String ", "email: String! ", Safe, "Customer.email"},
		{"output list items made nullable", "orders(first: Int): [Order!]", "orders(first: Int): [Order]", Breaking, "Query.orders"},
		{"output list made non-null", "orders(first: Int): [Order!]", "orders(first: Int): [Order!]!", Safe, "Query.orders"},
		{"field retyped", "total: Int", "total: String", Breaking, "Order.total"},
		{"type removed", "union Thing = Customer | Order\n", "", Breaking, "Thing"},
		{"type added", "enum Tier", "type New { a: Int } enum Tier", Safe, "New"},
		{"required argument added", "orders(first: Int)", "orders(first: Int, status: String!)", Breaking, "Query.orders(status:)"},
		{"optional argument added", "orders(first: Int)", "orders(first: Int, status: String)", Safe, "Query.orders(status:)"},
		{"required argument with a default added", "orders(first: Int)", "orders(first: Int, status: String! = \"x\")", Safe, "Query.orders(status:)"},
		{"argument removed", "orders(first: Int)", "orders", Breaking, "Query.orders(first:)"},
		{"argument retyped", "orders(first: Int)", "orders(first: String)", Breaking, "Query.orders(first:)"},
		{"argument made required", "orders(first: Int)", "orders(first: Int!)", Breaking, "Query.orders(first:)"},
		{"argument made optional", "customer(id: ID!,", "customer(id: ID,", Safe, "Query.customer(id:)"},
		{"argument default changed", "tier: Tier = GOLD", "tier: Tier = STANDARD", Dangerous, "Query.customer(tier:)"},
		{"argument deprecated", "orders(first: Int)", "orders(first: Int @deprecated(reason: \"use after\"))", Safe, "Query.orders(first:)"},
		{"enum value removed", "enum Tier { STANDARD GOLD }", "enum Tier { GOLD }", Breaking, "Tier.STANDARD"},
		{"enum value added", "enum Tier { STANDARD GOLD }", "enum Tier { STANDARD GOLD PLATINUM }", Dangerous, "Tier.PLATINUM"},
		{"enum value deprecated", "enum Tier { STANDARD GOLD }", "enum Tier { STANDARD @deprecated GOLD }", Safe, "Tier.STANDARD"},
		{"required input field added", "input Filter { key: ID!", "input Filter { must: Int! key: ID!", Breaking, "Filter.must"},
		{"optional input field added", "input Filter { key: ID!", "input Filter { extra: Int key: ID!", Safe, "Filter.extra"},
		{"input field removed", "status: String ", "", Breaking, "Filter.status"},
		{"input field made required", "status: String ", "status: String! ", Breaking, "Filter.status"},
		{"input field made optional", "key: ID!", "key: ID", Safe, "Filter.key"},
		{"input field default changed", "limit: Int = 10", "limit: Int = 20", Dangerous, "Filter.limit"},
		{"field deprecated", " nickname: String }", " nickname: String @deprecated(reason: \"use name\") }", Safe, "Customer.nickname"},
		{"deprecation removed", `legacy: String @deprecated(reason: "old")`, "legacy: String", Dangerous, "Order.legacy"},
		{"deprecation reason changed", `@deprecated(reason: "old")`, `@deprecated(reason: "gone in v3")`, Safe, "Order.legacy"},
		{"union member removed", "Customer | Order", "Customer", Breaking, "Thing"},
		{"union member added", "union Thing = Customer | Order", "union Thing = Customer | Order | Extra type Extra { a: Int }", Dangerous, "Thing"},
		{"interface removed from a type", "type Order implements Node", "type Order", Breaking, "Order"},
		{"interface added to a type", "type Customer {", "type Customer implements Node {", Dangerous, "Customer"},
		{"kind changed", "input Filter { key: ID! status: String limit: Int = 10 }", "type Filter { key: ID! status: String limit: Int }", Breaking, "Filter"},
	}
	base := mustLoad(t, checkBase)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			edited := strings.Replace(checkBase, tc.from, tc.to, 1)
			if edited == checkBase {
				t.Fatalf("the edit %q does not apply", tc.from)
			}
			changes := diffSchemas(base, mustLoad(t, edited))
			var found bool
			for _, c := range changes {
				if c.Coordinate == tc.coord && c.Class == tc.class {
					found = true
				}
			}
			if !found || len(changes) == 0 {
				t.Errorf("changes %+v: want %s at %s", changes, tc.class, tc.coord)
			}
			if tc.class == Breaking {
				return
			}
			for _, c := range changes {
				if c.Class == Breaking {
					t.Errorf("a %s edit: got a breaking change too: %+v", tc.class, c)
				}
			}
		})
	}
	if changes := diffSchemas(base, mustLoad(t, checkBase)); len(changes) != 0 {
		t.Errorf("no edit: %+v", changes)
	}
}

func mustLoad(t *testing.T, sdl string) *ast.Schema {
	t.Helper()
	s, err := loadSDL(&ast.Source{Name: "test.graphqls", Input: sdl})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSchemaCheckFailsOnlyForUsedCoordinates edits the project's own schema:
// removing Customer.email, which the trusted document Me selects, fails;
// removing CustomerStats.lastOrderAt, which OrderDetail and Me do not
// select, passes.
func TestSchemaCheckFailsOnlyForUsedCoordinates(t *testing.T) {
	dir := t.TempDir()
	manifest := filepath.Join(dir, "manifest.json")
	b, err := os.ReadFile("../../server/demomanifest.json")
	if err != nil {
		t.Fatal(err)
	}
	// Only Me and CustomersByIds: orders_fanout selects lastOrderAt.
	writeManifestOf(t, manifest, b, "Me", "CustomersByIds")
	cases := []struct {
		name, from, to string
		fail           bool
	}{
		{"a used field removed", `  email: String! @tag(name: "pii")` + "\n", "", true},
		{"an unused field removed", "  lastOrderAt: Time\n", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tree := filepath.Join(t.TempDir(), "schema")
			copySchema(t, "../../schema", tree, tc.from, tc.to)
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), []string{"schema", "check", "--base", "../../schema", "--schema", tree, "--manifest", manifest}, nil, &stdout, &stderr)
			if tc.fail != errors.Is(err, errBreakingUsed) || (!tc.fail && err != nil) {
				t.Errorf("got %v, want failure %v; output:\n%s%s", err, tc.fail, stdout.String(), stderr.String())
			}
			if !strings.Contains(stdout.String(), "BREAKING") || !strings.Contains(stdout.String(), "field removed") {
				t.Errorf("output:\n%s", stdout.String())
			}
			if tc.fail && !strings.Contains(stdout.String(), "Customer.email") || tc.fail && !strings.Contains(stdout.String(), "(used by Me)") {
				t.Errorf("output does not name the coordinate and its document:\n%s", stdout.String())
			}
		})
	}
}

func writeManifestOf(t *testing.T, path string, all []byte, names ...string) {
	t.Helper()
	var m persisted.ApolloManifest
	if err := json.Unmarshal(all, &m); err != nil {
		t.Fatal(err)
	}
	m.Operations = slices.DeleteFunc(m.Operations, func(op persisted.ApolloOperation) bool { return !slices.Contains(names, op.Name) })
	if len(m.Operations) != len(names) {
		t.Fatalf("%v: not all in the demo manifest", names)
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func copySchema(t *testing.T, from, to, old, replacement string) {
	t.Helper()
	if err := os.MkdirAll(to, 0o755); err != nil {
		t.Fatal(err)
	}
	names, _ := filepath.Glob(filepath.Join(from, "*.graphqls"))
	edited := false
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		if strings.Contains(s, old) {
			s, edited = strings.Replace(s, old, replacement, 1), true
		}
		if err := os.WriteFile(filepath.Join(to, filepath.Base(n)), []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if !edited {
		t.Fatalf("%q is not in the schema", old)
	}
}
