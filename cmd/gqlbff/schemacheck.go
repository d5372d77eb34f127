package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"

	"github.com/gqlbff/gqlbff/persisted"
	"github.com/gqlbff/gqlbff/server"
)

// The classes of a schema change.
const (
	// Breaking can fail an operation that worked.
	Breaking = "breaking"
	// Dangerous keeps every operation valid but can change what a client
	// gets (a new enum value, a changed default).
	Dangerous = "dangerous"
	// Safe changes nothing for an existing operation.
	Safe = "safe"
)

// schemaChange is one difference between a base schema and the new one.
type schemaChange struct {
	Class      string
	Coordinate string // Type, Type.field, Type.field(arg:), Enum.VALUE
	What       string
	UsedBy     []string // trusted documents that use the coordinate
}

// loadSDL parses SDL sources into a schema for comparing and for resolving
// documents: directives are dropped (their declarations live partly in
// gqlgen's plugins, and no change to them is classified), extensions are
// folded into their types, and gqlparser's prelude is added.
func loadSDL(sources ...*ast.Source) (*ast.Schema, error) {
	var all ast.SchemaDocument
	for _, src := range sources {
		doc, err := parser.ParseSchema(src)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", src.Name, err)
		}
		all.Merge(doc)
	}
	var out ast.SchemaDocument
	byName := map[string]*ast.Definition{}
	for _, list := range []ast.DefinitionList{all.Definitions, all.Extensions} {
		for _, d := range list {
			stripDefinition(d)
			if prev := byName[d.Name]; prev != nil {
				prev.Fields = append(prev.Fields, d.Fields...)
				prev.EnumValues = append(prev.EnumValues, d.EnumValues...)
				prev.Interfaces = append(prev.Interfaces, d.Interfaces...)
				prev.Types = append(prev.Types, d.Types...)
				continue
			}
			c := *d
			byName[d.Name] = &c
			out.Definitions = append(out.Definitions, &c)
		}
	}
	for _, s := range all.Schema {
		s.Directives = nil
		out.Schema = append(out.Schema, s)
	}
	for _, d := range out.Definitions {
		if d.Kind == ast.Object && len(d.Fields) == 0 {
			// a federation stub such as extend type Query {} of a file alone
			d.Fields = nil
		}
	}
	s, gerr := validator.ValidateSchemaDocument(mergePrelude(&out))
	if gerr != nil {
		return nil, gerr
	}
	return s, nil
}

func mergePrelude(doc *ast.SchemaDocument) *ast.SchemaDocument {
	prelude, _ := parser.ParseSchema(validator.Prelude)
	prelude.Merge(doc)
	return prelude
}

func stripDefinition(d *ast.Definition) {
	d.Directives = keepDeprecated(d.Directives)
	for _, f := range d.Fields {
		f.Directives = keepDeprecated(f.Directives)
		for _, a := range f.Arguments {
			a.Directives = keepDeprecated(a.Directives)
		}
	}
	for _, v := range d.EnumValues {
		v.Directives = keepDeprecated(v.Directives)
	}
}

// keepDeprecated keeps @deprecated alone: its changes are classified.
func keepDeprecated(list ast.DirectiveList) ast.DirectiveList {
	var out ast.DirectiveList
	for _, d := range list {
		if d.Name == "deprecated" {
			out = append(out, d)
		}
	}
	return out
}

// deprecation is the reason of a @deprecated in list, and whether there is one.
func deprecation(list ast.DirectiveList) (reason string, ok bool) {
	d := list.ForName("deprecated")
	if d == nil {
		return "", false
	}
	reason = "No longer supported"
	if a := d.Arguments.ForName("reason"); a != nil && a.Value != nil {
		reason = a.Value.Raw
	}
	return reason, true
}

// deprecationChange classifies a change of @deprecated as graphql-inspector
// does: added or its reason changed is safe, removed is dangerous.
func deprecationChange(from, to ast.DirectiveList) (class, what string) {
	fr, fok := deprecation(from)
	tr, tok := deprecation(to)
	switch {
	case !fok && tok:
		return Safe, fmt.Sprintf("deprecated (%s)", tr)
	case fok && !tok:
		return Dangerous, "deprecation removed"
	case fok && fr != tr:
		return Safe, fmt.Sprintf("deprecation reason changed to %q", tr)
	}
	return "", ""
}

