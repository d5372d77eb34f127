package cost

import (
	"encoding/json"
	"math"
	"reflect"

	"github.com/vektah/gqlparser/v2/ast"
)

// group is one response key and the fields merged under it: first, and the
// others when the key is selected more than once.
type group struct {
	key   string
	first *ast.Field
	more  []*ast.Field
}

// collector gathers a selection set's fields by response key, as the
// GraphQL specification's CollectFields does: fragments whose type condition
// applies are expanded (each at most once per selection set), and @skip and
// @include are honoured.
type collector struct {
	w       *walker
	obj     *ast.Definition
	base    int // the set's groups are w.groups[base:]
	index   map[string]int
	visited map[string]bool
}

// collect returns the groups of set on the object type obj, in order, and
// mark: they are the end of the walker's stack of groups, w.groups[mark:],
// which the caller truncates back to mark once it is done with them (the
// groups of the sets below are pushed and popped in the meantime).
func (w *walker) collect(obj *ast.Definition, set ast.SelectionSet) (groups []group, mark int) {
	mark = len(w.groups)
	c := collector{w: w, obj: obj, base: mark}
	c.walk(set)
	return w.groups[mark:], mark
}

func (c *collector) walk(set ast.SelectionSet) {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if c.w.included(s.Directives) {
				c.add(s)
			}
		case *ast.InlineFragment:
			if c.w.included(s.Directives) && c.applies(s.TypeCondition) {
				c.walk(s.SelectionSet)
			}
		case *ast.FragmentSpread:
			if c.visited[s.Name] || !c.w.included(s.Directives) {
				continue
			}
			if c.visited == nil {
				c.visited = map[string]bool{}
			}
			c.visited[s.Name] = true
			def := c.w.doc.Fragments.ForName(s.Name)
			if def != nil && c.applies(def.TypeCondition) {
				c.walk(def.SelectionSet)
			}
		}
	}
}

func (c *collector) add(f *ast.Field) {
	key := f.Alias
	if key == "" {
		key = f.Name
	}
	groups := c.w.groups[c.base:]
	if c.index != nil {
		if i, ok := c.index[key]; ok {
			groups[i].more = append(groups[i].more, f)
			return
		}
	} else {
		for i := range groups {
			if groups[i].key == key {
				groups[i].more = append(groups[i].more, f)
				return
			}
		}
		if len(groups) >= 16 {
			c.index = make(map[string]int, 2*len(groups))
			for i, g := range groups {
				c.index[g.key] = i
			}
		}
	}
	if c.index != nil {
		c.index[key] = len(groups)
	}
	c.w.groups = append(c.w.groups, group{key: key, first: f})
}

// applies reports whether a fragment on cond applies to the object type.
func (c *collector) applies(cond string) bool {
	if cond == "" || cond == c.obj.Name {
		return true
	}
	def := c.w.a.schema.Types[cond]
	if def == nil || !def.IsAbstractType() {
		return false
	}
	for _, t := range c.w.a.schema.GetPossibleTypes(def) {
		if t.Name == c.obj.Name {
			return true
		}
	}
	return false
}

// included evaluates @skip and @include; a condition that cannot be
// resolved keeps the selection, so the price stays an upper bound.
func (w *walker) included(dl ast.DirectiveList) bool {
	for _, d := range dl {
		if d.Name != "skip" && d.Name != "include" {
			continue
		}
		arg := d.Arguments.ForName("if")
		if arg == nil || arg.Value == nil {
			continue
		}
		if arg.Value.Kind == ast.Variable {
			w.variable = true
		}
		v, err := arg.Value.Value(w.vars)
		b, ok := v.(bool)
		if err != nil || !ok {
			continue
		}
		if (d.Name == "skip" && b) || (d.Name == "include" && !b) {
			return false
		}
	}
	return true
}

// Int reads an Int argument's value as gqlgen hands it over: a literal
// (int64), a variable's value (json.Number, or float64 from a decoder that
// makes numbers floats) or an int. A float must be whole and exact (at
// most 2^53); anything else is not an Int.
func Int(v any) (int64, bool) {
	switch n := v.(type) {
	case int:
		return int64(n), true
	case int32:
		return int64(n), true
	case int64:
		return n, true
	case float64:
		if n != math.Trunc(n) || math.Abs(n) > 1<<53 {
			return 0, false
		}
		return int64(n), true
	case json.Number:
		i, err := n.Int64()
		return i, err == nil
	default:
		return 0, false
	}
}

// sizeOf reads a slicing argument's value: an integer is its value (a
// negative one is 0), a list is its length.
func sizeOf(v any) (int64, bool) {
	var n int64
	switch x := v.(type) {
	case nil:
		return 0, false
	case int:
		n = int64(x)
	case int32:
		n = int64(x)
	case int64:
		n = x
	case float64:
		if x != math.Trunc(x) {
			return 0, false
		}
		n = int64(min(max(x, -1), MaxCost))
	case json.Number:
		i, err := x.Int64()
		if err != nil {
			return 0, false
		}
		n = i
	case []any:
		n = int64(len(x))
	default:
		rv := reflect.ValueOf(v)
		if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
			return 0, false
		}
		n = int64(rv.Len())
	}
	return min(max(n, 0), MaxCost), true
}
