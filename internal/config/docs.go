package config

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"strings"
)

// Docs holds the doc comments of struct fields, by package path, type
// and field name ("github.com/x/y.Type.Field"): what the schema and the
// generated documentation say about each key.
type Docs map[string]string

func (d Docs) of(t reflect.Type, f reflect.StructField) string {
	return d[t.PkgPath()+"."+t.Name()+"."+f.Name]
}

// ReadDocs reads the doc comments of the fields of every struct type
// reachable from the struct dst points to, from the Go source of their
// packages: a package github.com/m/p/q of module m/p is read from
// root/q. Tools and tests call it; the binary needs none of it.
func ReadDocs(dst any, module, root string) (Docs, error) {
	pkgs := map[string]bool{}
	var collect func(t reflect.Type)
	collect = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || t == durationType {
			return
		}
		pkgs[t.PkgPath()] = true
		for i := range t.NumField() {
			collect(t.Field(i).Type)
		}
	}
	collect(reflect.TypeOf(dst).Elem())
	docs := Docs{}
	for pkg := range pkgs {
		rel, ok := strings.CutPrefix(pkg, module)
		if !ok {
			continue
		}
		dir := filepath.Join(root, filepath.FromSlash(strings.TrimPrefix(rel, "/")))
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			return nil, err
		}
		fset := token.NewFileSet()
		for _, name := range files {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
			if err != nil {
				return nil, err
			}
			ast.Inspect(f, func(n ast.Node) bool {
				ts, ok := n.(*ast.TypeSpec)
				if !ok {
					return true
				}
				st, ok := ts.Type.(*ast.StructType)
				if !ok {
					return true
				}
				for _, field := range st.Fields.List {
					text := field.Doc.Text()
					if text == "" {
						text = field.Comment.Text()
					}
					for _, n := range field.Names {
						docs[pkg+"."+ts.Name.Name+"."+n.Name] = strings.Join(strings.Fields(text), " ")
					}
				}
				return true
			})
		}
	}
	return docs, nil
}