// diffSchemas lists the changes from base to next, each classified.
func diffSchemas(base, next *ast.Schema) []schemaChange {
	var out []schemaChange
	add := func(class, coord, format string, args ...any) {
		out = append(out, schemaChange{Class: class, Coordinate: coord, What: fmt.Sprintf(format, args...)})
	}
	for name, b := range base.Types {
		if b.BuiltIn {
			continue
		}
		n := next.Types[name]
		switch {
		case n == nil:
			add(Breaking, name, "type removed")
			continue
		case n.Kind != b.Kind:
			add(Breaking, name, "kind changed from %s to %s", b.Kind, n.Kind)
			continue
		}
		input := b.Kind == ast.InputObject
		for _, bf := range b.Fields {
			if strings.HasPrefix(bf.Name, "__") {
				continue
			}
			coord := name + "." + bf.Name
			nf := n.Fields.ForName(bf.Name)
			if nf == nil {
				add(Breaking, coord, "field removed")
				continue
			}
			if class, what := typeChange(bf.Type, nf.Type, input); what != "" {
				add(class, coord, "%s", what)
			}
			if input && !sameValue(bf.DefaultValue, nf.DefaultValue) {
				add(Dangerous, coord, "default changed")
			}
			if class, what := deprecationChange(bf.Directives, nf.Directives); what != "" {
				add(class, coord, "%s", what)
			}
			for _, ba := range bf.Arguments {
				ac := coord + "(" + ba.Name + ":)"
				na := nf.Arguments.ForName(ba.Name)
				if na == nil {
					add(Breaking, ac, "argument removed")
					continue
				}
				if class, what := typeChange(ba.Type, na.Type, true); what != "" {
					add(class, ac, "%s", what)
				}
				if !sameValue(ba.DefaultValue, na.DefaultValue) {
					add(Dangerous, ac, "default changed")
				}
				if class, what := deprecationChange(ba.Directives, na.Directives); what != "" {
					add(class, ac, "%s", what)
				}
			}
			for _, na := range nf.Arguments {
				if bf.Arguments.ForName(na.Name) == nil {
					if na.Type.NonNull && na.DefaultValue == nil {
						add(Breaking, coord+"("+na.Name+":)", "required argument added")
					} else {
						add(Safe, coord+"("+na.Name+":)", "optional argument added")
					}
				}
			}
		}
		for _, nf := range n.Fields {
			if b.Fields.ForName(nf.Name) != nil {
				continue
			}
			switch {
			case input && nf.Type.NonNull && nf.DefaultValue == nil:
				add(Breaking, name+"."+nf.Name, "required input field added")
			default:
				add(Safe, name+"."+nf.Name, "field added")
			}
		}
		for _, v := range b.EnumValues {
			nv := n.EnumValues.ForName(v.Name)
			if nv == nil {
				add(Breaking, name+"."+v.Name, "enum value removed")
				continue
			}
			if class, what := deprecationChange(v.Directives, nv.Directives); what != "" {
				add(class, name+"."+v.Name, "%s", what)
			}
		}
		for _, v := range n.EnumValues {
			if b.EnumValues.ForName(v.Name) == nil {
				add(Dangerous, name+"."+v.Name, "enum value added")
			}
		}
		for _, t := range b.Types {
			if !slices.Contains(n.Types, t) {
				add(Breaking, name, "union member %s removed", t)
			}
		}
		for _, t := range n.Types {
			if !slices.Contains(b.Types, t) {
				add(Dangerous, name, "union member %s added", t)
			}
		}
		for _, i := range b.Interfaces {
			if !slices.Contains(n.Interfaces, i) {
				add(Breaking, name, "no longer implements %s", i)
			}
		}
		for _, i := range n.Interfaces {
			if !slices.Contains(b.Interfaces, i) {
				add(Dangerous, name, "implements %s", i)
			}
		}
	}
	for name, n := range next.Types {
		if !n.BuiltIn && base.Types[name] == nil {
			add(Safe, name, "type added")
		}
	}
	slices.SortFunc(out, func(a, b schemaChange) int {
		return cmp.Or(cmp.Compare(classRank(a.Class), classRank(b.Class)), cmp.Compare(a.Coordinate, b.Coordinate), cmp.Compare(a.What, b.What))
	})
	return out
}

