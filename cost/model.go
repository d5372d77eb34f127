package cost

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// MaxCost is where costs saturate: the largest integer a JSON number holds
// exactly.
const MaxCost = 1<<53 - 1

// Options tune an Analyzer; zero fields take the defaults.
type Options struct {
	// DefaultListSize sizes a list that has no @listSize and no sizing
	// parent (default 10).
	DefaultListSize int
	// IntrospectionWeight is the flat price of a __schema or __type root
	// field (default 10).
	IntrospectionWeight int
	// MaxNodes bounds the work of one Price call: the fields it visits with
	// fragments expanded (default 10,000). Past it Price answers
	// ErrTooComplex. The structural limits keep real requests far below it.
	MaxNodes int
}

// Defaults of Options.
const (
	DefaultListSize            = 10
	DefaultIntrospectionWeight = 10
	DefaultMaxNodes            = 10_000
)

// Analyzer prices operations against one schema. It is immutable after New
// and safe for concurrent use.
type Analyzer struct {
	schema *ast.Schema
	opts   Options
	// types maps a type name to its fields' cost information.
	types map[string]map[string]*field
	// byDef is the same, by field definition, for the actual-cost meter.
	byDef map[*ast.FieldDefinition]*field
	// unsized lists the list fields sized by DefaultListSize.
	unsized []string
}

// field is what pricing needs to know of one field definition.
type field struct {
	def *ast.FieldDefinition
	// child is the definition of the field's named type.
	child  *ast.Definition
	weight int64
	list   bool
	// slicing names the arguments whose value (or length) sizes the list.
	slicing []string
	// sized names the child fields the slicing argument sizes instead.
	sized []string
	// assumed is @listSize(assumedSize), -1 when absent.
	assumed int64
	// requireOne refuses an operation that gives more than one slicing
	// argument.
	requireOne bool
	// argWeights holds the @cost of the arguments that have one.
	argWeights map[string]int64
}

// New compiles the schema's @cost and @listSize directives. It reports every
// misplaced or malformed directive at once.
func New(schema *ast.Schema, opts Options) (*Analyzer, error) {
	if schema == nil || schema.Query == nil {
		return nil, errors.New("cost: a schema with a query type is needed")
	}
	if opts.DefaultListSize <= 0 {
		opts.DefaultListSize = DefaultListSize
	}
	if opts.IntrospectionWeight <= 0 {
		opts.IntrospectionWeight = DefaultIntrospectionWeight
	}
	if opts.MaxNodes <= 0 {
		opts.MaxNodes = DefaultMaxNodes
	}
	a := &Analyzer{schema: schema, opts: opts, types: map[string]map[string]*field{}, byDef: map[*ast.FieldDefinition]*field{}}
	var errs []error
	names := make([]string, 0, len(schema.Types))
	for name := range schema.Types {
		names = append(names, name)
	}
	sort.Strings(names)
	sizedByParent := map[string]bool{}
	for _, name := range names {
		def := schema.Types[name]
		if def.Kind == ast.InputObject {
			for _, f := range def.Fields {
				if f.Directives.ForName("cost") != nil {
					errs = append(errs, fmt.Errorf("cost: %s.%s: @cost on an input field is not supported", name, f.Name))
				}
			}
			continue
		}
		if !def.IsCompositeType() || def.Kind == ast.Union {
			continue
		}
		fields := make(map[string]*field, len(def.Fields))
		for _, fd := range def.Fields {
			f, err := a.compile(def, fd)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			fields[fd.Name] = f
			a.byDef[fd] = f
			for _, s := range f.sized {
				sizedByParent[fd.Type.Name()+"."+s] = true
			}
		}
		a.types[name] = fields
	}
	for _, name := range names {
		for fname, f := range a.types[name] {
			if f.list && len(f.slicing) == 0 && f.assumed < 0 && !sizedByParent[name+"."+fname] && !strings.HasPrefix(name, "__") {
				a.unsized = append(a.unsized, name+"."+fname)
			}
		}
	}
	sort.Strings(a.unsized)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return a, nil
}

// Unsized lists the list fields (Type.field) that nothing sizes, so that
// DefaultListSize prices them: a schema test keeps it empty.
func (a *Analyzer) Unsized() []string { return slices.Clone(a.unsized) }

