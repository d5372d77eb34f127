package persisted_test

import (
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// testSchema is a small schema of its own, so these tests do not depend on
// gqlbff's public one.
var testSchema = gqlparser.MustLoadSchema(&ast.Source{Name: "test.graphqls", Input: `
type Query {
  order(id: ID!): Order
  orders(first: Int = 10): [Order!]
}
type Order { id: ID!  status: String!  note: String }
`})