func classRank(c string) int {
	return map[string]int{Breaking: 0, Dangerous: 1, Safe: 2}[c]
}

func sameValue(a, b *ast.Value) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.String() == b.String()
}

// typeChange classifies a changed type: on an output a field may become
// non-null (safe) but not nullable (breaking); on an input, the reverse.
func typeChange(from, to *ast.Type, input bool) (class, what string) {
	if from.String() == to.String() {
		return "", ""
	}
	what = fmt.Sprintf("type changed from %s to %s", from, to)
	if stripNonNull(from) == stripNonNull(to) {
		tightened := to.NonNull && !from.NonNull || strings.Count(to.String(), "!") > strings.Count(from.String(), "!")
		if input != tightened {
			return Safe, what
		}
		return Breaking, what
	}
	return Breaking, what
}

func stripNonNull(t *ast.Type) string { return strings.ReplaceAll(t.String(), "!", "") }

// documentUsage maps each coordinate (Type.field, Type.field(arg:), Type)
// to the names of the documents that use it, resolved against s. A
// document that s does not validate is skipped and named in skipped.
func documentUsage(s *ast.Schema, ops []persisted.ApolloOperation) (used map[string][]string, skipped []string) {
	used = map[string][]string{}
	mark := func(coord, name string) {
		if !slices.Contains(used[coord], name) {
			used[coord] = append(used[coord], name)
		}
	}
	for _, op := range ops {
		doc, err := parser.ParseQuery(&ast.Source{Input: op.Body})
		if err == nil {
			if errs := validator.ValidateWithRules(s, doc, nil); len(errs) > 0 {
				err = errs
			}
		}
		if err != nil {
			skipped = append(skipped, op.Name)
			continue
		}
		var walk func(ast.SelectionSet)
		walk = func(set ast.SelectionSet) {
			for _, sel := range set {
				switch x := sel.(type) {
				case *ast.Field:
					if x.ObjectDefinition != nil && !strings.HasPrefix(x.Name, "__") {
						coord := x.ObjectDefinition.Name + "." + x.Name
						mark(x.ObjectDefinition.Name, op.Name)
						mark(coord, op.Name)
						for _, a := range x.Arguments {
							mark(coord+"("+a.Name+":)", op.Name)
						}
					}
					walk(x.SelectionSet)
				case *ast.InlineFragment:
					walk(x.SelectionSet)
				case *ast.FragmentSpread:
					if x.Definition != nil {
						walk(x.Definition.SelectionSet)
					}
				}
			}
		}
		for _, o := range doc.Operations {
			walk(o.SelectionSet)
		}
		for _, f := range doc.Fragments {
			walk(f.SelectionSet)
		}
	}
	return used, skipped
}

// readSchemaDir reads the *.graphqls files of dir.
func readSchemaDir(dir string) ([]*ast.Source, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.graphqls"))
	if err != nil || len(names) == 0 {
		return nil, fmt.Errorf("schema check: no *.graphqls in %s", dir)
	}
	var out []*ast.Source
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			return nil, err
		}
		out = append(out, &ast.Source{Name: n, Input: string(b)})
	}
	return out, nil
}

// readBase reads the base schema: a file or directory when base names
// one, else the *.graphqls of dir at the git revision base.
func readBase(base, dir string) ([]*ast.Source, error) {
	if fi, err := os.Stat(base); err == nil {
		if fi.IsDir() {
			return readSchemaDir(base)
		}
		b, err := os.ReadFile(base)
		if err != nil {
			return nil, err
		}
		return []*ast.Source{{Name: base, Input: string(b)}}, nil
	}
	list, err := exec.Command("git", "ls-tree", "--name-only", base+":"+filepath.ToSlash(dir)).Output()
	if err != nil {
		return nil, fmt.Errorf("schema check: --base %s is neither a file nor a git revision with %s/: %w", base, dir, err)
	}
	var out []*ast.Source
	for _, n := range strings.Fields(string(list)) {
		if !strings.HasSuffix(n, ".graphqls") {
			continue
		}
		b, err := exec.Command("git", "show", base+":"+filepath.ToSlash(filepath.Join(dir, n))).Output()
		if err != nil {
			return nil, fmt.Errorf("schema check: git show %s:%s/%s: %w", base, dir, n, err)
		}
		out = append(out, &ast.Source{Name: base + ":" + dir + "/" + n, Input: string(b)})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("schema check: no *.graphqls in %s at %s", dir, base)
	}
	return out, nil
}

