package cost_test

import (
	"os"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator"
	"go.uber.org/goleak"

	"github.com/gqlbff/gqlbff/cost"
	"github.com/gqlbff/gqlbff/graph"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// gqlbffSchema is the schema gqlgen generated from schema/*.graphqls,
// federation directives and all, as the server serves it.
func gqlbffSchema(t testing.TB) *ast.Schema {
	t.Helper()
	return graph.NewExecutableSchema(graph.Config{}).Schema()
}

func analyzer(t testing.TB) *cost.Analyzer {
	t.Helper()
	a, err := cost.New(gqlbffSchema(t), cost.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// validated parses and validates q and coerces vars, as gqlgen does before
// the cost extension runs.
func validated(t testing.TB, q string, vars map[string]any) (*ast.QueryDocument, *ast.OperationDefinition, map[string]any) {
	t.Helper()
	s := gqlbffSchema(t)
	doc, errs := gqlparser.LoadQuery(s, q)
	if len(errs) > 0 {
		t.Fatalf("invalid operation: %v", errs)
	}
	op := doc.Operations[0]
	coerced, err := validator.VariableValues(s, op, vars)
	if err != nil {
		t.Fatalf("variables: %v", err)
	}
	return doc, op, coerced
}

func operationFile(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile("../testdata/operations/" + name + ".graphql")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