func (a *Analyzer) compile(parent *ast.Definition, fd *ast.FieldDefinition) (*field, error) {
	where := parent.Name + "." + fd.Name
	f := &field{def: fd, child: a.schema.Types[fd.Type.Name()], list: fd.Type.Elem != nil, assumed: -1, requireOne: true}
	w, ok, err := weightOf(fd.Directives)
	if err != nil {
		return nil, fmt.Errorf("cost: %s: %w", where, err)
	}
	switch {
	case strings.HasPrefix(parent.Name, "__"):
		f.weight = 0 // under a priced introspection root
	case parent == a.schema.Query && (fd.Name == "__schema" || fd.Name == "__type"):
		f.weight = int64(a.opts.IntrospectionWeight)
	case ok:
		f.weight = w
	default:
		t := a.schema.Types[fd.Type.Name()]
		if t == nil {
			return nil, fmt.Errorf("cost: %s: unknown type %s", where, fd.Type.Name())
		}
		tw, tok, err := weightOf(t.Directives)
		switch {
		case err != nil:
			return nil, fmt.Errorf("cost: type %s: %w", t.Name, err)
		case tok:
			f.weight = tw
		case t.IsCompositeType():
			f.weight = 1
		}
	}
	for _, arg := range fd.Arguments {
		aw, ok, err := weightOf(arg.Directives)
		if err != nil {
			return nil, fmt.Errorf("cost: %s(%s): %w", where, arg.Name, err)
		}
		if ok && aw > 0 {
			if f.argWeights == nil {
				f.argWeights = map[string]int64{}
			}
			f.argWeights[arg.Name] = aw
		}
	}
	if err := a.listSize(f, fd, where); err != nil {
		return nil, err
	}
	return f, nil
}

func (a *Analyzer) listSize(f *field, fd *ast.FieldDefinition, where string) error {
	d := fd.Directives.ForName("listSize")
	if d == nil {
		return nil
	}
	var errs []error
	if v := d.Arguments.ForName("assumedSize"); v != nil && v.Value.Kind != ast.NullValue {
		n, err := strconv.ParseInt(v.Value.Raw, 10, 64)
		if err != nil || n < 0 || v.Value.Kind != ast.IntValue {
			errs = append(errs, fmt.Errorf("assumedSize must be a non-negative Int, got %s", v.Value.String()))
		}
		f.assumed = n
	}
	f.slicing = stringList(d.Arguments.ForName("slicingArguments"))
	for _, name := range f.slicing {
		arg := fd.Arguments.ForName(name)
		switch {
		case arg == nil:
			errs = append(errs, fmt.Errorf("slicing argument %q is not an argument", name))
		case arg.Type.Elem == nil && arg.Type.NamedType != "Int":
			errs = append(errs, fmt.Errorf("slicing argument %q must be an Int or a list, got %s", name, arg.Type))
		}
	}
	f.sized = stringList(d.Arguments.ForName("sizedFields"))
	child := a.schema.Types[fd.Type.Name()]
	for _, name := range f.sized {
		var cf *ast.FieldDefinition
		if child != nil {
			cf = child.Fields.ForName(name)
		}
		if cf == nil || cf.Type.Elem == nil {
			errs = append(errs, fmt.Errorf("sized field %q is not a list field of %s", name, fd.Type.Name()))
		}
	}
	if len(f.sized) > 0 && len(f.slicing) == 0 && f.assumed < 0 {
		errs = append(errs, errors.New("sizedFields needs a slicing argument or an assumedSize"))
	}
	if !f.list && len(f.sized) == 0 {
		errs = append(errs, errors.New("@listSize on a field that is not a list and sizes no field"))
	}
	if v := d.Arguments.ForName("requireOneSlicingArgument"); v != nil && v.Value.Raw == "false" {
		f.requireOne = false
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("cost: %s: @listSize: %w", where, err)
	}
	return nil
}

// weightOf reads @cost(weight) from a directive list.
func weightOf(dl ast.DirectiveList) (int64, bool, error) {
	d := dl.ForName("cost")
	if d == nil {
		return 0, false, nil
	}
	v := d.Arguments.ForName("weight")
	if v == nil || v.Value == nil || v.Value.Kind != ast.IntValue {
		return 0, false, errors.New("@cost needs an Int weight")
	}
	w, err := strconv.ParseInt(v.Value.Raw, 10, 64)
	if err != nil || w < 0 || w > math.MaxInt32 {
		return 0, false, fmt.Errorf("@cost weight must be between 0 and %d, got %s", math.MaxInt32, v.Value.Raw)
	}
	return w, true, nil
}

func stringList(arg *ast.Argument) []string {
	if arg == nil || arg.Value == nil {
		return nil
	}
	var out []string
	for _, c := range arg.Value.Children {
		if c.Value != nil && c.Value.Kind == ast.StringValue {
			out = append(out, c.Value.Raw)
		}
	}
	return out
}

// lookup returns the cost information of typeName.fieldName, nil for
// __typename and for fields the schema does not have.
func (a *Analyzer) lookup(typeName, fieldName string) *field {
	return a.types[typeName][fieldName]
}

// add and mul saturate at MaxCost; costs are never negative.
func add(x, y int64) int64 {
	if x >= MaxCost-y {
		return MaxCost
	}
	return x + y
}

func mul(x, y int64) int64 {
	if x == 0 || y == 0 {
		return 0
	}
	if x > MaxCost/y {
		return MaxCost
	}
	return x * y
}
