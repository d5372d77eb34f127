package server

import (
	"slices"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// TestUsageOfInputObjects: gqlbff's schema has no input object yet; on one
// that has, a document's input fields (literal, nested, in lists) and those
// a variable's value sets are coordinates, as its enum values are.
func TestUsageOfInputObjects(t *testing.T) {
	schema := gqlparser.MustLoadSchema(&ast.Source{Input: `
type Query { search(filter: Filter, page: Int): [Int] }
input Filter { status: [Status!], range: Range, text: String }
input Range { from: Int, to: Int }
enum Status { OPEN CLOSED LOST }
`})
	doc, errs := gqlparser.LoadQuery(schema, `query Q($f: Filter, $r: Range) {
  a: search(filter: {status: [OPEN], range: {from: 1}}) 
  b: search(filter: $f, page: 2)
  c: search(filter: {range: $r})
}`)
	if errs != nil {
		t.Fatal(errs)
	}
	d := operationUsage(doc, doc.Operations[0])
	want := []string{"Filter.range", "Filter.status", "Query.search", "Query.search(filter:)", "Query.search(page:)", "Range.from", "Status.OPEN"}
	if !slices.Equal(d.coords, want) {
		t.Errorf("coordinates %v, want %v", d.coords, want)
	}
	if len(d.vars) != 2 || d.vars[0].name != "f" || d.vars[1].name != "r" {
		t.Fatalf("variables %+v, want f and r", d.vars)
	}
	var got []string
	got = valueCoordinates(schema, d.vars[0].typ, map[string]any{"status": []any{"CLOSED", "LOST", "CLOSED"}, "text": "x"}, got)
	got = valueCoordinates(schema, d.vars[1].typ, map[string]any{"to": 3}, got)
	slices.Sort(got)
	want = []string{"Filter.status", "Filter.text", "Range.to", "Status.CLOSED", "Status.LOST"}
	if !slices.Equal(got, want) {
		t.Errorf("from the variables %v, want %v", got, want)
	}
}