// errBreakingUsed fails the check.
var errBreakingUsed = errors.New("breaking changes touch coordinates that trusted documents or clients use")

// runSchema runs gqlbff schema check.
func runSchema(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	switch {
	case len(args) > 0 && args[0] == "check":
		args = args[1:]
	case len(args) > 0 && strings.HasPrefix(args[0], "-"): // --help
	default:
		return usagef("schema: want schema check --base REF|FILE")
	}
	fs := newFlags("schema", stderr)
	base := fs.String("base", "", "the base schema: a git revision (its schema/ directory) or an SDL file")
	dir := fs.String("schema", "schema", "the directory of the schema in the tree")
	var manifests stringList
	fs.Var(&manifests, "manifest", "a trusted-documents manifest whose documents count as usage (repeatable; default server/demomanifest.json)")
	usageFile := fs.String("usage", "", "a usage export (the JSON of the admin listener's GET /usage) whose clients count as usage")
	admin := fs.String("admin", "", "a running server's admin listener (such as http://127.0.0.1:9090): its GET /usage counts as usage")
	key := fs.String("key", "", "the admin key for --admin (default $GQLBFF_ADMIN_KEY)")
	days := fs.Int("days", 30, "the usage window: a client's use counts when it is at most this many days old")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *base == "" || fs.NArg() != 0 {
		return usagef("schema check: want --base REF|FILE and no other argument")
	}
	if *usageFile != "" && *admin != "" {
		return usagef("schema check: --usage and --admin: want one of them")
	}
	if *days <= 0 {
		return usagef("schema check: --days %d: want a positive number of days", *days)
	}
	if len(manifests) == 0 {
		manifests = stringList{"server/demomanifest.json"}
	}
	opts := checkOptions{manifests: manifests, days: *days, now: time.Now()}
	switch {
	case *usageFile != "":
		u, err := readUsageFile(*usageFile)
		if err != nil {
			return err
		}
		opts.usage, opts.usageFrom = u, *usageFile
	case *admin != "":
		if *key == "" && getenv != nil {
			*key = getenv("GQLBFF_ADMIN_KEY")
		}
		u, err := fetchUsage(ctx, "schema check", "schema check: usage", *admin, *key, *days)
		if err != nil {
			return err
		}
		opts.usage, opts.usageFrom = u, *admin
	}
	baseSrc, err := readBase(*base, *dir)
	if err != nil {
		return err
	}
	nextSrc, err := readSchemaDir(*dir)
	if err != nil {
		return err
	}
	report, failed, err := schemaCheck(baseSrc, nextSrc, opts)
	if err != nil {
		return err
	}
	fmt.Fprint(stdout, report)
	if failed {
		return errBreakingUsed
	}
	return nil
}

// checkOptions are what counts as usage in a schema check.
type checkOptions struct {
	manifests []string            // trusted-documents manifests
	usage     *server.UsageReport // clients' usage, or nil
	usageFrom string              // where usage came from, for the report
	days      int                 // the usage window
	now       time.Time
}

