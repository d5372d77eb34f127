package server

import (
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

const tagSDL = `directive @tag(name: String!) repeatable on FIELD_DEFINITION | OBJECT | ARGUMENT_DEFINITION | ENUM_VALUE | INPUT_FIELD_DEFINITION | INPUT_OBJECT
`

func loadSDL(t *testing.T, sdl string) *ast.Schema {
	t.Helper()
	s, err := gqlparser.LoadSchema(&ast.Source{Name: "test.graphqls", Input: tagSDL + sdl})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestContractRefusedWhenItBreaksTheSchema(t *testing.T) {
	cases := []struct {
		name, sdl, want string // want "": accepted
	}{
		{"a hidden type a non-null field requires",
			`type Query { a: A! b: Int } type A @tag(name: "x") { id: ID }`,
			"Query.a is A!, whose type the contract hides, and the parent requires it"},
		{"a hidden type under a nullable field: the field goes too",
			`type Query { a: A b: Int } type A @tag(name: "x") { id: ID }`, ""},
		{"a hidden type whose non-null field is tagged too",
			`type Query { a: A! @tag(name: "x") b: Int } type A @tag(name: "x") { id: ID }`, ""},
		{"a hidden required argument",
			`type Query { a(id: ID! @tag(name: "x")): Int b: Int }`,
			"Query.a(id:) is a required argument the contract hides"},
		{"a hidden optional argument",
			`type Query { a(id: ID @tag(name: "x")): Int b: Int }`, ""},
		{"a type left with no field",
			`type Query { a: A b: Int } type A { id: ID @tag(name: "x") }`,
			"type A has no field left"},
		{"a hidden required input field",
			`type Query { a(in: In): Int } input In { id: ID! @tag(name: "x") }`,
			"In.id is a required input field"},
		{"an enum left with no value",
			`type Query { a: E } enum E { X @tag(name: "x") }`,
			"enum E has no value left"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var cfg ProfilesConfig
			cfg.Partner.ExcludeTags = []string{"x"}
			_, err := newContracts(cfg, loadSDL(t, tc.sdl), 10)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "profiles.partner")):
				t.Errorf("got %v, want a refusal naming profiles.partner and %q", err, tc.want)
			}
		})
	}
}

func TestContractSchemaDropsTaggedParts(t *testing.T) {
	s := loadSDL(t, `type Query { a(x: Int @tag(name: "x"), y: Int): A b: E c: Int @tag(name: "keep") }
type A @tag(name: "x") { id: ID }
enum E { P Q @tag(name: "x") }`)
	c, err := contractSchema(s, tagFilter{exclude: []string{"x"}})
	if err != nil {
		t.Fatal(err)
	}
	if c.Types["A"] != nil || c.Query.Fields.ForName("a") != nil || c.Types["E"].EnumValues.ForName("Q") != nil ||
		c.Types["E"].EnumValues.ForName("P") == nil || c.Query.Fields.ForName("c") == nil {
		t.Errorf("exclude x: %+v", c.Query.Fields)
	}
	if s.Types["A"] == nil || s.Query.Fields.ForName("a") == nil {
		t.Error("the full schema was changed")
	}
	// includeTags: a tagged part stays only with one of them.
	c, err = contractSchema(s, tagFilter{include: []string{"keep"}})
	if err != nil {
		t.Fatal(err)
	}
	if c.Query.Fields.ForName("c") == nil || c.Types["A"] != nil || c.Query.Fields.ForName("b") == nil {
		t.Errorf("include keep: %+v", c.Query.Fields)
	}
}
