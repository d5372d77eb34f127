package server_test

import (
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// TestGqlparserStopsAtDepth1000 keeps true what the structural limits rely
// on behind them: gqlparser v2.5.64 refuses nesting past depth 1,000 with an
// error, so a deep document cannot overflow the stack (a fatal error that
// recover cannot catch), even with the token limit off.
func TestGqlparserStopsAtDepth1000(t *testing.T) {
	for _, depth := range []int{2_000, 100_000} {
		doc := strings.Repeat("{a", depth) + strings.Repeat("}", depth)
		_, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: doc}, 0)
		if err == nil || !strings.Contains(err.Error(), "nesting depth") {
			t.Errorf("depth %d: got %v, want a nesting depth error", depth, err)
		}
	}
	ok := strings.Repeat("{a", 900) + strings.Repeat("}", 900)
	if _, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: ok}, 0); err != nil {
		t.Errorf("depth 900: got %v, want it parsed", err)
	}
}
