package cost

import (
	"reflect"

	"github.com/vektah/gqlparser/v2/ast"
)

// Instance returns what one resolved instance of the field q on typeName
// adds to an operation's actual cost: its argument weights plus its weight,
// once, or once per item of a list, counted in result (the resolver's
// value). The actual cost of an operation is the sum over every field
// instance that was resolved without an error.
func (a *Analyzer) Instance(typeName string, q *ast.Field, result any) int64 {
	if q == nil {
		return 0
	}
	var f *field
	if q.Definition != nil && q.ObjectDefinition != nil && q.ObjectDefinition.Name == typeName {
		f = a.byDef[q.Definition] // a validated document: one pointer lookup
	} else {
		f = a.lookup(typeName, q.Name)
	}
	if f == nil || (f.weight == 0 && f.argWeights == nil) {
		return 0
	}
	n := int64(1)
	if f.list {
		n = lengthOf(result)
	}
	c := mul(n, f.weight)
	for name, w := range f.argWeights {
		if q.Arguments.ForName(name) != nil {
			c = add(c, w)
		}
	}
	return c
}

// lengthOf is the length of a resolved list; 0 for nil or a non-list.
func lengthOf(v any) int64 {
	if v == nil {
		return 0
	}
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer && !rv.IsNil() {
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
		return 0
	}
	return int64(rv.Len())
}
