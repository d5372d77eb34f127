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
		{"resolvers", []string{mod + "/server", mod + "/cmd"}},
		{"cost", []string{mod + "/server", mod + "/cmd", "net/http", "github.com/99designs/gqlgen"}},
		{"budget", []string{mod + "/server", mod + "/cmd", "net/http", "github.com/99designs/gqlgen"}},
		{"persisted", []string{mod + "/server", mod + "/cmd", "net/http", "github.com/99designs/gqlgen"}},
		{"server", []string{mod + "/cmd"}},
	}
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
