package server_test

import (
	"slices"
	"testing"

	"github.com/gqlbff/gqlbff/internal/testkit"
	"github.com/gqlbff/gqlbff/server"
)

// The nothing-lost checker keeps its own copy of the vocabulary, so that it
// depends on no package of the project: the two must not drift.
func TestCheckerKnowsTheVocabulary(t *testing.T) {
	got, want := slices.Sorted(slices.Values(testkit.Codes)), slices.Sorted(slices.Values(server.Codes()))
	if !slices.Equal(got, want) {
		t.Errorf("testkit.Codes: got %v, want server.Codes() %v", got, want)
	}
}
