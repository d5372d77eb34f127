package engine

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/gqlbff/gqlbff/graph"
)

// TestEveryFieldIsBound keeps the bindings in step with the schema: a field
// added to schema/ without a binding would send every operation that
// selects it to gqlgen's executor.
func TestEveryFieldIsBound(t *testing.T) {
	s := graph.NewExecutableSchema(graph.Config{}).Schema()
	binds := bindings()
	for name, def := range s.Types {
		if def.Kind != ast.Object || strings.HasPrefix(name, "_") || name == "Entity" {
			continue // introspection and federation: gqlgen's
		}
		for _, f := range def.Fields {
			if strings.HasPrefix(f.Name, "_") {
				continue
			}
			if binds[name][f.Name] == nil {
				t.Errorf("%s.%s has no binding (engine/bind.go)", name, f.Name)
			}
		}
	}
	for typ, fields := range binds {
		for f := range fields {
			if def := s.Types[typ]; def == nil || def.Fields.ForName(f) == nil {
				t.Errorf("binding %s.%s is not in the schema", typ, f)
			}
		}
	}
}

// TestRuntimeDirectivesAreKnown keeps the plan's authorization in step
// with gqlgen's: every directive the generated code runs at execution must
// be one the compiler reads (plan.go, directives).
func TestRuntimeDirectivesAreKnown(t *testing.T) {
	b, err := os.ReadFile("../graph/generated.go")
	if err != nil {
		t.Fatal(err)
	}
	known := []string{"Authenticated", "RequiresScopes"}
	seen := map[string]bool{}
	for _, m := range regexp.MustCompile(`ec\.Directives\.(\w+)\(`).FindAllStringSubmatch(string(b), -1) {
		seen[m[1]] = true
		if !slices.Contains(known, m[1]) {
			t.Errorf("generated code runs the directive %s, which plans do not enforce", m[1])
		}
	}
	if len(seen) == 0 {
		t.Error("no runtime directive found in graph/generated.go: the pattern is out of date")
	}
}
