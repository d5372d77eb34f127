package cost_test

import (
	"fmt"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/gqlbff/gqlbff/cost"
)

func ExampleAnalyzer_Explain() {
	schema := gqlparser.MustLoadSchema(&ast.Source{Input: `
		directive @cost(weight: Int!) on FIELD_DEFINITION | OBJECT
		directive @listSize(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!], requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION
		type Author @cost(weight: 2) { name: String }
		type Book { title: String author: Author }
		type Query { books(first: Int = 10): [Book] @listSize(slicingArguments: ["first"]) }`})
	a, err := cost.New(schema, cost.Options{})
	if err != nil {
		panic(err)
	}
	doc := gqlparser.MustLoadQuery(schema, `query($n: Int) { books(first: $n) { title author { name } } }`)
	est, err := a.Explain(doc, doc.Operations[0], map[string]any{"n": 3})
	if err != nil {
		panic(err)
	}
	fmt.Println("cost:", est.Cost)
	for _, f := range est.Fields {
		fmt.Printf("%s: %d × %d => %d\n", f.Path, f.Size, f.Weight, f.Cost)
	}
	// Output:
	// cost: 9
	// books: 3 × 1 => 9
	// books.author: 1 × 2 => 2
}
