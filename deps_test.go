package gqlbff_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependenciesPointDown keeps the package map of DESIGN.md true: arrows
// point down only, sources/ knows nothing of GraphQL, and the packages apart
// from HTTP stay apart from it.
func TestDependenciesPointDown(t *testing.T) {
	deps := func(pkg string) []string {
		t.Helper()
		b, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", pkg).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", pkg, err)
		}
		return strings.Fields(string(b))
	}
	const mod = "github.com/gqlbff/gqlbff"
	cases := []struct {
		pkg       string
		forbidden []string // import path prefixes
	}{
		{"sources", []string{mod + "/graph", mod + "/resolvers", mod + "/server", mod + "/cmd", "github.com/99designs/gqlgen", "github.com/vektah/gqlparser"}},
		{"sources/demo", []string{mod + "/graph", mod + "/resolvers", mod + "/server", mod + "/cmd", "github.com/99designs/gqlgen"}},
		{"graph", []string{mod + "/resolvers", mod + "/server", mod + "/cmd"}},
		{"resolvers", []string{mod + "/server", mod + "/cmd", mod + "/engine"}},
		{"cost", []string{mod + "/server", mod + "/cmd", "net/http", "github.com/99designs/gqlgen"}},
		{"budget", []string{mod + "/server", mod + "/cmd", "net/http", "github.com/99designs/gqlgen"}},
		{"persisted", []string{mod + "/server", mod + "/cmd", "net/http", "github.com/99designs/gqlgen"}},
		{"auth", []string{mod + "/server", mod + "/sources", mod + "/resolvers", mod + "/graph", mod + "/cmd", "github.com/99designs/gqlgen", "github.com/vektah/gqlparser"}},
		{"engine", []string{mod + "/resolvers", mod + "/server", mod + "/cmd", mod + "/sources"}},
		{"server", []string{mod + "/cmd", mod + "/sources/demo"}},
		{"scalars", []string{mod + "/graph", mod + "/resolvers", mod + "/server", mod + "/cmd", mod + "/sources", mod + "/engine"}},
	}
	t.Run("auth is a leaf", func(t *testing.T) {
		for _, d := range deps(mod + "/auth") {
			if strings.HasPrefix(d, mod+"/") && d != mod+"/auth" {
				t.Errorf("auth depends on %s: it is a leaf, golang-jwt and the standard library only", d)
			}
		}
	})
	t.Run("sources reaches Redis only through sources/cache", func(t *testing.T) {
		for _, d := range deps(mod + "/sources/cache") {
			if strings.HasPrefix(d, mod+"/") && d != mod+"/sources/cache" {
				t.Errorf("sources/cache depends on %s: it knows nothing of gqlbff's other packages", d)
			}
		}
		b, err := exec.Command("go", "list", "-f", `{{join .Imports " "}}`, mod+"/sources").Output()
		if err != nil {
			t.Fatalf("go list %s/sources: %v", mod, err)
		}
		for _, imp := range strings.Fields(string(b)) {
			if strings.HasPrefix(imp, "github.com/redis/") {
				t.Errorf("sources imports %s: it reaches Redis through sources/cache only", imp)
			}
		}
	})
	t.Run("caller is a leaf", func(t *testing.T) {
		for _, d := range deps(mod + "/caller") {
			if first, _, _ := strings.Cut(d, "/"); strings.Contains(first, ".") && d != mod+"/caller" {
				t.Errorf("caller depends on %s: it is a leaf, the standard library only", d)
			}
		}
	})
	t.Run("only cmd and bench import server", func(t *testing.T) {
		b, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, "./...").Output()
		if err != nil {
			t.Fatalf("go list ./...: %v", err)
		}
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			f := strings.Fields(line)
			pkg := f[0]
			if pkg == mod+"/server" || strings.HasPrefix(pkg, mod+"/server/") ||
				strings.HasPrefix(pkg, mod+"/cmd/") || strings.HasPrefix(pkg, mod+"/bench/") {
				continue
			}
			for _, imp := range f[1:] {
				if imp == mod+"/server" {
					t.Errorf("%s imports server: only cmd (and bench) may", pkg)
				}
			}
		}
	})
	for _, tc := range cases {
		t.Run(tc.pkg, func(t *testing.T) {
			for _, d := range deps(mod + "/" + tc.pkg) {
				for _, f := range tc.forbidden {
					if d == f || strings.HasPrefix(d, f+"/") {
						t.Errorf("%s depends on %s, against the package map", tc.pkg, d)
					}
				}
			}
		})
	}
}