// schemaCheck compares next with base and reports; failed when a breaking
// change touches a coordinate that a trusted document of the manifests
// uses, or that a client of the usage used within the window.
func schemaCheck(baseSrc, nextSrc []*ast.Source, opts checkOptions) (report string, failed bool, err error) {
	base, err := loadSDL(baseSrc...)
	if err != nil {
		return "", false, fmt.Errorf("schema check: the base: %w", err)
	}
	next, err := loadSDL(nextSrc...)
	if err != nil {
		return "", false, fmt.Errorf("schema check: the tree: %w", err)
	}
	var ops []persisted.ApolloOperation
	for _, path := range opts.manifests {
		b, err := os.ReadFile(path)
		if err != nil {
			return "", false, fmt.Errorf("schema check: %w", err)
		}
		var m persisted.ApolloManifest
		if err := json.Unmarshal(b, &m); err != nil {
			return "", false, fmt.Errorf("schema check: %s: %w", path, err)
		}
		ops = append(ops, m.Operations...)
	}
	// Usage is resolved against the base: that is where a removed field
	// still exists.
	used, skipped := documentUsage(base, ops)
	var clients usageIndex
	if opts.usage != nil {
		clients = indexUsage(opts.usage, opts.now.AddDate(0, 0, -opts.days))
	}
	changes := diffSchemas(base, next)
	var b strings.Builder
	counts := map[string]int{}
	usedBreaking := 0
	for i := range changes {
		c := &changes[i]
		coords := touched(base, *c)
		for _, coord := range coords {
			for _, d := range used[coord] {
				if !slices.Contains(c.UsedBy, d) {
					c.UsedBy = append(c.UsedBy, d)
				}
			}
		}
		uses := clientsOf(clients, touchedByClients(base, *c))
		counts[c.Class]++
		line := fmt.Sprintf("%-9s  %-40s  %s", strings.ToUpper(c.Class), c.Coordinate, c.What)
		if len(c.UsedBy) > 0 {
			slices.Sort(c.UsedBy)
			line += "  (used by " + strings.Join(c.UsedBy, ", ") + ")"
		}
		if len(uses) > 0 {
			line += "  (used by clients: " + strings.Join(uses, ", ") + ")"
		}
		if c.Class == Breaking && (len(c.UsedBy) > 0 || len(uses) > 0) {
			usedBreaking++
		}
		b.WriteString(line + "\n")
	}
	for _, s := range skipped {
		fmt.Fprintf(&b, "note: trusted document %s is not valid against the base schema; its usage is not counted\n", s)
	}
	if opts.usage != nil {
		store := ""
		if opts.usage.Store != "" {
			store = " (store " + opts.usage.Store + ")"
		}
		fmt.Fprintf(&b, "usage: %d clients in %s%s, window %d days (since %s)\n", len(opts.usage.Clients), opts.usageFrom, store,
			opts.days, opts.now.AddDate(0, 0, -opts.days).UTC().Format(time.RFC3339))
		if opts.usage.Warning != "" {
			fmt.Fprintf(&b, "usage warning: %s\n", opts.usage.Warning)
		}
		if unused := unusedDeprecated(next, clients, used); len(unused) > 0 {
			fmt.Fprintf(&b, "deprecated and unused for %d days (safe to remove): %s\n", opts.days, strings.Join(unused, ", "))
		}
	}
	fmt.Fprintf(&b, "%d changes: %d breaking (%d used by trusted documents or clients), %d dangerous, %d safe\n",
		len(changes), counts[Breaking], usedBreaking, counts[Dangerous], counts[Safe])
	return b.String(), usedBreaking > 0, nil
}

// clientsOf lists the clients that used any of coords, each once with its
// latest use: "web/ios@3.2 (Customer.name, last 2026-12-06T10:00:00Z)".
func clientsOf(idx usageIndex, coords []string) []string {
	type last struct {
		coord string
		at    time.Time
	}
	byClient := map[string]last{}
	for _, coord := range coords {
		for _, u := range idx[coord] {
			if l, ok := byClient[u.Client]; !ok || u.LastSeen.After(l.at) {
				byClient[u.Client] = last{coord, u.LastSeen}
			}
		}
	}
	out := make([]string, 0, len(byClient))
	for who, l := range byClient {
		out = append(out, fmt.Sprintf("%s (%s, last %s)", who, l.coord, l.at.UTC().Format(time.RFC3339)))
	}
	slices.Sort(out)
	return out
}

// unusedDeprecated lists the deprecated fields, arguments and enum values
// of s that neither a client within the window nor a trusted document used.
func unusedDeprecated(s *ast.Schema, clients usageIndex, docs map[string][]string) []string {
	var out []string
	check := func(coord string, dirs ast.DirectiveList) {
		if _, dep := deprecation(dirs); dep && len(clients[coord]) == 0 && len(docs[coord]) == 0 {
			out = append(out, coord)
		}
	}
	for name, d := range s.Types {
		if d.BuiltIn {
			continue
		}
		for _, f := range d.Fields {
			check(name+"."+f.Name, f.Directives)
			for _, a := range f.Arguments {
				check(name+"."+f.Name+"("+a.Name+":)", a.Directives)
			}
		}
		for _, v := range d.EnumValues {
			check(name+"."+v.Name, v.Directives)
		}
	}
	slices.Sort(out)
	return out
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }
