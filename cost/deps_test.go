package cost_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestKnowsNothingOfHTTP keeps the policy's building blocks free of the
// transport and of the server: the analyzer and the budget stores import
// neither net/http nor gqlgen nor gqlbff's server.
func TestKnowsNothingOfHTTP(t *testing.T) {
	for _, pkg := range []string{"github.com/gqlbff/gqlbff/cost", "github.com/gqlbff/gqlbff/budget"} {
		out, err := exec.Command("go", "list", "-deps", pkg).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", pkg, err)
		}
		for _, dep := range strings.Fields(string(out)) {
			if dep == "net/http" || strings.HasPrefix(dep, "github.com/99designs/gqlgen") || strings.HasPrefix(dep, "github.com/gqlbff/gqlbff/server") {
				t.Errorf("%s depends on %s", pkg, dep)
			}
		}
	}
}
